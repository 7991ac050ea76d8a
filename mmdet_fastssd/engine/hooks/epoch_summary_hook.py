"""One line per epoch a person can scan, and a progress bar on a terminal.

MMEngine's ``LoggerHook`` prints a long line every ``interval`` iterations
and the validation metrics in another block. :class:`EpochSummaryHook`
adds, after each epoch (after its validation, when there is one)::

    epoch 3/40: loss 0.912 (loss_cls 0.501, loss_bbox 0.411),
    pascal_voc/mAP 0.512 (best 0.530, epoch 2), 4.1 s (validation 0.6 s),
    ETA 2m 37s

through the runner's logger (so it is in the log file too). Where standard
output is a terminal it also keeps one progress line for the epoch's
iterations at the bottom, redrawn in place; in CI and in files it prints
nothing more than the summary lines.
"""
import sys
import time
from collections import defaultdict
from typing import Dict, List, Optional, TextIO, Tuple

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop

from mmdet.registry import HOOKS

__all__ = ['EpochSummaryHook', 'format_duration']


def format_duration(seconds: float) -> str:
    """``'37s'``, ``'2m 37s'`` or ``'1h 02m'``."""
    seconds = max(int(round(seconds)), 0)
    if seconds < 60:
        return f'{seconds}s'
    if seconds < 3600:
        return f'{seconds // 60}m {seconds % 60:02d}s'
    return f'{seconds // 3600}h {seconds % 3600 // 60:02d}m'


class ProgressLine:
    """A one-line bar redrawn in place; the cursor stays at column 0.

    Ending each draw with a carriage return lets whatever the logger prints
    next overwrite the bar instead of being appended to it.

    Args:
        stream (TextIO): a terminal.
        width (int): bar characters. Defaults to 24.
        min_interval (float): seconds between redraws. Defaults to 0.2.
    """

    def __init__(self, stream: TextIO, width: int = 24,
                 min_interval: float = 0.2) -> None:
        self.stream, self.width = stream, width
        self.min_interval = min_interval
        self._last = 0.0

    def draw(self, label: str, done: int, total: int,
             elapsed: float) -> None:
        """Redraw ``label [####....] done/total, elapsed, ETA``."""
        now = time.monotonic()
        if now - self._last < self.min_interval and done < total:
            return
        self._last = now
        filled = self.width * done // max(total, 1)
        eta = elapsed / max(done, 1) * (total - done)
        bar = '#' * filled + '.' * (self.width - filled)
        self.stream.write(f'\r\x1b[K{label} [{bar}] {done}/{total} '
                          f'{format_duration(elapsed)}, epoch ETA '
                          f'{format_duration(eta)}\r')
        self.stream.flush()

    def clear(self) -> None:
        """Erase the bar."""
        self.stream.write('\r\x1b[K')
        self.stream.flush()


