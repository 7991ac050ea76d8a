"""Batch-level targets of the FastSSD head: padded gts and box-loss weights."""
from typing import List, Sequence, Tuple

import torch
from torch import Tensor

from mmdet.structures.bbox import get_box_tensor
from mmdet.utils import InstanceList


def input_scales(batch_img_metas: Sequence[dict], like: Tensor) -> Tensor:
    """(w, h, w, h) of each image's network input, from ``batch_input_shape``
    (``img_shape`` when absent).

    Returns:
        Tensor: [B, 4].
    """
    shapes = [m.get('batch_input_shape', m.get('img_shape'))
              for m in batch_img_metas]
    hw = torch.tensor([[float(s[0]), float(s[1])] for s in shapes],
                      dtype=like.dtype, device=like.device)  # [B, 2]
    return hw.flip(-1).repeat(1, 2)  # [B, 4]


def pad_gt_instances(batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     like: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """Stack the batch's gts into padded tensors in 0-1 input fractions.

    Boxes with no width or height are masked out like padding.

    Args:
        batch_gt_instances (list[InstanceData]): ``bboxes`` in pixels and
            ``labels`` per image.
        batch_img_metas (list[dict]): image metas.
        like (Tensor): tensor giving dtype and device.

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
    flat = flat / input_scales(batch_img_metas, like)[img]  # [N, 4]
    gt_boxes = like.new_zeros((batch, num, 4))
    gt_boxes[img, slot] = flat
    gt_labels = sizes.new_zeros((batch, num))
    gt_labels[img, slot] = flat_labels
    valid = torch.zeros_like(gt_labels, dtype=torch.bool)
    valid[img, slot] = (flat[:, 2:] > flat[:, :2]).all(-1)  # w, h > 0
    return gt_boxes, gt_labels, valid


def assigned_targets(gt_inds: Tensor, gt_labels: Tensor, num_classes: int
                     ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """Class targets of every anchor and the positives' coordinates.

    Args:
        gt_inds (Tensor): matched gt per anchor [B, A], -1 for background.
        gt_labels (Tensor): padded gt labels [B, G].
        num_classes (int): C, the background label.

    Returns:
        tuple[Tensor, ...]: labels [B, A] in 0..C, then the positives'
        image, anchor and gt indices [P] each (image-major order).
    """
    img, prior = (gt_inds >= 0).nonzero(as_tuple=True)  # [P] each
    gt = gt_inds[img, prior]  # [P]
    labels = gt_inds.new_full(gt_inds.shape, num_classes)  # [B, A]
    labels[img, prior] = gt_labels[img, gt]
    return labels, img, prior, gt


def positive_box_weights(img: Tensor, batch: int, like: Tensor) -> Tensor:
    """Weights that turn a summed L1 over positives into per-image means.

    Args:
        img (Tensor): image index of each positive anchor [P].
        batch (int): B.
        like (Tensor): the positives' decoded boxes [P, 4].

    Returns:
        Tensor: [P, 4], ``1 / (4 * positives of that image)``.
    """
    num_pos = torch.bincount(img, minlength=batch).clamp(min=1)  # [B]
    weight = 1.0 / (4 * num_pos.to(like.dtype))  # [B]
    return weight[img, None].expand_as(like)  # [P, 4]
