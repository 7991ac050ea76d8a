import pytest
import torch

from mmdet_fastssd.models.utils import INPUT_SHAPE_KEYS, meta_scales

METAS = [dict(batch_input_shape=(224, 320), img_shape=(224, 300, 3),
              ori_shape=(448, 600), scale_factor=(0.5, 0.5)),
         dict(batch_input_shape=(224, 320), img_shape=(200, 320),
              ori_shape=(100, 80), scale_factor=(4.0, 2.0))]


def test_shape_keys_give_w_h_w_h():
    assert meta_scales(METAS, 'img_shape').tolist() == [
        [300., 224., 300., 224.], [320., 200., 320., 200.]]
    assert meta_scales(METAS, 'ori_shape').tolist() == [
        [600., 448., 600., 448.], [80., 100., 80., 100.]]


def test_scale_factor_keeps_x_y_order():
    assert meta_scales(METAS, 'scale_factor').tolist() == [
        [0.5, 0.5, 0.5, 0.5], [4., 2., 4., 2.]]


def test_boxes_times_scales_scale_x_by_width_and_y_by_height():
    fractions = torch.tensor([[0.5, 0.25, 1.0, 0.5]] * 2)
    px = fractions * meta_scales(METAS, 'ori_shape')
    assert px.tolist() == [[300., 112., 600., 224.], [40., 25., 80., 50.]]


def test_input_shape_falls_back_to_img_shape():
    metas = [dict(METAS[0]), dict(img_shape=(60, 90), scale_factor=(1, 1))]
    got = meta_scales(metas, INPUT_SHAPE_KEYS)
    assert got.tolist() == [[320., 224., 320., 224.], [90., 60., 90., 60.]]
    # a None entry counts as missing
    got = meta_scales([dict(batch_input_shape=None, img_shape=(6, 8))],
                      INPUT_SHAPE_KEYS)
    assert got.tolist() == [[8., 6., 8., 6.]]


def test_default_and_missing_key():
    metas = [dict(scale_factor=(2.0, 3.0)), dict()]
    got = meta_scales(metas, 'scale_factor', default=(1, 1))
    assert got.tolist() == [[2., 3., 2., 3.], [1., 1., 1., 1.]]
    with pytest.raises(KeyError, match='scale_factor'):
        meta_scales(metas, 'scale_factor')
    with pytest.raises(KeyError, match="'batch_input_shape', 'img_shape'"):
        meta_scales([dict(ori_shape=(1, 2))], INPUT_SHAPE_KEYS)


def test_mixed_key_kinds_are_refused():
    with pytest.raises(ValueError, match='scale_factor'):
        meta_scales(METAS, ('img_shape', 'scale_factor'))


def test_dtype_device_tensor_values_and_empty_batch():
    like = torch.zeros(1, dtype=torch.float64)
    metas = [dict(img_shape=torch.tensor([3, 5]),
                  scale_factor=torch.tensor([0.25, 0.75]))]
    got = meta_scales(metas, 'img_shape', like)
    assert got.dtype == torch.float64 and got.tolist() == [[5., 3., 5., 3.]]
    assert meta_scales(metas, 'scale_factor').dtype == torch.float32
    assert meta_scales([], 'img_shape').shape == (0, 4)
