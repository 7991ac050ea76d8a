"""mmdet_fastssd.apis.cli: the argument and config code tools/train.py,
tools/test.py and tools/analysis_tools/lr_find.py share."""
import os
import os.path as osp

import pytest
from helpers import ROOT

from mmdet_fastssd.apis.cli import (
    build_cfg,
    enable_amp,
    enable_auto_scale_lr,
    load_config,
    parse_args,
    test_parser,
    train_parser,
)

SHAPES = osp.join(ROOT, 'configs', 'fastssd_shapes.py')


@pytest.fixture(autouse=True)
def restore_local_rank():
    """parse_args exports LOCAL_RANK (as MMDetection's tools do): undo it."""
    before = os.environ.get('LOCAL_RANK')
    os.environ.pop('LOCAL_RANK', None)
    yield
    os.environ.pop('LOCAL_RANK', None)
    if before is not None:
        os.environ['LOCAL_RANK'] = before


def test_train_options_reach_the_config(tmp_path):
    args = parse_args(train_parser(), [
        SHAPES, '--work-dir', str(tmp_path), '--amp', '--auto-scale-lr',
        '--resume', 'ckpt.pth', '--cfg-options', 'train_cfg.max_epochs=3',
        '--launcher', 'pytorch'
    ])
    cfg = build_cfg(args)
    assert cfg.work_dir == str(tmp_path)
    assert cfg.launcher == 'pytorch'
    assert cfg.train_cfg.max_epochs == 3
    # already mixed precision (bf16 autocast): --amp keeps it
    assert cfg.optim_wrapper.type == 'BF16AutocastOptimWrapper'
    assert 'loss_scale' not in cfg.optim_wrapper
    assert cfg.auto_scale_lr.enable is True
    assert cfg.resume is True and cfg.load_from == 'ckpt.pth'
    assert os.environ['LOCAL_RANK'] == '0'


def test_train_defaults_and_auto_resume(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no work_dirs/ of earlier runs
    cfg = build_cfg(parse_args(train_parser(), [SHAPES, '--resume']))
    assert cfg.work_dir == osp.join('./work_dirs', 'fastssd_shapes')
    assert cfg.resume is True and cfg.load_from is None
    assert cfg.optim_wrapper.type == 'BF16AutocastOptimWrapper'
    assert cfg.launcher == 'none'
    cfg = build_cfg(parse_args(train_parser(), [SHAPES]))
    assert cfg.get('resume', False) is False


def test_test_args_share_the_config_code(tmp_path):
    args = parse_args(test_parser(), [
        SHAPES, 'epoch_1.pth', '--work-dir', str(tmp_path), '--cfg-options',
        'test_dataloader.batch_size=2'
    ])
    assert args.checkpoint == 'epoch_1.pth' and args.out is None
    cfg = build_cfg(args)
    assert cfg.work_dir == str(tmp_path)
    assert cfg.test_dataloader.batch_size == 2
    # training-only options are absent from test.py and change nothing
    assert cfg.optim_wrapper.type == 'BF16AutocastOptimWrapper'
    assert cfg.get('resume', False) is False


def test_missing_and_broken_configs_are_named(tmp_path):
    with pytest.raises(SystemExit, match='nope.py'):
        load_config(str(tmp_path / 'nope.py'))
    broken = tmp_path / 'broken.py'
    broken.write_text("_base_ = ['./missing_base.py']\n")
    with pytest.raises(SystemExit, match='broken.py'):
        load_config(str(broken))


@pytest.mark.parametrize('cuda, wrapper', [
    (False, 'BF16AutocastOptimWrapper'),  # fp16 AmpOptimWrapper needs CUDA
    (True, 'AmpOptimWrapper'),
])
def test_amp_picks_the_wrapper_the_device_runs(cuda, wrapper):
    cfg = load_config(SHAPES)
    cfg.optim_wrapper.type = 'OptimWrapper'
    enable_amp(cfg, cuda=cuda)
    assert cfg.optim_wrapper.type == wrapper
    assert ('loss_scale' in cfg.optim_wrapper) == cuda
    assert cfg.optim_wrapper.optimizer.type == 'Adam'  # the rest is kept


def test_amp_refuses_another_wrapper():
    cfg = load_config(SHAPES)
    cfg.optim_wrapper.type = 'ApexOptimWrapper'
    with pytest.raises(SystemExit, match="'OptimWrapper', got "
                       "'ApexOptimWrapper'"):
        enable_amp(cfg, cuda=False)


def test_auto_scale_lr_without_the_key_gives_mmdets_message():
    cfg = load_config(SHAPES)
    cfg.pop('auto_scale_lr')
    with pytest.raises(SystemExit, match='Can not find "auto_scale_lr"'):
        enable_auto_scale_lr(cfg)
    cfg.auto_scale_lr = dict(enable=False)  # no base_batch_size
    with pytest.raises(SystemExit, match='base_batch_size'):
        enable_auto_scale_lr(cfg)
