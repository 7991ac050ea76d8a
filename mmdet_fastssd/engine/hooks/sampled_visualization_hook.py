"""``DetVisualizationHook`` that draws every n-th test image.

MMDetection's hook draws every image of a test run (``tools/test.py
--show-dir``); ``interval`` only thins validation. Drawing is most of a
short test run's time, so ``test_interval`` thins the test pictures too.
"""
from typing import Sequence

from mmdet.engine.hooks import DetVisualizationHook
from mmdet.registry import HOOKS
from mmdet.structures import DetDataSample


@HOOKS.register_module()
class SampledDetVisualizationHook(DetVisualizationHook):
    """Draw test images 0, n, 2n, ... of the run (every one when n = 1).

    Args:
        test_interval (int): draw one test image in this many, counted
            over the whole run. Defaults to 1 (every image, as
            ``DetVisualizationHook``).
        **kwargs: ``DetVisualizationHook`` arguments (``draw``,
            ``interval``, ``score_thr``, ``show``, ``test_out_dir``, ...).
    """

    def __init__(self, test_interval: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        if test_interval < 1:
            raise ValueError('SampledDetVisualizationHook: test_interval must '
                             f'be >= 1, got {test_interval}')
        self.test_interval = test_interval
        self._test_seen = 0

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence[DetDataSample]) -> None:
        """Draw the batch's images whose run index is a multiple of n."""
        first = self._test_seen
        self._test_seen += len(outputs)
        kept = [sample for i, sample in enumerate(outputs, first)
                if i % self.test_interval == 0]
        if kept:
            super().after_test_iter(runner, batch_idx, data_batch, kept)
