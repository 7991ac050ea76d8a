"""Images + LabelImg XML -> the layout MMDetection's ``VOCDataset`` reads.

Writes ``OUT_DIR/VOC2007/{JPEGImages,Annotations,ImageSets/Main}`` with
seeded ``trainval.txt``/``test.txt`` splits (images and untouched XML files
linked, or copied with ``--copy``) and, with ``--coco``,
``OUT_DIR/annotations/{trainval,test}.json`` for ``CocoDataset``.

Every file is checked first (:mod:`.labelimg_check`); when any has a problem
nothing is written and the report says how to proceed. ``JPEGImages`` holds
``{id}.jpg`` because ``VOCDataset`` builds that name; a PNG keeps its bytes
under that name (OpenCV decodes by content, not by extension).
"""
import argparse
import json
import os
import os.path as osp
import random
import shutil
from typing import Dict, List, Optional, Sequence, Tuple
from xml.sax.saxutils import escape

from .labelimg_check import FileRecord, FolderReport, check_folder

SUBSET = 'VOC2007'
FIX_HELP = ('clips boxes to the image, drops empty, inverted and NaN boxes '
            'and objects of unlisted classes, writes the image size')


def split_ids(ids: Sequence[str], test_ratio: float,
              seed: int) -> Tuple[List[str], List[str]]:
    """Seeded split; the same ids, ratio and seed give the same split.

    Returns:
        tuple[list[str], list[str]]: sorted trainval and test ids.
    """
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    num_test = int(round(len(order) * test_ratio))
    return sorted(order[num_test:]), sorted(order[:num_test])


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f'{value:g}'


def voc_xml(rec: FileRecord) -> str:
    """A clean VOC XML of the record's checked objects."""
    lines = ['<annotation>', f'\t<folder>{SUBSET}</folder>',
             f'\t<filename>{escape(rec.img_id)}.jpg</filename>',
             f'\t<size><width>{rec.width}</width><height>{rec.height}'
             '</height><depth>3</depth></size>', '\t<segmented>0</segmented>']
    for obj in rec.objects:
        box = ''.join(f'<{k}>{_fmt(v)}</{k}>' for k, v in
                      zip(('xmin', 'ymin', 'xmax', 'ymax'), obj.bbox))
        lines += ['\t<object>', f'\t\t<name>{escape(obj.name)}</name>',
                  f'\t\t<difficult>{int(obj.difficult)}</difficult>',
                  f'\t\t<bndbox>{box}</bndbox>', '\t</object>']
    return '\n'.join(lines + ['</annotation>', ''])


def coco_dict(records: Sequence[FileRecord],
              classes: Sequence[str]) -> Dict:
    """COCO detection JSON of some records (``difficult`` -> ``iscrowd``).

    Boxes follow ``VOCDataset``'s reading (``x - 1`` for 1-based VOC), so
    both data sets give a model the same pixels.
    """
    cat = {c: i + 1 for i, c in enumerate(classes)}
    images, anns = [], []
    for img_num, rec in enumerate(records, 1):
        images.append(dict(id=img_num, file_name=f'{rec.img_id}.jpg',
                           width=rec.width, height=rec.height))
        for obj in rec.objects:
            x1, y1 = (max(v - 1, 0.0) for v in obj.bbox[:2])
            w, h = obj.bbox[2] - 1 - x1, obj.bbox[3] - 1 - y1
            anns.append(dict(id=len(anns) + 1, image_id=img_num,
                             category_id=cat[obj.name],
                             bbox=[x1, y1, w, h], area=w * h,
                             iscrowd=int(obj.difficult)))
    return dict(images=images, annotations=anns,
                categories=[dict(id=i, name=c) for c, i in cat.items()])


def _place(src: str, dst: str, copy: bool) -> None:
    if copy:
        shutil.copyfile(src, dst)
    else:
        os.symlink(osp.abspath(src), dst)


def _write_voc(tmp: str, records: Sequence[FileRecord],
               splits: Dict[str, List[str]], copy: bool) -> None:
    """The VOC2007 folder into ``tmp``."""
    for sub in ('JPEGImages', 'Annotations', osp.join('ImageSets', 'Main')):
        os.makedirs(osp.join(tmp, sub))
    for rec in records:
        _place(rec.image_path, osp.join(tmp, 'JPEGImages',
                                        f'{rec.img_id}.jpg'), copy)
        xml_out = osp.join(tmp, 'Annotations', f'{rec.img_id}.xml')
        if rec.fixable:  # --fix changed it: write the cleaned file
            with open(xml_out, 'w', encoding='utf-8') as f:
                f.write(voc_xml(rec))
        else:
            _place(rec.xml_path, xml_out, copy)
    for name, ids in splits.items():
        with open(osp.join(tmp, 'ImageSets', 'Main', f'{name}.txt'),
                  'w') as f:
            f.write(''.join(f'{i}\n' for i in ids))


