"""Synthetic shapes detection data written in the Pascal VOC 2007 layout.

Writes ``<out_root>/SHAPES/{JPEGImages,Annotations,ImageSets/Main}`` with
``trainval.txt`` and a held-out ``test.txt``, which MMDetection's own
``VOCDataset`` reads unchanged. Images are drawn by
:mod:`.shapes_render`; a fixed seed gives byte-identical files.

Run ``python tools/misc/make_shapes.py --out data/shapes`` to build the default
set.
"""
import argparse
import json
import multiprocessing
import os
import os.path as osp
import shutil
import tempfile
from typing import Any, Dict, Optional, Sequence

import cv2

from .shapes_render import SHAPES_CLASSES, ShapeInstance, render_sample

GENERATOR_VERSION = 2
# Not "VOC2007": mmdet's VOCDataset would tag the set as VOC2007 and VOCMetric
# would then print the 20 VOC class names in its per-class table.
SUBSET = 'SHAPES'
MARKER_NAME = '.complete'
JPEG_QUALITY = 95
# full-resolution chroma: 4:2:0 subsampling washes out thin colored strokes
_JPEG_FLAGS = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY,
               cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
               cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]

__all__ = ['SHAPES_CLASSES', 'annotation_xml', 'generate_shapes_voc', 'main']


def annotation_xml(image_id: str, width: int, height: int,
                   instances: Sequence[ShapeInstance]) -> str:
    """VOC XML for one image, boxes 1-based inclusive as in real VOC.

    Args:
        image_id (str): file stem, e.g. ``'000007'``.
        width (int): image width.
        height (int): image height.
        instances (Sequence[ShapeInstance]): the objects.

    Returns:
        str: the XML document.
    """
    lines = ['<annotation>', '\t<folder>SHAPES</folder>',
             f'\t<filename>{image_id}.jpg</filename>',
             '\t<source><database>mmdet_fastssd shapes</database></source>',
             f'\t<size><width>{width}</width><height>{height}</height>'
             '<depth>3</depth></size>', '\t<segmented>0</segmented>']
    for inst in instances:
        x0, y0, x1, y1 = (v + 1 for v in inst.bbox)
        lines += ['\t<object>', f'\t\t<name>{inst.spec.name}</name>',
                  '\t\t<pose>Unspecified</pose>',
                  '\t\t<truncated>0</truncated>',
                  '\t\t<difficult>0</difficult>',
                  f'\t\t<bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin>'
                  f'<xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox>',
                  '\t</object>']
    return '\n'.join(lines + ['</annotation>']) + '\n'


def _write_sample(voc_dir: str, seed: int, index: int, img_size: int) -> None:
    """Render image ``index`` and write its JPEG and XML under ``voc_dir``."""
    image, instances = render_sample(seed, index, img_size)
    image_id = f'{index:06d}'
    jpg = osp.join(voc_dir, 'JPEGImages', f'{image_id}.jpg')
    if not cv2.imwrite(jpg, image, _JPEG_FLAGS):
        raise OSError(f'could not write image {jpg}')
    xml = annotation_xml(image_id, image.shape[1], image.shape[0], instances)
    with open(osp.join(voc_dir, 'Annotations', f'{image_id}.xml'), 'w',
              encoding='utf-8', newline='\n') as f:
        f.write(xml)


def _write_samples(voc_dir: str, params: Dict[str, Any], total: int,
                   workers: int) -> None:
    """Write samples ``0..total-1``, in ``workers`` processes if above 1.

    Each sample has its own random stream, so the files are the same
    whatever the number of processes.
    """
    args = [(voc_dir, params['seed'], i, params['img_size'])
            for i in range(total)]
    if workers <= 1 or total < 2 * workers:
        for arg in args:
            _write_sample(*arg)
        return
    with multiprocessing.get_context('spawn').Pool(workers) as pool:
        pool.starmap(_write_sample, args, chunksize=64)


def _write_dataset(voc_dir: str, params: Dict[str, Any],
                   workers: int = 1) -> None:
    """Write all images, annotations, split files and lastly the marker."""
    for sub in ('JPEGImages', 'Annotations', osp.join('ImageSets', 'Main')):
        os.makedirs(osp.join(voc_dir, sub))
    num_train = params['num_train']
    total = num_train + params['num_test']
    splits = {'trainval': range(num_train), 'test': range(num_train, total)}
    for split, indices in splits.items():
        with open(osp.join(voc_dir, 'ImageSets', 'Main', f'{split}.txt'), 'w',
                  encoding='utf-8', newline='\n') as f:
            f.write(''.join(f'{i:06d}\n' for i in indices))
    _write_samples(voc_dir, params, total, workers)
    with open(osp.join(voc_dir, MARKER_NAME), 'w', encoding='utf-8') as f:
        json.dump(params, f, sort_keys=True)


