from .fastssd_targets import assigned_targets, positive_box_weights
from .gt_instances import largest_gt, multi_hot, pad_gt_instances
from .image_meta import INPUT_SHAPE_KEYS, meta_scales

__all__ = [
    'INPUT_SHAPE_KEYS', 'assigned_targets', 'largest_gt', 'meta_scales',
    'multi_hot', 'pad_gt_instances', 'positive_box_weights'
]
