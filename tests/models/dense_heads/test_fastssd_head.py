import pytest
import torch
from mmengine.structures import InstanceData

from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_overlaps

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.testing.lecture import (
    lecture_anchors,
    ssd_loss,
    to_lecture,
    to_lecture_actn,
)

C = 20
META = dict(batch_input_shape=(224, 224), img_shape=(224, 224),
            ori_shape=(448, 336), scale_factor=(224 / 336, 224 / 448))


def build_head(**kwargs):
    cfg = dict(type='FastSSDHead', num_classes=C, in_channels=32,
               feat_channels=16)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.eval()
    return head


def random_gts(batch, gen, max_gts=8):
    gts = []
    for _ in range(batch):
        n = int(torch.randint(1, max_gts + 1, (1, ), generator=gen))
        xy = torch.rand(n, 2, generator=gen) * 150
        wh = torch.rand(n, 2, generator=gen) * 120 + 10
        gts.append(InstanceData(
            bboxes=torch.cat([xy, (xy + wh).clamp(max=224)], 1),
            labels=torch.randint(0, C, (n, ), generator=gen)))
    return gts


def test_forward_shapes_and_bias():
    head = build_head()
    cls, box = head((torch.randn(2, 32, 7, 7), ))
    assert [tuple(c.shape) for c in cls] == [(2, 189, 4, 4), (2, 189, 2, 2),
                                             (2, 189, 1, 1)]
    assert [tuple(b.shape) for b in box] == [(2, 36, 4, 4), (2, 36, 2, 2),
                                             (2, 36, 1, 1)]
    assert torch.all(head.outs[0].conv_cls.bias == -4)


def test_flatten_order_is_row_col_anchor():
    head = build_head()
    cls, box = head((torch.randn(1, 32, 7, 7), ))
    flat_cls, flat_box = head.flatten_outputs(cls, box)
    assert flat_cls.shape == (1, 189, C + 1) and flat_box.shape == (1, 189, 4)
    row, col, k, c = 2, 3, 5, 7
    a = (row * 4 + col) * 9 + k
    assert flat_cls[0, a, c] == cls[0][0, k * (C + 1) + c, row, col]
    assert flat_box[0, a, 2] == box[0][0, k * 4 + 2, row, col]
    assert flat_cls[0, 144 + (1 * 2 + 0) * 9 + 4, 0] == cls[1][0, 4 * (C + 1),
                                                              1, 0]


@pytest.mark.parametrize('focal,thr', [(True, 0.5), (False, 0.5), (True, 0.4)])
def test_loss_equals_the_lectures(focal, thr):
    gen = torch.Generator().manual_seed(int(focal) * 10 + int(thr * 10))
    loss_cls = dict(type='FastSSDFocalLoss' if focal else 'FastSSDBCELoss')
    head = build_head(loss_cls=loss_cls,
                      train_cfg=dict(assigner=dict(type='MaxOverlapAssigner',
                                                   pos_iou_thr=thr)))
    cls, box = head((torch.randn(4, 32, 7, 7, generator=gen) * 3, ))
    gts = random_gts(4, gen)
    losses = head.loss_by_feat(cls, box, gts, [META] * 4)
    flat_cls, flat_box = head.flatten_outputs(cls, box)
    anchors, grid = lecture_anchors()
    ref = ssd_loss(flat_cls, to_lecture_actn(flat_box),
                   [to_lecture(g.bboxes) / 224 for g in gts],
                   [g.labels for g in gts], anchors, grid, C, thr, focal)
    total = losses['loss_cls'] + losses['loss_bbox']
    assert total.item() == pytest.approx(ref.item(), rel=1e-5)


def test_empty_ground_truth_is_all_background():
    head = build_head()
    cls, box = head((torch.randn(2, 32, 7, 7), ))
    empty = InstanceData(bboxes=torch.zeros(0, 4),
                         labels=torch.zeros(0, dtype=torch.long))
    losses = head.loss_by_feat(cls, box, [empty, empty], [META] * 2)
    assert torch.isfinite(losses['loss_cls']) and losses['loss_cls'] > 0
    assert losses['loss_bbox'].item() == 0
    flat_cls, _ = head.flatten_outputs(cls, box)
    background = torch.full((2, 189), C)
    assert torch.allclose(losses['loss_cls'],
                          head.loss_cls(flat_cls, background))


