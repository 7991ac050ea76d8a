"""EpochSummaryHook: the per-epoch line, its ETA, and the terminal bar."""
import io
from types import SimpleNamespace

import pytest
import torch
from mmengine.runner import IterBasedTrainLoop

from mmdet_fastssd.engine.hooks import EpochSummaryHook
from mmdet_fastssd.engine.hooks.epoch_summary_hook import (
    ProgressLine,
    format_duration,
)


@pytest.mark.parametrize('seconds, text', [
    (0.4, '0s'), (37, '37s'), (157, '2m 37s'), (3725, '1h 02m')])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_bar_is_redrawn_in_place_and_leaves_the_cursor_at_column_0():
    stream = io.StringIO()
    bar = ProgressLine(stream, width=10, min_interval=0.0)
    bar.draw('epoch 1/4', 5, 10, 2.0)
    text = stream.getvalue()
    assert text == '\r\x1b[Kepoch 1/4 [#####.....] 5/10 2s, epoch ETA 2s\r'
    bar.clear()
    assert stream.getvalue().endswith('\r\x1b[K')


class FakeRunner(SimpleNamespace):
    """The attributes the hook reads, with the loop's epoch counting."""

    def __init__(self, max_epochs=4, val_interval=2):
        loop = SimpleNamespace(max_epochs=max_epochs, val_begin=1,
                               val_interval=val_interval)
        super().__init__(train_loop=loop, val_loop=object(), epoch=0,
                         iter=0, max_epochs=max_epochs,
                         train_dataloader=[0] * 3, lines=[])
        self.logger = SimpleNamespace(info=self.lines.append)


def run_epoch(hook, runner, losses, metrics=None):
    hook.before_train_epoch(runner)
    for i, (cls, box) in enumerate(losses):
        hook.after_train_iter(runner, i, None, dict(
            loss=torch.tensor(cls + box, requires_grad=True),
            loss_cls=torch.tensor(cls), loss_bbox=box))
    hook.after_train_epoch(runner)
    runner.epoch += 1  # the loop counts the epoch before validating
    if metrics is not None:
        hook.after_val_epoch(runner, metrics)


def test_one_line_per_epoch_with_the_validation_that_follows():
    runner, hook = FakeRunner(), EpochSummaryHook(progress_bar=False)
    hook.before_train(runner)
    run_epoch(hook, runner, [(1.0, 0.5), (0.5, 0.25)])  # no validation
    assert len(runner.lines) == 1
    assert runner.lines[0].startswith(
        'epoch 1/4: loss 1.125 (loss_cls 0.750, loss_bbox 0.375), ')
    assert 'validation' not in runner.lines[0]
    assert ', ETA ' in runner.lines[0]
    run_epoch(hook, runner, [(0.5, 0.5)], {'pascal_voc/mAP': 0.25,
                                           'pascal_voc/AP50': 0.25})
    run_epoch(hook, runner, [(0.5, 0.5)])
    run_epoch(hook, runner, [(0.4, 0.4)], {'pascal_voc/mAP': 0.125})
    assert len(runner.lines) == 4
    assert 'pascal_voc/mAP 0.2500 (best 0.2500, epoch 2), ' in runner.lines[1]
    assert ' s (validation ' in runner.lines[1]
    assert 'pascal_voc/mAP 0.1250 (best 0.2500, epoch 2)' in runner.lines[3]
    assert runner.lines[3].endswith(', ETA 0s')


def test_no_bar_when_output_is_not_a_terminal(monkeypatch):
    monkeypatch.setattr('sys.stdout', io.StringIO())
    runner, hook = FakeRunner(), EpochSummaryHook()
    hook.before_train(runner)
    assert hook._bar is None
    hook = EpochSummaryHook(progress_bar=True)
    hook.before_train(runner)
    assert hook._bar is not None


def iteration_runner(max_iters=6, val_interval=3):
    """A runner whose loop is MMEngine's IterBasedTrainLoop."""
    loop = IterBasedTrainLoop.__new__(IterBasedTrainLoop)
    loop._max_iters, loop.val_interval, loop.val_begin = (
        max_iters, val_interval, 1)
    runner = FakeRunner()
    runner.train_loop, runner.max_iters = loop, max_iters
    return runner


def test_iteration_loops_get_a_line_per_validation_interval():
    runner, hook = iteration_runner(), EpochSummaryHook(progress_bar=False)
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    for it, (loss, metrics) in enumerate([(3.0, None), (1.0, None),
                                          (2.0, {'pascal_voc/mAP': 0.5}),
                                          (1.0, None), (1.0, None),
                                          (0.5, {'pascal_voc/mAP': 0.25})]):
        runner.iter = it
        hook.after_train_iter(runner, it, None, dict(loss=loss))
        runner.iter = it + 1  # the loop counts the iteration, validates
        if metrics is not None:
            hook.after_val_epoch(runner, metrics)
    assert len(runner.lines) == 2
    assert runner.lines[0].startswith('iter 3/6: loss 2.000, '
                                      'pascal_voc/mAP 0.5000 (best 0.5000, '
                                      'iter 3), ')
    assert runner.lines[1].startswith('iter 6/6: loss 0.833, '
                                      'pascal_voc/mAP 0.2500 (best 0.5000, '
                                      'iter 3), ')
    assert runner.lines[1].endswith(', ETA 0s')
    hook.after_train_epoch(runner)  # the loop's one epoch: no more lines
    assert len(runner.lines) == 2
