"""Tiny end-to-end run: generate data -> train -> checkpoint -> resume ->
test."""
import os
import os.path as osp
import pickle
import re

import cv2
import pytest
from helpers import one_cycle, run_tool, tiny_config

pytestmark = pytest.mark.e2e  # each test starts training runs


@pytest.fixture(scope='module')
def tiny(tmp_path_factory, tiny_shapes):
    tmp = tmp_path_factory.mktemp('e2e')
    for epochs in (1, 2):  # one schedule: the second run resumes the first
        tiny_config(tmp / f'tiny{epochs}.py', tiny_shapes, epochs=epochs,
                    param_scheduler=[one_cycle(2)])
    return tmp


def test_train_checkpoint_resume_and_test(tiny):
    work = tiny / 'work'
    out = run_tool('tools/train.py', tiny / 'tiny1.py', '--work-dir',
                   work).stdout
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
    out = run_tool('tools/train.py', tiny / 'tiny2.py', '--work-dir', work,
                   '--resume').stdout
    assert 'resumed epoch: 1' in out
    assert osp.isfile(work / 'epoch_2.pth')
    assert re.search(r'epoch 2/2: loss .*pascal_voc/mAP', out)
    # the resumed run's picture spans both runs
    assert 'plot_curves: 4 training and 2 validation' in run_tool(
        'tools/analysis_tools/plot_curves.py', work).stdout
    results = tiny / 'results.pkl'
    out = run_tool('tools/test.py', tiny / 'tiny2.py', work / 'epoch_2.pth',
                   '--work-dir', work, '--out', results, '--show-dir',
                   'vis').stdout
    assert 'pascal_voc/mAP' in out
    with open(results, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 4
    assert {'bboxes', 'scores', 'labels'} <= set(preds[0]['pred_instances'])
    pictures = [f for d, _, fs in os.walk(work) if d.endswith('vis')
                for f in fs]
    assert len(pictures) == 4
    # MMDetection's error analysis on the plugin's results
    run_tool('tools/analysis_tools/confusion_matrix.py', tiny / 'tiny2.py',
             results, tiny / 'cm')
    assert cv2.imread(str(tiny / 'cm' / 'confusion_matrix.png')) is not None
    run_tool('tools/analysis_tools/analyze_results.py', tiny / 'tiny2.py',
             results, tiny / 'worst', '--topk', '2')
    assert len(os.listdir(tiny / 'worst' / 'bad')) == 2


def test_amp_on_a_cpu_trains_in_bf16(tiny):
    work = tiny / 'amp'
    out = run_tool('tools/train.py', tiny / 'tiny1.py', '--work-dir', work,
                   '--amp', '--cfg-options',
                   'optim_wrapper.type=OptimWrapper').stdout
    assert "type='BF16AutocastOptimWrapper'" in out
    assert osp.isfile(work / 'epoch_1.pth')


def test_tools_name_bad_paths(tiny):
    proc = run_tool('tools/test.py', tiny / 'tiny1.py', tiny / 'missing.pth',
                    check=False)
    assert proc.returncode != 0 and 'missing.pth' in proc.stdout
    proc = run_tool('tools/train.py', tiny / 'nope.py', check=False)
    assert proc.returncode != 0 and 'nope.py' in proc.stdout
