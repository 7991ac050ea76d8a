"""Batch-level targets of the FastSSD head: class labels and box-loss weights.

The padded gts they index come from ``pad_gt_instances`` (gt_instances.py).
"""
from typing import Tuple

import torch
from torch import Tensor


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
