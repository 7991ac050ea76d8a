"""Every plugin op runs on the tensors' device (CUDA when there is a GPU).

Each model of the shapes configs computes its losses and predictions on the
device and must give the CPU's figures; ``grouped_nms`` and mmcv's NMS keep
the same boxes. The ``cuda`` cases skip on a machine without a GPU; on one
they need mmcv built with its CUDA ops (README, GPU set-up).
"""
import os.path as osp

import pytest
import torch
from helpers import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.models.layers.bbox_nms import grouped_nms, nms_keep

DEVICES = [
    'cpu',
    pytest.param('cuda', marks=pytest.mark.skipif(
        not torch.cuda.is_available(), reason='no CUDA device')),
]
CONFIGS = ['fastssd_shapes', 'largest_object_shapes', 'multilabel_shapes']


def build_model(name, nms='grouped_nms'):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', f'{name}.py'))
    init_default_scope('mmdet')
    if cfg.model.get('test_cfg') and 'nms' in cfg.model.test_cfg:
        cfg.model.test_cfg.nms.type = nms
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def run_model(model, device):
    """Losses and predictions of ``model`` on ``device`` for fixed inputs."""
    torch.manual_seed(1)
    packed = demo_mm_inputs(batch_size=2, image_shapes=[(3, 112, 112)] * 2,
                            num_items=[3, 2], num_classes=5)
    model = model.to(device)
    model.train()
    for module in model.modules():  # CPU and CUDA draw other dropout masks
        if isinstance(module, torch.nn.modules.dropout._DropoutNd):
            module.eval()
    data = model.data_preprocessor(packed, True)
    losses = {k: float(sum(v) if isinstance(v, list) else v)
              for k, v in model(**data, mode='loss').items()}
    model.eval()
    data = model.data_preprocessor(packed, False)
    with torch.no_grad():
        results = model(**data, mode='predict')
    preds = [r.pred_instances.to('cpu') for r in results]
    assert all(r.pred_instances.bboxes.device.type == device
               if 'bboxes' in r.pred_instances else True for r in results)
    return losses, preds


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('name', CONFIGS)
def test_model_losses_and_predictions_on_device(name, device):
    model = build_model(name)
    want_losses, want_preds = run_model(build_model(name), 'cpu')
    losses, preds = run_model(model, device)
    assert losses.keys() == want_losses.keys()
    for key, value in losses.items():
        assert value == pytest.approx(want_losses[key], rel=1e-3, abs=1e-4)
    for got, want in zip(preds, want_preds):
        for key in want.keys():
            torch.testing.assert_close(got[key].float(), want[key].float(),
                                       rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('nms_type', ['grouped_nms', 'nms'])
def test_nms_keeps_the_same_boxes_on_device(device, nms_type):
    gen = torch.Generator().manual_seed(0)
    xy = torch.rand(400, 2, generator=gen) * 100
    boxes = torch.cat([xy, xy + torch.rand(400, 2, generator=gen) * 40 + 1],
                      1)
    scores = torch.rand(400, generator=gen)
    groups = torch.randint(0, 10, (400, ), generator=gen)
    cfg = dict(type=nms_type, iou_threshold=0.45)
    want = nms_keep(boxes, scores, groups, Config(cfg)._cfg_dict)
    got = nms_keep(boxes.to(device), scores.to(device), groups.to(device),
                   Config(cfg)._cfg_dict)
    assert got.device.type == device
    assert sorted(got.cpu().tolist()) == sorted(want.tolist())
    if nms_type == 'grouped_nms':
        direct = grouped_nms(boxes.to(device), scores.to(device),
                             groups.to(device), 0.45)
        assert direct.cpu().tolist() == sorted(want.tolist())
