from .dense_heads import FastSSDHead, LargestObjectHead, MultiLabelHead
from .losses import FastSSDBCELoss, FastSSDFocalLoss
from .task_modules import (
    FastSSDAnchorGenerator,
    MaxOverlapAssigner,
    TanhOffsetCoder,
)

__all__ = [
    'FastSSDAnchorGenerator', 'FastSSDBCELoss', 'FastSSDFocalLoss',
    'FastSSDHead', 'LargestObjectHead', 'MaxOverlapAssigner',
    'MultiLabelHead', 'TanhOffsetCoder'
]
