"""Tiny end-to-end run: generate data -> train -> checkpoint -> resume ->
test."""
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import cv2
import pytest

from mmdet_fastssd.datasets import generate_shapes_voc

pytestmark = pytest.mark.e2e  # each test starts training runs

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
    # the per-epoch line, the best checkpoint and the picture of the run
    summary = re.search(r'epoch 1/1: loss [0-9.]+ \(loss_cls [0-9.]+, '
                        r'loss_bbox [0-9.]+\), pascal_voc/mAP [0-9.]+ '
                        r'\(best [0-9.]+, epoch 1\), [0-9.]+ s '
                        r'\(validation [0-9.]+ s\), ETA 0s', out)
    assert summary, out[-3000:]
    assert osp.isfile(work / 'best_pascal_voc_mAP_epoch_1.pth')
    assert cv2.imread(str(work / 'curves.png')) is not None
    # resume from epoch 1 into a 2-epoch run: loads optimizer, schedulers and
    # the message hub through torch's weights_only loader
    out = run_tool('tools/train.py', str(tiny / 'tiny2.py'), '--work-dir',
                   str(work), '--resume')
    assert 'resumed epoch: 1' in out
    assert osp.isfile(work / 'epoch_2.pth')
    assert re.search(r'epoch 2/2: loss .*pascal_voc/mAP', out)
    # the resumed run's picture spans both runs
    assert 'plot_curves: 4 training and 2 validation' in run_tool(
        'tools/analysis_tools/plot_curves.py', str(work))
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
    # MMDetection's error analysis on the plugin's results
    run_tool('tools/analysis_tools/confusion_matrix.py',
             str(tiny / 'tiny2.py'), str(results), str(tiny / 'cm'))
    assert cv2.imread(str(tiny / 'cm' / 'confusion_matrix.png')) is not None
    run_tool('tools/analysis_tools/analyze_results.py',
             str(tiny / 'tiny2.py'), str(results), str(tiny / 'worst'),
             '--topk', '2')
    assert len(os.listdir(tiny / 'worst' / 'bad')) == 2


def test_amp_on_a_cpu_trains_in_bf16(tiny):
    work = tiny / 'amp'
    out = run_tool('tools/train.py', str(tiny / 'tiny1.py'), '--work-dir',
                   str(work), '--amp', '--cfg-options',
                   'optim_wrapper.type=OptimWrapper')
    assert "type='BF16AutocastOptimWrapper'" in out
    assert osp.isfile(work / 'epoch_1.pth')


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
