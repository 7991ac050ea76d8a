"""Checkpoints from elsewhere: MMDetection's own train.py, torchvision."""
import os.path as osp
import re

import pytest
import torch
from helpers import CONFIGS
from reliability_runs import run, tiny_setup, write_config

import mmdet

MMDET_TRAIN = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                       'train.py')


def test_torchvision_resnet34_state_dict_loads_every_backbone_key(tmp_path):
    """A ``resnet34()`` state dict named in the backbone's Pretrained
    init_cfg (the VOC configs' backbone) fills every backbone tensor."""
    import torchvision
    from mmengine.config import Config

    from mmdet.registry import MODELS

    tv = torchvision.models.resnet34()
    with torch.no_grad():  # values no init would give
        for i, value in enumerate(tv.state_dict().values()):
            if value.is_floating_point():
                value.copy_(torch.linspace(-1, 1, value.numel()).view_as(
                    value) + i)
    path = tmp_path / 'resnet34.pth'
    torch.save(tv.state_dict(), path)

    cfg = Config.fromfile(osp.join(CONFIGS, 'fastssd_voc.py'))
    backbone_cfg = cfg.model.backbone
    backbone_cfg.init_cfg = dict(type='Pretrained', checkpoint=str(path))
    backbone = MODELS.build(backbone_cfg)
    backbone.init_weights()

    expected = tv.state_dict()
    loaded = backbone.state_dict()
    assert set(loaded) <= set(expected), set(loaded) - set(expected)
    for name, value in loaded.items():
        assert torch.equal(value, expected[name]), name
    # every torchvision tensor but the classifier has a backbone home
    assert sorted(set(expected) - set(loaded)) == ['fc.bias', 'fc.weight']


@pytest.mark.e2e
@pytest.mark.skipif(not osp.isfile(MMDET_TRAIN),
                    reason='mmdet installed without its .mim tools')
def test_mmdetection_train_checkpoint_loads_in_tools_test(tmp_path):
    data = tiny_setup(tmp_path, num_train=4, num_test=3)
    cfg = write_config(tmp_path / 'tiny.py', data, epochs=1)
    work = tmp_path / 'work'
    proc = run([MMDET_TRAIN, cfg, '--work-dir', str(work)], tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()
    proc = run(['tools/test.py', cfg, str(ckpt), '--work-dir',
                str(tmp_path / 'test')], tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert re.search(r'pascal_voc/mAP: [0-9.]+', proc.stdout)
    assert 'Load checkpoint from' in proc.stdout
