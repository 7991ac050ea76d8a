"""BF16AutocastOptimWrapper: bf16 forward on CPU, float32 parameters."""
import torch
from torch import nn

from mmdet.registry import OPTIM_WRAPPERS

import mmdet_fastssd  # noqa: F401  (registers the wrapper)


def _build(**kwargs):
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.LazyLinear(2))
    model(torch.zeros(1, 3, 5, 5))  # materialise the lazy layer
    wrapper = OPTIM_WRAPPERS.build(dict(
        type='BF16AutocastOptimWrapper',
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1), **kwargs))
    return model, wrapper


def test_forward_is_bf16_and_parameters_stay_float32():
    model, wrapper = _build()
    before = [p.detach().clone() for p in model.parameters()]
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 3, 5, 5))
        assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().square().mean())
    for old, new in zip(before, model.parameters()):
        assert new.dtype == torch.float32
        assert new.grad is None or new.grad.dtype == torch.float32
        assert not torch.equal(old, new.detach())  # it stepped
    assert model(torch.randn(2, 3, 5, 5)).dtype == torch.float32  # outside


def test_disabled_is_plain_float32():
    model, wrapper = _build(enabled=False)
    with wrapper.optim_context(model):
        assert model(torch.randn(2, 3, 5, 5)).dtype == torch.float32
