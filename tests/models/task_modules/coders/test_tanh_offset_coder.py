import torch

from mmdet.registry import TASK_UTILS

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.testing.lecture import (
    actn_to_bb,
    lecture_anchors,
    to_lecture,
    to_lecture_actn,
)


def coder():
    return TASK_UTILS.build(dict(type='TanhOffsetCoder'))


def anchors():
    return TASK_UTILS.build(dict(type='FastSSDAnchorGenerator')).flat_priors()


def test_hand_computed_decode():
    prior = torch.tensor([[0.25, 0.25, 0.5, 0.5]])
    cell = torch.tensor([[0.25, 0.25]])
    assert torch.allclose(coder().decode(prior, torch.zeros(1, 4), cell),
                          prior)
    # tanh(big) = 1: centre moves half a cell, size x1.5
    big = torch.tensor([[20., -20., 20., -20.]])
    out = coder().decode(prior, big, cell)
    # centre (0.375 + 0.125, 0.375 - 0.125), w 0.375, h 0.125
    assert torch.allclose(out, torch.tensor(
        [[0.3125, 0.1875, 0.6875, 0.3125]]), atol=1e-6)


def test_decode_equals_the_lectures_actn_to_bb():
    torch.manual_seed(0)
    priors, cells = anchors()
    ref_anchors, ref_grid = lecture_anchors()
    actn = torch.randn(189, 4) * 2
    ours = coder().decode(priors, actn, cells)
    ref = actn_to_bb(to_lecture_actn(actn), ref_anchors, ref_grid)
    assert torch.allclose(to_lecture(ours), ref, atol=1e-6)


def test_decode_is_batched_over_leading_dims():
    priors, cells = anchors()
    actn = torch.randn(3, 189, 4)
    batched = coder().decode(priors, actn, cells)
    assert batched.shape == (3, 189, 4)
    assert torch.allclose(batched[2], coder().decode(priors, actn[2], cells))


def test_round_trip_decode_encode():
    torch.manual_seed(1)
    priors, cells = anchors()
    actn = torch.randn(189, 4).clamp(-3, 3)
    boxes = coder().decode(priors, actn, cells)
    assert torch.allclose(coder().encode(priors, boxes, cells), actn,
                          atol=1e-3)
    assert torch.allclose(
        coder().decode(priors, coder().encode(priors, boxes, cells), cells),
        boxes, atol=1e-5)


def test_encode_clamps_unreachable_boxes():
    prior = torch.tensor([[0.25, 0.25, 0.5, 0.5]])
    cell = torch.tensor([[0.25, 0.25]])
    far = torch.tensor([[0.8, 0.8, 1.0, 1.0]])
    t = coder().encode(prior, far, cell)
    assert torch.isfinite(t).all()
    decoded = coder().decode(prior, t, cell)
    # best reachable: centre +half a cell, size 0.5x-1.5x
    assert torch.allclose(decoded[0, :2] + decoded[0, 2:],
                          torch.tensor([1.0, 1.0]), atol=1e-4)


def test_mmdet_box_conversions_give_the_hand_formulas_bit_for_bit():
    """The coder's cxcywh helpers come from mmdet; their results equal the
    hand-written ``(x1 + x2) / 2``, ``x2 - x1``, ``ctr -/+ wh / 2``."""
    from mmdet_fastssd.models.task_modules.coders.tanh_offset_coder import (
        cxcywh_to_xyxy,
        xyxy_to_cxcywh,
    )
    gen = torch.Generator().manual_seed(5)
    xy = torch.rand(3, 50, 2, generator=gen)
    boxes = torch.cat([xy, xy + torch.rand(3, 50, 2, generator=gen)], -1)
    ctr, wh = xyxy_to_cxcywh(boxes)
    assert torch.equal(ctr, (boxes[..., :2] + boxes[..., 2:]) / 2)
    assert torch.equal(wh, boxes[..., 2:] - boxes[..., :2])
    assert torch.equal(cxcywh_to_xyxy(ctr, wh),
                       torch.cat([ctr - wh / 2, ctr + wh / 2], -1))
