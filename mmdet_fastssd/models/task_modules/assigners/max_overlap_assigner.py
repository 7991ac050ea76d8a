"""The lecture's matching: best anchor per ground truth, then IoU > threshold."""
from typing import Optional, Tuple

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.models.task_modules.assigners import AssignResult
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox_overlaps, get_box_tensor

FORCED_OVERLAP = 2.0


@TASK_UTILS.register_module()
class MaxOverlapAssigner:
    """Assign each anchor to a ground truth (gt) or to background.

    1. Every gt takes its best-overlapping anchor whatever the IoU (its
       overlap is forced to ``2``). When several gts share a best anchor the
       one with the highest index keeps it, as the lecture's loop does.
    2. Every other anchor takes the gt it overlaps most.
    3. Anchors whose (forced or real) overlap is strictly above
       ``pos_iou_thr`` are positive; the rest are background.

    ``assign_batch`` does this for a whole batch of padded gts in one pass;
    ``assign`` is MMDetection's single-image interface on top of it.

    Args:
        pos_iou_thr (float): IoU above which an anchor is positive.
            Defaults to 0.5 (the lecture's notebook used 0.4).
    """

    def __init__(self, pos_iou_thr: float = 0.5) -> None:
        self.pos_iou_thr = pos_iou_thr

    def assign_batch(self, priors: Tensor, gt_bboxes: Tensor,
                     gt_valid: Tensor) -> Tuple[Tensor, Tensor]:
        """Match anchors to padded gts of a whole batch.

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
        if num_gts == 0:
            return (priors.new_full((batch, num_priors), -1, dtype=torch.long),
                    priors.new_full((batch, num_priors), -1.0))
        ious = bbox_overlaps(gt_bboxes, priors.expand(batch, -1, 4))  # [B, G, A]
        ious = ious.masked_fill(~gt_valid[..., None], -1.0)
        overlaps, gt_inds = ious.max(dim=1)  # [B, A]
        forced = self._forced_matches(ious.argmax(dim=2), gt_valid, num_priors)
        is_forced = forced >= 0  # [B, A]
        gt_inds = torch.where(is_forced, forced, gt_inds)
        overlaps = overlaps.masked_fill(is_forced, FORCED_OVERLAP)
        gt_inds = gt_inds.masked_fill(overlaps <= self.pos_iou_thr, -1)
        return gt_inds, overlaps

    @staticmethod
    def _forced_matches(best_prior: Tensor, gt_valid: Tensor,
                        num_priors: int) -> Tensor:
        """Gt forced onto each anchor (highest gt index wins), else -1.

        Args:
            best_prior (Tensor): best anchor of each gt [B, G].
            gt_valid (Tensor): bool mask [B, G].
            num_priors (int): A.

        Returns:
            Tensor: [B, A] long.
        """
        batch, num_gts = best_prior.shape
        # Padded gts go to a spare column A that is dropped afterwards.
        target = best_prior.masked_fill(~gt_valid, num_priors)  # [B, G]
        gt_ids = torch.arange(num_gts, device=best_prior.device)
        forced = best_prior.new_full((batch, num_priors + 1), -1)
        forced.scatter_reduce_(1, target, gt_ids.expand(batch, -1), 'amax')
        return forced[:, :num_priors]  # [B, A]

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
