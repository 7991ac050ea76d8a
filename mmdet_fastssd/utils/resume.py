"""Pick the checkpoint ``--resume`` continues from, skipping damaged files.

MMEngine's auto-resume reads ``WORK_DIR/last_checkpoint`` and loads the file
it names, whatever its state. That file can be missing (``max_keep_ckpts``
removes the oldest checkpoint *before* writing the next one, so a run killed
in between has lost it) or damaged (a truncated copy, a disk that filled up).
:func:`find_resumable_checkpoint` checks the named file and, when it does not
load, falls back to the newest ``epoch_N.pth`` / ``iter_N.pth`` that does,
with a warning naming what it skipped.
"""
import glob
import logging
import os.path as osp
import re
from typing import List, Optional

from mmengine.logging import print_log

from .checkpoint_safety import check_checkpoint_loads

__all__ = ['find_resumable_checkpoint', 'numbered_checkpoints']

_NUMBERED = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def numbered_checkpoints(work_dir: str) -> List[str]:
    """``epoch_N.pth`` / ``iter_N.pth`` files in ``work_dir``, newest first.

    Args:
        work_dir (str): the run's work_dir.

    Returns:
        list[str]: paths sorted by N, highest first (epoch files before iter
        files of the same N).
    """
    found = []
    for path in glob.glob(osp.join(glob.escape(work_dir), '*.pth')):
        match = _NUMBERED.match(osp.basename(path))
        if match:
            found.append((int(match.group(2)), match.group(1) == 'epoch',
                          path))
    return [path for *_, path in sorted(found, reverse=True)]


def _last_checkpoint_entry(work_dir: str) -> Optional[str]:
    """The path ``WORK_DIR/last_checkpoint`` names, or None."""
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        return None
    with open(record) as f:
        named = f.read().strip()
    return named or None


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The newest checkpoint in ``work_dir`` that loads.

    Tries the file ``last_checkpoint`` names, then the numbered checkpoints
    newest first; each file skipped gets one warning saying why.

    Args:
        work_dir (str): the run's work_dir.

    Returns:
        str | None: the checkpoint to resume from; None when none loads
        (leave it to MMEngine: with no ``last_checkpoint`` it starts from
        scratch, else loading the named file fails with its reason).

    Raises:
        UnsafeCheckpointError: a candidate holds an object outside the
            allow-list (refused, never skipped silently).
    """
    named = _last_checkpoint_entry(work_dir)
    candidates = [named] if named else []
    candidates += [p for p in numbered_checkpoints(work_dir)
                   if not named or osp.abspath(p) != osp.abspath(named)]
    for path in candidates:
        problem = check_checkpoint_loads(path)
        if problem is None:
            return path
        print_log(f'--resume: skipping {path}: {problem}', logger='current',
                  level=logging.WARNING)
    return None
