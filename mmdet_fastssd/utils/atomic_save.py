"""Atomic file writes for MMEngine's local storage backend.

MMEngine's ``LocalBackend.put`` opens the target with ``'wb'`` and writes in
place, so a run killed while saving leaves a truncated ``epoch_N.pth`` under
the final name. :class:`AtomicLocalBackend` writes a temporary file in the
same folder, flushes it to disk and renames it over the target with
``os.replace`` (atomic on POSIX and Windows): a reader sees the old file or
the complete new one, never a part. Registered as MMEngine's ``local``
backend (``force=True``) by :mod:`mmdet_fastssd.runtime` (the plugin's MMEngine
switch, on in the project's tools), so checkpoints saved by
``CheckpointHook`` and ``Runner.save_checkpoint`` are atomic.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

import mmengine
from mmengine.fileio.backends import LocalBackend, register_backend

__all__ = ['AtomicLocalBackend', 'atomic_write_bytes', 'use_atomic_saves']


def _read_umask() -> int:
    """The process umask (read once: setting it is the only way to read)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_read_umask()  # what open(path, 'wb') would give


def atomic_write_bytes(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` through a temporary file and a rename.

    On any error (or a kill) before the rename, ``filepath`` keeps its old
    content (or stays absent); an error removes the temporary file.

    Args:
        data (bytes): the content.
        filepath (str | Path): the target; its folder is created.
    """
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    mmengine.mkdir_or_exist(folder)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(filepath)}.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes it 0o600
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local backend whose ``put`` / ``put_text`` are atomic."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically.

        Args:
            obj (bytes): data to write.
            filepath (str | Path): target path.
        """
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically.

        Args:
            obj (str): text to write.
            filepath (str | Path): target path.
            encoding (str): text encoding. Defaults to 'utf-8'.
        """
        atomic_write_bytes(obj.encode(encoding), filepath)


def use_atomic_saves() -> None:
    """Make :class:`AtomicLocalBackend` MMEngine's ``local`` backend.

    Idempotent. Backends created before the call keep their class.
    """
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
