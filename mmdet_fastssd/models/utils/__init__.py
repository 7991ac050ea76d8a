from .gt_instances import largest_gt, multi_hot, pad_gt_instances
from .image_meta import INPUT_SHAPE_KEYS, meta_scales

__all__ = [
    'INPUT_SHAPE_KEYS', 'largest_gt', 'meta_scales', 'multi_hot',
    'pad_gt_instances'
]
