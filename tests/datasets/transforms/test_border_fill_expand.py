"""BorderFillExpand: mmdet's Expand, the canvas filled around the photo."""
import numpy as np
import pytest

from mmdet.datasets.transforms import Expand
from mmdet.structures.bbox import HorizontalBoxes
from mmdet.structures.mask import BitmapMasks

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.datasets.transforms import BorderFillExpand
from mmdet_fastssd.datasets.transforms.border_fill_expand import (
    fill_row,
    paste_on_canvas,
)

# the photo recipe's mean (RGB), reversed by to_rgb; and a grey one, which
# mmdet fills through its other branch
MEANS = ([123.675, 116.28, 103.53], [100, 100, 100])


def sample(h=48, w=64, seed=0):
    """A random photo with two boxes, their masks and a segmentation map."""
    rng = np.random.RandomState(seed)
    boxes = np.array([[4, 6, 30, 40], [20, 10, 63, 47]], np.float32)
    masks = rng.rand(2, h, w) > 0.5
    return dict(img=rng.randint(0, 256, (h, w, 3)).astype(np.uint8),
                img_shape=(h, w), gt_bboxes=HorizontalBoxes(boxes),
                gt_masks=BitmapMasks(masks, h, w),
                gt_seg_map=rng.randint(0, 5, (h, w)).astype(np.uint8))


def test_paste_on_canvas_by_hand():
    img = np.full((2, 3, 1), 9, np.uint8)
    row = np.arange(6, dtype=np.uint8).reshape(6, 1)  # column index
    canvas = paste_on_canvas(img, (4, 6), left=2, top=1, row=row)
    expected = np.array([[0, 1, 2, 3, 4, 5],
                         [0, 1, 9, 9, 9, 5],
                         [0, 1, 9, 9, 9, 5],
                         [0, 1, 2, 3, 4, 5]], np.uint8)[..., None]
    np.testing.assert_array_equal(canvas, expected)


def test_paste_on_canvas_at_the_corners_and_the_same_size():
    img = np.full((2, 2, 1), 7, np.uint8)
    row = np.zeros((3, 1), np.uint8)
    assert paste_on_canvas(img, (3, 3), 0, 0, row)[:2, :2].min() == 7
    assert paste_on_canvas(img, (3, 3), 1, 1, row)[0].max() == 0
    np.testing.assert_array_equal(
        paste_on_canvas(img, (2, 2), 0, 0, row[:2]), img)


@pytest.mark.parametrize('mean', MEANS)
def test_fill_row_casts_as_mmdet(mean):
    # mmdet casts the float mean to uint8 by truncation: 123.675 -> 123
    row = fill_row(5, 3, mean, np.uint8)
    assert row.shape == (5, 3) and row.dtype == np.uint8
    np.testing.assert_array_equal(row[0], np.trunc(mean).astype(np.uint8))


@pytest.mark.parametrize('mean', MEANS)
def test_same_draws_pixels_boxes_masks_and_map_as_mmdet(mean):
    kwargs = dict(mean=mean, to_rgb=True, ratio_range=(1, 3),
                  seg_ignore_label=255)
    theirs, ours = Expand(**kwargs), BorderFillExpand(**kwargs)
    expanded = 0
    for seed in range(40):
        np.random.seed(seed)
        want = theirs(sample(seed=seed))
        np.random.seed(seed)
        got = ours(sample(seed=seed))
        np.testing.assert_array_equal(got['img'], want['img'])
        assert got['img_shape'] == want['img_shape']
        np.testing.assert_array_equal(got['gt_bboxes'].numpy(),
                                      want['gt_bboxes'].numpy())
        np.testing.assert_array_equal(got['gt_masks'].masks,
                                      want['gt_masks'].masks)
        np.testing.assert_array_equal(got['gt_seg_map'], want['gt_seg_map'])
        expanded += got['img_shape'] != (48, 64)
    assert 10 < expanded < 30  # prob 0.5: both branches were compared


def test_leaves_the_random_stream_where_mmdet_does():
    kwargs = dict(ratio_range=(1, 2), seg_ignore_label=255)
    theirs, ours = Expand(**kwargs), BorderFillExpand(**kwargs)
    np.random.seed(1)
    theirs(sample())
    after_theirs = np.random.rand()
    np.random.seed(1)
    ours(sample())
    assert np.random.rand() == after_theirs


def test_photo_and_boxes_move_together_on_a_filled_canvas():
    ours = BorderFillExpand(mean=[10, 20, 30], to_rgb=False,
                            ratio_range=(2, 2), seg_ignore_label=255,
                            prob=1.0)
    np.random.seed(0)
    res = ours(sample())
    img, src = res['img'], sample()['img']
    assert img.shape == (96, 128, 3)
    # the boxes moved by the photo's offset on the canvas
    left, top = (res['gt_bboxes'].numpy()[0, :2] - [4, 6]).astype(int)
    np.testing.assert_array_equal(res['gt_bboxes'].numpy()[1],
                                  [20 + left, 10 + top, 63 + left, 47 + top])
    np.testing.assert_array_equal(img[top:top + 48, left:left + 64], src)
    border = np.ones((96, 128), bool)
    border[top:top + 48, left:left + 64] = False
    assert (img[border] == [10, 20, 30]).all()


def test_registered_for_configs():
    from mmdet.registry import TRANSFORMS
    built = TRANSFORMS.build(dict(type='BorderFillExpand', ratio_range=(1,
                                                                        2)))
    assert isinstance(built, BorderFillExpand)
