"""Lesson 9's non-SSD models restated plainly, per image, as a test oracle.

Sections 1 and 2 of ``docs/lecture.md``: the largest-object localizer and
the multi-label classifier. Boxes are the lecture's [top, left, bottom,
right]; nothing here imports mmdet_fastssd.
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F


def get_lrg(boxes: Sequence[Sequence[float]],
            classes: Sequence[int]) -> Tuple[List[float], int]:
    """The largest (box, class) of one image, the lecture's way: sort by
    area, biggest first. Python's sort is stable, so ties keep the first."""
    pairs = sorted(zip(boxes, classes), reverse=True,
                   key=lambda p: (p[0][2] - p[0][0]) * (p[0][3] - p[0][1]))
    return list(pairs[0][0]), int(pairs[0][1])


def detn_loss(pred: torch.Tensor, bb_t: torch.Tensor, c_t: torch.Tensor,
              size=(224, 224)) -> torch.Tensor:
    """pred [B, 4 + C] (box first, lecture order), bb_t [B, 4] lecture-order
    pixels, c_t [B]; ``size`` (h, w) of the input (the lecture's 224)."""
    h, w = size
    scale = torch.tensor([h, w, h, w], dtype=pred.dtype)
    bb_i = torch.sigmoid(pred[:, :4]) * scale
    c_i = pred[:, 4:]
    return F.l1_loss(bb_i, bb_t) + F.cross_entropy(c_i, c_t) * 20


def detn_acc(pred: torch.Tensor, c_t: torch.Tensor) -> float:
    """Classification accuracy of the C class columns."""
    return (pred[:, 4:].argmax(1) == c_t).float().mean().item()


def detn_l1(pred: torch.Tensor, bb_t: torch.Tensor, size=(224, 224)) -> float:
    """Mean L1 of the box in input pixels."""
    h, w = size
    scale = torch.tensor([h, w, h, w], dtype=pred.dtype)
    return F.l1_loss(torch.sigmoid(pred[:, :4]) * scale, bb_t).item()


def multi_label_targets(classes_per_image: Sequence[Sequence[int]],
                        num_classes: int) -> torch.Tensor:
    """One 0/1 row per image: 1 where the class occurs in the image."""
    rows = []
    for classes in classes_per_image:
        row = [0.] * num_classes
        for c in classes:
            row[int(c)] = 1.
        rows.append(row)
    return torch.tensor(rows).reshape(-1, num_classes)


def multi_label_bce(logits: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
    """fastai 0.7's multi-label loss: a sigmoid in the model, then
    F.binary_cross_entropy (mean over images and classes)."""
    p = torch.sigmoid(logits.double())
    t = targ.double()
    return -(t * p.log() + (1 - t) * (1 - p).log()).mean()


def accuracy_thresh(probs: torch.Tensor, targs: torch.Tensor,
                    thresh: float = 0.5) -> float:
    """fastai's accuracy_thresh: mean of ((p > thresh) == targ)."""
    return ((probs > thresh).float() == targs).float().mean().item()


def average_precision_1d(scores: Sequence[float],
                         targets: Sequence[float]) -> float:
    """AP = sum over distinct thresholds (high to low) of the recall gained
    there times the precision there (scikit-learn's definition)."""
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
