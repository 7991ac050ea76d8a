"""``VOCDataset`` that checks every annotation and image when it is built.

MMDetection's ``XMLDataset`` reads each box with ``int(float(text))`` (a NaN
raises a bare ``ValueError`` naming no file), keeps zero-area, inverted and
out-of-image boxes, skips class names the config does not list without a
word, and meets a missing or truncated image only when training reaches it.
"""
import os.path as osp
import warnings
from typing import List, Optional, Sequence

from mmengine.fileio import list_from_file

from mmdet.datasets import VOCDataset
from mmdet.registry import DATASETS

from .image_checks import ImageFileError, read_image_info
from .xml_annotations import (
    AnnotationError,
    VOCObject,
    check_boxes,
    describe_issues,
    read_voc_xml,
    unknown_names,
)

__all__ = ['BadAnnotationWarning', 'CheckedVOCDataset']

MAX_LISTED = 20


class BadAnnotationWarning(UserWarning):
    """Boxes or objects that were dropped, clipped or skipped."""


@DATASETS.register_module()
class CheckedVOCDataset(VOCDataset):
    """VOC XML dataset that refuses bad files and repairs bad boxes.

    On clean data it gives exactly ``VOCDataset``'s data list. Otherwise:

    * every problem below is collected over the whole ``ann_file`` list and
      raised as ONE :class:`AnnotationError` naming each file: a missing or
      malformed XML file, a missing, unreadable or truncated image (local
      files only), a class name not in ``metainfo.classes`` (unless
      ``unknown_classes='skip'``);
    * NaN, inverted, zero-area boxes are dropped and out-of-image boxes
      clipped (:func:`~.xml_annotations.check_boxes`), with one
      :class:`BadAnnotationWarning` per file naming the file and the boxes;
    * an XML without ``<size>`` takes the image's size from its header
      (``VOCDataset`` decodes the whole image for it);
    * a data set whose classes are not VOC's 20 is not tagged ``VOC2007``,
      so ``VOCMetric`` prints its own class names, not VOC's.

    Args:
        unknown_classes (str): ``'error'`` or ``'skip'`` (drop such objects
            with one warning naming the classes and files).
            Defaults to ``'error'``.
        check_images (bool): check that every image exists, opens and is
            not truncated (local files). Defaults to True.
        **kwargs: ``VOCDataset``'s arguments.
    """

    def __init__(self, unknown_classes: str = 'error',
                 check_images: bool = True, **kwargs) -> None:
        if unknown_classes not in ('error', 'skip'):
            raise ValueError("dataset unknown_classes must be 'error' or "
                             f"'skip', got {unknown_classes!r}")
        self.unknown_classes = unknown_classes
        self.check_images = check_images
        self._skipped = {}
        super().__init__(**kwargs)
        if tuple(self._metainfo['classes']) != tuple(
                VOCDataset.METAINFO['classes']):
            self._metainfo['dataset_type'] = None

    @property
    def _local(self) -> bool:
        backend = (self.backend_args or {}).get('backend', 'local')
        return backend == 'local'

    def load_data_list(self) -> List[dict]:
        """Parse every listed file; raise once, naming all bad files."""
        classes = self._metainfo.get('classes')
        if not classes:
            raise ValueError(f'{type(self).__name__} needs metainfo.classes')
        self.cat2label = {cat: i for i, cat in enumerate(classes)}
        img_ids = list_from_file(self.ann_file,
                                 backend_args=self.backend_args)
        data_list, errors = [], []
        for img_id in img_ids:
            info = dict(img_id=img_id,
                        file_name=osp.join(self.img_subdir, f'{img_id}.jpg'),
                        xml_path=osp.join(self.sub_data_root,
                                          self.ann_subdir, f'{img_id}.xml'))
            try:
                data_list.append(self.parse_data_info(info))
            except (AnnotationError, ImageFileError) as exc:
                errors.append(str(exc))
        if errors:
            raise AnnotationError(self._error_text(errors, len(img_ids)))
        self._warn_skipped()
        return data_list

    def _error_text(self, errors: Sequence[str], total: int) -> str:
        lines = [f'  - {e}' for e in errors[:MAX_LISTED]]
        if len(errors) > MAX_LISTED:
            lines.append(f'  ... and {len(errors) - MAX_LISTED} more')
        return (f'{len(errors)} of {total} images listed in {self.ann_file} '
                'cannot be used:\n' + '\n'.join(lines) +
                f'\nRepair or remove these files, or drop their ids from '
                f'{self.ann_file}. tools/dataset_converters/labelimg_to_voc.py'
                ' checks a whole folder before writing one.')

    def _warn_skipped(self) -> None:
        if not self._skipped:
            return
        files = sorted({f for fs in self._skipped.values() for f in fs})
        counts = {n: len(fs) for n, fs in self._skipped.items()}
        warnings.warn(
            f'{self.ann_file}: skipped objects of classes not in '
            f'metainfo.classes (unknown_classes=\'skip\'), objects per class '
            f'{counts}, in {len(files)} file(s): {files[:MAX_LISTED]}',
            BadAnnotationWarning)

    def _image_size(self, img_path: str, width: Optional[int],
                    height: Optional[int]) -> tuple:
        """(width, height): the XML's, checked image header's when absent."""
        if self.check_images and self._local:
            info = read_image_info(img_path)
            if not (width and height):
                return info.width, info.height
        elif not (width and height):
            raise AnnotationError(
                f'{img_path}: the XML has no <size> and check_images is off')
        return width, height

    def parse_data_info(self, img_info: dict) -> dict:
        """One image's data info, the same keys as ``XMLDataset``'s.

        Raises:
            AnnotationError: the XML is missing or malformed, or names a
                class not listed (with ``unknown_classes='error'``).
            ImageFileError: the image is missing, unreadable or truncated.
        """
        xml_path = img_info['xml_path']
        img_path = osp.join(self.sub_data_root, img_info['file_name'])
        ann = read_voc_xml(xml_path)
        width, height = self._image_size(img_path, ann.width, ann.height)
        objects = self._known_objects(ann.objects, xml_path)
        ann.objects = objects
        kept, issues = check_boxes(ann, width, height)
        if issues:
            warnings.warn(describe_issues(xml_path, issues),
                          BadAnnotationWarning)
        return dict(img_path=img_path, img_id=img_info['img_id'],
                    xml_path=xml_path, height=height, width=width,
                    instances=[self._instance(o) for o in kept])

    def _known_objects(self, objects: List[VOCObject],
                       xml_path: str) -> List[VOCObject]:
        unknown = unknown_names([o.name for o in objects], self.cat2label)
        if not unknown:
            return objects
        if self.unknown_classes == 'error':
            raise AnnotationError(
                f'{xml_path}: class name(s) {unknown} not in metainfo.classes'
                f' {tuple(self.cat2label)}; add them to the config\'s '
                "metainfo.classes, or set unknown_classes='skip' in the "
                'dataset config to drop such objects')
        for name in unknown:
            self._skipped.setdefault(name, set()).add(xml_path)
        return [o for o in objects if o.name in self.cat2label]

    def _instance(self, obj: VOCObject) -> dict:
        """``XMLDataset``'s instance dict: ``int(x) - 1`` pixel box."""
        bbox = [int(v) - 1 for v in obj.bbox]
        ignore = False
        if self.bbox_min_size is not None:
            ignore = (bbox[2] - bbox[0] < self.bbox_min_size
                      or bbox[3] - bbox[1] < self.bbox_min_size)
        return dict(bbox=bbox, bbox_label=self.cat2label[obj.name],
                    ignore_flag=int(obj.difficult or ignore))
