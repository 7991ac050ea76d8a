"""Min-IoU crop section: mmdet's ``MinIoURandomCrop`` against the plugin's.

The photo recipe's slowest transform. The sample is a crowded photo like
the blood smears: 640x480 px with 13 cell-sized boxes, one large box and
two small ones, the same for every transform; numpy's generator is seeded
before each measurement, so each one draws the same rounds.
"""
from typing import Callable, Dict

import numpy as np

from .report import Table
from .timing import time_fn

NUM_BOXES = 16


def crowded_sample(seed: int = 0) -> Dict:
    """A 640x480 results dict with ``NUM_BOXES`` boxes."""
    from mmdet.structures.bbox import HorizontalBoxes
    rng = np.random.default_rng(seed)
    xy = rng.uniform([0, 0], [560, 400], (NUM_BOXES, 2))
    wh = np.full((NUM_BOXES, 2), 70.0)
    wh[-3] = (300, 250)  # one large box
    wh[-2:] = 25.0  # two small ones
    boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
    img = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    return dict(img=img, img_shape=(480, 640),
                gt_bboxes=HorizontalBoxes(boxes),
                gt_bboxes_labels=np.zeros(NUM_BOXES, np.int64),
                gt_ignore_flags=np.zeros(NUM_BOXES, bool))


def calls(transform, sample: Dict, n: int) -> Callable[[], None]:
    """``n`` seeded calls of ``transform`` on copies of ``sample``."""
    def run() -> None:
        np.random.seed(0)
        for _ in range(n):
            transform.transform(dict(sample))
    return run


def crop_section(quick: bool, res: Dict) -> Table:
    """Milliseconds per call of each crop on the crowded sample."""
    import torch

    from mmdet.datasets.transforms import MinIoURandomCrop

    from mmdet_fastssd.datasets.transforms import BatchedMinIoURandomCrop
    n = 20 if quick else 300
    cases = (('MinIoURandomCrop (mmdet)', 'all', MinIoURandomCrop()),
             ('BatchedMinIoURandomCrop', 'all',
              BatchedMinIoURandomCrop(iou_rule='all')),
             ('BatchedMinIoURandomCrop', 'any',
              BatchedMinIoURandomCrop(iou_rule='any')))
    sample = crowded_sample()
    table = Table('Min-IoU random crop, one crowded 640x480 photo '
                  f'({NUM_BOXES} boxes)',
                  ['transform', 'iou_rule', 'ms / call', 'vs mmdet'])
    base = None
    for name, rule, transform in cases:
        t = time_fn(calls(transform, sample, n), torch.device('cpu'),
                    warmup=1, repeats=2 if quick else 5).median / n
        base = t if base is None else base
        res[('crop', name, rule)] = t
        table.rows.append([name, rule, f'{t:.3g}', f'{base / t:.1f}x'])
    table.notes = [
        f'- {n} calls per timing, numpy seeded alike, median of the '
        'timings. mmdet checks its up to 50 crops of a round one by one, '
        'each with a torch IoU call; the batched crop checks them in one '
        'numpy step with the same distributions and rule (`all`: every box '
        'overlaps the crop by the round\'s IoU). `any` is the SSD paper\'s '
        'rule (one box is enough).']
    return table
