"""Every config in configs/ loads and builds its model, data and evaluator."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdet.registry import DATASETS, METRICS, MODELS

import mmdet_fastssd  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
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
