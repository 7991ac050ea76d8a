"""The lecture recipe's configs: differential LRs on the right parameters,
the same grouping in the freeze hook, and the recipe / k=1 VOC configs."""
import os.path as osp

import pytest
from helpers import CONFIGS, run_tool
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmdet.registry import HOOKS, MODELS

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.engine import fastai_clr, layer_group_index

RECIPE = osp.join(CONFIGS, '_base_', 'schedules', 'lecture_recipe.py')
# the lecture's groups, written out: fastai cuts torchvision's ResNet after
# layer2 (child 6); mmdet names the stem conv1/bn1
EARLY = ('backbone.conv1.', 'backbone.bn1.', 'backbone.layer1.',
         'backbone.layer2.')


def load(name):
    return Config.fromfile(osp.join(CONFIGS, name))


def expected_mult(name):
    if name.startswith(EARLY):
        return 0.01
    return 0.1 if name.startswith('backbone.') else 1.


def lr_of_each_parameter(model, optim_cfg):
    optimizer = build_optim_wrapper(model, optim_cfg).optimizer
    lr_of = {id(p): g['lr'] for g in optimizer.param_groups
             for p in g['params']}
    return {n: lr_of[id(p)] for n, p in model.named_parameters()}


@pytest.mark.parametrize('model_cfg', ['fastssd_voc.py', 'fastssd_shapes.py'])
def test_three_learning_rates_on_the_right_parameters(model_cfg):
    init_default_scope('mmdet')
    recipe = Config.fromfile(RECIPE)
    model = MODELS.build(load(model_cfg).model)
    lrs = lr_of_each_parameter(model, recipe.optim_wrapper)
    lr = recipe.optim_wrapper.optimizer.lr
    assert recipe.optim_wrapper.optimizer.type == 'Adam'
    for name, got in lrs.items():
        assert got == pytest.approx(lr * expected_mult(name)), name
    assert {round(v / lr, 6) for v in lrs.values()} == {0.01, 0.1, 1.}
    if model_cfg == 'fastssd_voc.py':  # ResNet-34: layer3 + layer4 are late
        assert lrs['backbone.layer4.2.conv2.weight'] == pytest.approx(lr / 10)
        assert lrs['backbone.layer2.3.bn2.bias'] == pytest.approx(lr / 100)


def test_freeze_hook_uses_the_optimizer_grouping():
    init_default_scope('mmdet')
    recipe = Config.fromfile(RECIPE)
    hook_cfg, = recipe.custom_hooks
    hook = HOOKS.build(hook_cfg)
    model = MODELS.build(load('fastssd_voc.py').model)
    mults = (0.01, 0.1, 1.)
    lrs = lr_of_each_parameter(model, recipe.optim_wrapper)
    for name in lrs:
        group = layer_group_index(name, hook.layer_groups)
        assert lrs[name] == pytest.approx(
            recipe.optim_wrapper.optimizer.lr * mults[group]), name
    assert hook.unfreeze_epochs == recipe.unfreeze_epochs
    assert max(recipe.unfreeze_epochs) < recipe.max_epochs


def test_recipe_voc_is_voc_with_the_recipe():
    voc, recipe = load('fastssd_voc.py'), load('fastssd_recipe_voc.py')
    assert recipe.model == voc.model
    assert recipe.val_dataloader == voc.val_dataloader
    assert recipe.optim_wrapper == Config.fromfile(RECIPE).optim_wrapper
    assert [h.type for h in recipe.custom_hooks] == ['FreezeScheduleHook']
    assert [s.type for s in recipe.param_scheduler] == ['LinearLR'] * 2
    types = [t.type for t in recipe.train_dataloader.dataset.pipeline]
    assert types == ['LoadImageFromFile', 'LoadAnnotations', 'Resize',
                     'RandomFlip', 'Rotate', 'RandomLighting',
                     'PackDetInputs']
    voc_data = dict(voc.train_dataloader.dataset, pipeline=None)
    assert dict(recipe.train_dataloader.dataset, pipeline=None) == voc_data


def test_k1_config_is_the_lectures_first_ssd():
    init_default_scope('mmdet')
    cfg = load('fastssd_k1_voc.py')
    head = MODELS.build(load('fastssd_k1_voc.py').model).bbox_head
    assert cfg.model.bbox_head.anchor_generator.grid_sizes == (4, )
    assert head.num_base_priors == 1 and len(head.outs) == 1
    assert head.outs[0].conv_cls.bias.detach().eq(-3.0).all()
    assert head.input_dropout.p == 0.25
    assert cfg.model.bbox_head.loss_cls == dict(type='FastSSDBCELoss')
    assert head.prior_generator.flat_priors()[0].shape == (16, 4)


@pytest.mark.e2e
def test_recipe_trains_end_to_end(tmp_path, tiny_shapes):
    """Shapes model + the recipe base + the recipe's augmentations, run by
    tools/train.py on 8 tiny images for 3 epochs (freeze phases 0/1/2)."""
    cfg = load('fastssd_shapes.py')
    recipe = Config.fromfile(RECIPE)
    pipeline = load('fastssd_recipe_voc.py').train_pipeline
    pipeline[2].scale = cfg.img_scale
    cfg.merge_from_dict(dict(
        model=dict(backbone=dict(base_channels=8),
                   bbox_head=dict(in_channels=32, feat_channels=16)),
        train_dataloader=dict(
            batch_size=4, num_workers=0, persistent_workers=False,
            dataset=dict(data_root=tiny_shapes, pipeline=pipeline)),
        val_dataloader=dict(num_workers=0, persistent_workers=False,
                            dataset=dict(data_root=tiny_shapes)),
        train_cfg=dict(max_epochs=3, val_interval=3)))
    cfg.test_dataloader = cfg.val_dataloader
    cfg.optim_wrapper = recipe.optim_wrapper
    cfg.param_scheduler = fastai_clr(20, 3, 3)  # 2 iterations per epoch
    cfg.custom_hooks = [dict(recipe.custom_hooks[0], unfreeze_epochs=(1, 2))]
    cfg.dump(str(tmp_path / 'tiny_recipe.py'))
    proc = run_tool('tools/train.py', tmp_path / 'tiny_recipe.py',
                    '--work-dir', tmp_path / 'work')
    for epoch, frozen in ((0, 2), (1, 1), (2, 0)):
        assert (f'FreezeScheduleHook: epoch {epoch}: {frozen} of 2 backbone '
                'groups frozen') in proc.stdout
    assert 'pascal_voc/mAP' in proc.stdout
