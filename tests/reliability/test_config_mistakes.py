"""Config mistakes are refused by a real runner before the first iteration
(ConfigCheckHook's unit tests: tests/engine/hooks/test_config_check_hook.py).
"""
import os

import pytest
from helpers import TINY_HEAD, tiny_config
from mmengine.config import Config
from mmengine.runner import Runner

from mmdet_fastssd.engine.hooks import ConfigCheckHook, ConfigMistake


def tiny_runner(data_root, work_dir, **head):
    """A tiny shapes run without validation; ``head`` overrides."""
    cfg = Config.fromfile(tiny_config(
        f'{work_dir}.py', data_root, head=dict(TINY_HEAD, **head),
        work_dir=str(work_dir), val_dataloader=None, val_cfg=None,
        val_evaluator=None))
    return Runner.from_cfg(cfg)


def trained_iterations(runner):
    return 'train/loss' in runner.message_hub.log_scalars


def test_runner_refuses_before_the_first_iteration(tiny_shapes, tmp_path):
    runner = tiny_runner(tiny_shapes, tmp_path / 'bad', num_classes=4)
    assert any(isinstance(h, ConfigCheckHook) for h in runner.hooks)
    with pytest.raises(ConfigMistake, match='num_classes=4 does not match '
                       'the 5 classes of train_dataloader.dataset'):
        runner.train()
    assert not trained_iterations(runner)
    assert not [f for _, _, fs in os.walk(tmp_path / 'bad') for f in fs
                if f.endswith('.pth') or f == 'last_checkpoint']


@pytest.mark.e2e
def test_runner_with_a_right_config_trains(tiny_shapes, tmp_path):
    runner = tiny_runner(tiny_shapes, tmp_path / 'good')
    runner.train()
    assert trained_iterations(runner)
    assert runner.iter == 2