def test_loss_backpropagates():
    head = build_head()
    head.train()
    x = torch.randn(2, 32, 7, 7, requires_grad=True)
    cls, box = head((x, ))
    losses = head.loss_by_feat(cls, box, random_gts(2, torch.Generator()),
                               [META] * 2)
    sum(losses.values()).backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_bf16_autocast_matches_and_decodes_in_float32():
    """Under BF16AutocastOptimWrapper's autocast the head sees bf16 maps, but
    matching, decoding and the loss run in float32: the loss equals the
    float32 loss of the same (bf16-rounded) activations."""
    gen = torch.Generator().manual_seed(3)
    head = build_head()
    gts = random_gts(2, gen)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        cls, box = head((torch.randn(2, 32, 7, 7, generator=gen), ))
        assert cls[0].dtype == torch.bfloat16
        flat_cls, flat_box = head.flatten_outputs(cls, box)
        assert flat_cls.dtype == flat_box.dtype == torch.float32
        mixed = head.loss_by_feat(cls, box, gts, [META] * 2)
    ref = head.loss_by_feat([c.float() for c in cls],
                            [b.float() for b in box], gts, [META] * 2)
    for key in ('loss_cls', 'loss_bbox'):
        assert mixed[key].dtype == torch.float32
        assert mixed[key].item() == pytest.approx(ref[key].item(), rel=1e-5)

def planted_outputs(head, batch=1):
    """Zero activations except a confident class 3 on anchor (0, 0, k=0)."""
    cls, box = head((torch.zeros(batch, 32, 7, 7), ))
    cls = [torch.full_like(c, -20.) for c in cls]
    box = [torch.zeros_like(b) for b in box]
    cls[0][:, 3, 0, 0] = 5.
    return cls, box


def test_predict_decodes_and_rescales():
    head = build_head()
    cls, box = planted_outputs(head)
    res = head.predict_by_feat(cls, box, batch_img_metas=[META], rescale=True)
    assert len(res) == 1 and len(res[0]) == 1
    assert res[0].labels.tolist() == [3]
    assert res[0].scores.item() == pytest.approx(
        torch.sigmoid(torch.tensor(5.)).item())
    # anchor 0 = [0.03125, 0.03125, 0.21875, 0.21875] of 224 px -> 336x448
    expected = torch.tensor([0.03125 * 336, 0.03125 * 448,
                             0.21875 * 336, 0.21875 * 448])
    assert torch.allclose(res[0].bboxes[0], expected, atol=1e-3)
    res = head.predict_by_feat(cls, box, batch_img_metas=[META], rescale=False)
    assert torch.allclose(res[0].bboxes[0], torch.tensor([7., 7., 49., 49.]),
                          atol=1e-4)


def test_predict_batched_equals_single_images():
    head = build_head(test_cfg=dict(score_thr=0.3, nms_pre=200, max_per_img=5,
                                    nms=dict(type='nms', iou_threshold=0.4)))
    gen = torch.Generator().manual_seed(3)
    cls, box = head((torch.randn(3, 32, 7, 7), ))
    cls = [torch.randn(c.shape, generator=gen) * 3 for c in cls]
    box = [torch.randn(b.shape, generator=gen) for b in box]
    together = head.predict_by_feat(cls, box, batch_img_metas=[META] * 3,
                                    rescale=True)
    for i in range(3):
        alone = head.predict_by_feat([c[i:i + 1] for c in cls],
                                     [b[i:i + 1] for b in box],
                                     batch_img_metas=[META], rescale=True)[0]
        assert 0 < len(alone) <= 5
        assert torch.allclose(together[i].bboxes, alone.bboxes)
        assert torch.equal(together[i].labels, alone.labels)
        assert torch.all(together[i].scores[:-1] >= together[i].scores[1:])


def distinct_score_outputs(head, batch, gen):
    """Random outputs whose scores are distinct inside each image: per image
    a random permutation of evenly spaced logits in [-3, 3]."""
    cls, box = head((torch.zeros(batch, 32, 7, 7), ))
    sizes = [c[0].numel() for c in cls]
    logits = torch.stack([torch.randperm(sum(sizes), generator=gen)
                          for _ in range(batch)]) / sum(sizes) * 6 - 3
    cls = [part.reshape(c.shape) for part, c in
           zip(logits.split(sizes, 1), cls)]  # [B, k*(C+1), g, g] each
    box = [torch.randn(b.shape, generator=gen) for b in box]
    return cls, box


def nms_disagreements(got, want, thr):
    """Detections only one of two results has, after checking that the
    shared ones come in the same order.

    mmcv's ``batched_nms`` shifts the boxes of group k by k * (max coordinate
    + 1) in float32, which rounds them: a pair whose IoU lies within about
    1e-4 of ``thr`` may be decided the other way than on the original
    coordinates (which ``grouped_nms`` uses). Every disagreement must be such
    a pair, or be suppressed by another disagreeing detection (a cascade).
    """
    keys = [list(zip(r.labels.tolist(), map(tuple, r.bboxes.tolist()),
                     r.scores.tolist())) for r in (got, want)]
    only = set(keys[0]) ^ set(keys[1])
    assert [k for k in keys[0] if k not in only] == \
        [k for k in keys[1] if k not in only]
    union = set(keys[0]) | set(keys[1])
    for label, box, score in only:
        others = [k for k in union if k[0] == label and k[1] != box]
        ious = bbox_overlaps(torch.tensor([box]),
                             torch.tensor([k[1] for k in others]))[0]
        near = (ious - thr).abs() < 1e-3
        cascade = torch.tensor([k in only for k in others]) & (ious > thr)
        assert (near | cascade).any(), (label, box, score)
    return only


