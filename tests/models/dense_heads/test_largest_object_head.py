import pytest
import torch
import torch.nn as nn
from mmengine.structures import InstanceData

from mmdet.registry import MODELS

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.testing.lecture import detn_loss, get_lrg, to_lecture

C = 5
META = dict(batch_input_shape=(224, 224), img_shape=(224, 224),
            ori_shape=(448, 336), scale_factor=(224 / 336, 224 / 448))


def build_head(**kwargs):
    cfg = dict(type='LargestObjectHead', num_classes=C, in_channels=16)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.eval()
    return head


def random_gts(batch, gen, max_gts=6, size=(224, 224)):
    gts = []
    for _ in range(batch):
        n = int(torch.randint(1, max_gts + 1, (1, ), generator=gen))
        h, w = size
        xy = torch.rand(n, 2, generator=gen) * torch.tensor([w, h]) * 0.6
        wh = torch.rand(n, 2, generator=gen) * torch.tensor([w, h]) * 0.4 + 4
        gts.append(InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                                labels=torch.randint(0, C, (n, ),
                                                     generator=gen)))
    return gts


def lecture_targets(gts):
    """Lecture-order pixel boxes [B, 4] and classes [B] of the largest gts."""
    picked = [get_lrg(to_lecture(g.bboxes).tolist(), g.labels.tolist())
              for g in gts]
    return (torch.tensor([p[0] for p in picked]),
            torch.tensor([p[1] for p in picked]))


def lecture_pred(cls, box):
    """Head outputs as the lecture's [B, 4 + C] row (box in lecture order)."""
    return torch.cat([to_lecture(box), cls], 1)


def test_layers_are_the_lectures():
    head = build_head()
    kinds = [type(m) for m in head.layers]
    assert kinds == [nn.Flatten, nn.ReLU, nn.Dropout, nn.Linear, nn.ReLU,
                     nn.BatchNorm1d, nn.Dropout, nn.Linear]
    assert head.layers[3].in_features == 16 * 7 * 7
    assert head.layers[3].out_features == 256
    assert head.layers[7].out_features == 4 + C
    assert head.layers[2].p == 0.5 and head.layers[6].p == 0.5


def test_forward_splits_box_then_classes():
    head = build_head()
    x = torch.randn(3, 16, 7, 7)
    cls, box = head((x, ))
    assert cls.shape == (3, C) and box.shape == (3, 4)
    out = head.layers(x)
    assert torch.equal(box, out[:, :4]) and torch.equal(cls, out[:, 4:])


def test_wrong_feature_map_names_the_keys():
    head = build_head()
    with pytest.raises(ValueError, match='bbox_head.feat_size'):
        head((torch.randn(1, 16, 10, 10), ))
    with pytest.raises(ValueError, match='bbox_head.feat_size'):
        build_head(feat_size=(7, ))


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_loss_equals_the_lectures(seed):
    gen = torch.Generator().manual_seed(seed)
    head = build_head()
    cls, box = head((torch.randn(4, 16, 7, 7, generator=gen), ))
    box = torch.randn(4, 4, generator=gen) * 2
    gts = random_gts(4, gen)
    losses = head.loss_by_feat(cls, box, gts, [META] * 4)
    bb_t, c_t = lecture_targets(gts)
    ref = detn_loss(lecture_pred(cls, box), bb_t, c_t)
    total = losses['loss_bbox'] + losses['loss_cls']
    assert total.item() == pytest.approx(ref.item(), rel=1e-5)
    ce = torch.nn.functional.cross_entropy(cls, c_t)
    assert losses['loss_cls'].item() == pytest.approx(20 * ce.item(), rel=1e-5)


