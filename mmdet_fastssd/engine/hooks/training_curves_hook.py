"""Write a picture of the run into the work directory (``curves.png``).

The picture is drawn from MMEngine's own scalars (``LocalVisBackend``'s
``vis_data/scalars.json``) by :mod:`mmdet_fastssd.visualization.
training_curves`: loss terms and learning rate against the iteration, mean
training loss and held-out metrics against the epoch. It is redrawn after
every validation, so it can be watched during a run, and once more when
training ends. ``tools/analysis_tools/plot_curves.py WORK_DIR`` draws the
same picture for any finished work directory.
"""
import os.path as osp
from typing import Dict, Optional

from mmengine.dist import master_only
from mmengine.hooks import Hook

from mmdet.registry import HOOKS

from ...visualization.training_curves import (
    find_scalar_files,
    plot_run,
    read_run,
)

__all__ = ['TrainingCurvesHook']


@HOOKS.register_module()
class TrainingCurvesHook(Hook):
    """Draw the run's curves into ``WORK_DIR/<out_file>``.

    Runs after MMEngine's ``LoggerHook`` (priority ``LOW``), so the scalars
    of the validation just finished are on disk. A run continued with
    ``--resume`` is drawn with the runs before it in the same work
    directory; a fresh run draws only itself. A run whose visualizer has no
    ``LocalVisBackend`` writes no picture (one warning).

    Args:
        out_file (str): file name in the work directory. Defaults to
            ``'curves.png'``.
        redraw (bool): redraw after every validation during training,
            not only when training ends (about half a second each).
            Defaults to True.

    Example:
        >>> default_hooks = dict(curves=dict(type='TrainingCurvesHook'))
    """

    priority = 'LOW'

    def __init__(self, out_file: str = 'curves.png',
                 redraw: bool = True) -> None:
        self.out_file = out_file
        self.redraw = redraw
        self._warned = False
        self._training = False

    def before_train(self, runner) -> None:
        """Validations from now on belong to a training run."""
        self._training = True

    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Redraw during training (not for a standalone ``runner.val()``)."""
        if self.redraw and self._training:
            self.draw(runner)

    def after_train(self, runner) -> None:
        """Draw the finished run."""
        self._training = False
        self.draw(runner)

    def source(self, runner) -> str:
        """The work directory (resumed run) or this run's log folder."""
        return runner.work_dir if getattr(runner, '_resume',
                                          False) else runner.log_dir

    @master_only
    def draw(self, runner) -> Optional[str]:
        """Write the picture; warn once when there is nothing to draw.

        Returns:
            str or None: the picture's path, None when none was written.
        """
        try:
            find_scalar_files(self.source(runner))
            run = read_run(self.source(runner))
            if not run.train:
                return None  # validated before any loss was logged
            out = osp.join(runner.work_dir, self.out_file)
            return plot_run(run, out, title=osp.basename(
                runner.work_dir.rstrip('/')))
        except FileNotFoundError as exc:
            if not self._warned:
                runner.logger.warning(f'TrainingCurvesHook: {exc}')
                self._warned = True
            return None
