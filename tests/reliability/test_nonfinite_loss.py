"""A NaN loss term stops training before the step; the checkpoint survives."""
import math

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper
from reliability_runs import run, tiny_setup, write_config

from mmdet_fastssd.engine.hooks import FiniteLossHook, NonFiniteLossError
from mmdet_fastssd.engine.hooks.finite_loss_hook import nonfinite_terms


class TwoTerms(BaseModel):
    """loss_a = w.sum(), loss_b = scale * w.sum() (NaN when scale is)."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(3))

    def forward(self, inputs, data_samples=None, mode='loss'):
        return dict(loss_a=self.w.sum(), loss_b=inputs * self.w.sum())


class FakeRunner:
    """What the hook reads from a runner."""

    def __init__(self, model):
        from mmengine.logging import MessageHub
        self.model, self.iter, self.epoch = model, 6, 1
        self.message_hub = MessageHub.get_instance('finite_loss_test')
        self.message_hub.update_info('last_ckpt', 'work/epoch_1.pth')


def test_nonfinite_terms_names_each_term():
    bad = nonfinite_terms(dict(loss=torch.tensor(math.inf),
                               loss_cls=torch.tensor(math.inf),
                               loss_bbox=torch.tensor(0.5),
                               acc=torch.tensor(math.nan)))
    assert bad == dict(loss=True, loss_cls=True, loss_bbox=False, acc=True)
    assert not any(nonfinite_terms(dict(loss=torch.tensor(0.0))).values())


def test_the_step_with_a_nan_term_never_reaches_the_weights():
    model = TwoTerms()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    runner = FakeRunner(model)
    hook = FiniteLossHook()
    hook.before_train(runner)
    log_vars = model.train_step(dict(inputs=torch.tensor(2.0)), optim)
    assert float(log_vars['loss'].detach()) == pytest.approx(9.0)
    after_good_step = model.w.detach().clone()
    assert not torch.equal(after_good_step, torch.ones(3))  # it did step

    with pytest.raises(NonFiniteLossError) as info:
        model.train_step(dict(inputs=torch.tensor(math.nan)), optim)
    message = str(info.value)
    assert 'iteration 7 (epoch 2)' in message
    assert 'loss_b' in message and 'loss_a,' not in message.split(' (rank')[0]
    assert 'work/epoch_1.pth, is intact' in message and '--resume' in message
    assert torch.equal(model.w.detach(), after_good_step)
    assert model.w.grad is None or torch.isfinite(model.w.grad).all()

    hook.after_train(runner)
    assert 'parse_losses' not in model.__dict__  # the class's method again


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
