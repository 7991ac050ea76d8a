"""Batched hot paths give the per-image results.

The head's loss over a batch equals the sum of its per-image losses, the
batched assignment equals per-image assignment (padded and empty images
included, whatever the block size) and the fused class loss equals its
autograd formulation. Summed float32 losses are compared at rtol 1e-5: sums of
thousands of terms in another order differ by more than 1e-6.
"""
import pytest
import torch
from mmengine.structures import InstanceData

from mmdet.registry import MODELS, TASK_UTILS

import mmdet_fastssd  # noqa: F401

C = 20
META = dict(batch_input_shape=(224, 224), img_shape=(224, 224),
            ori_shape=(224, 224), scale_factor=(1.0, 1.0))


def build_head(grids=(4, 2, 1), chunk=1 << 18):
    head = MODELS.build(dict(
        type='FastSSDHead', num_classes=C, in_channels=32, feat_channels=16,
        anchor_generator=dict(type='FastSSDAnchorGenerator',
                              grid_sizes=grids),
        train_cfg=dict(assigner=dict(type='MaxOverlapAssigner',
                                     chunk_elements=chunk))))
    return head.eval()


def mixed_gts(gen, counts=(5, 0, 1, 12, 3, 0)):
    """Per-image gts in pixels; some images empty, one zero-size box."""
    gts = []
    for n in counts:
        xy = torch.rand(n, 2, generator=gen) * 150
        wh = torch.rand(n, 2, generator=gen) * 100 + 8
        boxes = torch.cat([xy, (xy + wh).clamp(max=224)], 1)
        if n == 3:
            boxes[1, 2] = boxes[1, 0]  # no width: masked like padding
        gts.append(InstanceData(bboxes=boxes, labels=torch.randint(
            0, C, (n, ), generator=gen)))
    return gts


def random_outputs(head, batch, gen):
    shapes = [(batch, head.num_base_priors * (C + 1), g, g)
              for g in head.prior_generator.grid_sizes]
    cls = [(torch.randn(s, generator=gen) * 3).requires_grad_()
           for s in shapes]
    box = [torch.randn(s[0], head.num_base_priors * 4, *s[2:],
                       generator=gen).requires_grad_() for s in shapes]
    return cls, box


@pytest.mark.parametrize('grids,chunk', [((4, 2, 1), 1 << 18),
                                         ((8, 4, 2, 1), 700)])
def test_batch_loss_is_the_sum_of_per_image_losses(grids, chunk):
    gen = torch.Generator().manual_seed(0)
    head = build_head(grids, chunk)
    gts = mixed_gts(gen)
    batch = len(gts)
    cls, box = random_outputs(head, batch, gen)
    together = head.loss_by_feat(cls, box, gts, [META] * batch)
    sum(together.values()).backward()
    grads = [t.grad.clone() for t in cls + box]
    for t in cls + box:
        t.grad = None
    alone = {'loss_cls': 0., 'loss_bbox': 0.}
    for i in range(batch):
        one = head.loss_by_feat([c[i:i + 1] for c in cls],
                                [b[i:i + 1] for b in box], [gts[i]], [META])
        for k in alone:
            alone[k] = alone[k] + one[k]
    sum(alone.values()).backward()
    for k in alone:
        assert torch.allclose(together[k], alone[k], rtol=1e-5), k
    for got, want in zip(grads, [t.grad for t in cls + box]):
        assert torch.allclose(got, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize('grids,chunk', [((4, 2, 1), 1 << 18),
                                         ((4, 2, 1), 300),
                                         ((27, 13, 7, 4, 2, 1), 1 << 18),
                                         ((27, 13, 7, 4, 2, 1), 5000)])
def test_assign_batch_equals_per_image(grids, chunk):
    gen = torch.Generator().manual_seed(1)
    priors, _ = TASK_UTILS.build(dict(type='FastSSDAnchorGenerator',
                                      grid_sizes=grids)).flat_priors()
    assigner = TASK_UTILS.build(dict(type='MaxOverlapAssigner',
                                     chunk_elements=chunk))
    batch, num = 7, 15
    xy = torch.rand(batch, num, 2, generator=gen) * 0.8
    gts = torch.cat([xy, xy + torch.rand(batch, num, 2, generator=gen)
                     * 0.4 + 0.01], -1)
    valid = torch.rand(batch, num, generator=gen) > 0.4
    valid[2] = False  # an empty image
    valid[4, :] = False
    valid[4, -1] = True  # one gt behind padding
    inds, overlaps = assigner.assign_batch(priors, gts, valid)
    for i in range(batch):
        one_inds, one_ov = assigner.assign_batch(priors, gts[i:i + 1],
                                                 valid[i:i + 1])
        assert torch.equal(inds[i], one_inds[0]), i
        assert torch.equal(overlaps[i], one_ov[0]), i
        real = valid[i].nonzero().squeeze(1)
        if real.numel():  # padding removed entirely: same matches
            packed, _ = assigner.assign_batch(
                priors, gts[i:i + 1, real],
                torch.ones(1, real.numel(), dtype=torch.bool))
            expect = torch.where(packed[0] >= 0,
                                 real[packed[0].clamp(min=0)], -1)
            assert torch.equal(inds[i], expect), i
    assert (inds[2] == -1).all() and (overlaps[2] == -1).all()


@pytest.mark.parametrize('loss', [dict(type='FastSSDFocalLoss'),
                                  dict(type='FastSSDFocalLoss', gamma=1.0),
                                  dict(type='FastSSDBCELoss')])
def test_fused_class_loss_equals_autograd(loss):
    gen = torch.Generator().manual_seed(2)
    logits = (torch.randn(3, 2000, C + 1, generator=gen) * 4)
    labels = torch.randint(0, C + 1, (3, 2000), generator=gen)
    results = []
    for fused in (True, False):
        x = logits.clone().requires_grad_()
        value = MODELS.build(dict(loss, fused=fused))(x, labels)
        (2 * value).backward()
        results.append((value.detach(), x.grad))
    assert torch.allclose(results[0][0], results[1][0], rtol=1e-5)
    assert torch.allclose(results[0][1], results[1][1], atol=1e-7)
