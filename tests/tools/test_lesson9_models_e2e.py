"""Tiny end-to-end runs of the lesson's non-SSD models: generate data ->
tools/train.py (with validation) -> checkpoint -> tools/test.py --out
--show-dir."""
import os
import os.path as osp
import pickle
import subprocess
import sys

import pytest

from mmdet_fastssd.datasets import generate_shapes_voc

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

TINY = """
_base_ = '{base}'
data_root = '{data}/'
model = dict(backbone=dict(base_channels=8), bbox_head=dict(in_channels=32))
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
# LinearLR, not the configs' OneCycleLR: mmengine pickles OneCycleLR's
# anneal function via ``getattr``, which torch's weights_only loader refuses
param_scheduler = [dict(type='LinearLR', start_factor=0.5, begin=0, end=1,
                        by_epoch=True, convert_to_iter_based=True)]
default_hooks = dict(logger=dict(interval=1))
"""


def run_tool(*args):
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.returncode == 0, proc.stdout[-4000:]
    return proc.stdout


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('lesson9')
    generate_shapes_voc(str(tmp / 'data'), num_train=8, num_test=4,
                        img_size=128, seed=5)
    for name in ('largest_object_shapes', 'multilabel_shapes'):
        base = osp.join(ROOT, 'configs', f'{name}.py')
        (tmp / f'{name}.py').write_text(TINY.format(base=base,
                                                    data=tmp / 'data'))
    return tmp


def train_and_test(tiny, name):
    """Train one epoch, test the checkpoint; returns (train log, test log,
    dumped predictions, number of pictures drawn)."""
    work = tiny / f'work_{name}'
    trained = run_tool('tools/train.py', str(tiny / f'{name}.py'),
                       '--work-dir', str(work))
    assert osp.isfile(work / 'epoch_1.pth')
    results = tiny / f'{name}.pkl'
    tested = run_tool('tools/test.py', str(tiny / f'{name}.py'),
                      str(work / 'epoch_1.pth'), '--work-dir', str(work),
                      '--out', str(results), '--show-dir', 'vis')
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
