"""SampledDetVisualizationHook draws every n-th test image of a run."""
import pytest

from mmdet.engine.hooks import DetVisualizationHook
from mmdet.registry import HOOKS
from mmdet.visualization import DetLocalVisualizer

import mmdet_fastssd  # noqa: F401


@pytest.fixture(autouse=True)
def visualizer():
    """The hook takes the current visualizer when it is built."""
    return DetLocalVisualizer.get_instance('sampled_visualization_test')


@pytest.fixture
def drawn(monkeypatch):
    """Names that the parent hook was asked to draw, in order."""
    names = []
    monkeypatch.setattr(
        DetVisualizationHook, 'after_test_iter',
        lambda self, runner, idx, batch, outputs: names.extend(outputs))
    return names


def run_batches(hook, sizes):
    start = 0
    for idx, size in enumerate(sizes):
        hook.after_test_iter(None, idx, {}, list(range(start, start + size)))
        start += size


def test_every_nth_image_across_uneven_batches(drawn):
    hook = HOOKS.build(dict(type='SampledDetVisualizationHook',
                            test_interval=10, draw=True))
    run_batches(hook, [4, 4, 4, 16, 3, 1])  # 32 images
    assert drawn == [0, 10, 20, 30]


def test_default_draws_every_image_like_mmdet(drawn):
    hook = HOOKS.build(dict(type='SampledDetVisualizationHook', draw=True))
    run_batches(hook, [3, 2])
    assert drawn == [0, 1, 2, 3, 4]


def test_batches_without_a_kept_image_are_not_passed_on(monkeypatch):
    calls = []
    monkeypatch.setattr(
        DetVisualizationHook, 'after_test_iter',
        lambda self, runner, idx, batch, outputs: calls.append(idx))
    hook = HOOKS.build(dict(type='SampledDetVisualizationHook',
                            test_interval=5, draw=True))
    run_batches(hook, [2, 2, 2, 2, 2])  # images 0 and 5: batches 0 and 2
    assert calls == [0, 2]


def test_bad_interval_is_refused():
    with pytest.raises(ValueError, match='test_interval'):
        HOOKS.build(dict(type='SampledDetVisualizationHook', test_interval=0))
