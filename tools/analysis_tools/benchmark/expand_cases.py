"""Expand section: mmdet's ``Expand`` against the plugin's.

The photo recipe zooms out at ratios 1-2 with the mean pixel as fill.
Both transforms get the same 640x480 sample (``crop_cases``) and numpy's
generator is seeded before each measurement, so both draw the same
ratios, offsets and the same half of the calls that expand at all.
"""
from typing import Dict

from .crop_cases import calls, crowded_sample
from .report import Table
from .timing import time_fn

MEAN = (123.675, 116.28, 103.53)


def expand_section(quick: bool, res: Dict) -> Table:
    """Milliseconds per call of each expand on the crowded sample."""
    import torch

    from mmdet.datasets.transforms import Expand

    from mmdet_fastssd.datasets.transforms import BorderFillExpand
    n = 20 if quick else 300
    kwargs = dict(mean=MEAN, to_rgb=True, ratio_range=(1, 2))
    cases = (('Expand (mmdet)', Expand(**kwargs)),
             ('BorderFillExpand', BorderFillExpand(**kwargs)))
    sample = crowded_sample()
    table = Table('Expand (zoom out), one 640x480 photo, ratio 1-2, '
                  'probability 0.5', ['transform', 'ms / call', 'vs mmdet'])
    base = None
    for name, transform in cases:
        t = time_fn(calls(transform, sample, n), torch.device('cpu'),
                    warmup=1, repeats=2 if quick else 5).median / n
        base = t if base is None else base
        res[('expand', name)] = t
        table.rows.append([name, f'{t:.3g}', f'{base / t:.1f}x'])
    table.notes = [
        f'- {n} calls per timing, numpy seeded alike, median of the '
        'timings; both return the same pixels and boxes (tests compare '
        'them). mmdet fills the whole canvas through numpy\'s broadcast of '
        'a 3-value fill, then copies the photo over it; the plugin\'s '
        'transform fills only the border around the photo, a whole row of '
        'pixels at a time.']
    return table
