"""Class losses of the lecture: one-hot over C+1, background column dropped.

Besides the plain autograd formulation (``FastSSDBCELoss.forward`` with
``fused=False``, or whenever a ``valid`` mask is given) the losses have a fused
path: ``fused_sigmoid_focal`` computes the loss and its analytic gradient in
one sweep over cache-sized row chunks, with no one-hot tensor. With
``z = s * x`` (``s = +1`` for a 0 target, ``-1`` for a 1 target),
``q = sigmoid(z) = 1 - pt`` and ``l = softplus(z) = BCE``::

    loss = a_t * q^gamma * l
    dloss/dx = s * a_t * q^gamma * (gamma * (1 - q) * l + q)

(the focal weight is differentiated too, as in the lecture). Every element is
first treated as a 0 target; the few positives are corrected afterwards.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable

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


CHUNK_ELEMENTS = 1 << 16  # floats per row chunk on the CPU (256 KiB buffers)


def chunk_rows(num_rows: int, num_cols: int, device: torch.device) -> int:
    """Rows per chunk: a few L2-resident buffers on CPU, everything on GPU.

    Args:
        num_rows (int): rows of the flattened logits.
        num_cols (int): C + 1.
        device (torch.device): where the logits live.

    Returns:
        int: at least 1.
    """
    if device.type != 'cpu':
        return max(num_rows, 1)
    return max(1, min(num_rows, CHUNK_ELEMENTS // max(num_cols, 1)))


def softplus_from_sigmoid(x: Tensor, q: Tensor, out: Tensor,
                          tmp: Tensor) -> Tensor:
    """``softplus(x) = relu(x) - log(max(q, 1 - q))`` given ``q = sigmoid(x)``.

    Exact to float rounding for any ``x`` (``max(q, 1 - q) >= 0.5``) and,
    unlike ``F.softplus``, made of vectorised kernels (faster on a CPU;
    docs/results.md).

    Args:
        x (Tensor): logits. q (Tensor): ``sigmoid(x)``.
        out (Tensor): result buffer like ``x``. tmp (Tensor): scratch like x.

    Returns:
        Tensor: ``out``.
    """
    torch.sub(q.new_ones(()), q, out=out)
    torch.maximum(out, q, out=out)
    torch.log(out, out=out)
    torch.clamp_min(x, 0, out=tmp)
    return torch.sub(tmp, out, out=out)


def focal_terms(z: Tensor, gamma: float) -> Tuple[Tensor, Tensor]:
    """Unweighted loss ``q^g l`` and gradient factor ``q^g (g (1-q) l + q)``.

    Args:
        z (Tensor): signed logits ``s * x`` (any shape).
        gamma (float): focusing exponent (0: plain BCE).

    Returns:
        tuple[Tensor, Tensor]: both shaped like ``z``.
    """
    q = z.sigmoid()
    bce = softplus_from_sigmoid(z, q, torch.empty_like(z), torch.empty_like(z))
    qg = q.pow(gamma)
    return qg * bce, qg * (gamma * (1 - q) * bce + q)


def sweep_zero_targets(x2: Tensor, grad: Optional[Tensor], weight: float,
                       gamma: float) -> Tensor:
    """Loss (and gradient, into ``grad``) of every element as a 0 target.

    Works on contiguous row chunks so the temporaries stay in cache; the last
    (background) column is excluded from the loss, its gradient is left for
    the caller to clear.

    Args:
        x2 (Tensor): contiguous logits [N, C+1].
        grad (Tensor, optional): [N, C+1] output, ``weight``-scaled.
        weight (float): ``a_t`` of 0 targets (times the loss scale for grad).
        gamma (float): focusing exponent.

    Returns:
        Tensor: scalar, unweighted sum over the object columns.
    """
    num_rows, num_cols = x2.shape
    rows = chunk_rows(num_rows, num_cols, x2.device)
    bufs = x2.new_empty((3, rows, num_cols))  # q, bce, q^gamma
    parts = x2.new_zeros(-(-num_rows // rows))
    for i, r0 in enumerate(range(0, num_rows, rows)):
        xc = x2[r0:r0 + rows]  # [n, C+1]
        q, bce, qg = bufs[:, :xc.size(0)]  # [n, C+1] each
        torch.sigmoid(xc, out=q)
        softplus_from_sigmoid(xc, q, bce, qg)
        bce[:, -1] = 0
        if gamma == 0:
            torch.sum(bce.view(-1), 0, out=parts[i])
            if grad is not None:
                torch.mul(q, weight, out=grad[r0:r0 + rows])
            continue
        qg = q if gamma == 1 else torch.pow(q, gamma, out=qg)
        torch.dot(qg.view(-1), bce.view(-1), out=parts[i])
        if grad is not None:
            torch.addcmul(bce, q, bce, value=-1, out=bce)  # (1 - q) l
            torch.add(q, bce, alpha=gamma, out=bce)  # g (1 - q) l + q
            torch.mul(qg, bce, out=grad[r0:r0 + rows]).mul_(weight)
    return parts.sum()


def focal_loss_and_grad(cls_score: Tensor, labels: Tensor, w_pos: float,
                        w_neg: float, gamma: float, scale: float,
                        need_grad: bool) -> Tuple[Tensor, Optional[Tensor]]:
    """The fused loss and its gradient w.r.t. ``cls_score``.

    Args:
        cls_score (Tensor): logits [..., C+1], background last.
        labels (Tensor): targets [...] in 0..C.
        w_pos (float): ``a_t`` of 1 targets. w_neg (float): of 0 targets.
        gamma (float): focusing exponent. scale (float): loss multiplier.
        need_grad (bool): also return the gradient.

    Returns:
        tuple[Tensor, Tensor | None]: scalar loss (float32 or wider),
        gradient like cls_score.
    """
    num_cols = cls_score.size(-1)
    dtype = torch.promote_types(cls_score.dtype, torch.float32)
    x2 = cls_score.reshape(-1, num_cols).to(dtype).contiguous()  # [N, C+1]
    grad = torch.empty_like(x2) if need_grad else None
    loss = w_neg * sweep_zero_targets(x2, grad, w_neg * scale, gamma)
    flat = labels.reshape(-1)  # [N]
    rows = (flat < num_cols - 1).nonzero().squeeze(1)  # [P] positive rows
    cols = flat[rows]  # [P]
    x_pos = x2[rows, cols]  # [P]
    loss_neg, _ = focal_terms(x_pos, gamma)
    loss_pos, grad_pos = focal_terms(-x_pos, gamma)
    loss = (loss + (w_pos * loss_pos - w_neg * loss_neg).sum()) * scale
    if grad is not None:
        grad[:, -1] = 0
        grad[rows, cols] = grad_pos * (-w_pos * scale)
        grad = grad.view(cls_score.shape).to(cls_score.dtype)
    return loss, grad  # float32 at least (no fp16 overflow)


class FusedSigmoidFocal(torch.autograd.Function):
    """Autograd wrapper of ``focal_loss_and_grad``.

    The gradient is computed in the forward sweep and handed to autograd
    without a copy on the first backward; a second backward through a
    retained graph recomputes it.
    """

    @staticmethod
    def forward(ctx, cls_score: Tensor, labels: Tensor, w_pos: float,
                w_neg: float, gamma: float, scale: float) -> Tensor:
        ctx.params = (w_pos, w_neg, gamma, scale)
        ctx.save_for_backward(cls_score, labels)
        loss, ctx.grad = focal_loss_and_grad(
            cls_score, labels, w_pos, w_neg, gamma, scale,
            ctx.needs_input_grad[0])
        return loss

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output: Tensor):
        grad, ctx.grad = ctx.grad, None  # hand the buffer over, no copy
        if grad is None:  # retained graph, second backward
            grad = focal_loss_and_grad(*ctx.saved_tensors, *ctx.params,
                                       True)[1]
        if grad_output.device.type != 'cpu' or grad_output.item() != 1.0:
            grad = grad.mul_(grad_output)
        return grad, None, None, None, None, None


def fused_sigmoid_focal(cls_score: Tensor, labels: Tensor, w_pos: float,
                        w_neg: float, gamma: float, scale: float) -> Tensor:
    """``scale * sum(a_t (1 - pt)^gamma BCE)`` over the object columns.

    Args:
        cls_score (Tensor): logits [..., C+1], background last.
        labels (Tensor): targets [...] in 0..C (C = background).
        w_pos (float): weight of 1 targets (focal alpha; 1 for BCE).
        w_neg (float): weight of 0 targets (1 - alpha; 1 for BCE).
        gamma (float): focusing exponent (0 for BCE).
        scale (float): multiplier (``loss_weight / C``).

    Returns:
        Tensor: scalar loss; its gradient is computed in the forward sweep.
    """
    return FusedSigmoidFocal.apply(cls_score, labels, w_pos, w_neg, gamma,
                                   scale)


@MODELS.register_module()
class FastSSDBCELoss(nn.Module):
    """BCE without the background column.

    ``sum(BCE(x[..., :C], onehot[..., :C])) / C``.

    Args:
        loss_weight (float): multiplier of the loss. Defaults to 1.0.
        fused (bool): compute loss and gradient in one cache-blocked sweep
            (``fused_sigmoid_focal``) instead of autograd over a one-hot
            target. Same values; used when no ``valid`` mask is given and
            ``weight`` is not overridden. Defaults to True.
    """

    def __init__(self, loss_weight: float = 1.0, fused: bool = True) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.fused = fused

    def weight(self, logits: Tensor, targets: Tensor) -> Optional[Tensor]:
        """Per-element weight; None for plain BCE."""
        return None

    def fused_params(self) -> Optional[Tuple[float, float, float]]:
        """(weight of 1 targets, weight of 0 targets, gamma) of the fused
        path, or None when ``weight`` is overridden."""
        if type(self).weight is not FastSSDBCELoss.weight:
            return None
        return 1.0, 1.0, 0.0

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
        params = self.fused_params() if self.fused else None
        if params is not None and valid is None:
            return fused_sigmoid_focal(cls_score, labels, *params,
                                       self.loss_weight / max(num_classes, 1))
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
        fused (bool): see ``FastSSDBCELoss``. Defaults to True.
    """

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0,
                 loss_weight: float = 1.0, fused: bool = True) -> None:
        super().__init__(loss_weight, fused)
        self.alpha = alpha
        self.gamma = gamma

    def weight(self, logits: Tensor, targets: Tensor) -> Tensor:
        """Focal weight [..., C]."""
        return focal_weight(logits, targets, self.alpha, self.gamma)

    def fused_params(self) -> Optional[Tuple[float, float, float]]:
        """(alpha, 1 - alpha, gamma), or None when ``weight`` is overridden."""
        if type(self).weight is not FastSSDFocalLoss.weight:
            return None
        return self.alpha, 1.0 - self.alpha, float(self.gamma)
