"""A NaN loss term stops a training run before the step; the checkpoint
survives and the run resumes (the hook's unit tests:
tests/engine/hooks/test_finite_loss_hook.py)."""
import pytest
import torch
from reliability_runs import run, tiny_setup, write_config


@pytest.mark.e2e
def test_train_stops_naming_the_term_and_resumes_from_the_checkpoint(
        tmp_path):
    data = tiny_setup(tmp_path)
    poisoned = write_config(
        tmp_path / 'nan.py', data, epochs=2,
        hooks=[dict(type='TestNaNLossHook', iteration=6, term='loss_bbox')])
    work = tmp_path / 'work'
    proc = run(['tools/train.py', poisoned, '--work-dir', str(work)], tmp_path)
    assert proc.returncode != 0
    out = proc.stdout
    assert 'non-finite loss at iteration 6 (epoch 2): loss_bbox' in out, \
        out[-3000:]
    assert 'Traceback' not in out, out[-3000:]
    assert (work / 'last_checkpoint').read_text().strip().endswith(
        'epoch_1.pth')
    assert not (work / 'epoch_2.pth').exists()
    ckpt = torch.load(work / 'epoch_1.pth', weights_only=True)
    assert all(torch.isfinite(v).all() for v in ckpt['state_dict'].values()
               if v.is_floating_point())

    clean = write_config(tmp_path / 'clean.py', data, epochs=2)
    proc = run(['tools/train.py', clean, '--work-dir', str(work),
                '--resume'], tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'resumed epoch: 1, iter: 4' in proc.stdout
    assert (work / 'epoch_2.pth').exists()
