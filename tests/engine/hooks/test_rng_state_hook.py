import io
import random

import numpy as np
import torch

from mmdet_fastssd.engine.hooks import RNGStateHook
from mmdet_fastssd.engine.hooks.rng_state_hook import (
    capture_rng_state,
    restore_rng_state,
)


def draws():
    return (random.random(), float(np.random.rand()), np.random.randn(),
            torch.rand(2).tolist())


class FakeRunner:
    def __init__(self, epoch, it):
        self.epoch, self.iter = epoch, it


def test_snapshot_survives_weights_only_and_restores_every_stream():
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    np.random.randn()  # a cached Gaussian is part of numpy's state
    buf = io.BytesIO()
    torch.save(dict(rng_state=capture_rng_state()), buf)
    expected = draws()
    buf.seek(0)
    state = torch.load(buf, weights_only=True)['rng_state']
    draws()
    restore_rng_state(state)
    assert draws() == expected


def test_restored_only_where_the_snapshot_was_taken():
    hook = RNGStateHook()
    torch.manual_seed(0)
    hook.after_train_epoch(FakeRunner(epoch=0, it=4))  # end of epoch 1
    ckpt = {}
    hook.before_save_checkpoint(None, ckpt)
    assert ckpt['rng_state']['epoch'] == 1 and ckpt['rng_state']['iter'] == 4
    expected = torch.rand(3)
    torch.rand(5)  # validation draws in between

    hook.before_train_epoch(FakeRunner(epoch=1, it=4))
    assert torch.equal(torch.rand(3), expected)

    resumed = RNGStateHook()  # a fresh run, --resume from that checkpoint
    resumed.after_load_checkpoint(None, ckpt)
    torch.manual_seed(123)
    resumed.before_train_epoch(FakeRunner(epoch=1, it=4))
    assert torch.equal(torch.rand(3), expected)

    finetune = RNGStateHook()  # load_from: training starts at epoch 0
    finetune.after_load_checkpoint(None, ckpt)
    torch.manual_seed(123)
    seeded = torch.rand(3)
    torch.manual_seed(123)
    finetune.before_train_epoch(FakeRunner(epoch=0, it=0))
    assert torch.equal(torch.rand(3), seeded)
