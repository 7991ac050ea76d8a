"""Check a folder of images + LabelImg XML files, file by file.

Every XML file in the annotation folder is paired with its image (the
``<filename>`` tag, else the XML's stem with an image extension) and judged
with the same rules as :class:`~mmdet_fastssd.datasets.CheckedVOCDataset`
(:mod:`..xml_annotations`, :mod:`..image_checks`). Nothing is written here.
"""
import glob
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from ..image_checks import ImageFileError, read_image_info
from ..xml_annotations import (
    AnnotationError,
    BoxIssue,
    VOCObject,
    check_boxes,
    read_voc_xml,
    unknown_names,
)

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.JPG', '.JPEG', '.PNG',
              '.BMP')


@dataclass
class FileRecord:
    """One XML file and its image, with what is wrong with them.

    Args:
        img_id (str): the XML's stem, the id in the written data set.
        xml_path (str): the XML file.
        image_path (str, optional): its image, None when not found.
        width (int): the image's width (0 when unreadable).
        height (int): its height.
        objects (list[VOCObject]): objects that pass (clipped if needed).
        box_issues (list[BoxIssue]): boxes ``--fix`` drops or clips.
        unlisted (list[str]): class names not in ``--classes``
            (``--fix`` drops their objects).
        size_note (str): the XML's ``<size>`` is missing or differs from
            the image (``--fix`` writes the image's size).
        errors (list[str]): what ``--fix`` cannot repair.
    """
    img_id: str
    xml_path: str
    image_path: Optional[str] = None
    width: int = 0
    height: int = 0
    objects: List[VOCObject] = field(default_factory=list)
    box_issues: List[BoxIssue] = field(default_factory=list)
    unlisted: List[str] = field(default_factory=list)
    size_note: str = ''
    errors: List[str] = field(default_factory=list)

    @property
    def fixable(self) -> bool:
        """bool: has problems, all of which ``--fix`` repairs."""
        return not self.errors and bool(
            self.box_issues or self.unlisted or self.size_note)

    def problems(self) -> List[str]:
        """Every problem of the file, one line each."""
        lines = list(self.errors)
        if self.size_note:
            lines.append(self.size_note)
        if self.unlisted:
            lines.append(f'class name(s) not in --classes: {self.unlisted}')
        lines += [str(i) for i in self.box_issues]
        return lines


@dataclass
class FolderReport:
    """The whole folder.

    Args:
        records (list[FileRecord]): one per XML file, sorted by id.
        classes (tuple[str, ...]): ``--classes``, else every name found.
        unlabelled (list[str]): images that have no XML file.
    """
    records: List[FileRecord]
    classes: tuple
    unlabelled: List[str]

    def counts(self) -> Dict[str, int]:
        """Boxes per class after the checks."""
        counts = {c: 0 for c in self.classes}
        for rec in self.records:
            for obj in rec.objects:
                if obj.name in counts:
                    counts[obj.name] += 1
        return counts


def find_image(images_dir: str, xml_stem: str,
               filename: Optional[str]) -> Optional[str]:
    """The image of an XML file: ``<filename>``, else stem + extension."""
    names = [osp.basename(filename)] if filename else []
    names += [xml_stem + ext for ext in IMAGE_EXTS]
    for name in names:
        path = osp.join(images_dir, name)
        if osp.isfile(path):
            return path
    return None


def check_file(xml_path: str, images_dir: str,
               classes: Optional[Sequence[str]]) -> FileRecord:
    """Read and judge one XML file and its image.

    Args:
        xml_path (str): the XML file.
        images_dir (str): the images folder.
        classes (Sequence[str], optional): allowed names; None allows any.

    Returns:
        FileRecord: the file's objects and problems.
    """
    rec = FileRecord(osp.splitext(osp.basename(xml_path))[0], xml_path)
    try:
        ann = read_voc_xml(xml_path)
    except AnnotationError as exc:
        rec.errors.append(f'unreadable XML: {exc}')
        return rec
    rec.image_path = find_image(images_dir, rec.img_id, ann.filename)
    if rec.image_path is None:
        rec.errors.append(
            f'missing image: no {ann.filename or rec.img_id + ".*"} in '
            f'{images_dir}')
        return rec
    try:
        info = read_image_info(rec.image_path)
    except ImageFileError as exc:
        rec.errors.append(str(exc))
        return rec
    rec.width, rec.height = info.width, info.height
    if (ann.width, ann.height) != (info.width, info.height):
        written = (f'{ann.width}x{ann.height}' if ann.width and ann.height
                   else 'missing')
        rec.size_note = (f'<size> {written}, image is '
                         f'{info.width}x{info.height}')
    unnamed = [i for i, o in enumerate(ann.objects) if not o.name]
    if unnamed:
        rec.errors.append(f'object(s) {unnamed} have no <name>')
    rec.objects, rec.box_issues = check_boxes(ann, info.width, info.height)
    if classes is not None:
        listed = set(classes)
        rec.unlisted = unknown_names([o.name for o in ann.objects if o.name],
                                     listed)
        rec.objects = [o for o in rec.objects if o.name in listed]
        rec.box_issues = [i for i in rec.box_issues if i.name in listed]
    return rec


def check_folder(images_dir: str, xml_dir: str,
                 classes: Optional[Sequence[str]] = None) -> FolderReport:
    """Check every XML file of ``xml_dir`` against ``images_dir``.

    Args:
        images_dir (str): the images folder.
        xml_dir (str): the LabelImg XML folder (may be the same folder).
        classes (Sequence[str], optional): allowed class names, in label
            order. Defaults to None (every name found, sorted).

    Returns:
        FolderReport: per-file records, the classes and unlabelled images.

    Raises:
        FileNotFoundError: a folder is missing or holds no XML file.
    """
    for name, path in (('IMAGES_DIR', images_dir), ('XML_DIR', xml_dir)):
        if not osp.isdir(path):
            raise FileNotFoundError(f'{name} {path} is not a folder')
    xmls = sorted(glob.glob(osp.join(xml_dir, '*.xml')))
    if not xmls:
        raise FileNotFoundError(f'no .xml files in XML_DIR {xml_dir}')
    records = [check_file(p, images_dir, classes) for p in xmls]
    if classes is None:
        classes = sorted(
            {o.name for r in records for o in r.objects if o.name})
    paired = {osp.basename(r.image_path) for r in records if r.image_path}
    unlabelled = sorted(
        f for f in glob.glob(osp.join(images_dir, '*'))
        if f.endswith(IMAGE_EXTS) and osp.basename(f) not in paired)
    return FolderReport(records, tuple(classes), unlabelled)
