"""configs/fastssd_custom_voc.py: the config a user copies for own photos."""
import math
import os.path as osp

import numpy as np
import pytest
import torch
from helpers import CONFIGS, ROOT, SHAPES_CFG, tiny_photos
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmdet.registry import MODELS

import mmdet_fastssd  # noqa: F401

CUSTOM = osp.join(CONFIGS, 'fastssd_custom_voc.py')


def test_resolves_to_the_raccoon_folder_and_the_shapes_model():
    cfg = Config.fromfile(CUSTOM)
    shapes = Config.fromfile(SHAPES_CFG)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = cfg[key].dataset
        assert ds.data_root == 'data/raccoon/'
        assert ds.metainfo.classes == ('raccoon', )
        assert ds.data_prefix == dict(sub_data_root='VOC2007/')
        assert ds.type == shapes[key].dataset.type  # as the bases set it
    assert cfg.train_dataloader.dataset.ann_file == \
        'VOC2007/ImageSets/Main/trainval.txt'
    assert cfg.test_dataloader.dataset.ann_file == \
        'VOC2007/ImageSets/Main/test.txt'
    assert cfg.model.bbox_head.num_classes == 1
    # 224 px: the FPN's 28x28 map, the 14x14 map itself (as in the demo's
    # head), then halved per head level; the five searched zooms
    head = cfg.model.bbox_head
    assert head.stem_grid and head.fine_levels == 1 and head.bn_before_relu
    assert cfg.img_scale == (224, 224)
    assert tuple(head.anchor_generator.grid_sizes) == (28, 14, 7, 4, 2, 1)
    assert cfg.model.neck == dict(type='FPN', in_channels=[64, 128],
                                  out_channels=head.in_channels, num_outs=2)
    assert cfg.model.bbox_head.anchor_generator.zooms == (
        0.5, 0.7, 1.0, 1.4, 2.0)
    assert shapes.model.bbox_head.stem_grid
    # the shapes detector's backbone, started from its shipped weights
    checkpoint = cfg.model.backbone.init_cfg.checkpoint
    assert cfg.model.backbone == dict(
        shapes.model.backbone, out_indices=(1, 2), init_cfg=dict(
            type='Pretrained', prefix='backbone.', checkpoint=checkpoint))
    assert osp.dirname(osp.realpath(checkpoint)) == osp.join(ROOT, 'weights')
    assert osp.basename(checkpoint).startswith(
        f'fastssd_shapes_{shapes.train_cfg.max_epochs}e-')
    flips = [t for t in cfg.train_pipeline if t.type == 'RandomFlip']
    assert [f.direction for f in flips] == ['horizontal']  # photos
    # the SSD paper's augmentation, geometric steps before the squish
    assert [t.type for t in cfg.train_pipeline] == [
        'CachedLoadImageFromFile', 'LoadAnnotations', 'BorderFillExpand',
        'BatchedMinIoURandomCrop', 'Resize', 'RandomFlip',
        'PhotoMetricDistortion', 'PackDetInputs']
    crop = cfg.train_pipeline[3]
    assert crop.iou_rule == 'any'  # the SSD paper's rule
    assert cfg.train_dataloader.dataset.pipeline == cfg.train_pipeline
    assert cfg.test_dataloader.dataset.pipeline == cfg.test_pipeline
    for pipeline in (cfg.train_pipeline, cfg.test_pipeline):
        resize = [t for t in pipeline if t.type == 'Resize']
        assert [r.scale for r in resize] == [cfg.img_scale]
    # an iteration budget: the same length whatever the set's size
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.train_cfg.max_iters == cfg.max_iters
    assert cfg.train_dataloader.sampler.type == 'InfiniteSampler'
    assert cfg.param_scheduler[0].end == cfg.max_iters
    assert not cfg.param_scheduler[0].by_epoch
    assert cfg.param_scheduler[0].eta_max == cfg.optim_wrapper.optimizer.lr


