"""Class-aware NMS by config: mmcv's ``batched_nms`` or the grouped NMS.

``dict(type='nms', ...)`` (or any other mmcv NMS config) means
``mmcv.ops.batched_nms``, as in every MMDetection head.
``dict(type='grouped_nms', iou_threshold=t)`` chooses ``grouped_nms``, an
exact greedy NMS of all groups in a few batched tensor sweeps (fast on a
CPU for many small groups, e.g. image x class of a whole batch).
"""
from typing import Optional, Tuple

import torch
from mmcv.ops import batched_nms
from mmengine.config import ConfigDict
from torch import Tensor

MAX_NMS_ELEMENTS = 1 << 25  # groups x size^2 above this: mmcv batched_nms
GROUPED_NMS_KEYS = {'type', 'iou_threshold'}


def pad_groups(boxes: Tensor, scores: Tensor,
               groups: Tensor) -> Tuple[Tensor, Tuple[Tensor, Tensor], Tensor]:
    """Boxes sorted by group, then score, padded to [K, n] per group.

    Args:
        boxes (Tensor): [N, 4] x1y1x2y2, N >= 1.
        scores (Tensor): [N].
        groups (Tensor): [N] long.

    Returns:
        tuple: ``order`` [N] (sorted box ids), ``slot`` (group [N], position
        [N]) of each sorted box, and coordinates [4, K, n].
    """
    order = scores.argsort(descending=True, stable=True)  # [N]
    order = order[groups[order].argsort(stable=True)]  # group-major
    _, grp, counts = torch.unique_consecutive(
        groups[order], return_inverse=True, return_counts=True)  # [N], [K]
    pos = torch.arange(order.numel(), device=boxes.device) - (
        counts.cumsum(0) - counts)[grp]  # [N] rank inside its group
    coords = boxes.new_zeros((4, counts.numel(), int(counts.max())))
    coords[:, grp, pos] = boxes[order].t()  # [4, K, n]
    return order, (grp, pos), coords


def group_overlaps(coords: Tensor, iou_threshold: float) -> Tensor:
    """``max(IoU - thr, 0)`` of every (better, worse) pair of each group.

    IoU in mmcv's CPU ``nms`` arithmetic (offset 0). Entry [k, i, j] > 0
    iff box i suppresses box j (i < j, i.e. higher score).

    Args:
        coords (Tensor): x1, y1, x2, y2 of padded groups [4, K, n].
        iou_threshold (float): Suppression threshold.

    Returns:
        Tensor: [K, n, n].
    """
    x1, y1, x2, y2 = coords  # [K, n] each, contiguous
    iw, ih, tmp = coords.new_empty((3, ) + x1.shape + x1.shape[-1:])
    torch.minimum(x2[:, :, None], x2[:, None, :], out=iw)  # [K, n, n]
    iw.sub_(torch.maximum(x1[:, :, None], x1[:, None, :], out=tmp))
    torch.minimum(y2[:, :, None], y2[:, None, :], out=ih)
    ih.sub_(torch.maximum(y1[:, :, None], y1[:, None, :], out=tmp))
    inter = iw.clamp_(min=0).mul_(ih.clamp_(min=0))  # [K, n, n]
    area = (x2 - x1) * (y2 - y1)  # [K, n]
    union = torch.add(area[:, :, None], area[:, None, :], out=ih).sub_(inter)
    iou = inter.div_(union)
    return iou.sub_(iou_threshold).clamp_(min=0).triu_(1)


def grouped_nms(boxes: Tensor, scores: Tensor, groups: Tensor,
                iou_threshold: float) -> Optional[Tensor]:
    """Exact greedy NMS inside every group, all groups at once.

    Only boxes of the same group are compared. A box is kept iff no kept box
    of its group with a higher score (ties: the lower index counts as
    higher) overlaps it by more than ``iou_threshold``; that fixed point is
    reached by Jacobi sweeps from "all kept", at most (longest suppression
    chain + 1), usually 2-4. The kept set equals mmcv's ``nms`` run on each
    group (same IoU arithmetic, offset 0), up to the order of exactly tied
    scores, which mmcv leaves to its sort. mmcv's ``batched_nms`` gives the
    same set too, except that it shifts group k by k * (max coordinate + 1)
    in float32: with many groups that rounds the coordinates, and a pair
    whose IoU is within about 1e-4 of the threshold may go the other way.

    Memory bound: the pairwise overlaps take ``K * n^2`` floats (K groups,
    n boxes in the largest one). Above ``MAX_NMS_ELEMENTS`` it returns None
    and the caller (``nms_keep``) runs mmcv's ``batched_nms`` instead.

    Args:
        boxes (Tensor): [N, 4] x1y1x2y2.
        scores (Tensor): [N].
        groups (Tensor): [N] long, e.g. image * C + class.
        iou_threshold (float): IoU above which the lower score goes.

    Returns:
        Tensor | None: kept indices [K] in ascending order; None when the
        padded groups exceed ``MAX_NMS_ELEMENTS``.
    """
    if boxes.numel() == 0:
        return groups.new_zeros((0, ), dtype=torch.long)
    order, slot, coords = pad_groups(boxes, scores, groups)
    if coords[0].numel() * coords.size(-1) > MAX_NMS_ELEMENTS:
        return None
    hits = group_overlaps(coords, iou_threshold)  # [K, n, n]
    valid = torch.zeros(coords.shape[1:], dtype=torch.bool,
                        device=boxes.device)
    valid[slot] = True  # [K, n]
    keep = valid
    while True:
        suppressed = torch.bmm(keep[:, None, :].to(hits), hits)[:, 0]
        new = valid & (suppressed == 0)  # [K, n]
        if torch.equal(new, keep):
            break
        keep = new
    return order[keep[slot]].sort().values  # [K] ascending index


def nms_keep(boxes: Tensor, scores: Tensor, groups: Tensor,
             nms_cfg: ConfigDict) -> Tensor:
    """Indices kept by the NMS that ``nms_cfg`` names.

    ``type='grouped_nms'`` (keys ``type`` and ``iou_threshold`` only) runs
    ``grouped_nms``, or, past its memory bound, mmcv's ``batched_nms`` with
    ``dict(type='nms', iou_threshold=...)``. Every other config goes to
    ``mmcv.ops.batched_nms`` unchanged (``nms``, ``soft_nms``,
    ``class_agnostic``, ``split_thr``, ...).

    Args:
        boxes (Tensor): [N, 4] x1y1x2y2.
        scores (Tensor): [N].
        groups (Tensor): [N] long; only boxes of one group are compared.
        nms_cfg (ConfigDict): the ``nms`` entry of a head's ``test_cfg``.

    Returns:
        Tensor: [K] long. Each group's kept boxes in descending score order
        (``grouped_nms``: ascending index, so input given in descending
        score order per group stays so; mmcv: descending score).

    Raises:
        ValueError: a ``grouped_nms`` config with other keys.
    """
    if nms_cfg.get('type', 'nms') != 'grouped_nms':
        return batched_nms(boxes, scores, groups, nms_cfg)[1]
    extra = set(nms_cfg) - GROUPED_NMS_KEYS
    if extra:
        raise ValueError(f'test_cfg.nms: grouped_nms takes only '
                         f'{sorted(GROUPED_NMS_KEYS)}, got {sorted(extra)}')
    iou_threshold = float(nms_cfg.get('iou_threshold', 0.5))
    keep = grouped_nms(boxes, scores, groups, iou_threshold)
    if keep is None:
        plain = dict(type='nms', iou_threshold=iou_threshold)
        keep = batched_nms(boxes, scores, groups, plain)[1]
    return keep
