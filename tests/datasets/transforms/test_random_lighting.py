"""RandomLighting = fastai 0.7's RandomLighting(b, c) on mmdet images."""
import numpy as np
import pytest
import torch

from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.datasets.transforms import lighting


def pixels(*values, dtype=np.uint8):
    """A [1, n, 3] image whose n pixels are grey ``values``."""
    return np.repeat(np.array(values, dtype=dtype)[None, :, None], 3, axis=2)


def test_hand_computed_brightness_and_contrast():
    # 0-1 values 0.2 and 0.6, mean 0.4; b = 0.02, c = 1.05:
    # (0.2 - 0.4) * 1.05 + 0.4 + 0.02 = 0.21 -> 53.55 -> 54
    # (0.6 - 0.4) * 1.05 + 0.4 + 0.02 = 0.63 -> 160.65 -> 161
    out = lighting(pixels(51, 153), 0.02, 1.05)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, pixels(54, 161))


def test_float_images_stay_float_and_unrounded():
    out = lighting(pixels(51., 153., dtype=np.float32), 0.02, 1.05)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, pixels(53.55, 160.65, dtype=np.float32),
                               rtol=1e-5)


def test_clips_to_the_pixel_range():
    # 0 and 255 (mean 0.5), b = 0.5, c = 1.05: (0 - .5) * 1.05 + 1 = 0.475
    # -> 121.125 -> 121; (1 - .5) * 1.05 + 1 = 1.525 -> clipped to 255
    np.testing.assert_array_equal(
        lighting(pixels(0, 255), 0.5, 1.05), pixels(121, 255))
    np.testing.assert_array_equal(
        lighting(pixels(0, 255), -0.6, 1.), pixels(0, 102))


def test_identity_when_b_is_0_and_c_is_1():
    img = pixels(3, 200)
    assert lighting(img, 0., 1.) is img


def test_transform_draws_fastai_b_and_c_and_keeps_boxes():
    img = np.random.RandomState(0).randint(0, 256, (8, 10, 3)).astype(
        np.uint8)
    boxes = HorizontalBoxes(torch.tensor([[1., 2., 5., 7.]]))
    np.random.seed(7)
    r_b, r_c = np.random.rand(2)
    b = r_b * 0.1 - 0.05  # fastai rand0(0.05)
    c = r_c * 0.1 - 0.05
    c = -1 / (c - 1) if c < 0 else c + 1
    x = img / 255.
    expected = np.rint(
        np.clip((x - x.mean()) * c + x.mean() + b, 0, 1) * 255)

    np.random.seed(7)
    t = TRANSFORMS.build(dict(type='RandomLighting', b=0.05, c=0.05))
    out = t(dict(img=img.copy(), gt_bboxes=boxes.clone()))
    np.testing.assert_array_equal(out['img'], expected.astype(np.uint8))
    assert torch.equal(out['gt_bboxes'].tensor, boxes.tensor)


def test_draws_stay_within_fastai_ranges():
    t = TRANSFORMS.build(dict(type='RandomLighting'))
    np.random.seed(0)
    draws = np.array([t._sample() for _ in range(2000)])
    assert np.abs(draws[:, 0]).max() <= 0.05
    assert draws[:, 1].min() >= 1 / 1.05 and draws[:, 1].max() <= 1.05
    assert (draws[:, 1] < 1).any() and (draws[:, 1] > 1).any()
    assert abs(draws[:, 0].mean()) < 0.005


@pytest.mark.parametrize('kwargs', [dict(b=-0.1), dict(c=1.5),
                                    dict(max_value=0)])
def test_bad_arguments_name_the_key(kwargs):
    with pytest.raises(ValueError, match=list(kwargs)[0]):
        TRANSFORMS.build(dict(type='RandomLighting', **kwargs))
