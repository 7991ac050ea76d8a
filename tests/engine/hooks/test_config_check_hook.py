"""ConfigCheckHook: class count, head channels and anchor grids checked
against the data with one dry forward pass, naming the key to change."""
import os.path as osp
import random

import numpy as np
import pytest
import torch
from helpers import CONFIGS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdet.registry import MODELS
from mmdet.structures import DetDataSample

from mmdet_fastssd.datasets import SHAPES_CLASSES
from mmdet_fastssd.engine.hooks import ConfigMistake
from mmdet_fastssd.engine.hooks.config_check_hook import (
    check_forward,
    check_num_classes,
)


class FakeDataset(list):
    """One packed sample of a given input size, like ``dataset[0]``."""

    def __init__(self, size, classes=SHAPES_CLASSES):
        sample = DetDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size),
            scale_factor=(1.0, 1.0)))
        super().__init__([dict(inputs=torch.zeros(3, size, size,
                                                  dtype=torch.uint8),
                               data_samples=sample)])
        self.metainfo = dict(classes=tuple(classes))


def build_model(name, **head):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    cfg.model.backbone.init_cfg = None
    cfg.model.bbox_head.update(head)
    init_default_scope('mmdet')
    return MODELS.build(cfg.model)


@pytest.fixture(scope='module')
def voc_model():
    return build_model('fastssd_voc.py')


def test_num_classes_mismatch_names_both_keys(voc_model):
    head = voc_model.bbox_head  # 20 classes
    with pytest.raises(ConfigMistake) as info:
        check_num_classes(head, FakeDataset(224), 'train_dataloader')
    msg = str(info.value)
    assert msg.startswith('model.bbox_head.num_classes=20 does not match '
                          'the 5 classes of train_dataloader.dataset')
    assert "'circle'" in msg and 'set model.bbox_head.num_classes=5' in msg
    voc = FakeDataset(224, classes=[f'c{i}' for i in range(20)])
    check_num_classes(head, voc, 'train_dataloader')  # matches: no error


@pytest.mark.parametrize('size', [224, 256])
def test_inputs_giving_the_anchor_grids_pass(voc_model, size):
    # 256 px on the 224 px config: an 8x8 ResNet-34 map, which the head's
    # stride-2 convs still take to 4x4, 2x2 and 1x1: the same anchors
    check_forward(voc_model, FakeDataset(size), 'train_dataloader')
    assert voc_model.training  # restored after the dry forward


@pytest.mark.parametrize('size, backbone, heads, fix', [
    (288, '9x9', '5x5/3x3/2x2', '(5, 3, 2)'),
    (160, '5x5', '3x3/2x2/1x1', '(3, 2, 1)'),
])
def test_inputs_off_the_anchor_grids_are_refused(voc_model, size, backbone,
                                                 heads, fix):
    with pytest.raises(ConfigMistake) as info:
        check_forward(voc_model, FakeDataset(size), 'train_dataloader')
    msg = str(info.value)
    assert msg.startswith(
        'model.bbox_head.anchor_generator.grid_sizes=(4, 2, 1) needs head '
        f'maps 4x4/2x2/1x1, but the {size}x{size} input of train_dataloader '
        f'gives a {backbone} backbone map and head maps {heads}.')
    assert 'resize to 224-256 px' in msg
    assert 'backbone stride 32' in msg
    assert f'anchor_generator.grid_sizes={fix}' in msg
    assert voc_model.training


def test_stem_grid_needs_the_backbone_map_as_its_first_grid():
    grids = dict(type='FastSSDAnchorGenerator', grid_sizes=(7, 4, 2, 1))
    model = build_model('fastssd_shapes.py', stem_grid=True,
                        anchor_generator=grids)
    check_forward(model, FakeDataset(112), 'train_dataloader')  # 7x7: fits
    with pytest.raises(ConfigMistake) as info:  # 9x9 backbone map
        check_forward(model, FakeDataset(144), 'train_dataloader')
    msg = str(info.value)
    assert 'head maps 9x9/5x5/3x3/2x2' in msg
    assert 'grid 7 needs a 7 cell backbone map: resize to 112 px' in msg
    assert 'anchor_generator.grid_sizes=(9, 5, 3, 2)' in msg


def test_head_in_channels_mismatch_is_refused():
    model = build_model('fastssd_shapes.py', in_channels=512)
    with pytest.raises(ConfigMistake) as info:
        check_forward(model, FakeDataset(112), 'train_dataloader')
    msg = str(info.value)
    assert msg.startswith('model.bbox_head.in_channels=512 but the backbone '
                          '(and neck) give 128-channel maps (128x7x7 at a '
                          '112x112 input): set model.bbox_head.in_channels='
                          '128')


class RandomDataset(FakeDataset):
    """Draws from every global generator, as a random pipeline does."""

    def __getitem__(self, index):
        random.random(), np.random.rand(), torch.rand(1)
        return super().__getitem__(index)


def test_dry_forward_leaves_the_random_streams_alone(voc_model):
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    expected = random.random(), np.random.rand(), torch.rand(1).item()
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    check_forward(voc_model, RandomDataset(224), 'train_dataloader')
    assert (random.random(), np.random.rand(),
            torch.rand(1).item()) == expected


def test_empty_dataset_is_named(voc_model):
    empty = FakeDataset(224)
    empty.clear()
    with pytest.raises(ConfigMistake, match='val_dataloader.dataset is '
                       'empty'):
        check_forward(voc_model, empty, 'val_dataloader')


def build_fine_model(neck):
    cfg = Config.fromfile(osp.join(CONFIGS, 'fastssd_shapes.py'))
    cfg.model.backbone.update(init_cfg=None, out_indices=(1, 2))
    cfg.model.neck = neck
    cfg.model.bbox_head.update(
        fine_levels=1,
        anchor_generator=dict(type='FastSSDAnchorGenerator',
                              grid_sizes=(14, 7, 4, 2, 1)))
    init_default_scope('mmdet')
    return MODELS.build(cfg.model)


def test_fine_levels_check_every_map_they_read():
    # without a neck the stride-8 map has 64 channels, not the head's 128
    with pytest.raises(ConfigMistake, match='give 64-channel maps'):
        check_forward(build_fine_model(None), FakeDataset(112),
                      'train_dataloader')
    fpn = dict(type='FPN', in_channels=[64, 128], out_channels=128,
               num_outs=2)
    model = build_fine_model(fpn)
    check_forward(model, FakeDataset(112), 'train_dataloader')  # 14x14: fits
    with pytest.raises(ConfigMistake) as info:  # 18x18 and 9x9 maps
        check_forward(model, FakeDataset(144), 'train_dataloader')
    msg = str(info.value)
    assert 'head maps 18x18/9x9/5x5/3x3/2x2' in msg
    assert 'With fine_levels the first grids are the maps before' in msg
    assert 'anchor_generator.grid_sizes=(18, 9, 5, 3, 2)' in msg
