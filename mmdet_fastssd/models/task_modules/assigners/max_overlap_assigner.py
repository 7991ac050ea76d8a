"""The lecture's matching: best anchor per gt, then IoU above a threshold."""
from typing import Iterator, List, Optional, Tuple

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.models.task_modules.assigners import AssignResult
from mmdet.models.task_modules.assigners.base_assigner import BaseAssigner
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import get_box_tensor

FORCED_OVERLAP = 2.0


@TASK_UTILS.register_module()
class MaxOverlapAssigner(BaseAssigner):
    """Assign each anchor to a ground truth (gt) or to background.

    1. Every gt takes its best-overlapping anchor whatever the IoU (its
       overlap is forced to ``2``). When several gts share a best anchor the
       one with the highest index keeps it, as the lecture's loop does.
    2. Every other anchor takes the gt it overlaps most.
    3. Anchors whose (forced or real) overlap is strictly above
       ``pos_iou_thr`` are positive; the rest are background.

    ``assign_batch`` does this for a whole batch of padded gts in one pass
    (the heads' hot path); ``assign`` is MMDetection's single-image
    ``BaseAssigner`` interface on top of it.

    Args:
        pos_iou_thr (float): IoU above which an anchor is positive.
            Defaults to 0.5 (the lecture's notebook used 0.4).
        chunk_elements (int): IoU entries per block on the CPU (blocks of
            images x gts x anchors sized to stay in cache); the GPU uses one
            block. Does not change results. Defaults to 262144.
    """

    def __init__(self, pos_iou_thr: float = 0.5,
                 chunk_elements: int = 1 << 18) -> None:
        self.pos_iou_thr = pos_iou_thr
        self.chunk_elements = chunk_elements

    def assign_batch(self, priors: Tensor, gt_bboxes: Tensor,
                     gt_valid: Tensor) -> Tuple[Tensor, Tensor]:
        """Match anchors to padded gts of a whole batch.

        The IoU is computed block by block (``iou_blocks``: images sorted by
        gt count x anchor ranges) so that its temporaries stay in cache; an
        image's result never depends on the other images of the batch.

        Args:
            priors (Tensor): anchors [A, 4] x1y1x2y2.
            gt_bboxes (Tensor): padded gts [B, G, 4] x1y1x2y2, same units.
            gt_valid (Tensor): bool mask [B, G] of real gts.

        Returns:
            tuple[Tensor, Tensor]: ``gt_inds`` [B, A] long, index of the
            matched gt or -1 for background, and ``overlaps`` [B, A], the
            best IoU of each anchor (``2`` where forced, -1 without gts).
        """
        batch, num_gts = gt_valid.shape
        num_priors = priors.size(0)
        overlaps = priors.new_full((batch, num_priors), -1.0)
        gt_inds = priors.new_full((batch, num_priors), -1, dtype=torch.long)
        if num_gts == 0 or num_priors == 0:
            return gt_inds, overlaps
        best_prior = self._match_blocks(priors, gt_bboxes, gt_valid,
                                        overlaps, gt_inds)  # [B, G]
        img, gt = forced_pairs(best_prior, gt_valid)  # [F] each
        gt_inds[img, best_prior[img, gt]] = gt
        overlaps[img, best_prior[img, gt]] = FORCED_OVERLAP
        return gt_inds, overlaps

    def _match_blocks(self, priors: Tensor, gt_bboxes: Tensor,
                      gt_valid: Tensor, overlaps: Tensor,
                      gt_inds: Tensor) -> Tensor:
        """Best gt of every anchor (into ``overlaps``/``gt_inds``) and best
        anchor of every gt, block by block.

        Args:
            priors (Tensor): anchors [A, 4].
            gt_bboxes (Tensor): padded gts [B, G, 4].
            gt_valid (Tensor): bool mask [B, G].
            overlaps (Tensor): [B, A] output, max IoU over valid gts.
            gt_inds (Tensor): [B, A] output, its gt (first on ties) where
                that IoU is above ``pos_iou_thr``; left alone elsewhere.

        Returns:
            Tensor: best anchor of each gt [B, G] (first on ties).
        """
        slots = torch.arange(1, gt_valid.size(1) + 1, device=gt_valid.device)
        widths = (gt_valid * slots).amax(1)  # [B] last valid gt + 1
        order = widths.argsort(descending=True, stable=True)  # [B]
        # Sorted images; invalid gts become empty boxes, whose IoU (0) never
        # beats a valid gt's.
        gts = gt_bboxes.masked_fill(~gt_valid[..., None], 0.0)[order]
        best_val = gts.new_full(gt_valid.shape, -1.0)  # [B, G] sorted
        best_prior = torch.zeros_like(gt_valid, dtype=torch.long)  # sorted
        prior_cols = priors.t().contiguous()  # [4, A]
        budget = self.chunk_elements if priors.device.type == 'cpu' else 0
        work, hits = None, []
        for img0, img1, width, a0, a1 in iou_blocks(
                widths[order].tolist(), priors.size(0), budget):
            ious, work = pairwise_iou(gts[img0:img1, :width],
                                      prior_cols[:, a0:a1], work)  # [b, w, a]
            ov = ious.amax(1)  # [b, a]
            overlaps[:, a0:a1].index_copy_(0, order[img0:img1], ov)
            bi, ai = (ov > self.pos_iou_thr).nonzero(as_tuple=True)  # [n]
            hits.append((order[bi + img0], ai + a0,
                         ious[bi, :, ai].argmax(1)))
            val, arg = ious.max(dim=2)  # [b, w], first anchor on ties
            keep_val = best_val[img0:img1, :width]  # [b, w] view
            keep_arg = best_prior[img0:img1, :width]  # [b, w] view
            better = val > keep_val  # strict: earlier anchor blocks win ties
            keep_arg.copy_(torch.where(better, arg + a0, keep_arg))
            keep_val.copy_(torch.where(better, val, keep_val))
        if hits:
            img, prior, gt = (torch.cat(t) for t in zip(*hits))
            gt_inds[img, prior] = gt
        return torch.empty_like(best_prior).index_copy_(0, order, best_prior)

    def assign(self,
               pred_instances: InstanceData,
               gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               **kwargs) -> AssignResult:
        """MMDetection's assigner interface for one image.

        Args:
            pred_instances (InstanceData): with ``priors`` [A, 4].
            gt_instances (InstanceData): with ``bboxes`` [G, 4] and
                ``labels`` [G].
            gt_instances_ignore (InstanceData, optional): unused.
                Defaults to None.

        Returns:
            AssignResult: ``gt_inds`` 0 for background, i + 1 for gt i;
            ``labels`` -1 for background.
        """
        priors = get_box_tensor(pred_instances.priors)
        gt_bboxes = get_box_tensor(gt_instances.bboxes).to(priors)
        gt_labels = gt_instances.labels
        valid = torch.ones(1, gt_bboxes.size(0), dtype=torch.bool,
                           device=priors.device)
        inds, overlaps = self.assign_batch(priors, gt_bboxes[None], valid)
        inds, overlaps = inds[0], overlaps[0]  # [A]
        labels = inds.new_full(inds.shape, -1)
        pos = inds >= 0
        labels[pos] = gt_labels[inds[pos]].long()
        return AssignResult(gt_bboxes.size(0), inds + 1, overlaps, labels)


