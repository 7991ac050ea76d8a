import math

import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmdet.registry import METRICS, MODELS
from mmdet.structures import DetDataSample

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.evaluation.metrics import average_precision
from mmdet_fastssd.testing.lecture import accuracy_thresh, average_precision_1d

CLASSES = ('a', 'b', 'c', 'd')


def sample(gt_labels, scores, labels=None):
    labels = list(range(len(scores))) if labels is None else labels
    return dict(
        gt_instances=dict(labels=torch.tensor(gt_labels, dtype=torch.long),
                          bboxes=torch.zeros(len(gt_labels), 4)),
        pred_instances=dict(labels=torch.tensor(labels, dtype=torch.long),
                            scores=torch.tensor(scores).float(),
                            bboxes=torch.zeros(len(scores), 4)))


def build(**kwargs):
    metric = METRICS.build(dict(type='MultiLabelMetric', **kwargs))
    metric.dataset_meta = dict(classes=CLASSES)
    return metric


def test_hand_computed_values():
    metric = build()
    metric.process({}, [
        sample([0], [0.9, 0.2, 0.6, 0.1]),
        # predictions in any order; a repeated label keeps its best score
        sample([1, 2, 2], [0.6, 0.7, 0.4, 0.2, 0.1], labels=[2, 1, 0, 3, 1]),
    ])
    metric.process({}, [sample([2, 0], [0.8, 0.1, 0.3, 0.7]),
                        sample([], [0.2, 0.6, 0.6, 0.3])])
    res = metric.compute_metrics(metric.results)
    # (p > 0.5) == target: 3 + 4 + 2 + 2 of 16
    assert res['accuracy_thresh'] == pytest.approx(11 / 16)
    assert res['AP_a'] == pytest.approx(1.0)
    assert res['AP_b'] == pytest.approx(1.0)
    # class c, scores (.6 F, .6 T, .3 T, .6 F): at 0.6 precision 1/3 for half
    # the recall, at 0.3 precision 2/4 for the other half
    assert res['AP_c'] == pytest.approx(1 / 6 + 1 / 4)
    assert math.isnan(res['AP_d'])  # never present: left out of the mean
    assert res['mAP'] == pytest.approx((1 + 1 + 5 / 12) / 3)


def test_threshold_is_configurable():
    metric = build(thresh=0.65)
    metric.process({}, [sample([0, 1], [0.7, 0.6, 0.0, 0.0])])
    assert metric.compute_metrics(metric.results)[
        'accuracy_thresh'] == pytest.approx(3 / 4)


def test_average_precision_matches_the_oracle_with_ties():
    gen = torch.Generator().manual_seed(0)
    scores = (torch.rand(50, 6, generator=gen) * 5).round() / 5  # ties
    targets = (torch.rand(50, 6, generator=gen) < 0.3).float()
    targets[:, 5] = 0
    ap = average_precision(scores, targets)
    for c in range(5):
        assert ap[c].item() == pytest.approx(
            average_precision_1d(scores[:, c].tolist(),
                                 targets[:, c].tolist()))
    assert math.isnan(ap[5].item())


def test_agrees_with_fastai_on_head_predictions():
    gen = torch.Generator().manual_seed(1)
    head = MODELS.build(dict(type='MultiLabelHead', num_classes=4,
                             in_channels=8))
    logits = torch.randn(10, 4, generator=gen) * 2
    meta = dict(img_shape=(224, 224), ori_shape=(300, 200))
    preds = head.predict_by_feat(logits, [meta] * 10, rescale=True)
    samples, targets = [], torch.zeros(10, 4)
    for i, pred in enumerate(preds):
        labels = torch.randint(0, 4, (int(i % 3), ), generator=gen)
        targets[i, labels] = 1
        data = DetDataSample(metainfo=meta)
        data.gt_instances = InstanceData(labels=labels,
                                         bboxes=torch.zeros(len(labels), 4))
        data.pred_instances = pred
        samples.append(data)
    init_default_scope('mmdet')
    evaluator = Evaluator([dict(type='MultiLabelMetric')])
    evaluator.dataset_meta = dict(classes=CLASSES)
    evaluator.process(samples)
    res = evaluator.evaluate(10)
    probs = torch.sigmoid(logits)
    assert res['multilabel/accuracy_thresh'] == pytest.approx(
        accuracy_thresh(probs, targets))
    aps = [average_precision_1d(probs[:, c].tolist(), targets[:, c].tolist())
           for c in range(4)]
    defined = [a for a in aps if not math.isnan(a)]
    assert res['multilabel/mAP'] == pytest.approx(sum(defined) / len(defined))


def test_needs_class_names():
    metric = METRICS.build(dict(type='MultiLabelMetric'))
    with pytest.raises(ValueError, match='classes'):
        metric.process({}, [sample([0], [0.5])])
