"""The lecture's SSD loss restated plainly: one Python loop over the images.

This is the baseline of ``tools/benchmark.py`` and deliberately loops over the
images as fast.ai's lesson 9 notebook does. It keeps the lecture's
conventions: boxes ``[top, left, bottom, right]`` and anchors
``(centre_row, centre_col, height, width)`` in 0-1 fractions of the input,
activations in ``(ty, tx, th, tw)`` order. Nothing here imports the plugin.
"""
from typing import List, Sequence, Tuple

import torch
from torch import Tensor

ZOOMS = (0.75, 1.0, 1.3)
RATIOS = ((1.0, 1.0), (1.0, 0.5), (0.5, 1.0))


def lecture_anchors(grids: Sequence[int] = (4, 2, 1),
                    zooms: Sequence[float] = ZOOMS,
                    ratios: Sequence[Sequence[float]] = RATIOS
                    ) -> Tuple[Tensor, Tensor]:
    """Anchors in (row, col, anchor) order, zoom-major inside a cell.

    Args:
        grids (Sequence[int]): cells per side of each level.
            Defaults to (4, 2, 1).
        zooms (Sequence[float]): Defaults to ZOOMS.
        ratios (Sequence[Sequence[float]]): (h, w) multipliers.
            Defaults to RATIOS.

    Returns:
        tuple[Tensor, Tensor]: anchors [A, 4] (ctr_row, ctr_col, h, w) and
        grid sizes [A, 1].
    """
    scales = torch.tensor([[z * h, z * w] for z in zooms for h, w in ratios])
    anchors, grid_sizes = [], []
    for g in grids:
        ctr = (torch.arange(g, dtype=torch.float32) + 0.5) / g  # [g]
        rows, cols = torch.meshgrid(ctr, ctr, indexing='ij')  # [g, g]
        cells = torch.stack([rows, cols], -1).reshape(-1, 1, 2)  # [g*g, 1, 2]
        k = scales.size(0)
        ctrs = cells.expand(-1, k, 2)  # [g*g, k, 2]
        sizes = (scales / g)[None].expand(g * g, k, 2)  # [g*g, k, 2]
        anchors.append(torch.cat([ctrs, sizes], -1).reshape(-1, 4))
        grid_sizes.append(torch.full((g * g * k, 1), 1.0 / g))
    return torch.cat(anchors), torch.cat(grid_sizes)


def hw2corners(ctr: Tensor, hw: Tensor) -> Tensor:
    """Centres and sizes [N, 2] to corners [N, 4]."""
    return torch.cat([ctr - hw / 2, ctr + hw / 2], dim=1)


def actn_to_bb(actn: Tensor, anchors: Tensor, grid_sizes: Tensor) -> Tensor:
    """Tanh offsets [A, 4] to boxes [A, 4] (the lecture's coder)."""
    t = torch.tanh(actn)
    centres = t[:, :2] / 2 * grid_sizes + anchors[:, :2]
    sizes = (t[:, 2:] / 2 + 1) * anchors[:, 2:]
    return hw2corners(centres, sizes)


def jaccard(box_a: Tensor, box_b: Tensor) -> Tensor:
    """IoU of every box of ``box_a`` [G, 4] with every box of ``box_b`` [A, 4].

    Returns:
        Tensor: [G, A].
    """
    max_xy = torch.min(box_a[:, None, 2:], box_b[None, :, 2:])
    min_xy = torch.max(box_a[:, None, :2], box_b[None, :, :2])
    inter = torch.clamp(max_xy - min_xy, min=0)  # [G, A, 2]
    inter = inter[:, :, 0] * inter[:, :, 1]  # [G, A]

    def area(b: Tensor) -> Tensor:
        return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])

    union = area(box_a)[:, None] + area(box_b)[None] - inter
    return inter / union


def map_to_ground_truth(overlaps: Tensor) -> Tuple[Tensor, Tensor]:
    """Best anchor per gt forced (later gt wins), else the best gt per anchor.

    Returns:
        tuple[Tensor, Tensor]: overlap [A] and gt index [A].
    """
    _, prior_idx = overlaps.max(1)
    gt_overlap, gt_idx = overlaps.max(0)
    gt_overlap[prior_idx] = 1.99
    for i, o in enumerate(prior_idx):
        gt_idx[o] = i
    return gt_overlap, gt_idx


def class_loss(logits: Tensor, labels: Tensor, num_classes: int,
               focal: bool, alpha: float = 0.25,
               gamma: float = 2.0) -> Tensor:
    """BCE (optionally focal) with the background column dropped, / C.

    Returns:
        Tensor: scalar.
    """
    eye = torch.eye(num_classes + 1, device=labels.device)
    t = eye[labels][:, :-1]  # [A, C] one-hot
    x = logits[:, :-1]  # [A, C]
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        x, t, reduction='none')
    if focal:
        p = x.sigmoid()
        pt = p * t + (1 - p) * (1 - t)
        w = (alpha * t + (1 - alpha) * (1 - t)) * (1 - pt).pow(gamma)
        loss = loss * w
    return loss.sum() / num_classes


def ssd_1_loss(b_c: Tensor, b_bb: Tensor, bbox: Tensor, clas: Tensor,
               anchors: Tensor, grid_sizes: Tensor, num_classes: int,
               thresh: float = 0.5, focal: bool = True) -> Tensor:
    """One image's box loss + class loss.

    Args:
        b_c (Tensor): logits [A, C+1].
        b_bb (Tensor): activations [A, 4] (ty, tx, th, tw).
        bbox (Tensor): gts [G, 4] (top, left, bottom, right) fractions.
        clas (Tensor): gt classes [G].
        anchors (Tensor): [A, 4]. grid_sizes (Tensor): [A, 1].
        num_classes (int): C.
        thresh (float): IoU threshold. Defaults to 0.5.
        focal (bool): Defaults to True.

    Returns:
        Tensor: scalar.
    """
    anchor_cnr = hw2corners(anchors[:, :2], anchors[:, 2:])
    a_ic = actn_to_bb(b_bb, anchors, grid_sizes)
    gt_overlap, gt_idx = map_to_ground_truth(jaccard(bbox, anchor_cnr))
    gt_clas = clas[gt_idx]
    pos = gt_overlap > thresh
    pos_idx = torch.nonzero(pos)[:, 0]
    gt_clas[~pos] = num_classes
    gt_bbox = bbox[gt_idx]
    loc_loss = (a_ic[pos_idx] - gt_bbox[pos_idx]).abs().mean()
    return loc_loss + class_loss(b_c, gt_clas, num_classes, focal)


def ssd_loss(pred_c: Tensor, pred_bb: Tensor, bboxes: List[Tensor],
             classes: List[Tensor], anchors: Tensor, grid_sizes: Tensor,
             num_classes: int, thresh: float = 0.5,
             focal: bool = True) -> Tensor:
    """Sum over images of the per-image loss (the lecture's loop).

    Returns:
        Tensor: scalar.
    """
    total = pred_c.new_zeros(())
    for b_c, b_bb, bbox, clas in zip(pred_c, pred_bb, bboxes, classes):
        total = total + ssd_1_loss(b_c, b_bb, bbox, clas, anchors,
                                   grid_sizes, num_classes, thresh, focal)
    return total
