"""Targets of the multi-label classifier: which classes an image contains."""
from typing import Sequence

import torch
from torch import Tensor


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
