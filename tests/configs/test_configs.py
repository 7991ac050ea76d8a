"""Every config in configs/ loads and builds its model, data and evaluator."""
import glob
import os.path as osp

import pytest
from helpers import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdet.registry import DATASETS, METRICS, MODELS

import mmdet_fastssd  # noqa: F401

CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', '*.py')))


def test_there_are_configs():
    names = {osp.basename(c) for c in CONFIGS}
    assert {'fastssd_voc.py', 'fastssd_bce_voc.py',
            'fastssd_shapes.py'} <= names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports.imports == ['mmdet_fastssd']
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    assert model.bbox_head.num_classes == len(
        cfg.train_dataloader.dataset.get('metainfo', {}).get(
            'classes', range(20)))
    evaluators = cfg.val_evaluator if isinstance(
        cfg.val_evaluator, list) else [cfg.val_evaluator]
    metrics = [METRICS.build(e) for e in evaluators]
    assert all(m.eval_mode == '11points' for m in metrics
               if hasattr(m, 'eval_mode'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[key].dataset.type in DATASETS


def test_voc_config_is_the_lecture_model():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'fastssd_voc.py'))
    assert cfg.model.backbone.depth == 34
    assert cfg.model.backbone.init_cfg.checkpoint == 'torchvision://resnet34'
    head = cfg.model.bbox_head
    assert head.loss_cls.type == 'FastSSDFocalLoss'
    assert head.anchor_generator.grid_sizes == (4, 2, 1)
    resize = [t for t in cfg.train_pipeline if t.type == 'Resize'][0]
    assert resize.scale == (224, 224) and resize.keep_ratio is False
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert cfg.param_scheduler[0].type == 'OneCycleLR'
    assert cfg.train_dataloader.dataset.ann_file.endswith('trainval.txt')
    assert cfg.test_dataloader.dataset.ann_file.endswith('test.txt')


def test_bce_config_only_swaps_the_loss():
    voc = Config.fromfile(osp.join(ROOT, 'configs', 'fastssd_voc.py'))
    bce = Config.fromfile(osp.join(ROOT, 'configs', 'fastssd_bce_voc.py'))
    assert bce.model.bbox_head.loss_cls == dict(type='FastSSDBCELoss')
    voc.model.bbox_head.pop('loss_cls')
    bce.model.bbox_head.pop('loss_cls')
    assert voc.model == bce.model


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_schedule_follows_the_configs_lr_and_length(path):
    """A child that sets ``lr`` or ``max_epochs`` (``max_iters``) must carry
    them into the optimizer, the train loop and the LR schedule (config
    variables resolve per file, so a stale base value would pass
    silently)."""
    cfg = Config.fromfile(path)
    # epochs, or iterations for an IterBasedTrainLoop (the photo recipe)
    name = 'max_epochs' if 'max_epochs' in cfg.train_cfg else 'max_iters'
    length = cfg.train_cfg[name]
    assert cfg.get(name, length) == length
    assert max(s.end for s in cfg.param_scheduler) == length
    lr = cfg.optim_wrapper.optimizer.lr
    assert cfg.get('lr', lr) == lr
    for sched in cfg.param_scheduler:
        if sched.type == 'OneCycleLR':
            assert sched.eta_max == lr


def test_shapes_configs_share_one_schedule_base():
    """The three shapes models differ from their schedule base only in
    length and LR: the same one-cycle shape, bf16 wrapper and hooks."""
    base = Config.fromfile(osp.join(
        ROOT, 'configs', '_base_', 'schedules', 'shapes_adam_onecycle.py'))
    for name in ('fastssd_shapes', 'largest_object_shapes',
                 'multilabel_shapes'):
        cfg = Config.fromfile(osp.join(ROOT, 'configs', f'{name}.py'))
        sched = dict(cfg.param_scheduler[0], eta_max=None, end=None)
        assert sched == dict(base.param_scheduler[0], eta_max=None,
                             end=None), name
        assert cfg.optim_wrapper.type == 'BF16AutocastOptimWrapper'
        assert cfg.custom_hooks == base.custom_hooks
        assert cfg.default_hooks.checkpoint.max_keep_ckpts == 2


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_auto_scale_lr_base_is_the_configs_own_batch(path):
    """--auto-scale-lr on one process leaves each config's tuned LR alone."""
    if osp.basename(path).startswith('ssdlite'):
        pytest.skip("stock mmdet recipe: its LR was tuned at mmdet's 8x24")
    cfg = Config.fromfile(path)
    assert cfg.auto_scale_lr.base_batch_size == \
        cfg.train_dataloader.batch_size


@pytest.mark.parametrize('batch, factor', [(16, 1.0), (32, 2.0), (8, 0.5)])
def test_auto_scale_lr_arithmetic(batch, factor, tmp_path):
    """MMEngine's scaling: lr x (processes x batch) / base_batch_size."""
    from mmengine.runner import Runner

    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'fastssd_custom_voc.py'))
    cfg.train_dataloader.batch_size = batch
    cfg.auto_scale_lr.enable = True
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)  # builds no data until training
    wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    runner.scale_lr(wrapper, cfg.auto_scale_lr)
    lr = cfg.optim_wrapper.optimizer.lr
    assert {g['lr'] for g in wrapper.param_groups} == {lr * factor}


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_runs_keep_the_best_checkpoint_and_show_themselves(path):
    cfg = Config.fromfile(path)
    if osp.basename(path).startswith('ssdlite'):
        pytest.skip("stock mmdet runtime (the comparison's own)")
    hooks = cfg.default_hooks
    assert hooks.checkpoint.save_best == 'auto'  # the first metric: mAP
    assert hooks.epoch_summary.type == 'EpochSummaryHook'
    assert hooks.curves.type == 'TrainingCurvesHook'
    assert {'type': 'LocalVisBackend'} in cfg.visualizer.vis_backends
    # held-out figures during the run, not only after it
    loop = cfg.train_cfg
    if loop.get('type') == 'IterBasedTrainLoop':
        assert loop.val_interval <= loop.max_iters // 4
    else:
        assert loop.val_interval <= 2


def test_photo_config_validates_every_200_iterations():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'fastssd_custom_voc.py'))
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.train_cfg.val_interval == 200 < cfg.train_cfg.max_iters
    assert cfg.default_hooks.checkpoint.by_epoch is False
    assert cfg.default_hooks.logger.log_metric_by_epoch is False  # at iters


def test_early_stopping_is_one_config_line():
    """The README's line: MMEngine's EarlyStoppingHook among default_hooks."""
    from mmengine.registry import HOOKS
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'fastssd_custom_voc.py'))
    cfg.merge_from_dict(dict(default_hooks=dict(early_stopping=dict(
        type='EarlyStoppingHook', monitor='pascal_voc/mAP', patience=5))))
    hook = HOOKS.build(cfg.default_hooks.early_stopping)
    assert type(hook).__name__ == 'EarlyStoppingHook'
    assert hook.rule == 'greater' and hook.patience == 5
