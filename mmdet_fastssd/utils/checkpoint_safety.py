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

A file holding anything else is refused before any of it runs. MMEngine's
local-file loader (used by ``load_from``, ``--resume``, ``tools/test.py`` and
``init_cfg=dict(type='Pretrained', checkpoint=PATH)``) is wrapped so the
refusal says which object, why and what to do (:class:`UnsafeCheckpointError`)
and a truncated file says so (:class:`CorruptCheckpointError`), instead of
torch's bare traceback.
"""
import os.path as osp
import pickle
import re
import zipfile
from typing import List, Optional, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.optim.scheduler.param_scheduler import _ParamScheduler
from mmengine.runner.checkpoint import CheckpointLoader, load_from_local

from .user_errors import FastSSDUserError


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


class UnsafeCheckpointError(FastSSDUserError, pickle.UnpicklingError):
    """A checkpoint holds an object outside the allow-list; nothing ran."""


class CorruptCheckpointError(FastSSDUserError, RuntimeError):
    """A checkpoint file is truncated or is not a torch checkpoint."""


_UNSAFE_GLOBAL = re.compile(r'GLOBAL (\S+) was not an allowed global')
_REASON = re.compile(r'WeightsUnpickler error:\s*(?:Unsupported global: )?'
                     r'([^\n]+?)(?: Please use|\n|$)')


def explain_refusal(filename: str, error: BaseException) -> str:
    """Why torch's ``weights_only`` loader refused a file, and what to do.

    Args:
        filename (str): the checkpoint.
        error (BaseException): torch's ``UnpicklingError``.

    Returns:
        str: a message naming the file, the refused object and the fixes.
    """
    match = _UNSAFE_GLOBAL.search(str(error))
    name = match.group(1) if match else None
    what = f'an object of type `{name}`' if name else \
        'an object that torch\'s weights_only loader does not accept'
    lines = [
        f'refused to load checkpoint {filename}: it holds {what}, which is '
        'not on the allow-list (tensors, plain containers and numbers, and '
        'the MMEngine classes mmdet_fastssd allows). Unpickling it could run '
        'arbitrary code, so it was not loaded and nothing in it ran.',
        'If the file comes from someone else, do not use it.',
        'If you made it yourself and trust it, either:']
    if name and '.' in name:
        module, attr = name.rsplit('.', 1)
        lines.append(
            '  - allow-list that class in a module your config imports '
            '(custom_imports): `import torch; from '
            f'{module} import {attr}; '
            f'torch.serialization.add_safe_globals([{attr}])`, or')
    lines.append(
        '  - keep only its weights, once: `python -c "import torch; '
        f'c = torch.load(\'{filename}\', weights_only=False); '
        'torch.save({\'state_dict\': c[\'state_dict\']}, '
        '\'weights.pth\')"` and use weights.pth (then '
        'tools/model_converters/publish_model.py can publish it).')
    lines.append(f'(torch: {_torch_reason(error)})')
    return '\n'.join(lines)


def _torch_reason(error: BaseException) -> str:
    """The line of torch's long refusal that says what it refused."""
    reason = _REASON.search(str(error))
    if reason:
        return reason.group(1).strip()
    first = str(error).strip().splitlines()
    return first[0] if first else type(error).__name__


def load_local_checkpoint(filename: str,
                          map_location: Union[str, torch.device, None] = None
                          ) -> dict:
    """MMEngine's local-file loader with clear refusals.

    Args:
        filename (str): checkpoint path (``~`` expanded).
        map_location (str | torch.device, optional): as ``torch.load``.
            Defaults to None.

    Returns:
        dict: the checkpoint.

    Raises:
        FileNotFoundError: no such file.
        UnsafeCheckpointError: an object outside the allow-list.
        CorruptCheckpointError: a truncated or non-torch file.
    """
    try:
        return load_from_local(filename, map_location)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as exc:
        error = _classify(filename, exc)
        if error is exc:
            raise
        raise error from exc


def _classify(filename: str, error: Exception) -> Exception:
    """The error to raise for a failed ``torch.load`` of ``filename``.

    A pickle naming a global outside the allow-list becomes
    :class:`UnsafeCheckpointError`; then a file that is not a complete zip
    archive (torch's format: a truncated one lost its central directory) or
    whose pickle ends early becomes :class:`CorruptCheckpointError`; another
    refusal inside a complete archive is unsafe again; anything else (e.g. a
    CUDA ``map_location`` without CUDA) is returned unchanged.
    """
    text = str(error)
    if _UNSAFE_GLOBAL.search(text):
        return UnsafeCheckpointError(explain_refusal(filename, error))
    if isinstance(error, EOFError) or not zipfile.is_zipfile(filename) or \
            'truncated' in text:
        return CorruptCheckpointError(_corrupt_message(filename, error))
    if 'Weights only load failed' in text:
        return UnsafeCheckpointError(explain_refusal(filename, error))
    return error


def _corrupt_message(filename: str, error: BaseException) -> str:
    """The message for a checkpoint that cannot be read at all."""
    size = osp.getsize(filename) if osp.isfile(filename) else 0
    return (f'checkpoint {filename} ({size} bytes) is truncated or is not a '
            'torch checkpoint (a run killed while writing it?). Use an '
            'earlier checkpoint; `tools/train.py CONFIG --resume` skips such '
            f'files by itself. (torch: {error})')


def check_checkpoint_loads(filename: str) -> Optional[str]:
    """Check that ``filename`` loads, cheaply (memory-mapped).

    Args:
        filename (str): checkpoint path.

    Returns:
        str | None: None when it loads, else why not (missing, truncated).

    Raises:
        UnsafeCheckpointError: it holds an object outside the allow-list
            (never skipped silently).
    """
    if not osp.isfile(filename):
        return f'{filename} does not exist'
    try:  # mmap: only the pickle is read (zip files; a truncated one is not)
        torch.load(filename, map_location='cpu', weights_only=True,
                   mmap=zipfile.is_zipfile(filename))
    except (pickle.UnpicklingError, RuntimeError, EOFError) as exc:
        error = _classify(filename, exc)
        if isinstance(error, UnsafeCheckpointError):
            raise error from exc
        return str(error)
    return None


def allow_mmengine_checkpoints() -> None:
    """Allow-list MMEngine's checkpoint classes for ``torch.load``.

    Also makes MMEngine's local-file loader refuse anything else with
    :func:`explain_refusal`'s message. Idempotent; the allow-list is a no-op
    on torch versions without ``add_safe_globals``.
    """
    HistoryBuffer.__getstate__ = _history_buffer_state
    _ParamScheduler.state_dict = _scheduler_state
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(MMENGINE_CHECKPOINT_GLOBALS)
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
