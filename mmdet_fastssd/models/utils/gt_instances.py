"""Batched ground-truth tensors shared by the heads and the metrics."""
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor

from mmdet.structures.bbox import get_box_tensor
from mmdet.utils import InstanceList


def pad_gt_instances(batch_gt_instances: InstanceList,
                     like: Tensor,
                     scales: Optional[Tensor] = None
                     ) -> Tuple[Tensor, Tensor, Tensor]:
    """Stack the batch's gts into padded tensors.

    Boxes with no width or height are masked out like padding.

    Args:
        batch_gt_instances (list[InstanceData]): ``bboxes`` (pixels) and
            ``labels`` per image.
        like (Tensor): tensor giving dtype and device.
        scales (Tensor, optional): [B, 4] divisors of each image's boxes,
            e.g. ``meta_scales(metas, 'batch_input_shape', like)`` for 0-1
            input fractions. Defaults to None (boxes stay as they come).

    Returns:
        tuple[Tensor, Tensor, Tensor]: boxes [B, G, 4], labels [B, G] long
        and the validity mask [B, G] bool, with G >= 1.
    """
    boxes = [get_box_tensor(g.bboxes) for g in batch_gt_instances]
    labels = [g.labels for g in batch_gt_instances]
    counts = [b.numel() // 4 for b in boxes]
    batch, num = len(boxes), max(counts + [1])  # G >= 1 keeps gathers valid
    if batch == 0:
        return (like.new_zeros((0, 1, 4)),
                like.new_zeros((0, 1), dtype=torch.long),
                like.new_zeros((0, 1), dtype=torch.bool))
    flat = torch.cat(boxes).reshape(-1, 4).to(like)  # [N, 4]
    flat_labels = torch.cat(labels).reshape(-1).to(like.device, torch.long)
    sizes = torch.tensor(counts, dtype=torch.long, device=like.device)  # [B]
    img = torch.repeat_interleave(
        torch.arange(batch, device=like.device), sizes)  # [N]
    slot = torch.arange(img.numel(), device=like.device) - (
        sizes.cumsum(0) - sizes)[img]  # [N] position inside its image
    if scales is not None:
        flat = flat / scales.to(flat)[img]  # [N, 4]
    gt_boxes = like.new_zeros((batch, num, 4))
    gt_boxes[img, slot] = flat
    gt_labels = sizes.new_zeros((batch, num))
    gt_labels[img, slot] = flat_labels
    valid = torch.zeros_like(gt_labels, dtype=torch.bool)
    valid[img, slot] = (flat[:, 2:] > flat[:, :2]).all(-1)  # w, h > 0
    return gt_boxes, gt_labels, valid


def largest_gt(gt_boxes: Tensor, gt_labels: Tensor,
               gt_valid: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """Pick each image's largest valid ground truth (by box area).

    Works on the whole padded batch at once. Ties go to the first gt in
    annotation order, as the lecture's stable ``sorted(..., reverse=True)``
    does (exact ties in the frame ``gt_boxes`` is in; pass pixels, i.e.
    ``pad_gt_instances`` without ``scales``). A squish resize scales every
    box of an image alike, so the pick is the same in the original image and
    the network input.

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


def multi_hot(batch_labels: Sequence[Tensor], num_classes: int,
              like: Tensor) -> Tensor:
    """Turn each image's gt labels into one multi-hot row, batched.

    A class counts once however many of its objects the image holds; an
    image without gts gets an all-zero row (no class present).

    Args:
        batch_labels (Sequence[Tensor]): gt labels per image, each [G_i].
        num_classes (int): classes C.
        like (Tensor): tensor giving dtype and device.

    Returns:
        Tensor: [B, C] of 0/1 in ``like``'s dtype.

    Raises:
        ValueError: a label outside ``[0, num_classes)``.
    """
    labels = [lab.reshape(-1).long().to(like.device) for lab in batch_labels]
    counts = torch.tensor([lab.numel() for lab in labels], device=like.device)
    flat = torch.cat(labels + [counts.new_zeros(0)])  # [sum G_i]
    if flat.numel() and (flat.min() < 0 or flat.max() >= num_classes):
        raise ValueError(f'gt label {int(flat.max())} or {int(flat.min())} '
                         f'outside [0, num_classes={num_classes})')
    rows = torch.repeat_interleave(
        torch.arange(len(labels), device=like.device), counts)  # [sum G_i]
    target = like.new_zeros(len(labels), num_classes)  # [B, C]
    target[rows, flat] = 1
    return target
