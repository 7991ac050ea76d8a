from .fastssd_head import FastSSDHead
from .largest_object_head import LargestObjectHead
from .multilabel_head import MultiLabelHead

__all__ = ['FastSSDHead', 'LargestObjectHead', 'MultiLabelHead']
