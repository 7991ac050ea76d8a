"""fastai's AdaptiveConcatPool2d: global max, then global average."""
import torch

from mmdet_fastssd.models.layers import AdaptiveConcatPool2d


def test_concat_pool_is_max_then_mean():
    x = torch.arange(8.).reshape(1, 2, 2, 2)
    out = AdaptiveConcatPool2d()(x)
    assert out.shape == (1, 4, 1, 1)
    assert out.flatten().tolist() == [3., 7., 1.5, 5.5]