@HOOKS.register_module()
class EpochSummaryHook(Hook):
    """Log a one-line summary per epoch; draw a bar on a terminal.

    An epoch-based loop gets a line per epoch; an iteration-based loop
    (``IterBasedTrainLoop``) a line per ``val_interval`` iterations, named
    by the iteration (``iter 300/800: ...``). The mean loss is over every
    iteration of the round (``LoggerHook`` logs a window every
    ``interval`` iterations); the ETA comes from the last three rounds.

    Args:
        progress_bar (bool, optional): draw the bar; None draws it when
            standard output is a terminal. Defaults to None.
        metric (str, optional): the held-out metric whose best is reported;
            None takes the first metric validation returns. Defaults to
            None.
    """

    priority = 'BELOW_NORMAL'

    def __init__(self, progress_bar: Optional[bool] = None,
                 metric: Optional[str] = None) -> None:
        self.progress_bar = progress_bar
        self.metric = metric
        self._bar: Optional[ProgressLine] = None
        self._losses: Dict[str, List[float]] = defaultdict(list)
        self._pending: Optional[str] = None
        self._by_iter = False
        self._start = self._train_end = 0.0
        self._first = self._done = 0  # round start and end, in loop units
        self._seconds: List[float] = []
        self._best: Optional[tuple] = None

    def before_train(self, runner) -> None:
        """Find the loop's unit; decide on the bar (main process, tty)."""
        self._by_iter = isinstance(runner.train_loop, IterBasedTrainLoop)
        self._start, self._first = time.monotonic(), runner.iter
        bar = self.progress_bar
        if bar is None:
            bar = sys.stdout.isatty()
        if bar and is_main_process():
            self._bar = ProgressLine(sys.stdout)

    def _unit(self, runner) -> Tuple[str, int, int]:
        """``('epoch', max_epochs, 1)`` or ``('iter', max_iters, round)``."""
        if not self._by_iter:
            return 'epoch', runner.max_epochs, 1
        loop = runner.train_loop
        return 'iter', loop.max_iters, max(min(loop.val_interval,
                                               loop.max_iters), 1)

    def before_train_epoch(self, runner) -> None:
        """Start the epoch's clock and loss sums (epoch-based loops)."""
        if not self._by_iter:
            self._losses.clear()
            self._start = time.monotonic()

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch=None, outputs=None) -> None:
        """Add the iteration's loss terms; redraw the bar; end a round of
        an iteration-based loop."""
        for key, value in (outputs or {}).items():
            if key.startswith('loss'):
                self._losses[key].append(float(
                    torch.as_tensor(value).detach()))
        if not self._by_iter:
            self._draw(runner, f'epoch {runner.epoch + 1}/'
                       f'{runner.max_epochs}', batch_idx + 1,
                       len(runner.train_dataloader))
            return
        _, total, size = self._unit(runner)
        done = runner.iter + 1
        end = min((self._first // size + 1) * size, total)
        self._draw(runner, f'iter {done}/{total}', done - self._first,
                   end - self._first)
        if done % size == 0 or done == total:
            self._end_round(runner, done)

    def _draw(self, runner, label: str, done: int, total: int) -> None:
        """Redraw the bar, if there is one."""
        if self._bar is not None:
            self._bar.draw(label, done, total, time.monotonic() - self._start)

    def after_train_epoch(self, runner) -> None:
        """End the epoch's round (epoch-based loops)."""
        if not self._by_iter:
            self._end_round(runner, runner.epoch + 1)

    def _end_round(self, runner, done: int) -> None:
        """Log the summary now, or after the validation that follows."""
        if self._bar is not None:
            self._bar.clear()
        unit, total, _ = self._unit(runner)
        terms = {k: sum(v) / len(v) for k, v in self._losses.items() if v}
        loss = terms.pop('loss', None)
        text = f'{unit} {done}/{total}:'
        if loss is not None:
            detail = ', '.join(f'{k} {v:.3f}' for k, v in terms.items())
            text += f' loss {loss:.3f}' + (f' ({detail})' if detail else '')
        self._pending, self._done = text, done
        self._train_end = time.monotonic()
        if not self._will_validate(runner, done, total):
            self._emit(runner, None)

    @staticmethod
    def _will_validate(runner, done: int, total: int) -> bool:
        """Whether the loop validates now (its own rule, in its unit)."""
        loop = runner.train_loop
        if runner.val_loop is None or done < getattr(loop, 'val_begin', 1):
            return False
        return done % loop.val_interval == 0 or done == total

    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Log the pending summary with the held-out metric."""
        if self._pending is not None:
            self._emit(runner, metrics or {})

    def _metric_text(self, runner, metrics: Dict[str, float]) -> str:
        """``name value (best v, epoch e)`` for the tracked metric."""
        name = self.metric or next(iter(metrics), None)
        if name is None or name not in metrics:
            return ''
        value = float(metrics[name])
        if self._best is None or value > self._best[0]:
            self._best = (value, self._done)
        return (f', {name} {value:.4f} (best {self._best[0]:.4f}, '
                f'{self._unit(runner)[0]} {self._best[1]})')

    def _emit(self, runner, metrics: Optional[Dict[str, float]]) -> None:
        """Log the line: round time, ETA from the last three rounds."""
        now = time.monotonic()
        seconds = now - self._start
        self._seconds.append(seconds)
        took = f'{seconds:.1f} s'
        if metrics is not None:
            took += f' (validation {now - self._train_end:.1f} s)'
        recent = self._seconds[-3:]  # the first round fills caches
        _, total, size = self._unit(runner)
        left = -(-(total - self._done) // size)  # rounds still to run
        text = self._pending + (self._metric_text(runner, metrics)
                                if metrics else '')
        eta = sum(recent) / len(recent) * left
        runner.logger.info(f'{text}, {took}, ETA {format_duration(eta)}')
        self._pending = None
        self._losses.clear()
        self._start, self._first = now, self._done
