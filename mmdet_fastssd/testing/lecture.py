"""fast.ai lesson 9's reference code, restated plainly, per image.

The tests use it as an oracle for the batched plugin and the benchmark times
it as "the lecture's loop" (``tools/analysis_tools/benchmark``). It follows
the lecture's notebooks, not the plugin: nothing here calls the plugin's
components. Sections refer to ``docs/lecture.md``.

Conventions are the lecture's: boxes ``[top, left, bottom, right]`` and
anchors ``(centre_row, centre_col, height, width)`` in 0-1 fractions of the
input, box activations in ``(ty, tx, th, tw)`` order. :func:`to_lecture` and
:func:`to_lecture_actn` convert from the plugin's ``[x1, y1, x2, y2]`` and
``(tx, ty, tw, th)``.
"""
from typing import List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

ZOOMS = (0.75, 1.0, 1.3)
RATIOS = ((1.0, 1.0), (1.0, 0.5), (0.5, 1.0))


# -- conversions from the plugin's conventions --------------------------------
def to_lecture(boxes_xyxy: Tensor) -> Tensor:
    """[x1, y1, x2, y2] -> the lecture's [top, left, bottom, right]."""
    return boxes_xyxy[..., [1, 0, 3, 2]]


def to_lecture_actn(actn_xywh: Tensor) -> Tensor:
    """Plugin activations (tx, ty, tw, th) -> lecture (ty, tx, th, tw)."""
    return actn_xywh[..., [1, 0, 3, 2]]


# -- sections 3-7: SSD anchors, coder, matching and losses --------------------
def lecture_anchors(grids: Sequence[int] = (4, 2, 1),
                    zooms: Sequence[float] = ZOOMS,
                    ratios: Sequence[Sequence[float]] = RATIOS
                    ) -> Tuple[Tensor, Tensor]:
    """The lecture's anchors, built as its notebook does (numpy).

    Args:
        grids (Sequence[int]): cells per side of each level.
            Defaults to (4, 2, 1).
        zooms (Sequence[float]): Defaults to ZOOMS.
        ratios (Sequence[Sequence[float]]): (h, w) multipliers.
            Defaults to RATIOS.

    Returns:
        tuple[Tensor, Tensor]: anchors [A, 4] (ctr_row, ctr_col, h, w) in
        (row, col, zoom, ratio) order and grid sizes [A, 1].
    """
    scales = [(z * i, z * j) for z in zooms for (i, j) in ratios]
    k = len(scales)
    offsets = [1 / (g * 2) for g in grids]
    anc_x = np.concatenate([np.repeat(np.linspace(o, 1 - o, g), g)
                            for o, g in zip(offsets, grids)])
    anc_y = np.concatenate([np.tile(np.linspace(o, 1 - o, g), g)
                            for o, g in zip(offsets, grids)])
    ctrs = np.repeat(np.stack([anc_x, anc_y], axis=1), k, axis=0)  # [A, 2]
    sizes = np.concatenate([np.array([[o / g, p / g] for _ in range(g * g)
                                      for o, p in scales]) for g in grids])
    grid_sizes = np.concatenate([np.array([1 / g for _ in range(g * g)
                                           for _ in scales]) for g in grids])
    anchors = torch.tensor(np.concatenate([ctrs, sizes], axis=1)).float()
    return anchors, torch.tensor(grid_sizes).float().unsqueeze(1)


def hw2corners(ctr: Tensor, hw: Tensor) -> Tensor:
    """Centres and sizes [N, 2] to corners [N, 4]."""
    return torch.cat([ctr - hw / 2, ctr + hw / 2], dim=1)


def actn_to_bb(actn: Tensor, anchors: Tensor, grid_sizes: Tensor) -> Tensor:
    """Tanh offsets [A, 4] to boxes [A, 4] (the lecture's coder)."""
    actn_bbs = torch.tanh(actn)
    actn_centers = (actn_bbs[:, :2] / 2 * grid_sizes) + anchors[:, :2]
    actn_hw = (actn_bbs[:, 2:] / 2 + 1) * anchors[:, 2:]
    return hw2corners(actn_centers, actn_hw)


def intersect(box_a: Tensor, box_b: Tensor) -> Tensor:
    """Intersection areas [G, A] of boxes [G, 4] and [A, 4]."""
    max_xy = torch.min(box_a[:, None, 2:], box_b[None, :, 2:])
    min_xy = torch.max(box_a[:, None, :2], box_b[None, :, :2])
    inter = torch.clamp((max_xy - min_xy), min=0)  # [G, A, 2]
    return inter[:, :, 0] * inter[:, :, 1]


