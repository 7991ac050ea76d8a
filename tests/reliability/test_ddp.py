"""Two processes (torchrun, gloo on CPU): training and testing agree.

The shapes config already trains with BF16AutocastOptimWrapper and
ChannelsLastHook; the test adds FreezeScheduleHook (head only in epoch 0,
the late backbone group from epoch 1), so all three run under DDP.
"""
import pickle
import re
import socket

import pytest
import torch
from reliability_runs import run, tiny_setup, write_config

pytestmark = pytest.mark.e2e

GLOO = ['--cfg-options', 'env_cfg.dist_cfg.backend=gloo']
# frozen parameters get no gradient
FREEZE = dict(type='MMDistributedDataParallel', find_unused_parameters=True)


def free_port() -> str:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def mean_ap(out: str) -> str:
    found = re.findall(r'pascal_voc/mAP: ([0-9.]+)', out)
    assert found, out[-3000:]
    return found[-1]


def test_two_ranks_train_identically_and_test_gathers_all_images(
        tmp_path, monkeypatch):
    # 8 training images over 2 ranks at batch 2: 2 steps per epoch; 5 test
    # images: the sampler pads rank 1's share, the gather must drop the pad
    data = tiny_setup(tmp_path, num_train=8, num_test=5)
    cfg = write_config(
        tmp_path / 'ddp.py', data, epochs=2, model_wrapper_cfg=FREEZE,
        hooks=[dict(type='FreezeScheduleHook', unfreeze_epochs=(1, 2)),
               dict(type='TestDumpParamsHook')])
    work = tmp_path / 'work'
    monkeypatch.setenv('PORT', free_port())
    proc = run(['tools/dist_train.sh', cfg, '2', '--work-dir', str(work),
                *GLOO], tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'FreezeScheduleHook: epoch 1: 1 of 2 backbone groups' in \
        proc.stdout
    rank0 = torch.load(work / 'params_rank0.pth', weights_only=True)
    rank1 = torch.load(work / 'params_rank1.pth', weights_only=True)
    assert rank0.keys() == rank1.keys() and len(rank0) > 10
    for name, value in rank0.items():
        assert torch.equal(value, rank1[name]), name
    # ChannelsLastHook converted the DDP-wrapped model's weights
    assert rank0['backbone.conv1.weight'].is_contiguous(
        memory_format=torch.channels_last)
    ckpt = work / 'epoch_2.pth'
    saved = torch.load(ckpt, weights_only=True)['state_dict']
    for name, value in rank0.items():
        assert torch.equal(saved[name], value), name

    monkeypatch.setenv('PORT', free_port())
    proc = run(['tools/dist_test.sh', cfg, str(ckpt), '2', '--work-dir',
                str(tmp_path / 'dist_test'), '--out',
                str(tmp_path / 'dist.pkl'), *GLOO], tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]
    dist_map = mean_ap(proc.stdout)
    proc = run(['tools/test.py', cfg, str(ckpt), '--work-dir',
                str(tmp_path / 'test'), '--out', str(tmp_path / 'one.pkl')],
               tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert mean_ap(proc.stdout) == dist_map
    with open(tmp_path / 'dist.pkl', 'rb') as f:
        dist_preds = pickle.load(f)
    with open(tmp_path / 'one.pkl', 'rb') as f:
        one_preds = pickle.load(f)
    assert len(dist_preds) == len(one_preds) == 5
    by_path = {p['img_path']: p['pred_instances'] for p in one_preds}
    for pred in dist_preds:
        one = by_path[pred['img_path']]
        torch.testing.assert_close(pred['pred_instances']['scores'],
                                   one['scores'])
        torch.testing.assert_close(pred['pred_instances']['bboxes'],
                                   one['bboxes'])
