"""Tests of the synthetic shapes data set written in the VOC 2007 layout."""
import filecmp
import json
import os
import os.path as osp
import re
import xml.etree.ElementTree as ET
from typing import Dict, List, Tuple

import cv2
import numpy as np
import pytest

from mmdet_fastssd.datasets import shapes_generator
from mmdet_fastssd.datasets.shapes_generator import (
    SHAPES_CLASSES,
    generate_shapes_voc,
    main,
)
from mmdet_fastssd.datasets.shapes_render import (
    ShapeSpec,
    draw_shape_mask,
    mask_bbox,
    render_sample,
)

NUM_TRAIN, NUM_TEST, IMG_SIZE, SEED = 6, 3, 96, 0
SMALL = dict(num_train=NUM_TRAIN, num_test=NUM_TEST, img_size=IMG_SIZE,
             seed=SEED)


@pytest.fixture(scope='module')
def voc_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A tiny data set shared by the read-only tests (two processes)."""
    return generate_shapes_voc(str(tmp_path_factory.mktemp('shapes')),
                               workers=2, **SMALL)


def _ids(voc: str, split: str) -> List[str]:
    with open(osp.join(voc, 'ImageSets', 'Main', f'{split}.txt')) as f:
        return f.read().split()


def _objects(voc: str, image_id: str) -> Tuple[int, int, List[Dict]]:
    """Width, height and ``[{name, box (1-based), difficult}]`` from XML."""
    root = ET.parse(osp.join(voc, 'Annotations', f'{image_id}.xml')).getroot()
    assert root.findtext('folder') == 'SHAPES'
    assert root.findtext('filename') == f'{image_id}.jpg'
    objs = [dict(name=o.findtext('name'), difficult=o.findtext('difficult'),
                 box=[int(o.find('bndbox').findtext(k))
                      for k in ('xmin', 'ymin', 'xmax', 'ymax')])
            for o in root.findall('object')]
    return (int(root.findtext('size/width')),
            int(root.findtext('size/height')), objs)


def _all_files(voc: str) -> List[str]:
    return sorted(osp.relpath(osp.join(d, f), voc)
                  for d, _, files in os.walk(voc) for f in files)


def test_layout_and_splits(voc_dir: str) -> None:
    assert osp.basename(voc_dir) == 'SHAPES'
    train, test = _ids(voc_dir, 'trainval'), _ids(voc_dir, 'test')
    assert len(train) == NUM_TRAIN and len(test) == NUM_TEST
    assert not set(train) & set(test)
    ids = sorted(train + test)
    assert sorted(os.listdir(osp.join(voc_dir, 'JPEGImages'))) == [
        f'{i}.jpg' for i in ids]
    assert sorted(os.listdir(osp.join(voc_dir, 'Annotations'))) == [
        f'{i}.xml' for i in ids]
    with open(osp.join(voc_dir, '.complete')) as f:
        marker = json.load(f)
    assert {k: marker[k] for k in SMALL} == SMALL
    # nothing left behind next to SHAPES (temporary folders)
    assert os.listdir(osp.dirname(voc_dir)) == ['SHAPES']


def test_annotations_are_valid(voc_dir: str) -> None:
    sizes = set()
    for image_id in _ids(voc_dir, 'trainval') + _ids(voc_dir, 'test'):
        width, height, objs = _objects(voc_dir, image_id)
        img = cv2.imread(osp.join(voc_dir, 'JPEGImages', f'{image_id}.jpg'))
        assert img.shape == (height, width, 3)
        sizes.add((height, width))
        assert 0.75 * IMG_SIZE <= min(width, height)
        assert max(width, height) <= 1.25 * IMG_SIZE
        assert 1 <= len(objs) <= 6
        for obj in objs:
            assert obj['name'] in SHAPES_CLASSES and obj['difficult'] == '0'
            x0, y0, x1, y1 = obj['box']
            assert 1 <= x0 < x1 <= width and 1 <= y0 < y1 <= height
            assert min(x1 - x0, y1 - y0) >= 4
    assert (IMG_SIZE, IMG_SIZE) in sizes
    assert any(h != w for h, w in sizes), 'expected some non-square images'


def test_the_issue_properties_hold_over_many_images() -> None:
    """What makes mAP mean something: all classes, 1-6 objects, sizes from
    about 10% to 70% of the side, overlaps."""
    counts, names, rel_sizes, overlapping = [], set(), [], 0
    for index in range(120):
        image, objs = render_sample(SEED, index, 128)
        side = min(image.shape[:2])
        counts.append(len(objs))
        names |= {o.spec.name for o in objs}
        boxes = np.array([o.bbox for o in objs], dtype=float)  # [n, 4]
        rel_sizes += list(np.maximum(boxes[:, 2] - boxes[:, 0],
                                     boxes[:, 3] - boxes[:, 1]) / side)
        lt = np.maximum(boxes[:, None, :2], boxes[None, :, :2])  # [n, n, 2]
        rb = np.minimum(boxes[:, None, 2:], boxes[None, :, 2:])
        inter = np.clip(rb - lt, 0, None).prod(-1)  # [n, n]
        overlapping += bool(np.triu(inter, 1).any())
    assert names == set(SHAPES_CLASSES)
    assert min(counts) >= 1 and max(counts) == 6
    assert min(rel_sizes) < 0.15 and max(rel_sizes) > 0.6
    assert overlapping >= 0.2 * 120

def test_same_seed_same_bytes_other_seed_differs(voc_dir: str,
                                                 tmp_path) -> None:
    # the fixture drew with two processes, this in one: same bytes
    again = generate_shapes_voc(str(tmp_path / 'a'), workers=1, **SMALL)
    files = _all_files(voc_dir)
    assert files == _all_files(again)
    _, mismatch, errors = filecmp.cmpfiles(voc_dir, again, files,
                                           shallow=False)
    assert mismatch == [] and errors == []
    other = generate_shapes_voc(str(tmp_path / 'b'), **dict(SMALL, seed=1))
    jpgs = [f for f in files if f.endswith('.jpg')]
    _, mismatch, _ = filecmp.cmpfiles(voc_dir, other, jpgs, shallow=False)
    assert len(mismatch) == len(jpgs)


def test_boxes_are_tight_on_the_drawn_pixels(voc_dir: str) -> None:
    """XML boxes match the shapes redrawn alone, and the JPEG shows them."""
    ids = _ids(voc_dir, 'trainval') + _ids(voc_dir, 'test')
    for image_id in ids:
        _, _, objs = _objects(voc_dir, image_id)
        image, instances = render_sample(SEED, int(image_id), IMG_SIZE)
        jpg = cv2.imread(osp.join(voc_dir, 'JPEGImages', f'{image_id}.jpg'))
        height, width = jpg.shape[:2]
        assert image.shape == jpg.shape
        # the file is this image up to JPEG loss (mostly of the noise)
        blur = [cv2.GaussianBlur(i, (5, 5), 0).astype(int)
                for i in (image, jpg)]
        assert np.abs(blur[0] - blur[1]).mean() < 5
        assert [o['name'] for o in objs] == [i.spec.name for i in instances]
        masks = [draw_shape_mask(i.spec, height, width) for i in instances]
        covered = np.zeros((height, width), bool)
        for obj, inst, mask in reversed(list(zip(objs, instances, masks))):
            # the box is the tight box of the shape drawn on a blank canvas
            assert [v - 1 for v in obj['box']] == list(mask_bbox(mask))
            visible = mask & ~covered
            assert visible.sum() >= 0.5 * mask.sum()
            _check_pixels(jpg, visible, inst.color, obj['box'],
                          not covered.any())
            covered |= mask


def _check_pixels(jpg: np.ndarray, visible: np.ndarray, color: tuple,
                  box: List[int], topmost: bool) -> None:
    """The object's visible pixels carry its color; the box hugs them.

    JPEG blurs edges and thin tips a little, hence the tolerances.
    """
    core = cv2.erode(visible.astype(np.uint8), np.ones((3, 3), np.uint8),
                     iterations=1) > 0
    dist = np.linalg.norm(jpg.astype(np.float32) - np.float32(color), axis=2)
    if core.sum() >= 10:
        assert np.mean(dist[core] < 60) > 0.9
    if topmost:  # nothing hides it: its colored pixels span the box
        x0, y0, x1, y1 = (v - 1 for v in box)
        near = np.zeros_like(visible)
        near[max(0, y0 - 2):y1 + 3, max(0, x0 - 2):x1 + 3] = True
        found = mask_bbox(near & (dist < 45))
        assert np.abs(np.subtract(found, (x0, y0, x1, y1))).max() <= 2


@pytest.mark.parametrize('name,params,fill', [
    ('rectangle', (), (1.0, 1.0)), ('circle', (), (0.74, 0.83)),
    ('triangle', (0.0, 0.5), (0.45, 0.55)), ('cross', (0.3, 0.3), (0.5, 0.53)),
    ('ring', (0.3,), (0.3, 0.45))])
def test_draw_shape_mask_fills_its_layout(name: str, params: tuple,
                                          fill: tuple) -> None:
    layout = (10, 20, 49, 39)  # 40 x 20 pixels
    mask = draw_shape_mask(ShapeSpec(name, layout, params), 60, 70)
    assert np.abs(np.subtract(mask_bbox(mask), layout)).max() <= 1
    assert fill[0] <= mask.sum() / (40 * 20) <= fill[1]
    center = mask[29:31, 29:31].all()
    assert center == (name != 'ring')  # the ring is hollow
    assert mask[20, 10] == (name == 'rectangle')  # a corner


def test_second_call_is_a_no_op(tmp_path) -> None:
    voc = generate_shapes_voc(str(tmp_path), workers=1, **SMALL)
    marker = osp.join(voc, '.complete')
    stamp = os.stat(marker).st_mtime_ns
    os.remove(osp.join(voc, 'JPEGImages', '000000.jpg'))
    assert generate_shapes_voc(str(tmp_path), workers=1, **SMALL) == voc
    assert os.stat(marker).st_mtime_ns == stamp
    assert not osp.exists(osp.join(voc, 'JPEGImages', '000000.jpg'))


def test_other_params_raise_unless_overwrite(tmp_path) -> None:
    voc = generate_shapes_voc(str(tmp_path), workers=1, **SMALL)
    with pytest.raises(ValueError, match=re.escape(voc)):
        generate_shapes_voc(str(tmp_path), **dict(SMALL, num_train=4))
    assert len(_ids(voc, 'trainval')) == NUM_TRAIN
    assert generate_shapes_voc(str(tmp_path), overwrite=True, workers=1,
                               **dict(SMALL, num_train=4)) == voc
    assert len(_ids(voc, 'trainval')) == 4
    assert len(os.listdir(osp.join(voc, 'JPEGImages'))) == 4 + NUM_TEST
    assert os.listdir(tmp_path) == ['SHAPES']


def test_incomplete_folder_raises(tmp_path) -> None:
    os.makedirs(tmp_path / 'SHAPES' / 'JPEGImages')
    with pytest.raises(ValueError, match='not a complete'):
        generate_shapes_voc(str(tmp_path), **SMALL)


def test_interrupted_run_leaves_nothing(tmp_path, monkeypatch) -> None:
    real = shapes_generator._write_sample

    def failing(voc: str, seed: int, index: int, img_size: int) -> None:
        if index == 4:
            raise KeyboardInterrupt
        real(voc, seed, index, img_size)

    monkeypatch.setattr(shapes_generator, '_write_sample', failing)
    with pytest.raises(KeyboardInterrupt):  # in-process: the patch applies
        generate_shapes_voc(str(tmp_path), workers=1, **SMALL)
    assert os.listdir(tmp_path) == []
    monkeypatch.setattr(shapes_generator, '_write_sample', real)
    voc = generate_shapes_voc(str(tmp_path), workers=1, **SMALL)
    monkeypatch.setattr(shapes_generator, '_write_sample', failing)
    with pytest.raises(KeyboardInterrupt):
        generate_shapes_voc(str(tmp_path), overwrite=True, workers=1,
                            **SMALL)
    assert os.listdir(tmp_path) == ['SHAPES']  # old data set kept
    assert len(_ids(voc, 'trainval')) == NUM_TRAIN


@pytest.mark.e2e
def test_worker_errors_reach_the_caller(tmp_path) -> None:
    """A failure inside a drawing process is raised, not swallowed."""
    params = dict(seed=SEED, img_size=IMG_SIZE)
    with pytest.raises(OSError, match='could not write image'):
        shapes_generator._write_samples(str(tmp_path / 'missing'), params,
                                        total=8, workers=2)


def test_cli(tmp_path, capsys) -> None:
    out = str(tmp_path / 'cli')
    assert main(['--out', out, '--num-train', '2', '--num-test', '1',
                 '--img-size', '64', '--seed', '3']) == 0
    printed = capsys.readouterr().out
    assert osp.join(out, 'SHAPES') in printed and '2 trainval' in printed
    with pytest.raises(SystemExit):
        main(['--out', out, '--num-train', '3'])
    assert 'SHAPES' in capsys.readouterr().err


def test_mmdet_voc_dataset_reads_it(voc_dir: str) -> None:
    voc_dataset = pytest.importorskip('mmdet.datasets').VOCDataset
    ds = voc_dataset(
        data_root=osp.dirname(voc_dir),
        ann_file='SHAPES/ImageSets/Main/trainval.txt',
        data_prefix=dict(sub_data_root='SHAPES/'),
        metainfo=dict(classes=SHAPES_CLASSES), pipeline=[], test_mode=False)
    assert len(ds) == NUM_TRAIN
    # not tagged VOC2007, so VOCMetric names rows with the shapes classes
    assert ds.metainfo['dataset_type'] is None
    for info in (ds.get_data_info(i) for i in range(len(ds))):
        image_id = osp.splitext(osp.basename(info['img_path']))[0]
        assert osp.isfile(info['img_path'])
        width, height, objs = _objects(voc_dir, image_id)
        assert (info['width'], info['height']) == (width, height)
        assert [i['bbox_label'] for i in info['instances']] == [
            SHAPES_CLASSES.index(o['name']) for o in objs]
        # mmdet subtracts 1 from all four VOC coordinates
        assert [i['bbox'] for i in info['instances']] == [
            [v - 1 for v in o['box']] for o in objs]
        assert all(i['ignore_flag'] == 0 for i in info['instances'])