def box_sz(b: Tensor) -> Tensor:
    """Areas [N] of boxes [N, 4]."""
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def jaccard(box_a: Tensor, box_b: Tensor) -> Tensor:
    """IoU [G, A] of every box of ``box_a`` [G, 4] with ``box_b`` [A, 4]."""
    inter = intersect(box_a, box_b)
    union = box_sz(box_a).unsqueeze(1) + box_sz(box_b).unsqueeze(0) - inter
    return inter / union


def map_to_ground_truth(overlaps: Tensor) -> Tuple[Tensor, Tensor]:
    """Best anchor per gt forced (later gt wins), else the best gt per anchor.

    Args:
        overlaps (Tensor): IoU [G, A].

    Returns:
        tuple[Tensor, Tensor]: overlap [A] (1.99 where forced) and gt index
        [A].
    """
    _, prior_idx = overlaps.max(1)
    gt_overlap, gt_idx = overlaps.max(0)
    gt_overlap[prior_idx] = 1.99
    for i, o in enumerate(prior_idx):
        gt_idx[o] = i
    return gt_overlap, gt_idx


def lecture_match(gt_xyxy: Tensor, thresh: float,
                  grids: Sequence[int] = (4, 2, 1)) -> Tensor:
    """The lecture's matching on one image: gt index per anchor, -1 if none.

    Args:
        gt_xyxy (Tensor): ground truths [G, 4], x1y1x2y2 fractions.
        thresh (float): overlap above which an anchor is matched.
        grids (Sequence[int]): anchor grids. Defaults to (4, 2, 1).

    Returns:
        Tensor: gt index [A] (forced matches included), -1 unmatched.
    """
    anchors, _ = lecture_anchors(grids=grids)
    anchor_cnr = hw2corners(anchors[:, :2], anchors[:, 2:])
    gt_overlap, gt_idx = map_to_ground_truth(
        jaccard(to_lecture(gt_xyxy), anchor_cnr))
    return torch.where(gt_overlap > thresh, gt_idx, -1)

def bce_loss(pred: Tensor, targ: Tensor, num_classes: int,
             focal: bool = False, alpha: float = 0.25,
             gamma: float = 2.0) -> Tensor:
    """One-hot BCE with the background column dropped, summed, / C.

    The focal weight is part of the graph, as in the lecture (PyTorch 0.3's
    ``binary_cross_entropy_with_logits`` multiplied by the weight).

    Args:
        pred (Tensor): logits [A, C+1].
        targ (Tensor): labels [A], ``num_classes`` for background.
        num_classes (int): C.
        focal (bool): multiply by the focal weight. Defaults to False.
        alpha (float): Defaults to 0.25.
        gamma (float): Defaults to 2.0.

    Returns:
        Tensor: scalar.
    """
    t = torch.eye(num_classes + 1, device=targ.device)[targ][:, :-1]  # [A, C]
    x = pred[:, :-1]  # [A, C]
    loss = F.binary_cross_entropy_with_logits(x, t, reduction='none')
    if focal:
        p = x.sigmoid()
        pt = p * t + (1 - p) * (1 - t)
        w = (alpha * t + (1 - alpha) * (1 - t)) * (1 - pt).pow(gamma)
        loss = loss * w
    return loss.sum() / num_classes


def ssd_1_loss(b_c: Tensor, b_bb: Tensor, bbox: Tensor, clas: Tensor,
               anchors: Tensor, grid_sizes: Tensor, num_classes: int,
               thresh: float = 0.5, focal: bool = False
               ) -> Tuple[Tensor, Tensor]:
    """One image's box loss and class loss.

    Args:
        b_c (Tensor): logits [A, C+1].
        b_bb (Tensor): activations [A, 4] (ty, tx, th, tw).
        bbox (Tensor): gts [G, 4] (top, left, bottom, right) fractions;
            rows without height are padding and dropped.
        clas (Tensor): gt classes [G].
        anchors (Tensor): [A, 4]. grid_sizes (Tensor): [A, 1].
        num_classes (int): C.
        thresh (float): IoU threshold. Defaults to 0.5.
        focal (bool): focal class loss. Defaults to False.

    Returns:
        tuple[Tensor, Tensor]: L1 box loss (mean over positives' coordinates)
        and class loss.
    """
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


