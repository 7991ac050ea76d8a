"""FiniteLossHook: a NaN/inf loss term stops the step before it reaches the
weights, naming the term and the checkpoint to resume from."""
import math

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper

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
