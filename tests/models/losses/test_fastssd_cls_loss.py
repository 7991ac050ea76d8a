import math

import pytest
import torch

from mmdet.registry import MODELS

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.testing.lecture import bce_loss


def build(name, **kwargs):
    return MODELS.build(dict(type=name, **kwargs))


def test_bce_hand_computed():
    loss = build('FastSSDBCELoss')
    logits = torch.zeros(1, 3)  # C = 2 object columns + background
    # target class 0: BCE(0, 1) + BCE(0, 0) = 2 log 2, divided by C = 2
    assert loss(logits, torch.tensor([0])).item() == pytest.approx(math.log(2))
    # the background column's logit is ignored whatever its value
    logits[0, 2] = 50.
    assert loss(logits, torch.tensor([2])).item() == pytest.approx(math.log(2))


def test_background_row_has_all_zero_targets():
    loss = build('FastSSDBCELoss')
    logits = torch.tensor([[-30., -30., 7.]])
    assert loss(logits, torch.tensor([2])).item() == pytest.approx(0, abs=1e-9)


def test_focal_hand_computed():
    loss = build('FastSSDFocalLoss', alpha=0.25, gamma=2.0)
    # one object column: x = 0, t = 1 -> p = pt = 0.5, w = 0.25 * 0.25
    value = loss(torch.zeros(1, 2), torch.tensor([0])).item()
    assert value == pytest.approx(0.25 * 0.25 * math.log(2))
    # background target: w = 0.75 * 0.5^2
    value = loss(torch.zeros(1, 2), torch.tensor([1])).item()
    assert value == pytest.approx(0.75 * 0.25 * math.log(2))


@pytest.mark.parametrize('focal', [False, True])
def test_equals_the_lecture_on_random_inputs(focal):
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 189, 21, generator=gen) * 3
    labels = torch.randint(0, 21, (4, 189), generator=gen)
    loss = build('FastSSDFocalLoss' if focal else 'FastSSDBCELoss')
    ref = sum(bce_loss(logits[b], labels[b], 20, focal) for b in range(4))
    assert loss(logits, labels).item() == pytest.approx(ref.item(), rel=1e-5)


def test_gradients_match_the_lecture():
    gen = torch.Generator().manual_seed(1)
    logits = (torch.randn(189, 5, generator=gen) * 2).requires_grad_()
    labels = torch.randint(0, 5, (189, ), generator=gen)
    build('FastSSDFocalLoss')(logits, labels).backward()
    ours = logits.grad.clone()
    logits.grad = None
    bce_loss(logits, labels, 4, True).backward()
    assert torch.allclose(ours, logits.grad, atol=1e-6)


def test_valid_mask_and_loss_weight():
    gen = torch.Generator().manual_seed(2)
    logits = torch.randn(2, 10, 4, generator=gen)
    labels = torch.randint(0, 4, (2, 10), generator=gen)
    valid = torch.zeros(2, 10, dtype=torch.bool)
    valid[0, :5] = True
    loss = build('FastSSDBCELoss', loss_weight=2.0)
    expected = 2.0 * build('FastSSDBCELoss')(logits[0, :5], labels[0, :5])
    assert torch.allclose(loss(logits, labels, valid), expected)


def test_shape_mismatch_is_reported():
    with pytest.raises(ValueError, match='do not match'):
        build('FastSSDBCELoss')(torch.zeros(2, 3), torch.zeros(3).long())
