"""The lecture's figures for the largest-object localizer."""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.structures import InstanceData
from torch import Tensor
from torch.nn.utils.rnn import pad_sequence

from mmdet.registry import METRICS

from ...models.utils import largest_gt, meta_scales, pad_gt_instances


def _top_predictions(data_samples: Sequence[dict]
                     ) -> Tuple[Tensor, Tensor, Tensor]:
    """Each sample's highest-scoring prediction, batched.

    Returns:
        tuple[Tensor, Tensor, Tensor]: boxes [B, 4] (as stored), labels [B]
        and ``has_pred`` [B] bool (False for an empty ``pred_instances``).
    """
    preds = [s['pred_instances'] for s in data_samples]
    boxes = pad_sequence([p['bboxes'].detach().cpu().float().reshape(-1, 4)
                          for p in preds], batch_first=True)  # [B, P, 4]
    scores = pad_sequence([p['scores'].detach().cpu().float().reshape(-1)
                           for p in preds], batch_first=True,
                          padding_value=-float('inf'))  # [B, P]
    labels = pad_sequence([p['labels'].detach().cpu().long().reshape(-1)
                           for p in preds], batch_first=True)  # [B, P]
    has_pred = torch.tensor([p['scores'].numel() > 0 for p in preds])  # [B]
    if scores.size(1) == 0:  # no predictions in the whole batch
        boxes, scores = boxes.new_zeros(len(preds), 1, 4), scores.new_zeros(
            len(preds), 1)  # [B, 1, 4], [B, 1]
        labels = labels.new_zeros(len(preds), 1)  # [B, 1]
    top = scores.argmax(1)  # [B]
    box = boxes.gather(1, top[:, None, None].expand(-1, 1, 4)).squeeze(1)
    return box, labels.gather(1, top[:, None]).squeeze(1), has_pred


@METRICS.register_module()
class LargestObjectMetric(BaseMetric):
    """Classification accuracy and box L1 against each image's largest gt.

    The target is picked as ``LargestObjectHead`` picks it
    (``pad_gt_instances`` then ``largest_gt``: biggest valid box by area,
    first one on ties), in the original image's pixels like the lecture.
    Both that gt (from ``gt_instances``, original pixels, as mmdet's test
    pipelines and ``VOCMetric`` expect) and the top prediction (original
    pixels, ``rescale=True``) are mapped to the **network-input frame** with
    ``scale_factor``, so the L1 is in pixels of the 224x224 input, as the
    lecture reports it. Images without a valid gt are left out; an image
    without a prediction counts as wrong and is left out of the L1.

    Args:
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'largest'.

    Results:
        ``largest/accuracy``: predicted class == largest gt's class, mean
        over images with a gt. ``largest/bbox_l1``: mean absolute error of
        the 4 coordinates in input pixels.
    """

    default_prefix: Optional[str] = 'largest'

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Score one batch, all images at once.

        Args:
            data_batch (dict): the batch (unused).
            data_samples (Sequence[dict]): samples with ``gt_instances``,
                ``pred_instances`` and metainfo.
        """
        factors = meta_scales(data_samples, 'scale_factor',
                              default=(1, 1))  # [B, 4] (sx, sy, sx, sy)
        gts = [InstanceData(bboxes=s['gt_instances']['bboxes'],
                            labels=s['gt_instances']['labels'])
               for s in data_samples]
        gt_px, gt_labels, gt_valid = pad_gt_instances(
            gts, factors)  # [B, G, 4] original pixels
        gt_box, gt_label, has_gt = largest_gt(gt_px, gt_labels, gt_valid)
        gt_box = gt_box * factors  # [B, 4] input pixels
        box, label, has_pred = _top_predictions(data_samples)
        box = box * factors  # [B, 4] input pixels
        correct = has_gt & has_pred & (label == gt_label)  # [B]
        l1 = (box - gt_box).abs().mean(-1)  # [B]
        self.results.extend(zip(has_gt.tolist(), has_pred.tolist(),
                                correct.tolist(), l1.tolist()))

    def compute_metrics(self, results: List[tuple]) -> dict:
        """Aggregate the per-image records.

        Args:
            results (list[tuple]): (has_gt, has_pred, correct, l1) per image.

        Returns:
            dict[str, float]: ``accuracy`` and ``bbox_l1`` (NaN when no image
            qualifies).
        """
        if not results:
            return dict(accuracy=float('nan'), bbox_l1=float('nan'))
        has_gt, has_pred, correct, l1 = (np.array(c, dtype=np.float64)
                                         for c in zip(*results))
        both = has_gt * has_pred
        accuracy = correct.sum() / has_gt.sum() if has_gt.any() else np.nan
        bbox_l1 = (l1 * both).sum() / both.sum() if both.any() else np.nan
        return dict(accuracy=float(accuracy), bbox_l1=float(bbox_l1))
