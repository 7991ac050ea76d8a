"""The lecture's tanh-offset box coder (``actn_to_bb``) and its inverse."""
from typing import Tuple

import torch
from torch import Tensor

from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh


def xyxy_to_cxcywh(boxes: Tensor) -> Tuple[Tensor, Tensor]:
    """Split ``[..., 4]`` x1y1x2y2 boxes into centres and sizes.

    Returns:
        tuple[Tensor, Tensor]: centres [..., 2] and (w, h) [..., 2].
    """
    cxcywh = bbox_xyxy_to_cxcywh(boxes)  # [..., 4]
    return cxcywh[..., :2], cxcywh[..., 2:]


def cxcywh_to_xyxy(ctr: Tensor, wh: Tensor) -> Tensor:
    """Corners ``[..., 4]`` from centres [..., 2] and sizes [..., 2]."""
    return bbox_cxcywh_to_xyxy(torch.cat([ctr, wh], dim=-1))  # [..., 4]


@TASK_UTILS.register_module()
class TanhOffsetCoder:
    """Tanh offsets: centre moves up to half a cell, size 0.5x to 1.5x.

    With ``t = tanh(activation)`` in (tx, ty, tw, th) order::

        centre = anchor_centre + t_xy / 2 * cell_size
        size   = (t_wh / 2 + 1) * anchor_size

    (the lecture writes the same in (y, x, h, w) order). ``encode`` is the
    exact inverse where ``|t| < 1``; targets outside that range are clamped to
    ``1 - eps`` before ``atanh``.

    Args:
        eps (float): clamp margin of ``encode``. Defaults to 1e-6.
    """

    encode_size = 4

    def __init__(self, eps: float = 1e-6) -> None:
        self.eps = eps

    def decode(self, priors: Tensor, pred: Tensor,
               cell_sizes: Tensor) -> Tensor:
        """Activations to boxes (``addcmul``: few kernels).

        Args:
            priors (Tensor): anchors [..., 4] x1y1x2y2.
            pred (Tensor): raw activations [..., 4] (tx, ty, tw, th).
            cell_sizes (Tensor): grid cell (w, h) of each anchor [..., 2].

        Returns:
            Tensor: boxes [..., 4] x1y1x2y2 in the anchors' units.
        """
        t = torch.tanh(pred)  # [..., 4]
        a_ctr, a_wh = xyxy_to_cxcywh(priors)
        ctr = torch.addcmul(a_ctr, t[..., :2], cell_sizes, value=0.5)
        wh = torch.addcmul(a_wh, t[..., 2:], a_wh, value=0.5)
        return cxcywh_to_xyxy(ctr, wh)

    def encode(self, priors: Tensor, gt: Tensor, cell_sizes: Tensor) -> Tensor:
        """Boxes to the activations that decode to them.

        Args:
            priors (Tensor): anchors [..., 4] x1y1x2y2.
            gt (Tensor): target boxes [..., 4] x1y1x2y2.
            cell_sizes (Tensor): grid cell (w, h) of each anchor [..., 2].

        Returns:
            Tensor: activations [..., 4] (tx, ty, tw, th).
        """
        a_ctr, a_wh = xyxy_to_cxcywh(priors)
        g_ctr, g_wh = xyxy_to_cxcywh(gt)
        t_xy = (g_ctr - a_ctr) / cell_sizes * 2
        t_wh = (g_wh / a_wh - 1) * 2
        t = torch.cat([t_xy, t_wh], dim=-1).clamp(-1 + self.eps, 1 - self.eps)
        return torch.atanh(t)
