import pytest
import torch
import torch.nn as nn
from mmengine.structures import InstanceData

from mmdet.registry import MODELS
from mmdet.structures import DetDataSample

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.models.layers import AdaptiveConcatPool2d
from mmdet_fastssd.testing.lecture import multilabel_bce, multilabel_targets

C = 5
META = dict(batch_input_shape=(224, 224), img_shape=(224, 224),
            ori_shape=(448, 336), scale_factor=(224 / 336, 224 / 448))


def build_head(**kwargs):
    cfg = dict(type='MultiLabelHead', num_classes=C, in_channels=16)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.eval()
    return head


def gts_of(label_lists):
    return [InstanceData(bboxes=torch.zeros(len(ls), 4),
                         labels=torch.tensor(ls, dtype=torch.long))
            for ls in label_lists]


def test_layers_are_fastais_default_head():
    head = build_head()
    kinds = [type(m) for m in head.layers]
    assert kinds == [AdaptiveConcatPool2d, nn.Flatten, nn.BatchNorm1d,
                     nn.Dropout, nn.Linear, nn.ReLU, nn.BatchNorm1d,
                     nn.Dropout, nn.Linear]
    assert head.layers[2].num_features == 32
    assert head.layers[4].in_features == 32
    assert head.layers[4].out_features == 512
    assert head.layers[8].out_features == C
    assert head.layers[3].p == 0.25 and head.layers[7].p == 0.5


def test_forward_shape_and_wrong_channels():
    head = build_head()
    (logits, ) = head((torch.randn(3, 16, 7, 7), ))
    assert logits.shape == (3, C)
    with pytest.raises(ValueError, match='bbox_head.in_channels'):
        head((torch.randn(3, 8, 7, 7), ))


def test_loss_is_bce_of_the_multi_hot_targets():
    gen = torch.Generator().manual_seed(0)
    head = build_head()
    logits = torch.randn(4, C, generator=gen) * 3
    labels = [[0, 3, 3], [], [4, 1, 2, 0], [2]]
    losses = head.loss_by_feat(logits, gts_of(labels), [META] * 4)
    ref = multilabel_bce(logits, multilabel_targets(labels, C))
    assert losses['loss_cls'].item() == pytest.approx(ref.item(), rel=1e-5)


def test_loss_through_the_detector_api_backpropagates():
    head = build_head()
    head.train()
    samples = []
    for gt in gts_of([[1], [2, 2], [0, 4]]):
        sample = DetDataSample(metainfo=META)
        sample.gt_instances = gt
        samples.append(sample)
    x = torch.randn(3, 16, 7, 7, requires_grad=True)
    losses = head.loss((x, ), samples)
    losses['loss_cls'].backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_predict_gives_one_whole_image_instance_per_class():
    head = build_head()
    logits = torch.tensor([[2., -1., 0., 3., -4.], [0.] * C])
    meta2 = dict(META, img_shape=(224, 200), ori_shape=(300, 400))
    res = head.predict_by_feat(logits, batch_img_metas=[META, meta2],
                               rescale=True)
    assert [len(r) for r in res] == [C, C]
    assert res[0].labels.tolist() == list(range(C))
    assert torch.allclose(res[0].scores, torch.sigmoid(logits[0]))
    assert torch.equal(res[0].bboxes, torch.tensor([[0., 0., 336., 448.]] * C))
    assert torch.equal(res[1].bboxes[0], torch.tensor([0., 0., 400., 300.]))
    res = head.predict_by_feat(logits, batch_img_metas=[META, meta2])
    assert torch.equal(res[1].bboxes[0], torch.tensor([0., 0., 200., 224.]))
