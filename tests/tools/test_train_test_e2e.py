"""Tiny end-to-end run: generate data -> train -> checkpoint -> resume ->
test."""
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
model = dict(backbone=dict(base_channels=8),
             bbox_head=dict(in_channels=32, feat_channels=32))
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs={epochs}, val_interval=1)
param_scheduler = [dict(type='OneCycleLR', eta_max=1e-3, begin=0, end=2,
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
    tmp = tmp_path_factory.mktemp('e2e')
    generate_shapes_voc(str(tmp / 'data'), num_train=8, num_test=4,
                        img_size=128, seed=3)
    base = osp.join(ROOT, 'configs', 'fastssd_shapes.py')
    for epochs in (1, 2):
        (tmp / f'tiny{epochs}.py').write_text(
            TINY.format(base=base, data=tmp / 'data', epochs=epochs))
    return tmp


def test_train_checkpoint_resume_and_test(tiny):
    work = tiny / 'work'
    out = run_tool('tools/train.py', str(tiny / 'tiny1.py'), '--work-dir',
                   str(work))
    assert 'pascal_voc/mAP' in out
    assert osp.isfile(work / 'epoch_1.pth')
    # resume from epoch 1 into a 2-epoch run: loads optimizer, schedulers and
    # the message hub through torch's weights_only loader
    out = run_tool('tools/train.py', str(tiny / 'tiny2.py'), '--work-dir',
                   str(work), '--resume')
    assert 'resumed epoch: 1' in out
    assert osp.isfile(work / 'epoch_2.pth')
    results = tiny / 'results.pkl'
    out = run_tool('tools/test.py', str(tiny / 'tiny2.py'),
                   str(work / 'epoch_2.pth'), '--work-dir', str(work),
                   '--out', str(results), '--show-dir', 'vis')
    assert 'pascal_voc/mAP' in out
    with open(results, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 4
    assert {'bboxes', 'scores', 'labels'} <= set(preds[0]['pred_instances'])
    pictures = [f for d, _, fs in os.walk(work) if d.endswith('vis')
                for f in fs]
    assert len(pictures) == 4


def test_tools_name_bad_paths(tiny):
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', str(tiny / 'tiny1.py'),
         str(tiny / 'missing.pth')], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.returncode != 0 and 'missing.pth' in proc.stdout
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', str(tiny / 'nope.py')], cwd=ROOT,
        text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.returncode != 0 and 'nope.py' in proc.stdout
