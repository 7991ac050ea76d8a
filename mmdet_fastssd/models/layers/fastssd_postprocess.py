"""Batched post-processing: score filter, one class-aware NMS, top-k."""
from typing import List, Sequence

import torch
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from ..utils import INPUT_SHAPE_KEYS, meta_scales
from .bbox_nms import nms_keep


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


def batched_detections(boxes: Tensor, scores: Tensor,
                       batch_img_metas: Sequence[dict], cfg: ConfigDict,
                       rescale: bool = False,
                       with_nms: bool = True) -> List[InstanceData]:
    """Detections of a whole batch with a single NMS call.

    Args:
        boxes (Tensor): decoded boxes [B, A, 4] in 0-1 input fractions.
        scores (Tensor): object probabilities [B, A, C].
        batch_img_metas (Sequence[dict]): ``batch_input_shape``,
            ``img_shape``, and with ``rescale`` ``scale_factor`` and
            ``ori_shape``.
        cfg (ConfigDict): ``score_thr``, ``nms_pre``, ``nms``, ``max_per_img``;
            ``nms`` as ``bbox_nms.nms_keep`` takes it (mmcv's
            ``batched_nms``, or ``dict(type='grouped_nms', ...)``).
        rescale (bool): map boxes to the original image. Defaults to False.
        with_nms (bool): Defaults to True.

    Returns:
        list[InstanceData]: ``bboxes`` [n, 4] pixels, ``scores``, ``labels``.
    """
    img, anchor, label, score = top_candidates(scores, cfg)
    det = boxes[img, anchor] * meta_scales(batch_img_metas, INPUT_SHAPE_KEYS,
                                           boxes)[img]  # [N, 4] pixels
    limit_key = 'img_shape'
    if rescale:
        det = det / meta_scales(batch_img_metas, 'scale_factor', boxes)[img]
        limit_key = 'ori_shape'
    det = torch.minimum(det.clamp(min=0),
                        meta_scales(batch_img_metas, limit_key, boxes)[img])
    if with_nms and det.numel() > 0:
        order = nms_keep(det, score, img * scores.size(-1) + label, cfg.nms)
    else:
        order = score.argsort(descending=True)
    det, score, img, label = det[order], score[order], img[order], label[order]
    per_image = keep_top_per_image(img, cfg.get('max_per_img', 100),
                                   scores.size(0))
    return [InstanceData(bboxes=det[i], scores=score[i], labels=label[i])
            for i in per_image]