@pytest.mark.parametrize('side', [112, 160, 224, 320])
def test_derived_grids_fit_the_backbone_map(tmp_path, side):
    """The config's grid formula, at other input sizes, against a dry
    forward of the real backbone and head (ConfigCheckHook's check)."""
    text = open(CUSTOM).read().replace('img_scale = (224, 224)',
                                       f'img_scale = ({side}, {side})')
    assert f'img_scale = ({side}, {side})' in text
    path = tmp_path / 'sized.py'
    path.write_text(text.replace("'./", repr(CONFIGS + '/')[:-1]))
    cfg = Config.fromfile(str(path))
    grids = tuple(cfg.model.bbox_head.anchor_generator.grid_sizes)
    assert grids[-1] == 1 and list(grids) == sorted(grids, reverse=True)
    init_default_scope('mmdet')
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.zeros(1, 3, side, side))
        cls_scores, _ = model.bbox_head(feats)
    assert [f.shape[-1] for f in feats] == [-(-side // 8), -(-side // 16)]
    # the FPN's stride-8 map, then (stem_grid) the stride-16 map itself
    assert list(grids[:2]) == [f.shape[-1] for f in feats]
    assert [c.shape[-1] for c in cls_scores] == list(grids)
    model.bbox_head.prior_generator.check_featmap_sizes(
        [c.shape[-2:] for c in cls_scores])


def test_training_pipeline_gives_squished_photos_with_boxes_inside(
        tmp_path):
    """Expand, BatchedMinIoURandomCrop, squish, flip, photometric jitter: every
    sample is img_scale with at least one box, all inside the image."""
    cfg = Config.fromfile(CUSTOM)
    init_default_scope('mmdet')
    root = tiny_photos(str(tmp_path / 'photos'))
    pipeline = Compose(cfg.train_pipeline)
    side = cfg.img_scale[0]
    for seed in range(20):
        np.random.seed(seed)  # mmdet's transforms draw from numpy
        out = pipeline(dict(
            img_path=osp.join(root, 'VOC2007', 'JPEGImages', 'p0.jpg'),
            instances=[dict(bbox=[10, 20, 150, 110], bbox_label=0,
                            ignore_flag=0)]))
        assert tuple(out['inputs'].shape) == (3, side, side)
        boxes = out['data_samples'].gt_instances.bboxes.tensor
        assert len(boxes) == 1
        assert (boxes >= 0).all() and (boxes <= side).all()
        assert (boxes[:, 2:] > boxes[:, :2]).all()


def tiny_cfg(tmp_path, checkpoint):
    cfg = Config.fromfile(CUSTOM)
    data_root = tiny_photos(str(tmp_path / 'raccoon')) + '/'
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': data_root,
        'train_dataloader.batch_size': 2,
        'val_dataloader.dataset.data_root': data_root,
        'test_dataloader.dataset.data_root': data_root,
        'model.backbone.init_cfg.checkpoint': checkpoint,
        'train_cfg.max_iters': 2,
        'train_cfg.val_interval': 2,
        'param_scheduler.0.end': 2,
        'default_hooks.checkpoint.interval': 2,
        'work_dir': str(tmp_path / 'work'),
    })
    return cfg


def backbone_checkpoint(cfg, path):
    """A 'shapes detector' checkpoint with recognisable backbone weights."""
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    torch.manual_seed(0)
    state = {k: torch.randn_like(v) if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    torch.save(dict(state_dict=state), path)
    return state


def test_backbone_starts_from_the_detector_checkpoint(tmp_path):
    path = str(tmp_path / 'epoch_8.pth')
    state = backbone_checkpoint(Config.fromfile(CUSTOM), path)
    cfg = tiny_cfg(tmp_path, path)
    model = MODELS.build(cfg.model)
    model.init_weights()
    mine = model.state_dict()
    backbone = [k for k in state if k.startswith('backbone.')]
    assert backbone and all(torch.equal(mine[k], state[k]) for k in backbone)
    head = next(k for k in state if k.startswith('bbox_head.') and
                k.endswith('weight'))
    assert not torch.equal(mine[head], state[head])  # the head is new


def test_backbone_starts_from_the_shipped_weights_without_make_demo():
    cfg = Config.fromfile(CUSTOM)
    shipped = torch.load(cfg.model.backbone.init_cfg.checkpoint,
                         map_location='cpu', weights_only=True)['state_dict']
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    model.init_weights()
    mine = model.state_dict()
    backbone = [k for k in shipped if k.startswith('backbone.')]
    assert len(backbone) > 50
    for key in backbone:
        assert torch.equal(mine[key], shipped[key].to(mine[key].dtype)), key


@pytest.mark.e2e
def test_trains_and_evaluates_on_a_generated_folder(tmp_path):
    path = str(tmp_path / 'epoch_8.pth')
    backbone_checkpoint(Config.fromfile(CUSTOM), path)
    runner = Runner.from_cfg(tiny_cfg(tmp_path, path))
    runner.train()  # 4 photos, batch 2: two iterations, then validation
    assert runner.iter == 2
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss)
    metrics = runner.val()
    assert 0.0 <= metrics['pascal_voc/mAP'] <= 1.0
    assert osp.isfile(osp.join(str(tmp_path / 'work'), 'iter_2.pth'))


@pytest.mark.parametrize('missing', ['data', 'checkpoint'])
def test_missing_inputs_name_the_path(tmp_path, missing):
    path = str(tmp_path / 'epoch_8.pth')
    if missing == 'data':
        backbone_checkpoint(Config.fromfile(CUSTOM), path)
        cfg = tiny_cfg(tmp_path, path)
        cfg.train_dataloader.dataset.data_root = str(tmp_path / 'nowhere')
        want = 'nowhere'
    else:
        cfg = tiny_cfg(tmp_path, path)  # no checkpoint written
        want = 'epoch_8.pth'
    with pytest.raises(Exception, match=want):
        Runner.from_cfg(cfg).train()
