"""Batch-level targets of the FastSSD head: padded gts and box-loss weights."""
from typing import List, Sequence, Tuple

import torch
from torch import Tensor
from torch.nn.utils.rnn import pad_sequence

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
    boxes = [get_box_tensor(g.bboxes).to(like).reshape(-1, 4)
             for g in batch_gt_instances]
    labels = [g.labels.to(like.device).long().reshape(-1)
              for g in batch_gt_instances]
    counts = torch.tensor([b.size(0) for b in boxes], device=like.device)
    # A padding slot keeps G >= 1, so gathers work when no image has a gt.
    gt_boxes = pad_sequence(boxes + [like.new_zeros(1, 4)],
                            batch_first=True)[:-1]  # [B, G, 4]
    gt_labels = pad_sequence(labels + [counts.new_zeros(1)],
                             batch_first=True)[:-1]  # [B, G]
    gt_boxes = gt_boxes / input_scales(batch_img_metas, like)[:, None]
    slots = torch.arange(gt_boxes.size(1), device=like.device)  # [G]
    wh = gt_boxes[..., 2:] - gt_boxes[..., :2]  # [B, G, 2]
    valid = (slots[None] < counts[:, None]) & (wh > 0).all(-1)  # [B, G]
    return gt_boxes, gt_labels, valid


def box_loss_weights(pos: Tensor, like: Tensor) -> Tensor:
    """Weights that turn a summed L1 into a per-image mean over positives.

    Args:
        pos (Tensor): bool mask of positive anchors [B, A].
        like (Tensor): decoded boxes [B, A, 4] (dtype and shape).

    Returns:
        Tensor: [B, A, 4], ``1 / (4 * num_pos)`` on positives, 0 elsewhere.
    """
    num_pos = pos.sum(1, keepdim=True).clamp(min=1)  # [B, 1]
    weight = pos.to(like.dtype) / (4 * num_pos)  # [B, A]
    return weight[..., None].expand_as(like)  # [B, A, 4]
