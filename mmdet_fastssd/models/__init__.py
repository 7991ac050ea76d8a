from . import detectors  # noqa: F401  (registers the detectors)
from .dense_heads import FastSSDHead
from .losses import FastSSDBCELoss, FastSSDFocalLoss
from .task_modules import (FastSSDAnchorGenerator, MaxOverlapAssigner,
                           TanhOffsetCoder)

__all__ = [
    'FastSSDAnchorGenerator', 'FastSSDBCELoss', 'FastSSDFocalLoss',
    'FastSSDHead', 'MaxOverlapAssigner', 'TanhOffsetCoder'
]
