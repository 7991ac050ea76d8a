import math

import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmdet.registry import METRICS, MODELS
from mmdet.structures import DetDataSample

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.testing.lecture import (
    detn_acc,
    detn_l1,
    get_lrg,
    to_lecture,
)


def sample(boxes, labels, pred_boxes, pred_labels, pred_scores,
           scale=(1., 1.)):
    """A data sample as the evaluator passes it to ``process``."""
    return dict(
        scale_factor=scale, img_shape=(224, 224), batch_input_shape=(224, 224),
        gt_instances=dict(bboxes=torch.tensor(boxes).reshape(-1, 4).float(),
                          labels=torch.tensor(labels, dtype=torch.long)),
        pred_instances=dict(
            bboxes=torch.tensor(pred_boxes).reshape(-1, 4).float(),
            labels=torch.tensor(pred_labels, dtype=torch.long),
            scores=torch.tensor(pred_scores).float()))


def run(metric, *batches):
    for batch in batches:
        metric.process({}, batch)
    return metric.compute_metrics(metric.results)


def test_hand_computed_batch():
    metric = METRICS.build(dict(type='LargestObjectMetric'))
    samples = [
        # 448x896 original -> 224x224: sx 0.5, sy 0.25. Largest gt (area
        # 120000) is label 3, [100, 50, 200, 200] in the input; prediction
        # [110, 60, 190, 190] in the input: right class, L1 10.
        sample([[0, 0, 100, 400], [200, 200, 400, 800]], [1, 3],
               [[220, 240, 380, 760]], [3], [0.9], scale=(0.5, 0.25)),
        # two predictions: the top-scoring one counts (label 0, L1 3)
        sample([[10, 10, 30, 30]], [0],
               [[10, 10, 30, 30], [14, 10, 30, 38]], [2, 0], [0.3, 0.8]),
        # no gt: left out
        sample([], [], [[0, 0, 5, 5]], [1], [0.5]),
    ]
    # no prediction: wrong class, no L1
    samples2 = [sample([[0, 0, 50, 50]], [4], [], [], [])]
    res = run(metric, samples, samples2)
    assert res['accuracy'] == pytest.approx(2 / 3)
    assert res['bbox_l1'] == pytest.approx((10 + 3) / 2)


def test_ties_use_the_first_gt():
    metric = METRICS.build(dict(type='LargestObjectMetric'))
    res = run(metric, [sample([[0, 0, 20, 10], [0, 0, 10, 20]], [1, 2],
                              [[0, 0, 20, 10]], [1], [0.6])])
    assert res == dict(accuracy=1.0, bbox_l1=0.0)


def test_nothing_to_score_is_nan():
    metric = METRICS.build(dict(type='LargestObjectMetric'))
    res = run(metric, [sample([], [], [], [], [])])
    assert math.isnan(res['accuracy']) and math.isnan(res['bbox_l1'])
    assert all(math.isnan(v) for v in
               METRICS.build(dict(type='LargestObjectMetric'))
               .compute_metrics([]).values())


def test_agrees_with_the_lecture_on_head_predictions():
    """Head predictions (rescaled to the original image) scored by the metric
    equal the lecture's accuracy and L1 in the 224 input."""
    gen = torch.Generator().manual_seed(0)
    head = MODELS.build(dict(type='LargestObjectHead', num_classes=4,
                             in_channels=8))
    meta = dict(batch_input_shape=(224, 224), img_shape=(224, 224),
                ori_shape=(448, 336), scale_factor=(224 / 336, 224 / 448))
    cls = torch.randn(12, 4, generator=gen)
    box = torch.randn(12, 4, generator=gen)
    preds = head.predict_by_feat(cls, box, [meta] * 12, rescale=True)
    samples, bb_t, c_t = [], [], []
    for pred in preds:
        n = int(torch.randint(1, 5, (1, ), generator=gen))
        xy = torch.randint(0, 200, (n, 2), generator=gen).float()
        wh = torch.randint(5, 130, (n, 2), generator=gen).float()
        gts = InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                           labels=torch.randint(0, 4, (n, ), generator=gen))
        data = DetDataSample(metainfo=meta)
        data.gt_instances, data.pred_instances = gts, pred
        samples.append(data)
        lrg_box, lrg_cls = get_lrg(to_lecture(gts.bboxes).tolist(),
                                   gts.labels.tolist())
        bb_t.append(torch.tensor(lrg_box) * torch.tensor(
            [224 / 448, 224 / 336] * 2))  # original -> input pixels
        c_t.append(lrg_cls)
    init_default_scope('mmdet')
    evaluator = Evaluator([dict(type='LargestObjectMetric')])
    evaluator.process(samples)
    res = evaluator.evaluate(12)
    pred = torch.cat([to_lecture(box), cls], 1)
    assert res['largest/accuracy'] == pytest.approx(
        detn_acc(pred, torch.tensor(c_t)))
    assert res['largest/bbox_l1'] == pytest.approx(
        detn_l1(pred, torch.stack(bb_t)), rel=1e-4)
