"""BatchedMinIoURandomCrop: mmdet's min-IoU crop with its trials at once."""
import numpy as np
import pytest

from mmdet.datasets.transforms import MinIoURandomCrop
from mmdet.structures.bbox import HorizontalBoxes, bbox_overlaps

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.datasets.transforms import BatchedMinIoURandomCrop
from mmdet_fastssd.datasets.transforms.batched_min_iou_crop import (
    centers_inside,
    patch_ious,
)


def sample(boxes, labels=None, w=200, h=100):
    """A results dict: an image whose pixel (y, x) holds x and y."""
    ys, xs = np.mgrid[0:h, 0:w]
    img = np.stack([xs, ys, np.zeros_like(xs)], -1).astype(np.uint8)
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    if labels is None:
        labels = np.arange(len(boxes))
    return dict(img=img, img_shape=(h, w),
                gt_bboxes=HorizontalBoxes(boxes),
                gt_bboxes_labels=np.asarray(labels, np.int64),
                gt_ignore_flags=np.zeros(len(boxes), bool))


def test_patch_ious_by_hand_and_as_mmdet():
    patches = np.array([[0, 0, 10, 10], [5, 5, 15, 15]], np.float32)
    boxes = np.array([[0, 0, 10, 10], [0, 0, 5, 5], [20, 20, 30, 30]],
                     np.float32)
    # hand: [1, 25/100, 0], [25/175, 0, 0]
    expected = np.array([[1.0, 0.25, 0.0], [25 / 175, 0.0, 0.0]])
    np.testing.assert_allclose(patch_ious(patches, boxes), expected,
                               rtol=1e-6)
    import torch
    mm = bbox_overlaps(torch.from_numpy(patches), torch.from_numpy(boxes))
    np.testing.assert_allclose(patch_ious(patches, boxes), mm.numpy(),
                               rtol=1e-6)


def test_centers_inside_is_strict():
    patches = np.array([[0, 0, 10, 10]])
    centers = np.array([[5, 5], [10, 5], [0, 0], [9.5, 0.5]], np.float32)
    assert centers_inside(patches, centers).tolist() == [[True, False,
                                                          False, True]]


@pytest.mark.parametrize('rule, expected', [('all', -1), ('any', 1)])
def test_rule_all_needs_every_box_any_needs_one(rule, expected):
    # crop 0 fits neither box; crop 1 is the big box itself, which holds
    # the small box's centre but overlaps it by IoU 0.01
    crop = BatchedMinIoURandomCrop(iou_rule=rule)
    boxes = np.array([[0, 0, 100, 100], [10, 10, 20, 20]], np.float32)
    centers = np.array([[50, 50], [15, 15]], np.float32)
    patches = np.array([[150, 150, 190, 190], [0, 0, 100, 100]])
    assert crop.pick(patches, boxes, centers, 0.9) == expected


def test_pick_needs_a_centre_inside_and_takes_the_first():
    crop = BatchedMinIoURandomCrop(iou_rule='any')
    boxes = np.array([[0, 0, 100, 100]], np.float32)
    centers = np.array([[50, 50]], np.float32)
    # IoU 0.25 but the centre (50, 50) is on the crop's edge: refused
    assert crop.pick(np.array([[0, 0, 50, 50]]), boxes, centers, 0.1) == -1
    patches = np.array([[0, 0, 60, 60], [0, 0, 100, 100]])
    assert crop.pick(patches, boxes, centers, 0.3) == 0
    assert crop.pick(patches, boxes, centers, 0.5) == 1
    no_boxes = np.zeros((0, 4), np.float32)
    assert crop.pick(patches, no_boxes, np.zeros((0, 2)), 0.9) == 0
    assert crop.pick(np.zeros((0, 4), int), boxes, centers, 0.1) == -1


def test_drawn_patches_obey_size_and_aspect():
    np.random.seed(0)
    crop = BatchedMinIoURandomCrop(min_crop_size=0.3, trials=2000)
    p = crop.draw_patches(200, 100)
    w, h = p[:, 2] - p[:, 0], p[:, 3] - p[:, 1]
    assert len(p) > 1000
    assert (p[:, :2] >= 0).all() and (p[:, 2] <= 200).all()
    assert (p[:, 3] <= 100).all() and (w >= 59).all() and (h >= 29).all()
    assert ((h / w >= 0.45) & (h / w <= 2.2)).all()


@pytest.mark.parametrize('rule', ['all', 'any'])
def test_crop_moves_boxes_with_the_pixels(rule):
    # each box is large enough to overlap some crop by 0.1 ('all' can pass)
    boxes = [[20, 10, 100, 80], [90, 20, 180, 90], [60, 40, 120, 95]]
    crop = BatchedMinIoURandomCrop(iou_rule=rule)
    crop.sample_mode = (0.1, 0.3)
    np.random.seed(1)
    for _ in range(20):
        src = sample(boxes)
        out = crop.transform(dict(src, img=src['img'].copy()))
        img, kept = out['img'], out['gt_bboxes'].numpy()
        x0, y0 = int(img[0, 0, 0]), int(img[0, 0, 1])  # the crop's corner
        assert out['img_shape'] == img.shape[:2]
        src_boxes = np.asarray(boxes, np.float32)[out['gt_bboxes_labels']]
        h, w = img.shape[:2]
        moved = src_boxes - [x0, y0, x0, y0]
        np.testing.assert_allclose(kept, np.clip(moved, 0, [w, h, w, h]))
        assert len(out['gt_ignore_flags']) == len(kept) > 0
        ious = patch_ious(np.array([[x0, y0, x0 + w, y0 + h]], np.float32),
                          np.asarray(boxes, np.float32))[0]
        passes = ious >= 0.1
        assert passes.all() if rule == 'all' else passes.any()


def test_mode_1_keeps_the_image_and_empty_boxes_crop():
    crop = BatchedMinIoURandomCrop()
    crop.sample_mode = (1, )
    src = sample([[20, 10, 60, 50]])
    out = crop.transform(dict(src))
    assert out['img'] is src['img']
    crop.sample_mode = (0.9, )
    np.random.seed(0)
    out = crop.transform(sample(np.zeros((0, 4))))
    assert out['img'].shape[0] < 100 or out['img'].shape[1] < 200
    assert len(out['gt_bboxes']) == 0


def test_rule_all_keeps_as_many_boxes_as_mmdets_on_average():
    """Same distributions and rule as mmdet's: kept-box counts agree."""
    boxes = [[20, 10, 100, 80], [90, 20, 180, 90], [60, 40, 120, 95]]
    ours = BatchedMinIoURandomCrop(iou_rule='all')
    theirs = MinIoURandomCrop()
    counts = {}
    for name, t in (('ours', ours), ('mmdet', theirs)):
        np.random.seed(0)
        counts[name] = np.mean(
            [len(t.transform(sample(boxes))['gt_bboxes'])
             for _ in range(400)])
    assert abs(counts['ours'] - counts['mmdet']) < 0.25, counts
    np.random.seed(0)
    anys = np.mean([
        len(BatchedMinIoURandomCrop(iou_rule='any').transform(
            sample(boxes))['gt_bboxes']) for _ in range(400)])
    assert anys < counts['ours'] - 0.25  # 'any' zooms in more often


@pytest.mark.parametrize('kwargs, words', [
    (dict(iou_rule='some'), 'iou_rule'),
    (dict(min_crop_size=0), 'min_crop_size'),
])
def test_bad_arguments_are_named(kwargs, words):
    with pytest.raises(ValueError, match=words):
        BatchedMinIoURandomCrop(**kwargs)
