"""A crafted checkpoint whose unpickling would create a file is refused.

Every way a checkpoint enters the plugin reads it through MMEngine's local
loader (tools/test.py, --resume, load_from, a backbone's Pretrained
init_cfg); each must refuse without running the payload and say why and what
to do.
"""
import os
import os.path as osp

import pytest
import torch
from reliability_runs import run, tiny_setup, write_config

import mmdet_fastssd.runtime  # noqa: F401  (the refusals: the switch on)
from mmdet_fastssd.utils import UnsafeCheckpointError


class Payload:
    """Unpickling calls ``open(path, 'w')``: the file appears if it runs."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, 'w')


@pytest.fixture
def hostile(tmp_path):
    marker = tmp_path / 'payload_ran'
    path = tmp_path / 'hostile.pth'
    torch.save(dict(meta=dict(epoch=1, iter=4),
                    state_dict=dict(w=torch.ones(2)),
                    extra=Payload(str(marker))), path)
    assert not marker.exists()
    return path, marker


def check_message(text, path):
    assert f'refused to load checkpoint {path}' in text
    assert 'not on the allow-list' in text and 'nothing in it ran' in text
    assert 'torch.serialization.add_safe_globals([open])' in text
    assert 'weights_only=False' in text  # the one-off re-save for own files


def test_load_from_is_refused_with_the_reason(hostile):
    from mmengine.runner.checkpoint import _load_checkpoint
    path, marker = hostile
    with pytest.raises(UnsafeCheckpointError) as info:
        _load_checkpoint(str(path), map_location='cpu')
    check_message(str(info.value), path)
    assert not marker.exists()


def test_backbone_pretrained_init_cfg_is_refused(hostile):
    from mmdet.registry import MODELS
    path, marker = hostile
    backbone = MODELS.build(dict(
        type='ResNet', depth=18, num_stages=3, out_indices=(2, ),
        strides=(1, 2, 2), dilations=(1, 1, 1), base_channels=8,
        init_cfg=dict(type='Pretrained', checkpoint=str(path))))
    with pytest.raises(UnsafeCheckpointError) as info:
        backbone.init_weights()
    check_message(str(info.value), path)
    assert not marker.exists()


@pytest.mark.e2e
def test_tools_refuse_it_in_test_and_resume(tmp_path, hostile):
    path, marker = hostile
    data = tiny_setup(tmp_path, num_train=2, num_test=2)
    cfg = write_config(tmp_path / 'tiny.py', data, epochs=1)
    proc = run(['tools/test.py', cfg, str(path), '--work-dir',
                str(tmp_path / 'test')], tmp_path)
    assert proc.returncode != 0
    check_message(proc.stdout, path)
    assert 'Traceback' not in proc.stdout, proc.stdout[-3000:]
    assert not marker.exists()

    work = tmp_path / 'work'
    os.makedirs(work)
    target = work / 'epoch_1.pth'
    os.replace(path, target)
    (work / 'last_checkpoint').write_text(str(target))
    proc = run(['tools/train.py', cfg, '--work-dir', str(work), '--resume'],
               tmp_path)
    assert proc.returncode != 0
    check_message(proc.stdout, target)
    assert 'Traceback' not in proc.stdout, proc.stdout[-3000:]
    assert not marker.exists() and not osp.exists(work / 'epoch_2.pth')
