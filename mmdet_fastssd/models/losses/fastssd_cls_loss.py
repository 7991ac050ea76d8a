"""Class losses of the lecture: one-hot over C+1, background column dropped."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdet.registry import MODELS


def drop_background_targets(labels: Tensor, num_columns: int,
                            dtype: torch.dtype) -> Tensor:
    """One-hot targets without the background column.

    Args:
        labels (Tensor): class indices [...] in 0..C, C = background.
        num_columns (int): C + 1.
        dtype (torch.dtype): dtype of the result.

    Returns:
        Tensor: [..., C] with an all-zero row for background.
    """
    one_hot = F.one_hot(labels.long(), num_columns)  # [..., C+1]
    return one_hot[..., :-1].to(dtype)  # [..., C]


def focal_weight(logits: Tensor, targets: Tensor, alpha: float,
                 gamma: float) -> Tensor:
    """The lecture's focal weight ``(a t + (1-a)(1-t)) (1 - pt)^gamma``.

    Args:
        logits (Tensor): object logits [..., C].
        targets (Tensor): 0/1 targets [..., C].
        alpha (float): weight of positives.
        gamma (float): focusing exponent.

    Returns:
        Tensor: [..., C].
    """
    p = logits.sigmoid()
    pt = p * targets + (1 - p) * (1 - targets)
    w = alpha * targets + (1 - alpha) * (1 - targets)
    return w * (1 - pt).pow(gamma)


@MODELS.register_module()
class FastSSDBCELoss(nn.Module):
    """BCE with background removal: ``sum(BCE(x[..., :C], onehot[..., :C])) / C``.

    Args:
        loss_weight (float): multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def weight(self, logits: Tensor, targets: Tensor) -> Optional[Tensor]:
        """Per-element weight; None for plain BCE."""
        return None

    def forward(self, cls_score: Tensor, labels: Tensor,
                valid: Optional[Tensor] = None) -> Tensor:
        """Summed loss over anchors and classes, divided by C.

        Args:
            cls_score (Tensor): logits [..., C+1], background last.
            labels (Tensor): targets [...] in 0..C (C = background).
            valid (Tensor, optional): bool mask [...] of anchors that count.
                Defaults to None (all).

        Returns:
            Tensor: scalar loss.
        """
        num_classes = cls_score.size(-1) - 1
        if labels.shape != cls_score.shape[:-1]:
            raise ValueError(f'labels {tuple(labels.shape)} do not match '
                             f'cls_score {tuple(cls_score.shape)}')
        logits = cls_score[..., :-1]  # [..., C]
        targets = drop_background_targets(labels, num_classes + 1,
                                          logits.dtype)  # [..., C]
        weight = self.weight(logits, targets)
        if valid is not None:
            mask = valid[..., None].to(logits.dtype)  # [..., 1]
            weight = mask if weight is None else weight * mask
        if weight is None:
            loss = F.binary_cross_entropy_with_logits(logits, targets,
                                                      reduction='sum')
        else:  # weight stays in the graph (torch's weight= argument cannot)
            loss = (F.binary_cross_entropy_with_logits(
                logits, targets, reduction='none') * weight).sum()
        return self.loss_weight * loss / max(num_classes, 1)


@MODELS.register_module()
class FastSSDFocalLoss(FastSSDBCELoss):
    """The BCE loss weighted by the lecture's focal term.

    Args:
        alpha (float): weight of positives. Defaults to 0.25.
        gamma (float): focusing exponent. Defaults to 2.0.
        loss_weight (float): multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.alpha = alpha
        self.gamma = gamma

    def weight(self, logits: Tensor, targets: Tensor) -> Tensor:
        """Focal weight [..., C]."""
        return focal_weight(logits, targets, self.alpha, self.gamma)
