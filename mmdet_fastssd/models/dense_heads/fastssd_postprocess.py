"""Batched post-processing: score filter, one class-aware NMS, top-k."""
from typing import List, Optional, Sequence

import torch
from mmcv.ops import batched_nms
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from .fastssd_targets import input_scales


def image_limits(batch_img_metas: Sequence[dict], key: str,
                 like: Tensor) -> Tensor:
    """(w, h, w, h) clip limits of each image from ``key`` (h, w).

    Returns:
        Tensor: [B, 4].
    """
    hw = torch.tensor([[float(m[key][0]), float(m[key][1])]
                       for m in batch_img_metas],
                      dtype=like.dtype, device=like.device)  # [B, 2]
    return hw.flip(-1).repeat(1, 2)  # [B, 4]


def rescale_factors(batch_img_metas: Sequence[dict], like: Tensor) -> Tensor:
    """(w, h, w, h) ``scale_factor`` of each image.

    Returns:
        Tensor: [B, 4].
    """
    sf = torch.tensor([list(m['scale_factor'])[:2] for m in batch_img_metas],
                      dtype=like.dtype, device=like.device)  # [B, 2]
    return sf.repeat(1, 2)  # [B, 4]


def top_candidates(scores: Tensor, cfg: ConfigDict):
    """Up to ``nms_pre`` (box, class) pairs per image above ``score_thr``.

    Args:
        scores (Tensor): [B, A, C] object probabilities.
        cfg (ConfigDict): ``score_thr`` and ``nms_pre`` (-1: all).

    Returns:
        tuple[Tensor, ...]: image, anchor, class indices and scores [N].
    """
    batch, num_priors, num_classes = scores.shape
    flat = scores.reshape(batch, -1)  # [B, A*C]
    nms_pre = cfg.get('nms_pre', -1)
    k = flat.size(1) if nms_pre is None or nms_pre <= 0 else min(
        nms_pre, flat.size(1))
    top, idx = flat.topk(k, dim=1)  # [B, k], sorted
    img, j = (top > cfg.get('score_thr', 0.0)).nonzero(as_tuple=True)  # [N]
    flat_idx = idx[img, j]
    return img, flat_idx // num_classes, flat_idx % num_classes, top[img, j]


def keep_top_per_image(img: Tensor, max_per_img: int,
                       batch: int) -> List[Tensor]:
    """Indices of the first ``max_per_img`` detections of each image.

    ``img`` must already be in descending score order.

    Returns:
        list[Tensor]: one index tensor per image.
    """
    order = torch.sort(img, stable=True).indices  # image-major, score-desc
    counts = torch.bincount(img, minlength=batch)  # [B]
    starts = counts.cumsum(0) - counts  # [B]
    rank = torch.arange(img.numel(), device=img.device) - starts[img[order]]
    keep = order[rank < max_per_img]
    return list(torch.split(keep, counts.clamp(max=max_per_img).tolist()))


MAX_NMS_ELEMENTS = 1 << 25  # groups x size^2 above this: mmcv batched_nms


def pad_groups(boxes: Tensor, scores: Tensor, groups: Tensor):
    """Boxes sorted by group, then score, padded to [K, n] per group.

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

    Only boxes of the same group are compared (mmcv's single-call
    ``batched_nms`` compares all pairs of the batch). A box is kept iff no
    kept box of its group with a higher score overlaps it by more than
    ``iou_threshold``; that fixed point is reached by Jacobi sweeps from
    "all kept", at most (longest suppression chain + 1), usually 2-4.

    Args:
        boxes (Tensor): [N, 4] x1y1x2y2.
        scores (Tensor): [N].
        groups (Tensor): [N] long, e.g. image * C + class.
        iou_threshold (float): IoU above which the lower score goes.

    Returns:
        Tensor | None: kept indices [K] in ascending order; None when the
        padded groups exceed ``MAX_NMS_ELEMENTS``.
    """
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
    """Kept indices for an mmcv-style ``nms`` config.

    The order keeps any within-image score order of the input
    (``grouped_nms`` returns ascending indices, mmcv descending scores).

    Plain ``dict(type='nms', iou_threshold=t)`` runs ``grouped_nms``;
    anything else (soft-NMS, ``class_agnostic``, ``max_num``, offsets, huge
    groups) goes to ``mmcv.ops.batched_nms``.

    Returns:
        Tensor: [K] long.
    """
    plain = set(nms_cfg) <= {'type', 'iou_threshold', 'split_thr'} and \
        nms_cfg.get('type', 'nms') == 'nms'
    if plain:
        keep = grouped_nms(boxes, scores, groups,
                           float(nms_cfg.get('iou_threshold', 0.5)))
        if keep is not None:
            return keep
    return batched_nms(boxes, scores, groups, nms_cfg)[1]


def batched_detections(boxes: Tensor, scores: Tensor,
                       batch_img_metas: Sequence[dict], cfg: ConfigDict,
                       rescale: bool = False,
                       with_nms: bool = True) -> List[InstanceData]:
    """Detections of a whole batch with a single NMS call.

    Args:
        boxes (Tensor): decoded boxes [B, A, 4] in 0-1 input fractions.
        scores (Tensor): object probabilities [B, A, C].
        batch_img_metas (Sequence[dict]): ``batch_input_shape``,
            ``img_shape``, and with ``rescale`` ``scale_factor``, ``ori_shape``.
        cfg (ConfigDict): ``score_thr``, ``nms_pre``, ``nms``, ``max_per_img``.
        rescale (bool): map boxes to the original image. Defaults to False.
        with_nms (bool): Defaults to True.

    Returns:
        list[InstanceData]: ``bboxes`` [n, 4] pixels, ``scores``, ``labels``.
    """
    img, anchor, label, score = top_candidates(scores, cfg)
    det = boxes[img, anchor] * input_scales(batch_img_metas, boxes)[img]
    limit_key = 'img_shape'
    if rescale:
        det = det / rescale_factors(batch_img_metas, boxes)[img]
        limit_key = 'ori_shape'
    det = torch.minimum(det.clamp(min=0),
                        image_limits(batch_img_metas, limit_key, boxes)[img])
    if with_nms and det.numel() > 0:
        order = nms_keep(det, score, img * scores.size(-1) + label, cfg.nms)
    else:
        order = score.argsort(descending=True)
    det, score, img, label = det[order], score[order], img[order], label[order]
    per_image = keep_top_per_image(img, cfg.get('max_per_img', 100),
                                   scores.size(0))
    return [InstanceData(bboxes=det[i], scores=score[i], labels=label[i])
            for i in per_image]
