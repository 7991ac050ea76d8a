"""Messy VOC folders: bad boxes are repaired with a warning, bad files are
refused naming each file, odd images train with a finite loss and the
lecture's matching."""
import os
import os.path as osp
import warnings

import cv2
import numpy as np
import pytest
import torch
from helpers import SHAPES_CFG, make_shapes, run_tool, tiny_config
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmdet.datasets import VOCDataset
from mmdet.registry import DATASETS, MODELS

from mmdet_fastssd.datasets import (
    SHAPES_CLASSES,
    BadAnnotationWarning,
    CheckedVOCDataset,
)
from mmdet_fastssd.datasets.xml_annotations import AnnotationError
from mmdet_fastssd.testing.lecture import (
    lecture_match,
)

ANN = 'VOC2007/ImageSets/Main/trainval.txt'


def jpeg(width=224, height=224, seed=0):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    return cv2.imencode('.jpg', img)[1].tobytes()


def xml(objects=(), size=(224, 224)):
    """objects: (name, (xmin, ymin, xmax, ymax), difficult)."""
    objs = ''.join(
        f'<object><name>{n}</name><difficult>{d}</difficult><bndbox>'
        f'<xmin>{b[0]}</xmin><ymin>{b[1]}</ymin><xmax>{b[2]}</xmax>'
        f'<ymax>{b[3]}</ymax></bndbox></object>' for n, b, d in objects)
    return (f'<annotation><size><width>{size[0]}</width><height>{size[1]}'
            f'</height></size>{objs}</annotation>')


def write_voc(root, files):
    """files: id -> (jpeg bytes or None, xml text or None); all listed."""
    voc = root / 'VOC2007'
    for sub in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
        (voc / sub).mkdir(parents=True, exist_ok=True)
    for img_id, (img, ann) in files.items():
        if img is not None:
            (voc / 'JPEGImages' / f'{img_id}.jpg').write_bytes(img)
        if ann is not None:
            (voc / 'Annotations' / f'{img_id}.xml').write_text(ann)
    (voc / 'ImageSets/Main/trainval.txt').write_text(
        ''.join(f'{i}\n' for i in files))
    return str(root)


def build(root, pipeline=(), **kwargs):
    init_default_scope('mmdet')
    kwargs.setdefault('metainfo', dict(classes=SHAPES_CLASSES))
    return CheckedVOCDataset(
        data_root=root, ann_file=ANN,
        data_prefix=dict(sub_data_root='VOC2007/'), pipeline=list(pipeline),
        **kwargs)


def bad_box_warnings(record):
    return [str(w.message) for w in record
            if issubclass(w.category, BadAnnotationWarning)]


def test_clean_folder_gives_exactly_voc_dataset_list(tmp_path):
    make_shapes(tmp_path, num_train=6, num_test=2, seed=1)
    init_default_scope('mmdet')
    kwargs = dict(data_root=str(tmp_path), metainfo=dict(
        classes=SHAPES_CLASSES), ann_file='SHAPES/ImageSets/Main/test.txt',
        data_prefix=dict(sub_data_root='SHAPES/'), pipeline=[])
    with warnings.catch_warnings():
        warnings.simplefilter('error', BadAnnotationWarning)
        checked = CheckedVOCDataset(**kwargs)
    stock = VOCDataset(**kwargs)
    assert len(checked) == len(stock) == 2
    for i in range(2):
        assert checked.get_data_info(i) == stock.get_data_info(i)
    assert sum(len(checked.get_data_info(i)['instances'])
               for i in range(2)) > 0


def test_custom_classes_are_not_tagged_voc2007(tmp_path):
    root = write_voc(tmp_path, {'a': (jpeg(), xml([('circle', (5, 5, 50,
                                                                50), 0)]))})
    assert build(root).metainfo['dataset_type'] is None  # own class names
    with pytest.warns(BadAnnotationWarning, match='skipped objects'):
        voc = build(root, unknown_classes='skip',
                    metainfo=dict(classes=VOCDataset.METAINFO['classes']))
    assert voc.metainfo['dataset_type'] == 'VOC2007'


def test_stock_voc_dataset_fails_without_naming_the_file(tmp_path):
    # what the checked dataset replaces: a bare error, a silent skip
    root = write_voc(tmp_path, {'a': (jpeg(), xml([('circle', ('nan', 5, 50,
                                                                50), 0)]))})
    init_default_scope('mmdet')
    with pytest.raises(ValueError, match='NaN') as info:
        VOCDataset(data_root=root, ann_file=ANN, pipeline=[],
                   data_prefix=dict(sub_data_root='VOC2007/'),
                   metainfo=dict(classes=SHAPES_CLASSES))
    assert 'a.xml' not in str(info.value)