def _read_marker(voc_dir: str) -> Optional[Dict[str, Any]]:
    """Parameters recorded in ``voc_dir``'s marker, None if it has none."""
    try:
        with open(osp.join(voc_dir, MARKER_NAME), encoding='utf-8') as f:
            return json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _is_done(voc_dir: str, params: Dict[str, Any]) -> bool:
    """Whether ``voc_dir`` already holds this data set.

    Args:
        voc_dir (str): the SHAPES folder.
        params (Dict[str, Any]): generation parameters.

    Returns:
        bool: True when it is complete and matches ``params``, False when it
        does not exist.

    Raises:
        ValueError: it exists but is incomplete or made with other
            parameters.
    """
    if not osp.lexists(voc_dir):
        return False
    found = _read_marker(voc_dir)
    if found == params:
        return True
    state = ('is not a complete generated data set (no valid '
             f'{MARKER_NAME})' if found is None else f'was generated with '
             f'{json.dumps(found, sort_keys=True)}')
    wanted = json.dumps(params, sort_keys=True)
    raise ValueError(f'{voc_dir} {state}, not {wanted}; remove it or pass '
                     'overwrite=True (--overwrite)')


def _swap_in(tmp_dir: str, voc_dir: str, params: Dict[str, Any],
             overwrite: bool) -> None:
    """Rename the finished ``tmp_dir`` to ``voc_dir``.

    Args:
        tmp_dir (str): the complete new folder.
        voc_dir (str): its final path.
        params (Dict[str, Any]): generation parameters.
        overwrite (bool): replace an existing ``voc_dir``; if False, one that
            appeared meanwhile (a concurrent run) is kept if it matches.
    """
    old = None
    if osp.lexists(voc_dir):
        if not overwrite:
            shutil.rmtree(tmp_dir)
            _is_done(voc_dir, params)  # raises unless it matches
            return
        old = tempfile.mkdtemp(prefix='.SHAPES.old-',
                               dir=osp.dirname(voc_dir))
        os.replace(voc_dir, osp.join(old, SUBSET))
    os.replace(tmp_dir, voc_dir)
    if old is not None:
        shutil.rmtree(old)


def generate_shapes_voc(out_root: str, num_train: int = 800,
                        num_test: int = 200, img_size: int = 224,
                        seed: int = 0, overwrite: bool = False,
                        workers: Optional[int] = None) -> str:
    """Write the synthetic shapes data set as ``<out_root>/SHAPES``.

    Generates into a hidden temporary sibling folder and renames it into
    place, so an interrupted run leaves no half-written ``SHAPES``. A
    complete folder made with the same parameters is reused as it is.

    Args:
        out_root (str): folder to hold ``SHAPES``, created if missing.
        num_train (int): images listed in ``trainval.txt``. Defaults to 800.
        num_test (int): held-out images in ``test.txt``. Defaults to 200.
        img_size (int): nominal image side; some images get each side
            scaled by 0.75 to 1.25. Defaults to 224.
        seed (int): random seed. Defaults to 0.
        overwrite (bool): regenerate and replace an existing ``SHAPES``,
            even a matching one. Defaults to False.
        workers (int, optional): processes drawing images; the files do not
            depend on it. Defaults to None: one per CPU core.

    Returns:
        str: path of the ``SHAPES`` folder.

    Raises:
        ValueError: bad parameters, or ``SHAPES`` exists, incomplete or
            made with other parameters, and ``overwrite`` is False.
    """
    if num_train < 1 or num_test < 0 or img_size < 32 or seed < 0:
        raise ValueError('need num_train >= 1, num_test >= 0, img_size >= 32 '
                         f'and seed >= 0, got {num_train}, {num_test}, '
                         f'{img_size}, {seed}')
    params = dict(generator='mmdet_fastssd.shapes', version=GENERATOR_VERSION,
                  num_train=num_train, num_test=num_test, img_size=img_size,
                  seed=seed)
    voc_dir = osp.join(osp.abspath(out_root), SUBSET)
    if not overwrite and _is_done(voc_dir, params):
        return voc_dir
    os.makedirs(osp.dirname(voc_dir), exist_ok=True)
    tmp_dir = tempfile.mkdtemp(prefix='.SHAPES.tmp-',
                               dir=osp.dirname(voc_dir))
    try:
        os.rmdir(tmp_dir)  # _write_dataset creates the tree itself
        _write_dataset(tmp_dir, params, workers or os.cpu_count() or 1)
        _swap_in(tmp_dir, voc_dir, params, overwrite)
    finally:
        if osp.lexists(tmp_dir):
            shutil.rmtree(tmp_dir, ignore_errors=True)
    return voc_dir


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line entry: generate the data set and print where it is.

    Args:
        argv (Optional[Sequence[str]]): arguments, None for ``sys.argv``.
            Defaults to None.

    Returns:
        int: exit status 0.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/shapes',
                        help='folder to hold SHAPES (default: data/shapes)')
    parser.add_argument('--num-train', type=int, default=800)
    parser.add_argument('--num-test', type=int, default=200)
    parser.add_argument('--img-size', type=int, default=224)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--workers', type=int, default=None,
                        help='drawing processes (default: one per core)')
    parser.add_argument('--overwrite', action='store_true',
                        help='regenerate and replace an existing SHAPES')
    args = parser.parse_args(argv)
    try:
        voc_dir = generate_shapes_voc(args.out, args.num_train, args.num_test,
                                      args.img_size, args.seed, args.overwrite,
                                      args.workers)
    except ValueError as err:
        parser.error(str(err))
    print(f'{voc_dir}: {args.num_train} trainval + {args.num_test} test '
          f'images, classes {", ".join(SHAPES_CLASSES)}')
    return 0
