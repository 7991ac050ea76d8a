"""SIGKILL between checkpoints, a truncated latest checkpoint, --resume.

An uninterrupted 3-epoch run and a run killed in epoch 2 then resumed must
log the same loss at every iteration after the resume: the resumed run
restarts from epoch_1.pth with the generators' states of that moment
(RNGStateHook), so the flips and dropout masks are the same draws.
"""
import os
import os.path as osp
import signal

import pytest
import torch
from reliability_runs import read_losses, run, tiny_setup, write_config

pytestmark = pytest.mark.e2e

RECORD = [dict(type='TestLossRecorderHook')]


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('killed')
    return tmp, tiny_setup(tmp)


def test_sigkill_then_resume_continues_with_the_same_losses(tiny):
    tmp, data = tiny
    plain = write_config(tmp / 'plain.py', data, hooks=RECORD)
    killed = write_config(
        tmp / 'killed.py', data,
        hooks=RECORD + [dict(type='TestKillAtIterHook', iteration=7)])
    ref_dir, work = tmp / 'ref', tmp / 'work'

    proc = run(['tools/train.py', plain, '--work-dir', str(ref_dir)], tmp)
    assert proc.returncode == 0, proc.stdout[-3000:]
    reference = read_losses(ref_dir)
    assert sorted(reference) == list(range(1, 13))

    proc = run(['tools/train.py', killed, '--work-dir', str(work)], tmp)
    assert proc.returncode == -signal.SIGKILL, proc.stdout[-3000:]
    assert osp.isfile(work / 'epoch_1.pth')
    assert not osp.exists(work / 'epoch_2.pth')
    assert sorted(read_losses(work)) == list(range(1, 7))

    # as if the kill had hit MMEngine's in-place save of epoch 2: a truncated
    # epoch_2.pth that last_checkpoint already names
    with open(work / 'epoch_1.pth', 'rb') as f:
        head = f.read(4096)
    with open(work / 'epoch_2.pth', 'wb') as f:
        f.write(head)
    (work / 'last_checkpoint').write_text(str(work / 'epoch_2.pth'))

    proc = run(['tools/train.py', plain, '--work-dir', str(work),
                '--resume'], tmp)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert f'skipping {work / "epoch_2.pth"}' in proc.stdout
    assert 'resumed epoch: 1, iter: 4' in proc.stdout
    resumed = read_losses(work)
    assert sorted(resumed) == list(range(1, 13))
    for it in range(5, 13):  # every iteration after the resume
        assert resumed[it] == reference[it], (it, resumed[it], reference[it])
    # the resumed run wrote a complete epoch_2.pth over the truncated one
    ckpt = torch.load(work / 'epoch_3.pth', weights_only=True)
    ref = torch.load(ref_dir / 'epoch_3.pth', weights_only=True)
    for name, value in ref['state_dict'].items():
        torch.testing.assert_close(ckpt['state_dict'][name], value,
                                   rtol=0, atol=0, msg=name)
    assert torch.load(work / 'epoch_2.pth', weights_only=True)['meta'][
        'epoch'] == 2
    assert not [f for f in os.listdir(work) if f.endswith('.tmp')]