BAD_BOXES = {
    'clean': (jpeg(), xml([('circle', (10, 10, 60, 60), 0),
                           ('ring', ('12.7', 20, '99.2', 80), 0)])),
    'nan': (jpeg(), xml([('circle', ('nan', 10, 60, 60), 0),
                         ('cross', (30, 30, 90, 90), 0)])),
    'mixed': (jpeg(), xml([
        ('circle', (60, 10, 10, 60), 0),      # inverted: dropped
        ('ring', (40, 40, 40, 90), 0),        # zero area: dropped
        ('cross', (-20, 100, 150, 300), 0),   # partly outside: clipped
        ('ring', (250, 250, 300, 300), 0),    # wholly outside: dropped
        ('triangle', (101, 101, 151, 141), 1)])),
}


def test_bad_boxes_are_repaired_with_one_warning_per_file(tmp_path):
    root = write_voc(tmp_path, BAD_BOXES)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        ds = build(root)
    msgs = bad_box_warnings(record)
    assert len(msgs) == 2
    nan_msg = next(m for m in msgs if 'nan.xml' in m)
    assert "object 0 ('circle', box [nan, 10, 60, 60]): not a number, " \
           'dropped' in nan_msg
    mixed = next(m for m in msgs if 'mixed.xml' in m)
    for words in ["object 0 ('circle', box [60, 10, 10, 60]): inverted",
                  "object 1 ('ring', box [40, 40, 40, 90]): zero area",
                  "object 2 ('cross', box [-20, 100, 150, 300]): outside "
                  'the image, clipped',
                  "object 3 ('ring', box [250, 250, 300, 300]): outside "
                  'the image, dropped']:
        assert words in mixed
    infos = {osp.basename(ds.get_data_info(i)['xml_path']):
             ds.get_data_info(i) for i in range(len(ds))}
    # VOCDataset's reading: int(x) - 1 of the (clipped) file coordinates
    assert [x['bbox'] for x in infos['clean.xml']['instances']] == [
        [9, 9, 59, 59], [11, 19, 98, 79]]
    assert [x['bbox'] for x in infos['nan.xml']['instances']] == [
        [29, 29, 89, 89]]
    mixed_insts = infos['mixed.xml']['instances']
    assert [(x['bbox'], x['bbox_label'], x['ignore_flag'])
            for x in mixed_insts] == [([-1, 99, 149, 223], 3, 0),
                                      ([100, 100, 150, 140], 2, 1)]


def tiny_model_and_pipeline():
    cfg = Config.fromfile(SHAPES_CFG)
    cfg.model.backbone.base_channels = 8
    cfg.model.bbox_head.in_channels = 32
    cfg.model.bbox_head.feat_channels = 32
    init_default_scope('mmdet')
    torch.manual_seed(0)
    return MODELS.build(cfg.model), cfg.train_pipeline


def train_steps(model, dataset, steps=2):
    """A few Adam steps on the whole data set as one batch: the losses."""
    optim = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    history = []
    for _ in range(steps):
        batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
        data = model.data_preprocessor(batch, True)
        losses = model(**data, mode='loss')
        total = sum(losses.values())
        assert all(torch.isfinite(v) for v in losses.values()), losses
        optim.zero_grad()
        total.backward()
        optim.step()
        history.append({k: float(v.detach()) for k, v in losses.items()})
    assert all(torch.isfinite(p).all() for p in model.parameters())
    return history, data


def test_repaired_boxes_train_with_a_finite_loss(tmp_path):
    model, pipeline = tiny_model_and_pipeline()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', BadAnnotationWarning)
        ds = build(write_voc(tmp_path, BAD_BOXES), pipeline)
    train_steps(model, ds)


def crowded_objects(num=300, seed=0):
    rng = np.random.default_rng(seed)
    x1, y1 = rng.integers(1, 180, (2, num))
    w, h = rng.integers(6, 90, (2, num))
    names = rng.choice(SHAPES_CLASSES, num)
    return [(str(n), (int(a), int(b), int(min(a + c, 224)),
                      int(min(b + d, 224))), 0)
            for n, a, b, c, d in zip(names, x1, y1, w, h)]


