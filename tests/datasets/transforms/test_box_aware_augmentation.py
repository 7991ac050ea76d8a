"""Flip and rotation move the boxes with the pixels (mmdet's RandomFlip and
Rotate, as configured by configs/fastssd_recipe_voc.py)."""
import math
import os.path as osp

import numpy as np
import pytest
import torch
from helpers import ROOT
from mmengine.config import Config

from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes

import mmdet_fastssd  # noqa: F401

H, W = 96, 128
RECT = (70, 15, 110, 45)  # x1, y1, x2, y2: off centre, so direction matters


def rect_results():
    """A white filled rectangle on black and its box (pixel edges)."""
    x1, y1, x2, y2 = RECT
    img = np.zeros((H, W, 3), np.uint8)
    img[y1:y2, x1:x2] = 255
    boxes = HorizontalBoxes(torch.tensor([RECT], dtype=torch.float32))
    return dict(img=img, img_shape=(H, W), gt_bboxes=boxes,
                gt_bboxes_labels=np.array([0]))


def pixel_box(img, thr=127):
    """Enclosing box (pixel edges) of the pixels brighter than ``thr``."""
    rows, cols = np.nonzero(img[..., 0] > thr)
    return np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1],
                    np.float32)


def rotated_box_oracle(box, degrees):
    """Corners rotated clockwise (y down) about the image centre
    ((W-1)/2, (H-1)/2), enclosing box, clipped to the image."""
    cx, cy = (W - 1) / 2, (H - 1) / 2
    t = math.radians(degrees)
    x1, y1, x2, y2 = box
    xs, ys = [], []
    for x, y in ((x1, y1), (x2, y1), (x1, y2), (x2, y2)):
        xs.append(cx + (x - cx) * math.cos(t) - (y - cy) * math.sin(t))
        ys.append(cy + (x - cx) * math.sin(t) + (y - cy) * math.cos(t))
    return np.clip([min(xs), min(ys), max(xs), max(ys)], 0, [W, H, W, H])


def assert_box_follows_pixels(results, tol=1.0, touched=0):
    box = results['gt_bboxes'].tensor[0].numpy()
    img = results['img']
    # tight: the enclosing box of the (half-covered) pixels
    np.testing.assert_allclose(pixel_box(img), box, atol=tol)
    # every touched pixel's centre lies inside the box (1 px of blur)
    rows, cols = np.nonzero(img[..., 0] > touched)
    centres = np.stack([cols + 0.5, rows + 0.5], axis=1)  # [n, 2] (x, y)
    assert (centres >= box[:2] - 1).all() and (centres <= box[2:] + 1).all()


def test_horizontal_flip_hand_computed():
    flip = TRANSFORMS.build(dict(type='RandomFlip', prob=1.0))
    out = flip(rect_results())
    x1, y1, x2, y2 = RECT
    expected = np.array([W - x2, y1, W - x1, y2], np.float32)
    np.testing.assert_array_equal(out['gt_bboxes'].tensor[0].numpy(), expected)
    np.testing.assert_array_equal(pixel_box(out['img']), expected)


@pytest.mark.parametrize('degrees', [3.0, 30.0, -30.0])
def test_rotate_takes_the_enclosing_box_of_rotated_corners(degrees):
    rotate = TRANSFORMS.build(
        dict(type='Rotate', prob=1.0, level=10, min_mag=0.0,
             max_mag=abs(degrees), reversal_prob=1.0 if degrees > 0 else 0.0,
             img_border_value=0))
    out = rotate(rect_results())
    box = out['gt_bboxes'].tensor[0].numpy()
    np.testing.assert_allclose(box, rotated_box_oracle(RECT, degrees),
                               atol=1e-3)
    # the same as HorizontalBoxes.rotate_ about the image centre, clipped
    ref = HorizontalBoxes(torch.tensor([RECT], dtype=torch.float32))
    ref.rotate_(((W - 1) / 2, (H - 1) / 2), degrees)
    ref.clip_((H, W))
    np.testing.assert_allclose(box, ref.tensor[0].numpy(), atol=1e-3)
    assert_box_follows_pixels(out)
    if abs(degrees) == 30:
        assert np.abs(box - np.array(RECT)).max() > 10  # it did move


def recipe_transforms():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'fastssd_recipe_voc.py'))
    return {t.type: t for t in cfg.train_pipeline}


def test_recipe_rotation_is_up_to_3_degrees_half_the_time():
    rotate = TRANSFORMS.build(recipe_transforms()['Rotate'])
    np.random.seed(0)
    skipped = np.mean([rotate._random_disable() for _ in range(4000)])
    mags = np.array([rotate._get_mag() for _ in range(4000)])
    assert skipped == pytest.approx(0.5, abs=0.03)
    assert np.abs(mags).max() <= 3.0
    assert np.abs(mags).mean() == pytest.approx(1.5, abs=0.1)  # U(0, 3)
    assert abs(mags.mean()) < 0.1 and (mags < 0).any() and (mags > 0).any()


def test_recipe_augmentations_keep_boxes_on_the_pixels():
    types = recipe_transforms()
    names = ('Resize', 'RandomFlip', 'Rotate', 'RandomLighting')
    assert [n for n in types if n in names] == list(names)
    # black border fill, so that only the rectangle is bright
    types['Rotate'].img_border_value = 0
    pipeline = [TRANSFORMS.build(types[n]) for n in names]
    for seed in range(12):
        np.random.seed(seed)
        results = rect_results()
        for t in pipeline:
            results = t(results)
        # Lighting lifts the black background by at most 0.05 * 255 plus a
        # little contrast: 'touched' means > 40.
        assert results['img'].shape[:2] == (224, 224)
        assert_box_follows_pixels(results, touched=40)
