"""ChannelsLastHook: NHWC weights, same outputs, optimizer state follows."""
from types import SimpleNamespace

import torch
from helpers import tiny_detector

from mmdet.registry import HOOKS

import mmdet_fastssd  # noqa: F401


def conv_weights(model):
    return [p for p in model.parameters() if p.dim() == 4]


def test_converts_weights_and_keeps_outputs():
    torch.manual_seed(0)
    model = tiny_detector().eval()
    x = torch.randn(2, 3, 112, 112)
    before = [t.detach().clone() for t in model(x, mode='tensor')[0]]
    params = list(model.parameters())
    assert not any(w.is_contiguous(memory_format=torch.channels_last)
                   for w in conv_weights(model) if w.shape[-1] > 1)
    HOOKS.build(dict(type='ChannelsLastHook')).before_run(
        SimpleNamespace(model=model))
    assert all(w.is_contiguous(memory_format=torch.channels_last)
               for w in conv_weights(model))
    # the same Parameter objects: an optimizer built earlier still sees them
    assert all(a is b for a, b in zip(params, model.parameters()))
    after = model(x, mode='tensor')[0]
    for old, new in zip(before, after):
        torch.testing.assert_close(new, old, rtol=1e-4, atol=1e-5)


def test_disabled_leaves_model_alone():
    model = tiny_detector().eval()
    HOOKS.build(dict(type='ChannelsLastHook', enabled=False)).before_run(
        SimpleNamespace(model=model))
    assert all(w.is_contiguous() for w in conv_weights(model))


def test_adam_state_and_checkpoint_round_trip():
    model = tiny_detector().train()
    HOOKS.build(dict(type='ChannelsLastHook')).before_run(
        SimpleNamespace(model=model))
    optim = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    loss = sum(t.float().square().mean()
               for t in model(torch.randn(2, 3, 112, 112), mode='tensor')[0])
    loss.backward()
    optim.step()
    w = conv_weights(model)[0]
    assert optim.state[w]['exp_avg'].is_contiguous(
        memory_format=torch.channels_last)
    # contiguous weights load a channels-last state
    fresh = tiny_detector().eval()
    fresh.load_state_dict(model.state_dict())
    for a, b in zip(fresh.state_dict().values(), model.state_dict().values()):
        assert torch.equal(a, b)