def forced_pairs(best_prior: Tensor,
                 gt_valid: Tensor) -> Tuple[Tensor, Tensor]:
    """(image, gt) of the gts that keep their best anchor.

    A valid gt keeps it unless a later valid gt of the same image has the
    same best anchor (the lecture's loop lets the last one win).

    Args:
        best_prior (Tensor): best anchor of each gt [B, G].
        gt_valid (Tensor): bool mask [B, G].

    Returns:
        tuple[Tensor, Tensor]: image and gt indices [F] each.
    """
    num_gts = best_prior.size(1)
    same = best_prior[:, :, None] == best_prior[:, None, :]  # [B, G, G]
    later = torch.ones(num_gts, num_gts, dtype=torch.bool,
                       device=best_prior.device).triu(1)  # [G, G] g' > g
    taken = (same & later & gt_valid[:, None, :]).any(2)  # [B, G]
    return (gt_valid & ~taken).nonzero(as_tuple=True)


def pairwise_iou(gts: Tensor, prior_cols: Tensor,
                 work: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
    """IoU of padded gts with anchors, in the lecture's arithmetic order.

    Args:
        gts (Tensor): [b, w, 4] x1y1x2y2.
        prior_cols (Tensor): anchor coordinates [4, a] (x1, y1, x2, y2 rows).
        work (Tensor, optional): scratch [3, n], reused when n >= b*w*a.
            Defaults to None.

    Returns:
        tuple[Tensor, Tensor]: IoU [b, w, a] (a view into the scratch) and
        the scratch.
    """
    b, w = gts.shape[:2]
    n = b * w * prior_cols.size(1)
    if work is None or work.size(1) < n:
        work = gts.new_empty((3, n))
    iw, ih, tmp = (t[:n].view(b, w, -1) for t in work)  # [b, w, a] each
    gx1, gy1, gx2, gy2 = gts[..., None].unbind(2)  # [b, w, 1] each
    px1, py1, px2, py2 = prior_cols  # [a] each
    torch.minimum(gx2, px2, out=iw)
    iw.sub_(torch.maximum(gx1, px1, out=tmp)).clamp_(min=0)
    torch.minimum(gy2, py2, out=ih)
    ih.sub_(torch.maximum(gy1, py1, out=tmp)).clamp_(min=0)
    inter = iw.mul_(ih)  # [b, w, a]
    union = torch.add((gx2 - gx1) * (gy2 - gy1), (px2 - px1) * (py2 - py1),
                      out=ih).sub_(inter)  # [b, w, a]
    return inter.div_(union), work


def iou_blocks(widths: List[int], num_priors: int, budget: int
               ) -> Iterator[Tuple[int, int, int, int, int]]:
    """Blocks of (sorted) images x anchors with about ``budget`` IoUs each.

    Args:
        widths (list[int]): gts to consider per image, descending.
        num_priors (int): A.
        budget (int): target entries per block (<= 0: one block).

    Yields:
        tuple[int, ...]: first and end image position, gt width, first and
        end anchor. Images without gts are skipped.
    """
    img, batch = 0, sum(w > 0 for w in widths)
    while img < batch:
        width = widths[img]
        per_img = width * num_priors
        step = batch if budget <= 0 else max(1, budget // per_img)
        end = min(batch, img + step)
        a_step = num_priors if budget <= 0 or step > 1 else max(
            1, budget // width)
        for a0 in range(0, num_priors, a_step):
            yield img, end, width, a0, min(num_priors, a0 + a_step)
        img = end