def ssd_loss(pred_c: Tensor, pred_bb: Tensor, bboxes: List[Tensor],
             classes: List[Tensor], anchors: Tensor, grid_sizes: Tensor,
             num_classes: int, thresh: float = 0.5,
             focal: bool = False) -> Tensor:
    """Sum over images of box loss + class loss: the lecture's loop.

    Args:
        pred_c (Tensor): logits [B, A, C+1].
        pred_bb (Tensor): activations [B, A, 4] (ty, tx, th, tw).
        bboxes (list[Tensor]): per image gts [G, 4], lecture corners.
        classes (list[Tensor]): per image gt classes [G].
        anchors (Tensor): [A, 4]. grid_sizes (Tensor): [A, 1].
        num_classes (int): C.
        thresh (float): IoU threshold. Defaults to 0.5.
        focal (bool): focal class loss. Defaults to False.

    Returns:
        Tensor: scalar.
    """
    total = pred_c.new_zeros(())
    for b_c, b_bb, bbox, clas in zip(pred_c, pred_bb, bboxes, classes):
        loc, cls = ssd_1_loss(b_c, b_bb, bbox, clas, anchors, grid_sizes,
                              num_classes, thresh, focal)
        total = total + loc + cls
    return total


# -- section 1: the largest-object localizer ----------------------------------
def get_lrg(boxes: Sequence[Sequence[float]],
            classes: Sequence[int]) -> Tuple[List[float], int]:
    """The largest (box, class) of one image, the lecture's way.

    Sorts by area, biggest first; Python's sort is stable, so ties keep the
    first.
    """
    pairs = sorted(zip(boxes, classes), reverse=True,
                   key=lambda p: (p[0][2] - p[0][0]) * (p[0][3] - p[0][1]))
    return list(pairs[0][0]), int(pairs[0][1])


def detn_loss(pred: Tensor, bb_t: Tensor, c_t: Tensor,
              size: Tuple[int, int] = (224, 224)) -> Tensor:
    """L1 of the box in pixels + 20 x cross entropy.

    Args:
        pred (Tensor): [B, 4 + C], box first (lecture order).
        bb_t (Tensor): [B, 4] lecture-order pixels.
        c_t (Tensor): [B] classes.
        size (tuple[int, int]): (h, w) of the input. Defaults to (224, 224).

    Returns:
        Tensor: scalar.
    """
    h, w = size
    scale = torch.tensor([h, w, h, w], dtype=pred.dtype)
    bb_i = torch.sigmoid(pred[:, :4]) * scale
    c_i = pred[:, 4:]
    return F.l1_loss(bb_i, bb_t) + F.cross_entropy(c_i, c_t) * 20


def detn_acc(pred: Tensor, c_t: Tensor) -> float:
    """Classification accuracy of the C class columns."""
    return (pred[:, 4:].argmax(1) == c_t).float().mean().item()


def detn_l1(pred: Tensor, bb_t: Tensor,
            size: Tuple[int, int] = (224, 224)) -> float:
    """Mean L1 of the box in input pixels."""
    h, w = size
    scale = torch.tensor([h, w, h, w], dtype=pred.dtype)
    return F.l1_loss(torch.sigmoid(pred[:, :4]) * scale, bb_t).item()


# -- section 2: the multilabel classifier ------------------------------------
def multilabel_targets(classes_per_image: Sequence[Sequence[int]],
                        num_classes: int) -> Tensor:
    """One 0/1 row per image: 1 where the class occurs in the image."""
    rows = []
    for classes in classes_per_image:
        row = [0.] * num_classes
        for c in classes:
            row[int(c)] = 1.
        rows.append(row)
    return torch.tensor(rows).reshape(-1, num_classes)


def multilabel_bce(logits: Tensor, targ: Tensor) -> Tensor:
    """fastai 0.7's multilabel loss: a sigmoid in the model, then
    ``F.binary_cross_entropy`` (mean over images and classes), in float64."""
    p = torch.sigmoid(logits.double())
    t = targ.double()
    return -(t * p.log() + (1 - t) * (1 - p).log()).mean()


def accuracy_thresh(probs: Tensor, targs: Tensor,
                    thresh: float = 0.5) -> float:
    """fastai's accuracy_thresh: mean of ``((p > thresh) == targ)``."""
    return ((probs > thresh).float() == targs).float().mean().item()


def average_precision_1d(scores: Sequence[float],
                         targets: Sequence[float]) -> float:
    """Average precision of one class (scikit-learn's definition).

    AP = sum over distinct thresholds (high to low) of the recall gained
    there times the precision there; NaN when there is no positive.
    """
    num_pos = sum(targets)
    if num_pos == 0:
        return float('nan')
    ap, last_recall = 0., 0.
    for thr in sorted(set(scores), reverse=True):
        kept = [t for s, t in zip(scores, targets) if s >= thr]
        recall = sum(kept) / num_pos
        ap += (recall - last_recall) * sum(kept) / len(kept)
        last_recall = recall
    return ap
