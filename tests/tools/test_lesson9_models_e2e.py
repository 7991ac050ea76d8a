"""Tiny end-to-end runs of the lesson's non-SSD models: generate data ->
tools/train.py (with validation) -> checkpoint -> tools/test.py --out
--show-dir."""
import os
import os.path as osp
import pickle

import pytest
from helpers import CONFIGS, run_tool, tiny_config

pytestmark = pytest.mark.e2e  # each test starts training runs


@pytest.fixture(scope='module')
def tiny(tmp_path_factory, tiny_shapes):
    tmp = tmp_path_factory.mktemp('lesson9')
    for name in ('largest_object_shapes', 'multilabel_shapes'):
        tiny_config(
            tmp / f'{name}.py', tiny_shapes,
            base=osp.join(CONFIGS, f'{name}.py'),
            head=dict(in_channels=32),
            # LinearLR, not the configs' OneCycleLR: mmengine pickles
            # OneCycleLR's anneal function via ``getattr``, which torch's
            # weights_only loader refuses
            param_scheduler=[dict(type='LinearLR', start_factor=0.5,
                                  begin=0, end=1, by_epoch=True,
                                  convert_to_iter_based=True)])
    return tmp


def train_and_test(tiny, name):
    """Train one epoch, test the checkpoint; returns (train log, test log,
    dumped predictions, number of pictures drawn)."""
    work = tiny / f'work_{name}'
    trained = run_tool('tools/train.py', tiny / f'{name}.py', '--work-dir',
                       work).stdout
    assert osp.isfile(work / 'epoch_1.pth')
    results = tiny / f'{name}.pkl'
    tested = run_tool('tools/test.py', tiny / f'{name}.py',
                      work / 'epoch_1.pth', '--work-dir', work, '--out',
                      results, '--show-dir', 'vis').stdout
    with open(results, 'rb') as f:
        preds = pickle.load(f)
    pictures = [f for d, _, fs in os.walk(work) if d.endswith('vis')
                for f in fs]
    return trained, tested, preds, len(pictures)


def test_largest_object_train_and_test(tiny):
    trained, tested, preds, pictures = train_and_test(
        tiny, 'largest_object_shapes')
    for log in (trained, tested):
        assert 'pascal_voc/mAP' in log and 'largest/accuracy' in log
        assert 'largest/bbox_l1' in log
    assert len(preds) == 4 and pictures == 4
    for pred in preds:
        assert pred['pred_instances']['bboxes'].shape == (1, 4)
        assert 0 <= int(pred['pred_instances']['labels'][0]) < 5


def test_multilabel_train_and_test(tiny):
    trained, tested, preds, pictures = train_and_test(tiny,
                                                      'multilabel_shapes')
    for log in (trained, tested):
        assert 'multilabel/accuracy_thresh' in log
        assert 'multilabel/mAP' in log and 'multilabel/AP_circle' in log
    assert len(preds) == 4 and pictures == 4
    for pred in preds:
        assert pred['pred_instances']['labels'].tolist() == list(range(5))
        scores = pred['pred_instances']['scores']
        assert ((scores > 0) & (scores < 1)).all()
