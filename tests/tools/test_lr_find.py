"""tools/analysis_tools/lr_find.py: fastai's LR finder on a tiny shapes
config."""
import json
import math
import os.path as osp
import re
from types import SimpleNamespace

import pytest
import torch
from helpers import run_tool, tiny_config

from tools.analysis_tools import lr_find


@pytest.fixture(scope='module')
def tiny(tmp_path_factory, tiny_shapes):
    tmp = tmp_path_factory.mktemp('lr_find')
    tiny_config(tmp / 'tiny.py', tiny_shapes, work_dir=str(tmp / 'work'),
                head=dict(in_channels=32, feat_channels=16),
                optim_wrapper=dict(paramwise_cfg=dict(
                    custom_keys={'backbone': dict(lr_mult=0.1)})))
    return tmp


@pytest.mark.e2e
def test_cli_writes_plot_and_suggestion_outside_work_dir(tiny):
    out = tiny / 'out'
    proc = run_tool('tools/analysis_tools/lr_find.py', tiny / 'tiny.py',
                    '--start-lr', '1e-5', '--end-lr', '1e-1', '--num-iter',
                    '16', '--out-dir', out)
    suggested = float(re.search(r'suggested lr: (\S+)', proc.stdout)[1])
    assert 1e-5 / 10 <= suggested <= 1e-1 / 10
    with open(out / 'lr_find.png', 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    result = json.loads((out / 'lr_find.json').read_text())
    assert result['suggested_lr'] == pytest.approx(suggested, rel=1e-2)
    assert len(result['lrs']) == len(result['smoothed']) <= 16
    assert not (tiny / 'work').exists()  # the training work_dir


@pytest.mark.e2e
def test_stops_early_when_the_loss_explodes(tiny):
    result = lr_find.main([str(tiny / 'tiny.py'), '--start-lr', '1e-4',
                           '--end-lr', '1e5', '--num-iter', '60',
                           '--out-dir', str(tiny / 'boom')])
    assert result['stopped_early'] and len(result['lrs']) < 60
    last = result['smoothed'][-1]
    best = min(result['smoothed'][lr_find.SKIP_START:-1])
    assert not math.isfinite(last) or last > lr_find.STOP_FACTOR * best
    assert 1e-5 <= result['suggested_lr'] <= 1e4
    assert osp.isfile(tiny / 'boom' / 'lr_find.png')
    assert not (tiny / 'work').exists()


def test_refuses_to_write_into_the_work_dir(tiny):
    with pytest.raises(SystemExit, match='work_dir'):
        lr_find.main([str(tiny / 'tiny.py'), '--out-dir',
                      str(tiny / 'work' / 'lr')])


class ScriptedModel:
    """train_step returns the scripted losses, one per call."""

    def __init__(self, losses):
        self.losses = iter(losses)

    def train(self):
        pass

    def train_step(self, batch, optim_wrapper):
        return dict(loss=torch.tensor(next(self.losses)))


def scripted_run(losses, lrs, group_lrs=(1e-3, 1e-2)):
    groups = [dict(lr=lr) for lr in group_lrs]
    wrapper = SimpleNamespace(optimizer=SimpleNamespace(param_groups=groups))
    result = lr_find.find_lr(ScriptedModel(losses), wrapper, [None] * 3, lrs,
                             base_lr=1e-2)
    return result, groups


def test_smoothing_is_fastais_debiased_average():
    result, _ = scripted_run([1., 2.], [1e-3, 1e-2])
    # avg1 = 0.02 * 1 -> 0.02 / (1 - 0.98) = 1
    # avg2 = 0.98 * 0.02 + 0.02 * 2 = 0.0596 -> / (1 - 0.98^2) = 1.50505...
    assert result['smoothed'] == pytest.approx([1., 0.0596 / 0.0396])


def test_every_group_keeps_its_lr_mult_ratio():
    _, groups = scripted_run([1., 1., 1.], [1e-5, 1e-4, 1e-1])
    # the groups started at 0.1x and 1x the base lr 1e-2
    assert [g['lr'] for g in groups] == pytest.approx([1e-2, 1e-1])


def test_explosion_and_nan_stop_the_run():
    lrs = [10**(-6 + i / 5) for i in range(30)]
    result, _ = scripted_run([1.] * 12 + [1000.] + [1.] * 17, lrs)
    assert result['stopped_early'] and len(result['lrs']) == 13
    result, _ = scripted_run([1.] * 3 + [math.nan] + [1.] * 26, lrs)
    assert result['stopped_early'] and len(result['lrs']) == 4


def test_suggestion_is_ten_times_below_the_minimum():
    lrs = [10**(-6 + i / 4) for i in range(24)]
    smoothed = [3.] * 24
    smoothed[5] = 0.5  # ignored: within the first 10 points
    smoothed[16] = 1.
    assert lr_find.suggest_lr(lrs, smoothed) == pytest.approx(lrs[16] / 10)
    assert lr_find.exp_lrs(1e-6, 10., 8)[-1] == pytest.approx(10.)


def test_applies_the_configs_freeze_schedule(tiny):
    cfg = lr_find.load_config(str(tiny / 'tiny.py'))
    cfg.custom_hooks = [dict(type='FreezeScheduleHook',
                             unfreeze_epochs=(1, 2))]
    model, _, _, hook = lr_find.build_parts(cfg, freeze_epoch=0)
    assert hook is not None
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert all(p.requires_grad for p in model.bbox_head.parameters())
    model, _, _, _ = lr_find.build_parts(cfg, freeze_epoch=2)
    assert all(p.requires_grad for p in model.parameters())