def test_empty_difficult_and_300_object_images(tmp_path):
    files = {
        'empty': (jpeg(seed=1), xml([])),
        'difficult': (jpeg(seed=2), xml([('circle', (10, 10, 90, 90), 1),
                                         ('ring', (100, 50, 200, 150), 1)])),
        'crowded': (jpeg(seed=3), xml(crowded_objects())),
    }
    root = write_voc(tmp_path, files)
    model, pipeline = tiny_model_and_pipeline()
    # mmdet's filter drops an image without objects, keeps a difficult one
    filtered = build(root, pipeline, filter_cfg=dict(filter_empty_gt=True))
    assert sorted(filtered.get_data_info(i)['img_id']
                  for i in range(len(filtered))) == ['crowded', 'difficult']
    ds = build(root, pipeline, filter_cfg=dict(filter_empty_gt=False))
    assert len(ds) == 3
    _, data = train_steps(model, ds)
    head = model.bbox_head
    priors, _ = head.prior_generator.flat_priors()
    thresh = head.assigner.pos_iou_thr
    fracs, counts = [], []
    for sample in data['data_samples']:
        h, w = sample.batch_input_shape
        boxes = sample.gt_instances.bboxes / torch.tensor([w, h, w, h])
        fracs.append(boxes.float())
        counts.append(len(boxes))
    assert counts == [0, 0, 300]  # the difficult boxes are ignored
    padded = torch.zeros(3, 300, 4)
    valid = torch.zeros(3, 300, dtype=torch.bool)
    for b, f in enumerate(fracs):
        padded[b, :len(f)], valid[b, :len(f)] = f, True
    gt_inds, _ = head.assigner.assign_batch(priors, padded, valid)
    assert (gt_inds[:2] == -1).all()  # nothing to match: all background
    expected = lecture_match(fracs[2], thresh,
                             tuple(head.prior_generator.grid_sizes))
    assert torch.equal(gt_inds[2], expected)
    assert (expected >= 0).sum() > 50  # the crowded image has positives


BROKEN = {
    'good': (jpeg(), xml([('circle', (10, 10, 60, 60), 0)])),
    'cutjpeg': (jpeg()[:-300], xml([('circle', (10, 10, 60, 60), 0)])),
    'noimage': (None, xml([('circle', (10, 10, 60, 60), 0)])),
    'noxml': (jpeg(), None),
    'malformed': (jpeg(), '<annotation><object><name>circle'),
    'dog': (jpeg(), xml([('dog', (10, 10, 60, 60), 0),
                         ('circle', (70, 70, 90, 90), 0)])),
}


def test_bad_files_are_named_in_one_error(tmp_path):
    root = write_voc(tmp_path, BROKEN)
    cfg = dict(type='CheckedVOCDataset', data_root=root, ann_file=ANN,
               data_prefix=dict(sub_data_root='VOC2007/'), pipeline=[],
               metainfo=dict(classes=SHAPES_CLASSES))
    init_default_scope('mmdet')
    with pytest.raises(AnnotationError) as info:
        DATASETS.build(cfg)  # the runner's path
    msg = str(info.value)
    voc = osp.join(root, 'VOC2007')
    assert f'5 of 6 images listed in {osp.join(root, ANN)}' in msg
    for words in [
            f'truncated JPEG (no end-of-image marker FF D9): '
            f'{osp.join(voc, "JPEGImages", "cutjpeg.jpg")}',
            f'image not found: {osp.join(voc, "JPEGImages", "noimage.jpg")}',
            'annotation file not found: '
            f'{osp.join(voc, "Annotations", "noxml.xml")}',
            'malformed XML in '
            f'{osp.join(voc, "Annotations", "malformed.xml")}',
            f'{osp.join(voc, "Annotations", "dog.xml")}: class name(s) '
            "['dog'] not in metainfo.classes"]:
        assert words in msg
    assert "unknown_classes='skip'" in msg
    assert 'good' not in msg


def test_unknown_classes_skip_says_what_it_skipped(tmp_path):
    root = write_voc(tmp_path, {k: BROKEN[k] for k in ('good', 'dog')})
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        ds = build(root, unknown_classes='skip')
    msgs = bad_box_warnings(record)
    assert len(msgs) == 1
    assert "objects per class {'dog': 1}" in msgs[0] and 'dog.xml' in msgs[0]
    dog = next(ds.get_data_info(i) for i in range(2)
               if ds.get_data_info(i)['img_id'] == 'dog')
    assert [x['bbox'] for x in dog['instances']] == [[69, 69, 89, 89]]


@pytest.mark.e2e
def test_failed_dataset_build_leaves_nothing_to_resume(tmp_path):
    # a set of its own: the test moves an image away
    data = tmp_path / 'data'
    checked = dict(dataset=dict(type='CheckedVOCDataset'))
    cfg = tiny_config(tmp_path / 'tiny.py', make_shapes(data),
                      train_dataloader=checked, val_dataloader=checked,
                      test_dataloader=checked)
    first = sorted((data / 'SHAPES' / 'ImageSets' / 'Main' / 'trainval.txt')
                   .read_text().split())[0]
    image = data / 'SHAPES' / 'JPEGImages' / f'{first}.jpg'
    moved = tmp_path / 'moved.jpg'
    image.rename(moved)
    work = tmp_path / 'work'
    cmd = ['tools/train.py', cfg, '--work-dir', work, '--resume']
    proc = run_tool(*cmd, check=False)
    assert proc.returncode != 0
    assert f'image not found: {image}' in proc.stdout, proc.stdout[-3000:]
    left = [f for _, _, fs in os.walk(work) for f in fs]
    assert 'last_checkpoint' not in left
    assert not [f for f in left if f.endswith('.pth')]
    moved.rename(image)
    run_tool(*cmd)
    assert (work / 'epoch_1.pth').is_file()
