"""fastai's multilabel figures: accuracy_thresh and per-class AP."""
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from torch import Tensor
from torch.nn.utils.rnn import pad_sequence

from mmdet.registry import METRICS

from ...models.utils import multi_hot
from .average_precision import average_precision


def image_scores(data_samples: Sequence[dict], num_classes: int) -> Tensor:
    """Per-class image scores from ``pred_instances``, batched.

    The score of a class is the highest score among the instances with that
    label (``MultiLabelHead`` gives exactly one per class; a detector's
    output works too), 0 when there is none.

    Args:
        data_samples (Sequence[dict]): samples with ``pred_instances``.
        num_classes (int): classes C.

    Returns:
        Tensor: [B, C] float.
    """
    preds = [s['pred_instances'] for s in data_samples]
    scores = pad_sequence([p['scores'].detach().cpu().float().reshape(-1)
                           for p in preds] + [torch.zeros(1)],
                          batch_first=True)[:-1]  # [B, P]
    labels = pad_sequence([p['labels'].detach().cpu().long().reshape(-1)
                           for p in preds] + [torch.zeros(1).long()],
                          batch_first=True)[:-1]  # [B, P]
    out = torch.zeros(len(preds), num_classes)  # [B, C]
    return out.scatter_reduce(1, labels, scores, 'amax')


@METRICS.register_module()
class MultiLabelMetric(BaseMetric):
    """fastai's ``accuracy_thresh`` and per-class average precision.

    Targets are multi-hot rows of each image's ``gt_instances.labels``
    (``ignored_instances``, e.g. VOC's difficult objects, are not counted),
    built with the same function as ``MultiLabelHead``'s loss. Scores are
    the per-class probabilities in ``pred_instances``.

    Args:
        thresh (float): probability above which a class is predicted
            present. Defaults to 0.5.
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'multilabel'.

    Results:
        ``multilabel/accuracy_thresh``: mean over images and classes of
        ``(p > thresh) == target``. ``multilabel/AP_<class>``: average
        precision of each class over the images (NaN if the class never
        occurs). ``multilabel/mAP``: mean of the defined APs.
    """

    default_prefix: Optional[str] = 'multilabel'

    def __init__(self, thresh: float = 0.5, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.thresh = thresh

    def _classes(self) -> Sequence[str]:
        classes = (self.dataset_meta or {}).get('classes')
        if not classes:
            raise ValueError('MultiLabelMetric needs dataset_meta["classes"] '
                             '(set metainfo.classes of the dataset)')
        return classes

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store each image's scores and multi-hot target.

        Args:
            data_batch (dict): the batch (unused).
            data_samples (Sequence[dict]): samples with ``gt_instances`` and
                ``pred_instances``.
        """
        num_classes = len(self._classes())
        scores = image_scores(data_samples, num_classes)  # [B, C]
        labels = [s['gt_instances']['labels'] for s in data_samples]
        targets = multi_hot(labels, num_classes, scores)  # [B, C]
        self.results.extend(zip(scores.numpy(), targets.numpy()))

    def compute_metrics(self, results: List[tuple]) -> dict:
        """accuracy_thresh, per-class AP and mAP over all images.

        Args:
            results (list[tuple]): (scores [C], target [C]) per image.

        Returns:
            dict[str, float]: the figures named in the class docstring.
        """
        classes = self._classes()
        if not results:
            return dict(accuracy_thresh=float('nan'), mAP=float('nan'))
        scores = torch.from_numpy(np.stack([r[0] for r in results]))  # [N, C]
        targets = torch.from_numpy(np.stack([r[1] for r in results]))
        accuracy = ((scores > self.thresh).float() == targets).float().mean()
        ap = average_precision(scores, targets)  # [C]
        out = dict(accuracy_thresh=float(accuracy),
                   mAP=float(ap.nanmean()) if (~ap.isnan()).any()
                   else float('nan'))
        out.update({f'AP_{name}': float(v) for name, v in zip(classes, ap)})
        return out
