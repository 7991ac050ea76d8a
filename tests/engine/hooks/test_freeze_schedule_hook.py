"""FreezeScheduleHook: fastai's freeze / freeze_to(-2) / unfreeze by epoch."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from helpers import tiny_detector
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import EpochBasedTrainLoop, Runner
from torch.utils.data import Dataset

from mmdet.registry import HOOKS

import mmdet_fastssd  # noqa: F401

# the lecture's groups, written out for mmdet's 3-stage shapes ResNet
EARLY = ('backbone.conv1.', 'backbone.bn1.', 'backbone.layer1.',
         'backbone.layer2.')
LATE = ('backbone.layer3.', )


def group_of(name):
    if name.startswith(EARLY):
        return 'early'
    return 'late' if name.startswith(LATE) else 'head'


def trained_groups(model):
    """Groups whose parameters get a gradient from a forward/backward."""
    model.zero_grad(set_to_none=True)
    feats = model.extract_feat(torch.rand(2, 3, 112, 112))
    cls_scores, bbox_preds = model.bbox_head(feats)
    sum(t.sum() for t in cls_scores + bbox_preds).backward()
    got = {}
    for name, p in model.named_parameters():
        got.setdefault(group_of(name), set()).add(p.grad is not None)
    assert all(len(v) == 1 for v in got.values()), got  # whole groups
    return {g for g, v in got.items() if v == {True}}


@pytest.mark.parametrize('epoch, groups', [
    (0, {'head'}), (1, {'head'}), (2, {'late', 'head'}),
    (3, {'late', 'head'}), (4, {'early', 'late', 'head'}),
    (9, {'early', 'late', 'head'})])
def test_gradients_reach_only_the_unfrozen_groups(epoch, groups):
    model = tiny_detector()
    hook = HOOKS.build(dict(type='FreezeScheduleHook', unfreeze_epochs=(2, 4)))
    hook.apply(model, epoch)
    assert trained_groups(model) == groups


def test_frozen_batchnorm_stays_in_eval_mode_through_model_train():
    model = tiny_detector()
    hook = HOOKS.build(dict(type='FreezeScheduleHook', unfreeze_epochs=(1, 2)))
    runner = SimpleNamespace(model=nn.DataParallel(model), epoch=0)
    expected = {0: {'early': False, 'late': False, 'head': True},
                1: {'early': False, 'late': True, 'head': True},
                2: {'early': True, 'late': True, 'head': True}}
    for epoch, modes in expected.items():
        runner.epoch = epoch
        # the order of EpochBasedTrainLoop.run_epoch / run_iter
        hook.before_train_epoch(runner)
        runner.model.train()
        hook.before_train_iter(runner, 0)
        got = {}
        for name, m in model.named_modules():
            if isinstance(m, nn.BatchNorm2d):
                got.setdefault(group_of(name + '.'), set()).add(m.training)
        assert got == {g: {mode} for g, mode in modes.items()}
    # a frozen BN keeps its running statistics in a training forward
    hook.apply(model, 0)
    model.train()
    hook.set_frozen_bn_eval()
    before = model.backbone.bn1.running_mean.clone()
    model.extract_feat(torch.rand(2, 3, 112, 112))
    assert torch.equal(model.backbone.bn1.running_mean, before)


def test_parameters_frozen_by_the_model_stay_frozen():
    model = tiny_detector()
    model.backbone.conv1.weight.requires_grad_(False)
    hook = HOOKS.build(dict(type='FreezeScheduleHook', unfreeze_epochs=(1, 2)))
    for epoch in (0, 1, 2):
        hook.apply(model, epoch)
    assert not model.backbone.conv1.weight.requires_grad
    assert model.backbone.layer1[0].conv1.weight.requires_grad


def test_adam_leaves_frozen_parameters_alone():
    model = tiny_detector()
    # built before freezing, as the runner does
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1,
                                 weight_decay=1e-2)
    hook = HOOKS.build(dict(type='FreezeScheduleHook', unfreeze_epochs=(1, 2)))
    hook.apply(model, 0)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    trained_groups(model)
    optimizer.step()
    for name, p in model.named_parameters():
        moved = not torch.equal(p, before[name])
        if group_of(name) != 'head':
            assert not moved, name
    assert not torch.equal(model.bbox_head.outs[0].conv_cls.weight,
                           before['bbox_head.outs.0.conv_cls.weight'])


@pytest.mark.parametrize('kwargs, match', [
    (dict(unfreeze_epochs=(1, )), 'one epoch per layer group'),
    (dict(unfreeze_epochs=(3, 1)), 'non-decreasing'),
    (dict(unfreeze_epochs=(1, 2, 3), layer_groups=(('a', ), ('b', ))),
     'one epoch per layer group')])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HOOKS.build(dict(type='FreezeScheduleHook', **kwargs))


def test_needs_an_epoch_based_loop():
    hook = HOOKS.build(dict(type='FreezeScheduleHook'))
    hook.before_train(SimpleNamespace(
        train_loop=EpochBasedTrainLoop.__new__(EpochBasedTrainLoop)))
    with pytest.raises(TypeError, match='EpochBasedTrainLoop'):
        hook.before_train(SimpleNamespace(train_loop=object()))


class ToyDetector(BaseModel):
    """backbone (conv1, bn1 | layer3) + bbox_head, like mmdet's names."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Module()
        self.backbone.conv1 = nn.Conv2d(1, 2, 1)
        self.backbone.bn1 = nn.BatchNorm2d(2)
        self.backbone.layer3 = nn.Sequential(nn.Conv2d(2, 2, 1),
                                             nn.BatchNorm2d(2))
        self.bbox_head = nn.Conv2d(2, 1, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        b = self.backbone
        x = self.bbox_head(b.layer3(b.bn1(b.conv1(inputs))))
        return dict(loss=(x**2).mean()) if mode == 'loss' else x


class ToyData(Dataset):

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return dict(inputs=torch.rand(1, 4, 4))


class Recorder(Hook):
    """After the freeze hook: BN modes per iteration, moves per epoch."""
    priority = 'LOW'

    def __init__(self):
        self.bn_train, self.moved = {}, {}

    def before_train_epoch(self, runner):
        self.start = {n: p.detach().clone()
                      for n, p in runner.model.named_parameters()}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        m = runner.model
        self.bn_train.setdefault(runner.epoch, set()).add(
            (m.backbone.bn1.training, m.backbone.layer3[1].training))

    def after_train_epoch(self, runner):
        self.moved[runner.epoch] = {
            n.split('.')[1] if n.startswith('backbone') else 'head'
            for n, p in runner.model.named_parameters()
            if not torch.equal(p, self.start[n])}


@pytest.mark.e2e
def test_in_a_real_runner(tmp_path):
    recorder = Recorder()
    runner = Runner(
        model=ToyDetector(), work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=ToyData(), batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=3),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.1)),
        custom_hooks=[
            HOOKS.build(dict(type='FreezeScheduleHook',
                             unfreeze_epochs=(1, 2),
                             layer_groups=(('backbone.conv1', 'backbone.bn1'),
                                           ('backbone', )))), recorder],
        default_hooks=dict(checkpoint=None), default_scope='mmdet')
    runner.train()
    assert recorder.bn_train == {0: {(False, False)}, 1: {(False, True)},
                                 2: {(True, True)}}
    assert recorder.moved == {0: {'head'}, 1: {'layer3', 'head'},
                              2: {'conv1', 'bn1', 'layer3', 'head'}}