def write_dataset(report: FolderReport, out_dir: str,
                  splits: Dict[str, List[str]], copy: bool = False,
                  coco: bool = False) -> None:
    """Write the data set; built beside its final place, then renamed.

    Args:
        report (FolderReport): a report without unrepaired problems.
        out_dir (str): the output root.
        splits (dict[str, list[str]]): ``trainval`` and ``test`` ids.
        copy (bool): copy files instead of linking. Defaults to False.
        coco (bool): also write COCO JSON. Defaults to False.
    """
    os.makedirs(out_dir, exist_ok=True)
    tmp = osp.join(out_dir, f'.{SUBSET}.partial-{os.getpid()}')
    shutil.rmtree(tmp, ignore_errors=True)
    by_id = {r.img_id: r for r in report.records}
    try:
        _write_voc(tmp, report.records, splits, copy)
        if coco:
            os.makedirs(osp.join(tmp, 'coco'))
            for name, ids in splits.items():
                with open(osp.join(tmp, 'coco', f'{name}.json'), 'w') as f:
                    json.dump(coco_dict([by_id[i] for i in ids],
                                        report.classes), f)
        if coco:
            ann_dir = osp.join(out_dir, 'annotations')
            os.makedirs(ann_dir, exist_ok=True)
            for name in splits:
                os.replace(osp.join(tmp, 'coco', f'{name}.json'),
                           osp.join(ann_dir, f'{name}.json'))
            os.rmdir(osp.join(tmp, 'coco'))
        shutil.rmtree(osp.join(out_dir, SUBSET), ignore_errors=True)
        os.rename(tmp, osp.join(out_dir, SUBSET))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report_lines(report: FolderReport) -> List[str]:
    """Per-file problems, then the classes, one line each."""
    lines = []
    for rec in report.records:
        problems = rec.problems()
        if problems:
            lines.append(f'{rec.xml_path}: {len(problems)} problem(s)')
            lines += [f'  - {p}' for p in problems]
    if report.unlabelled:
        lines.append(f'{len(report.unlabelled)} image(s) have no XML file '
                     'and are left out (LabelImg writes none for an image '
                     f'without boxes): {report.unlabelled[:5]}')
    counts = report.counts()
    lines.append(f'classes ({len(counts)}): ' + ', '.join(
        f'{c} ({n} boxes)' for c, n in counts.items()))
    return lines


def refusal(report: FolderReport, fix: bool) -> Optional[str]:
    """Why nothing may be written, with what to do; None when fine."""
    broken = [r for r in report.records if r.errors]
    fixable = [r for r in report.records if r.fixable]
    if not report.classes:
        return 'refused: no object of any class; nothing to train on.'
    if broken:
        return (f'refused: {len(broken)} file(s) have problems --fix cannot '
                'repair (missing or unreadable files, unnamed objects): '
                'repair or remove them and run again. Nothing was written.')
    if fixable and not fix:
        return (f'refused: {len(fixable)} file(s) have box, size or class '
                f'problems; run again with --fix ({FIX_HELP}), or pass '
                '--classes to list the classes. Nothing was written.')
    return None


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments of the converter."""
    parser = argparse.ArgumentParser(
        description='Images + LabelImg (Pascal VOC) XML files -> the '
        'VOC2007 layout of mmdet\'s VOCDataset (and COCO JSON).')
    parser.add_argument('images_dir', help='folder of images')
    parser.add_argument('xml_dir', help='folder of LabelImg XML files')
    parser.add_argument('out_dir', help='output root, e.g. data/mine')
    parser.add_argument('--test-ratio', type=float, default=0.2,
                        help='share of images in test.txt (default 0.2)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the split (default 0)')
    parser.add_argument('--classes', default=None,
                        help='comma-separated class names in label order '
                        '(default: every name found, sorted)')
    parser.add_argument('--copy', action='store_true',
                        help='copy files instead of linking them')
    parser.add_argument('--coco', action='store_true',
                        help='also write OUT_DIR/annotations/'
                        '{trainval,test}.json for CocoDataset')
    parser.add_argument('--fix', action='store_true', help=FIX_HELP)
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing OUT_DIR/VOC2007')
    args = parser.parse_args(argv)
    if not 0 <= args.test_ratio < 1:
        parser.error(f'--test-ratio must be in [0, 1), got {args.test_ratio}')
    return args


def _usage_lines(out_dir: str, classes: Sequence[str], coco: bool,
                 splits: Dict[str, List[str]], copy: bool) -> List[str]:
    """What was written and how a config points at it."""
    root = out_dir.rstrip('/') + '/'
    lines = [
        f'wrote {osp.join(out_dir, SUBSET)}: {len(splits["trainval"])} '
        f'trainval, {len(splits["test"])} test images '
        f'({"copied" if copy else "linked"})',
        f"config: data_root='{root}', metainfo=dict(classes="
        f'{tuple(classes)!r}), num_classes={len(classes)}, '
        f"ann_file='{SUBSET}/ImageSets/Main/trainval.txt' (test.txt), "
        f"data_prefix=dict(sub_data_root='{SUBSET}/')"]
    if coco:
        lines.append(f"COCO: ann_file='annotations/trainval.json' "
                     f"(test.json), data_prefix=dict(img='{SUBSET}/"
                     "JPEGImages/')")
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Check the folder, then write the data set or refuse.

    Returns:
        int: 0 when written, 1 when refused (nothing written).
    """
    args = parse_args(argv)
    classes = None
    if args.classes:
        classes = [c.strip() for c in args.classes.split(',') if c.strip()]
    try:
        report = check_folder(args.images_dir, args.xml_dir, classes)
    except FileNotFoundError as exc:
        print(f'refused: {exc}')
        return 1
    num_bad = sum(bool(r.problems()) for r in report.records)
    print(f'checked {len(report.records)} XML files in {args.xml_dir} '
          f'against {args.images_dir}: {num_bad} with problems')
    print('\n'.join(report_lines(report)))
    reason = refusal(report, args.fix)
    target = osp.join(args.out_dir, SUBSET)
    if reason is None and osp.exists(target) and not args.overwrite:
        reason = (f'refused: {target} exists; remove it or pass '
                  '--overwrite. Nothing was written.')
    if reason is not None:
        print(reason)
        return 1
    trainval, test = split_ids([r.img_id for r in report.records],
                               args.test_ratio, args.seed)
    splits = dict(trainval=trainval, test=test)
    write_dataset(report, args.out_dir, splits, args.copy, args.coco)
    print('\n'.join(_usage_lines(args.out_dir, report.classes, args.coco,
                                 splits, args.copy)))
    return 0
