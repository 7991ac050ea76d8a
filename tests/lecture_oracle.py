"""The lecture's detector math restated plainly, per image, as a test oracle.

Conventions are the lecture's: boxes [top, left, bottom, right] and anchors
(centre_row, centre_col, height, width) in 0-1 fractions of the input. Kept
independent of the plugin on purpose: nothing here imports mmdet_fastssd.
"""
from typing import List, Sequence, Tuple

import numpy as np
import torch

ZOOMS = (0.75, 1.0, 1.3)
RATIOS = ((1.0, 1.0), (1.0, 0.5), (0.5, 1.0))


def lecture_anchors(grids: Sequence[int] = (4, 2, 1),
                    zooms: Sequence[float] = ZOOMS,
                    ratios=RATIOS) -> Tuple[torch.Tensor, torch.Tensor]:
    """anchors [A, 4] (ctr_row, ctr_col, h, w) and grid_sizes [A, 1]."""
    scales = [(z * i, z * j) for z in zooms for (i, j) in ratios]
    k = len(scales)
    offsets = [1 / (g * 2) for g in grids]
    anc_x = np.concatenate([np.repeat(np.linspace(o, 1 - o, g), g)
                            for o, g in zip(offsets, grids)])
    anc_y = np.concatenate([np.tile(np.linspace(o, 1 - o, g), g)
                            for o, g in zip(offsets, grids)])
    ctrs = np.repeat(np.stack([anc_x, anc_y], axis=1), k, axis=0)
    sizes = np.concatenate([np.array([[o / g, p / g] for _ in range(g * g)
                                      for o, p in scales]) for g in grids])
    grid_sizes = np.concatenate([np.array([1 / g for _ in range(g * g)
                                           for _ in scales]) for g in grids])
    anchors = torch.tensor(np.concatenate([ctrs, sizes], axis=1)).float()
    return anchors, torch.tensor(grid_sizes).float().unsqueeze(1)


def hw2corners(ctr: torch.Tensor, hw: torch.Tensor) -> torch.Tensor:
    return torch.cat([ctr - hw / 2, ctr + hw / 2], dim=1)


def actn_to_bb(actn: torch.Tensor, anchors: torch.Tensor,
               grid_sizes: torch.Tensor) -> torch.Tensor:
    actn_bbs = torch.tanh(actn)
    actn_centers = (actn_bbs[:, :2] / 2 * grid_sizes) + anchors[:, :2]
    actn_hw = (actn_bbs[:, 2:] / 2 + 1) * anchors[:, 2:]
    return hw2corners(actn_centers, actn_hw)


def intersect(box_a: torch.Tensor, box_b: torch.Tensor) -> torch.Tensor:
    max_xy = torch.min(box_a[:, None, 2:], box_b[None, :, 2:])
    min_xy = torch.max(box_a[:, None, :2], box_b[None, :, :2])
    inter = torch.clamp((max_xy - min_xy), min=0)
    return inter[:, :, 0] * inter[:, :, 1]


def box_sz(b: torch.Tensor) -> torch.Tensor:
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def jaccard(box_a: torch.Tensor, box_b: torch.Tensor) -> torch.Tensor:
    inter = intersect(box_a, box_b)
    union = box_sz(box_a).unsqueeze(1) + box_sz(box_b).unsqueeze(0) - inter
    return inter / union


def map_to_ground_truth(overlaps: torch.Tensor):
    prior_overlap, prior_idx = overlaps.max(1)
    gt_overlap, gt_idx = overlaps.max(0)
    gt_overlap[prior_idx] = 1.99
    for i, o in enumerate(prior_idx):
        gt_idx[o] = i
    return gt_overlap, gt_idx


def bce_loss(pred: torch.Tensor, targ: torch.Tensor, num_classes: int,
             focal: bool = False, alpha: float = 0.25,
             gamma: float = 2.0) -> torch.Tensor:
    t = torch.eye(num_classes + 1)[targ][:, :-1]
    x = pred[:, :-1]
    w = None
    if focal:
        p = x.sigmoid()
        pt = p * t + (1 - p) * (1 - t)
        w = (alpha * t + (1 - alpha) * (1 - t)) * (1 - pt).pow(gamma)
    # binary_cross_entropy_with_logits as PyTorch 0.3 wrote it (the weight is
    # part of the graph, so the focal term is differentiated too)
    max_val = (-x).clamp(min=0)
    loss = x - x * t + max_val + ((-max_val).exp() + (-x - max_val).exp()).log()
    if w is not None:
        loss = loss * w
    return loss.sum() / num_classes


def ssd_1_loss(b_c, b_bb, bbox, clas, anchors, grid_sizes, num_classes,
               thresh=0.5, focal=False):
    """One image: bbox [G, 4] lecture corners in fractions, clas [G]."""
    anchor_cnr = hw2corners(anchors[:, :2], anchors[:, 2:])
    keep = ((bbox[:, 2] - bbox[:, 0]) > 0).nonzero()[:, 0]
    bbox, clas = bbox[keep], clas[keep]
    a_ic = actn_to_bb(b_bb, anchors, grid_sizes)
    overlaps = jaccard(bbox, anchor_cnr)
    gt_overlap, gt_idx = map_to_ground_truth(overlaps)
    gt_clas = clas[gt_idx]
    pos = gt_overlap > thresh
    pos_idx = torch.nonzero(pos)[:, 0]
    gt_clas[~pos] = num_classes
    gt_bbox = bbox[gt_idx]
    loc_loss = ((a_ic[pos_idx] - gt_bbox[pos_idx]).abs()).mean()
    clas_loss = bce_loss(b_c, gt_clas, num_classes, focal)
    return loc_loss, clas_loss


def ssd_loss(pred_c, pred_bb, bboxes: List[torch.Tensor],
             classes: List[torch.Tensor], anchors, grid_sizes, num_classes,
             thresh=0.5, focal=False) -> torch.Tensor:
    """Sum over images of (box loss + class loss), the lecture's loop."""
    total = 0.
    for b_c, b_bb, bbox, clas in zip(pred_c, pred_bb, bboxes, classes):
        loc, cls = ssd_1_loss(b_c, b_bb, bbox, clas, anchors, grid_sizes,
                              num_classes, thresh, focal)
        total = total + loc + cls
    return total


def to_lecture(boxes_xyxy: torch.Tensor) -> torch.Tensor:
    """[x1, y1, x2, y2] -> the lecture's [top, left, bottom, right]."""
    return boxes_xyxy[..., [1, 0, 3, 2]]


def to_lecture_actn(actn_xywh: torch.Tensor) -> torch.Tensor:
    """Plugin activations (tx, ty, tw, th) -> the lecture's (ty, tx, th, tw)."""
    return actn_xywh[..., [1, 0, 3, 2]]
