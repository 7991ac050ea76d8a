from .adaptive_concat_pool import AdaptiveConcatPool2d
from .bbox_nms import grouped_nms, nms_keep
from .fastssd_convs import OutConv, StdConv
from .fastssd_postprocess import batched_detections

__all__ = [
    'AdaptiveConcatPool2d', 'OutConv', 'StdConv', 'batched_detections',
    'grouped_nms', 'nms_keep'
]
