"""Tiny shapes runs for the reliability tests (killed runs, NaN, DDP, ...).

``tiny_setup`` generates a few shapes images and writes the hooks the tests
inject (kill at an iteration, record exact losses, poison a loss term, dump
each rank's parameters) as an importable module ``reliability_test_hooks``
next to them; configs import it through ``custom_imports`` and subprocesses
find it through ``PYTHONPATH``.
"""
import os.path as osp

from helpers import make_shapes, run_tool, tiny_config, tool_env

# the tests read the runs' checkpoints in this process too: the runtime
# switch (allow-list), as the tools and the configs below turn it on
import mmdet_fastssd.runtime  # noqa: F401

TEST_HOOKS = '''
import os
import signal

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmdet.registry import HOOKS


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class TestLossRecorderHook(Hook):
    """Append 'iteration loss' (exact repr) per step to WORK_DIR/losses.txt."""

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if get_rank() == 0:
            with open(os.path.join(runner.work_dir, 'losses.txt'), 'a') as f:
                f.write(f'{runner.iter + 1} {float(outputs["loss"])!r}\\n')


@HOOKS.register_module()
class TestKillAtIterHook(Hook):
    """SIGKILL this process before training iteration ``iteration``."""

    def __init__(self, iteration):
        self.iteration = iteration

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class TestNaNLossHook(Hook):
    """Make loss term ``term`` NaN at training iteration ``iteration``."""

    priority = 'VERY_LOW'

    def __init__(self, iteration, term):
        self.iteration, self.term = iteration, term

    def before_train(self, runner):
        head = _unwrap(runner.model).bbox_head
        loss_by_feat = head.loss_by_feat

        def poisoned(*args, **kwargs):
            losses = loss_by_feat(*args, **kwargs)
            if runner.iter + 1 == self.iteration:
                losses[self.term] = losses[self.term] * float('nan')
            return losses

        head.loss_by_feat = poisoned


@HOOKS.register_module()
class TestDumpParamsHook(Hook):
    """Save every rank's parameters to WORK_DIR/params_rank<r>.pth."""

    def after_train(self, runner):
        params = {n: p.detach().clone() for n, p in
                  _unwrap(runner.model).named_parameters()}
        torch.save(params, os.path.join(runner.work_dir,
                                        f'params_rank{get_rank()}.pth'))
'''


def tiny_setup(tmp, num_train: int = 8, num_test: int = 4) -> str:
    """Generate the data and the test-hook module in ``tmp``.

    Returns:
        str: the data root (holds ``SHAPES``).
    """
    hooks = osp.join(str(tmp), 'reliability_test_hooks.py')
    with open(hooks, 'w') as f:
        f.write(TEST_HOOKS)
    return make_shapes(osp.join(str(tmp), 'data'), num_train=num_train,
                       num_test=num_test, img_size=112)


def write_config(path, data: str, epochs: int = 3, hooks=(),
                 **settings) -> str:
    """Write a tiny config (``helpers.tiny_config``) for these runs.

    Batch 2 (8 training images: 4 iterations per epoch), a checkpoint after
    every epoch, validation after every epoch (it must not shift the
    training random streams), seeded and deterministic.

    Args:
        path: the config file to write.
        data (str): from :func:`tiny_setup`.
        epochs (int): max_epochs. Defaults to 3.
        hooks (Sequence[dict]): custom_hooks after the shapes config's
            ChannelsLastHook. Defaults to ().
        **settings: more settings (``helpers.tiny_config``).

    Returns:
        str: the config path.
    """
    return tiny_config(
        path, data, epochs=epochs, batch_size=2,
        # the plugin's MMEngine fixes turned on from the config, as a user
        # does for MMDetection's own tools/train.py (the project's tools turn
        # them on anyway)
        custom_imports=dict(
            imports=['mmdet_fastssd', 'mmdet_fastssd.runtime',
                     'reliability_test_hooks'],
            allow_failed_imports=False),
        randomness=dict(seed=0, deterministic=True),
        default_hooks=dict(checkpoint=dict(interval=1, max_keep_ckpts=3)),
        custom_hooks=[dict(type='ChannelsLastHook'), *hooks], **settings)


def run(args, tmp, timeout: float = 300):
    """Run ``args`` (a tool script and its arguments) from the repo root
    (``helpers.run_tool``, output merged, exit status not checked): CPU
    only (the exact-loss and two-rank checks assume it), one thread, the
    test hooks of ``tmp`` importable."""
    env = tool_env(tmp, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
                   CUDA_VISIBLE_DEVICES='')
    return run_tool(*args, env=env, timeout=timeout, check=False)


def read_losses(work_dir) -> dict:
    """``{iteration: loss}`` from TestLossRecorderHook's file (later wins)."""
    losses = {}
    with open(osp.join(str(work_dir), 'losses.txt')) as f:
        for line in f:
            it, value = line.split()
            losses[int(it)] = float(value)
    return losses
