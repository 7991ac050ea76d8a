from .bbox_nms import grouped_nms, nms_keep
from .fastssd_convs import OutConv, StdConv

__all__ = ['OutConv', 'StdConv', 'grouped_nms', 'nms_keep']
