import torch
from mmengine.structures import InstanceData

from mmdet.registry import TASK_UTILS

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.testing.lecture import (
    lecture_match,
)

GRID = torch.tensor([[0., 0., 1., 1.], [1., 0., 2., 1.],
                     [0., 1., 1., 2.], [1., 1., 2., 2.]])


def assigner(thr=0.5):
    return TASK_UTILS.build(dict(type='MaxOverlapAssigner', pos_iou_thr=thr))


def run(gts, thr=0.5, priors=GRID):
    gts = torch.tensor(gts, dtype=torch.float32).reshape(1, -1, 4)
    valid = torch.ones(gts.shape[:2], dtype=torch.bool)
    inds, ov = assigner(thr).assign_batch(priors, gts, valid)
    return inds[0].tolist(), ov[0]


def test_hand_computed_forced_and_background():
    inds, ov = run([[0, 0, 1, 1], [1.5, 1.5, 2, 2]])
    # gt 1 overlaps anchor 3 with IoU 0.25 only, but it is its best anchor
    assert inds == [0, -1, -1, 1]
    assert torch.allclose(ov, torch.tensor([2., 0., 0., 2.]))


def test_threshold_is_strict():
    priors = torch.tensor([[0., 0., 2., 2.], [0., 0., 2., 1.]])
    inds, ov = run([[0, 0, 2, 2]], 0.5, priors)
    assert ov[1] == 0.5 and inds == [0, -1]
    assert run([[0, 0, 2, 2]], 0.4, priors)[0] == [0, 0]


def test_shared_best_anchor_goes_to_the_later_gt():
    inds, _ = run([[0, 0, 1, 1], [0, 0, 1, 0.9], [0.05, 0, 1, 1]])
    assert inds[0] == 2


def test_padding_and_empty_gts_are_background():
    a = assigner()
    gts = torch.tensor([[[0., 0., 1., 1.], [0., 0., 0., 0.]],
                        [[5., 5., 6., 6.], [1., 1., 2., 2.]]])
    valid = torch.tensor([[True, False], [False, False]])
    inds, ov = a.assign_batch(GRID, gts, valid)
    assert inds.tolist() == [[0, -1, -1, -1], [-1, -1, -1, -1]]
    assert (ov[1] == -1).all()
    inds, _ = a.assign_batch(GRID, torch.zeros(2, 0, 4),
                             torch.zeros(2, 0, dtype=torch.bool))
    assert inds.shape == (2, 4) and (inds == -1).all()


def random_gts(batch, max_gts, gen):
    xy = torch.rand(batch, max_gts, 2, generator=gen) * 0.7
    wh = torch.rand(batch, max_gts, 2, generator=gen) * 0.5 + 0.05
    counts = torch.randint(1, max_gts + 1, (batch, ), generator=gen)
    valid = torch.arange(max_gts)[None] < counts[:, None]
    return torch.cat([xy, xy + wh], -1), valid


def test_batch_matches_the_lectures_per_image_loop():
    gen = torch.Generator().manual_seed(0)
    priors, _ = TASK_UTILS.build(
        dict(type='FastSSDAnchorGenerator')).flat_priors()
    gts, valid = random_gts(16, 12, gen)
    for thr in (0.4, 0.5):
        inds, _ = assigner(thr).assign_batch(priors, gts, valid)
        for b in range(16):
            ref = lecture_match(gts[b][valid[b]], thr)
            assert torch.equal(inds[b], ref), (thr, b)


def test_mmdet_interface_returns_assign_result():
    gt = InstanceData(bboxes=torch.tensor([[0., 0., 1., 1.],
                                           [1.5, 1.5, 2, 2]]),
                      labels=torch.tensor([3, 7]))
    res = assigner().assign(InstanceData(priors=GRID), gt)
    assert res.num_gts == 2
    assert res.gt_inds.tolist() == [1, 0, 0, 2]
    assert res.labels.tolist() == [3, -1, -1, 7]
    empty = InstanceData(bboxes=torch.zeros(0, 4),
                         labels=torch.zeros(0, dtype=torch.long))
    res = assigner().assign(InstanceData(priors=GRID), empty)
    assert res.gt_inds.tolist() == [0, 0, 0, 0]


def test_is_an_mmdet_base_assigner():
    from mmdet.models.task_modules.assigners.base_assigner import BaseAssigner
    assert isinstance(assigner(), BaseAssigner)


def test_single_image_assign_equals_assign_batch():
    gen = torch.Generator().manual_seed(4)
    priors, _ = TASK_UTILS.build(
        dict(type='FastSSDAnchorGenerator')).flat_priors()
    gts, valid = random_gts(6, 10, gen)
    labels = torch.randint(0, 20, (6, 10), generator=gen)
    for thr in (0.4, 0.5):
        inds, overlaps = assigner(thr).assign_batch(priors, gts, valid)
        for b in range(6):
            res = assigner(thr).assign(
                InstanceData(priors=priors),
                InstanceData(bboxes=gts[b][valid[b]],
                             labels=labels[b][valid[b]]))
            assert res.num_gts == int(valid[b].sum())
            assert torch.equal(res.gt_inds, inds[b] + 1), (thr, b)
            assert torch.equal(res.max_overlaps, overlaps[b]), (thr, b)
            expect = torch.where(inds[b] >= 0,
                                 labels[b][inds[b].clamp(min=0)], -1)
            assert torch.equal(res.labels, expect), (thr, b)
