"""Targets of the largest-object localizer: each image's biggest gt box."""
from typing import Tuple

from torch import Tensor

from mmdet.utils import InstanceList

from .fastssd_targets import pad_gt_instances


def pad_gt_pixels(batch_gt_instances: InstanceList,
                  like: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """``pad_gt_instances`` with the boxes left in the pixels they come in.

    A unit ``batch_input_shape`` makes its division by the input size exact,
    so exact area ties stay ties (the lecture compares areas in pixels).

    Args:
        batch_gt_instances (list[InstanceData]): ``bboxes`` and ``labels``.
        like (Tensor): tensor giving dtype and device.

    Returns:
        tuple[Tensor, Tensor, Tensor]: boxes [B, G, 4] in pixels, labels
        [B, G] and the validity mask [B, G] (padding and empty boxes False).
    """
    unit = [dict(batch_input_shape=(1, 1))] * len(batch_gt_instances)
    return pad_gt_instances(batch_gt_instances, unit, like)


def largest_gt(gt_boxes: Tensor, gt_labels: Tensor,
               gt_valid: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """Pick each image's largest valid ground truth (by box area).

    Works on the whole padded batch at once. Ties go to the first gt in
    annotation order, as the lecture's stable ``sorted(..., reverse=True)``
    does (exact ties in the frame ``gt_boxes`` is in; pass pixels, see
    ``pad_gt_pixels``). A squish resize scales every box of an image alike,
    so the pick is the same in the original image and the network input.

    Args:
        gt_boxes (Tensor): padded gt boxes [B, G, 4], x1y1x2y2.
        gt_labels (Tensor): padded gt labels [B, G].
        gt_valid (Tensor): bool mask of real, non-empty gts [B, G].

    Returns:
        tuple[Tensor, Tensor, Tensor]: boxes [B, 4], labels [B] and
        ``has_gt`` [B] bool. Images without a valid gt get box 0, label 0
        and ``has_gt`` False; callers must leave them out.
    """
    wh = (gt_boxes[..., 2:] - gt_boxes[..., :2]).clamp(min=0)  # [B, G, 2]
    area = wh.prod(-1).masked_fill(~gt_valid, -1.)  # [B, G]
    # argmax returns the first maximum: the tie rule above
    index = area.argmax(1)  # [B]
    has_gt = gt_valid.any(1)  # [B]
    boxes = gt_boxes.gather(1, index[:, None, None].expand(-1, 1, 4))
    boxes = boxes.squeeze(1) * has_gt[:, None]  # [B, 4]
    labels = gt_labels.gather(1, index[:, None]).squeeze(1)  # [B]
    return boxes, labels.masked_fill(~has_gt, 0), has_gt