@pytest.mark.parametrize('batch', [1, 16])
def test_grouped_nms_config_gives_the_mmcv_detections(batch):
    """``grouped_nms`` by name and mmcv's ``nms`` give the same detections
    (boxes, scores, labels, order), up to mmcv's rounding (see
    ``nms_disagreements``)."""
    gen = torch.Generator().manual_seed(batch)
    test_cfg = dict(score_thr=0.02, nms_pre=1000, max_per_img=1000,
                    nms=dict(type='nms', iou_threshold=0.45))
    mmcv_head = build_head(test_cfg=test_cfg)
    grouped_head = build_head(test_cfg=dict(
        test_cfg, nms=dict(type='grouped_nms', iou_threshold=0.45)))
    cls, box = distinct_score_outputs(mmcv_head, batch, gen)
    metas = [META] * batch
    want = mmcv_head.predict_by_feat(cls, box, batch_img_metas=metas,
                                     rescale=True)
    got = grouped_head.predict_by_feat(cls, box, batch_img_metas=metas,
                                       rescale=True)
    before = mmcv_head.predict_by_feat(cls, box, batch_img_metas=metas,
                                       rescale=True, with_nms=False)
    assert len(got) == len(want) == batch
    differ = 0
    for g, w, b in zip(got, want, before):
        assert 0 < len(w) < len(b) == 1000  # NMS removed some
        differ += len(nms_disagreements(g, w, 0.45))
    assert differ <= max(2, sum(len(w) for w in want) // 1000)


def test_default_nms_is_mmcv():
    assert build_head().test_cfg.nms == dict(type='nms', iou_threshold=0.45)


def test_predict_with_nothing_above_threshold():
    head = build_head(test_cfg=dict(score_thr=0.99, nms_pre=100, max_per_img=5,
                                    nms=dict(type='nms', iou_threshold=0.4)))
    cls, box = planted_outputs(head, batch=2)
    cls = [c.fill_(-20.) for c in cls]
    res = head.predict_by_feat(cls, box, batch_img_metas=[META] * 2)
    assert [len(r) for r in res] == [0, 0]
    assert res[0].bboxes.shape == (0, 4)


def test_single_anchor_head_by_config():
    head = build_head(
        input_dropout=0.25, conv_dropout=0.1, cls_bias_init=-3.0,
        anchor_generator=dict(type='FastSSDAnchorGenerator', grid_sizes=(4, ),
                              zooms=(1.0, ), ratios=((1.0, 1.0), )))
    cls, box = head((torch.randn(2, 32, 7, 7), ))
    assert [tuple(c.shape) for c in cls] == [(2, C + 1, 4, 4)]
    assert torch.all(head.outs[0].conv_cls.bias == -3)
    assert head.input_dropout.p == 0.25 and head.stem[3].p == 0.1
    losses = head.loss_by_feat(cls, box, random_gts(2, torch.Generator()),
                               [META] * 2)
    assert all(torch.isfinite(v) for v in losses.values())


def test_wrong_feature_map_size_names_the_key():
    head = build_head()
    with pytest.raises(ValueError, match='anchor_generator.grid_sizes'):
        cls, box = head((torch.randn(1, 32, 10, 10), ))
        head.flatten_outputs(cls, box)


STEM_GRIDS = dict(type='FastSSDAnchorGenerator', grid_sizes=(7, 4, 2, 1))


def test_stem_grid_predicts_on_the_stem_map():
    head = build_head(stem_grid=True, anchor_generator=STEM_GRIDS)
    feat = torch.randn(2, 32, 7, 7)
    cls, box = head((feat, ))
    assert [tuple(c.shape[-2:]) for c in cls] == [(7, 7), (4, 4), (2, 2),
                                                  (1, 1)]
    # level 0 is the OutConv of the stem's own map; level 1 halves it
    stem = head.stem(head.input_dropout(torch.relu(feat)))
    want_cls, want_box = head.outs[0](stem)
    assert torch.equal(cls[0], want_cls) and torch.equal(box[0], want_box)
    assert torch.equal(cls[1], head.outs[1](head.downs[1](stem))[0])
    # one stride-2 conv fewer than levels: 3 StdConvs, as the lecture's head
    assert sum(p.numel() for p in head.downs.parameters()) == sum(
        p.numel() for p in build_head().downs.parameters())
    assert head.flatten_outputs(cls, box)[0].shape == (2, 630, C + 1)


def assert_focal_loss_is_the_lectures(head, feats, gen, grids):
    """The head's loss on ``feats`` against the lecture's loop (focal)."""
    cls, box = head(feats)
    gts = random_gts(len(feats[0]), gen)
    losses = head.loss_by_feat(cls, box, gts, [META] * len(gts))
    flat_cls, flat_box = head.flatten_outputs(cls, box)
    anchors, grid = lecture_anchors(grids=grids)
    ref = ssd_loss(flat_cls, to_lecture_actn(flat_box),
                   [to_lecture(g.bboxes) / 224 for g in gts],
                   [g.labels for g in gts], anchors, grid, C, 0.5, True)
    total = losses['loss_cls'] + losses['loss_bbox']
    assert total.item() == pytest.approx(ref.item(), rel=1e-5)


def test_stem_grid_loss_equals_the_lectures_on_four_grids():
    # seed 7 draws a gt halfway between two 7x7 cells: its two best IoUs
    # differ by 1e-7 and float rounding picks either; seed 1 has no such tie
    gen = torch.Generator().manual_seed(1)
    head = build_head(stem_grid=True, anchor_generator=STEM_GRIDS)
    feats = (torch.randn(3, 32, 7, 7, generator=gen) * 3, )
    assert_focal_loss_is_the_lectures(head, feats, gen, (7, 4, 2, 1))


def test_stem_grid_with_the_lectures_grids_names_the_key():
    # the stem's 7x7 map is no 4x4 grid
    head = build_head(stem_grid=True)
    with pytest.raises(ValueError, match='anchor_generator.grid_sizes'):
        cls, box = head((torch.randn(1, 32, 7, 7), ))
        head.flatten_outputs(cls, box)


FINE_GRIDS = dict(type='FastSSDAnchorGenerator', grid_sizes=(8, 4, 2, 1))


def test_fine_level_predicts_on_the_map_before_the_last():
    head = build_head(fine_levels=1, anchor_generator=FINE_GRIDS)
    fine, last = torch.randn(2, 32, 8, 8), torch.randn(2, 32, 7, 7)
    cls, box = head((fine, last))
    assert [tuple(c.shape[-2:]) for c in cls] == [(8, 8), (4, 4), (2, 2),
                                                  (1, 1)]
    # level 0: an OutConv on ReLU of the fine map (eval: no dropout)
    want_cls, want_box = head.outs[0](torch.relu(fine))
    assert torch.equal(cls[0], want_cls) and torch.equal(box[0], want_box)
    # the last map's levels are the lecture head's, shifted by one
    stem = head.stem(torch.relu(last))
    assert torch.equal(cls[1], head.outs[1](head.downs[0](stem))[0])
    assert len(head.downs) == 3 and len(head.outs) == 4
    assert head.outs[0].conv_cls.in_channels == 32  # in_channels
    assert head.outs[1].conv_cls.in_channels == 16  # feat_channels
    assert head.class_layer_names()[0] == 'outs.0.conv_cls'
    assert head.flatten_outputs(cls, box)[0].shape == (2, 85 * 9, C + 1)


def test_fine_level_loss_equals_the_lectures_on_four_grids():
    # no BatchNorm before the fine OutConv: a small map keeps its logits
    # where the oracle's sigmoid-then-log is exact to float32
    gen = torch.Generator().manual_seed(1)
    head = build_head(fine_levels=1, anchor_generator=FINE_GRIDS)
    feats = (torch.randn(3, 32, 8, 8, generator=gen) * 0.5,
             torch.randn(3, 32, 7, 7, generator=gen) * 3)
    assert_focal_loss_is_the_lectures(head, feats, gen, (8, 4, 2, 1))


def test_fine_levels_need_their_maps_and_a_grid_for_the_last():
    head = build_head(fine_levels=1, anchor_generator=FINE_GRIDS)
    with pytest.raises(ValueError, match='fine_levels=1 needs 2 maps'):
        head((torch.randn(1, 32, 7, 7), ))
    with pytest.raises(ValueError, match='fine_levels=3 must be 0 to 2'):
        build_head(fine_levels=3)
    with pytest.raises(ValueError, match='fine_levels=-1'):
        build_head(fine_levels=-1)


def test_bn_before_relu_reaches_every_std_conv():
    head = build_head(bn_before_relu=True)
    for conv in [head.stem, *head.downs]:
        assert isinstance(conv[1], torch.nn.BatchNorm2d)
        assert isinstance(conv[2], torch.nn.ReLU)
    assert isinstance(build_head().stem[1], torch.nn.ReLU)  # the lecture's
