"""Carry the random number generators' states across ``--resume``.

MMEngine reseeds from ``randomness.seed`` when it resumes, so the Python,
numpy and torch generators restart where they started at epoch 0: the
augmentation draws and dropout masks after a resume differ from those of an
uninterrupted run. :class:`RNGStateHook` snapshots the three generators (and
CUDA's) at the end of every training epoch, stores the snapshot in the
checkpoints saved after it, and restores it before the next training epoch
starts, in the resumed run as in the uninterrupted one. Validation between
epochs therefore does not shift the training streams either.

The snapshot holds only lists, numbers and tensors, so it loads with torch's
``weights_only`` loader. Exact for epoch-based loops whose data loaders draw
in the main process or in non-persistent workers (MMEngine seeds those from
the seed alone); ``persistent_workers=True`` keeps worker streams the
checkpoint cannot hold.
"""
import logging
import random
from typing import List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_dist_info, is_distributed
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmdet.registry import HOOKS

__all__ = ['RNGStateHook', 'capture_rng_state', 'restore_rng_state']

CHECKPOINT_KEY = 'rng_state'


def capture_rng_state() -> dict:
    """This process's Python, numpy, torch (and CUDA) generator states.

    Returns:
        dict: plain values and tensors (``weights_only``-loadable).
    """
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=[version, list(internal), gauss],
        numpy=dict(name=name, keys=torch.from_numpy(keys.astype(np.int64)),
                   pos=int(pos), has_gauss=int(has_gauss),
                   cached_gaussian=float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    """Set the generators to a :func:`capture_rng_state` snapshot.

    Args:
        state (dict): the snapshot.
    """
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    np_state = state['numpy']
    np.random.set_state(
        (np_state['name'], np_state['keys'].numpy().astype(np.uint32),
         np_state['pos'], np_state['has_gauss'],
         np_state['cached_gaussian']))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save generator states in checkpoints and restore them on resume.

    The snapshot is tagged with the (epoch, iter) it belongs to and restored
    only when training starts exactly there, so ``load_from`` (fine-tuning
    from epoch 0) keeps the seed's streams. Under DDP every rank's states
    are gathered at the end of each epoch; a run resumed with another number
    of processes warns and gives rank ``r`` the states of rank ``r % n``.

    Example:
        >>> default_hooks = dict(rng_state=dict(type='RNGStateHook'))
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._snapshot: Optional[dict] = None

    def after_train_epoch(self, runner) -> None:
        """Snapshot every rank's generators before anything else draws."""
        states: List[dict] = [capture_rng_state()]
        if is_distributed():
            states = all_gather_object(states[0])
        self._snapshot = dict(epoch=runner.epoch + 1, iter=runner.iter,
                              states=states)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the latest snapshot in the checkpoint."""
        if self._snapshot is not None:
            checkpoint[CHECKPOINT_KEY] = self._snapshot

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the checkpoint's snapshot for :meth:`before_train_epoch`."""
        self._snapshot = checkpoint.get(CHECKPOINT_KEY)

    def before_train_epoch(self, runner) -> None:
        """Restore the snapshot taken where this epoch starts."""
        snap = self._snapshot
        if snap is None or (snap['epoch'], snap['iter']) != (runner.epoch,
                                                             runner.iter):
            return
        rank, world_size = get_dist_info()
        states = snap['states']
        if len(states) != world_size:
            print_log(
                f'RNGStateHook: the checkpoint holds generator states of '
                f'{len(states)} processes, this run has {world_size}; rank '
                f'{rank} takes those of rank {rank % len(states)}',
                logger='current', level=logging.WARNING)
        restore_rng_state(states[rank % len(states)])
