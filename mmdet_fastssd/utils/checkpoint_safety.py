"""Let torch's ``weights_only`` loader read MMEngine's own checkpoints.

torch >= 2.6 loads with ``weights_only=True`` by default; mmengine 0.10.7
calls ``torch.load`` without the argument, so resuming fails on the
non-tensor objects MMEngine writes (the message hub's ``HistoryBuffer`` and
the numpy arrays inside it). Instead of switching the safety off, this
allow-lists exactly those classes.

MMEngine's ``HistoryBuffer.__getstate__`` also pickles its statistics
functions (``min``, ``max``, ...) as ``getattr(HistoryBuffer, name)``;
allowing ``getattr`` would let a checkpoint call any attribute of any allowed
object, so instead buffers are pickled without them: ``__setstate__``
restores the class's registered methods anyway. For the same reason the
parameter schedulers' states are saved without the functions some of them
keep (``OneCycleParamScheduler.anneal_func``); ``__init__`` rebuilds those
from the config before ``load_state_dict`` runs.
"""
from typing import List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.optim.scheduler.param_scheduler import _ParamScheduler


def _numpy_globals() -> List[object]:
    """The numpy callables and types a pickled ndarray/scalar refers to."""
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtypes = [type(np.dtype(name)) for name in
              ('float64', 'float32', 'int64', 'int32', 'bool')]
    return [_reconstruct, scalar, np.ndarray, np.dtype] + dtypes


MMENGINE_CHECKPOINT_GLOBALS = [HistoryBuffer] + _numpy_globals()


def _history_buffer_state(self: HistoryBuffer) -> dict:
    """HistoryBuffer's pickled state without the statistics functions."""
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    return state


_scheduler_state_dict = _ParamScheduler.state_dict


def _scheduler_state(self: _ParamScheduler) -> dict:
    """A parameter scheduler's state without functions (rebuilt on init)."""
    return {key: value for key, value in _scheduler_state_dict(self).items()
            if not callable(value)}


def allow_mmengine_checkpoints() -> None:
    """Allow-list MMEngine's checkpoint classes for ``torch.load``.

    Idempotent; the allow-list is a no-op on torch versions without
    ``add_safe_globals``.
    """
    HistoryBuffer.__getstate__ = _history_buffer_state
    _ParamScheduler.state_dict = _scheduler_state
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(MMENGINE_CHECKPOINT_GLOBALS)