def test_non_square_input_scales_x_by_width_and_y_by_height():
    gen = torch.Generator().manual_seed(5)
    head = build_head()
    meta = dict(batch_input_shape=(112, 224), img_shape=(112, 224))
    cls = torch.randn(3, C, generator=gen)
    box = torch.randn(3, 4, generator=gen)
    gts = random_gts(3, gen, size=(112, 224))
    losses = head.loss_by_feat(cls, box, gts, [meta] * 3)
    bb_t, c_t = lecture_targets(gts)
    ref = detn_loss(lecture_pred(cls, box), bb_t, c_t, size=(112, 224))
    total = losses['loss_bbox'] + losses['loss_cls']
    assert total.item() == pytest.approx(ref.item(), rel=1e-5)


def test_images_without_gt_are_left_out():
    gen = torch.Generator().manual_seed(7)
    head = build_head()
    cls = torch.randn(3, C, generator=gen)
    box = torch.randn(3, 4, generator=gen)
    gts = random_gts(3, gen)
    empty = InstanceData(bboxes=torch.zeros(0, 4),
                         labels=torch.zeros(0, dtype=torch.long))
    mixed = head.loss_by_feat(cls, box, [gts[0], empty, gts[2]], [META] * 3)
    keep = [0, 2]
    alone = head.loss_by_feat(cls[keep], box[keep], [gts[0], gts[2]],
                              [META] * 2)
    for key in ('loss_bbox', 'loss_cls'):
        assert mixed[key].item() == pytest.approx(alone[key].item(), rel=1e-5)


def test_all_empty_batch_is_zero_and_backpropagates():
    head = build_head()
    head.train()
    x = torch.randn(2, 16, 7, 7, requires_grad=True)
    cls, box = head((x, ))
    empty = InstanceData(bboxes=torch.zeros(0, 4),
                         labels=torch.zeros(0, dtype=torch.long))
    losses = head.loss_by_feat(cls, box, [empty, empty], [META] * 2)
    assert all(v.item() == 0 for v in losses.values())
    sum(losses.values()).backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_loss_through_the_detector_api():
    gen = torch.Generator().manual_seed(9)
    head = build_head()
    head.train()
    from mmdet.structures import DetDataSample
    samples = []
    for gt in random_gts(2, gen):
        sample = DetDataSample(metainfo=META)
        sample.gt_instances = gt
        samples.append(sample)
    losses = head.loss((torch.randn(2, 16, 7, 7), ), samples)
    assert set(losses) == {'loss_bbox', 'loss_cls'}
    assert all(torch.isfinite(v) for v in losses.values())


def test_predict_one_box_per_image():
    head = build_head()
    cls = torch.tensor([[0., 3., 1., 0., 0.], [2., 0., 0., 0., 0.]])
    box = torch.tensor([[0., 0., 0., 0.], [-1., 1., 2., 3.]])
    res = head.predict_by_feat(cls, box, batch_img_metas=[META] * 2,
                               rescale=False)
    assert [len(r) for r in res] == [1, 1]
    assert res[0].labels.tolist() == [1] and res[1].labels.tolist() == [0]
    assert res[0].scores.item() == pytest.approx(
        torch.softmax(cls[0], 0)[1].item())
    assert torch.allclose(res[0].bboxes, torch.full((1, 4), 112.))
    expected = torch.sigmoid(box[1]) * 224
    assert torch.allclose(res[1].bboxes[0], expected)
    res = head.predict_by_feat(cls, box, batch_img_metas=[META] * 2,
                               rescale=True)
    # 224 input -> 336 wide, 448 high original
    assert torch.allclose(res[0].bboxes,
                          torch.tensor([[168., 224., 168., 224.]]))


def test_predict_through_the_detector_api():
    head = build_head()
    from mmdet.structures import DetDataSample
    samples = [DetDataSample(metainfo=META) for _ in range(3)]
    res = head.predict((torch.randn(3, 16, 7, 7), ), samples, rescale=True)
    assert len(res) == 3 and all(len(r) == 1 for r in res)
    assert all(r.bboxes.shape == (1, 4) for r in res)
