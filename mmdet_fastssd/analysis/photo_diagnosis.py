"""What limits a detector on a photo set: per-class against class-agnostic
VOC mAP, on the training split and on the held-out split.

* training-split mAP far above held-out mAP: the model over-fits (more
  data, augmentation, a shorter schedule or a better start help; a longer
  schedule does not);
* class-agnostic mAP far above per-class mAP: objects are found but their
  classes are confused (features that tell classes apart: input size, a
  better start);
* both low on the training split: the model cannot even fit (anchors,
  input size, schedule length).

Both figures come from one pass of the config's test pipeline (no
augmentation) over a split: the per-class one is mmdet's ``VOCMetric``
computation (``eval_map``, 11 points, IoU 0.5, legacy coordinates); the
class-agnostic one relabels every ground truth and detection as one class
and runs class-agnostic NMS first, so an object detected under two classes
counts once.
"""
import copy
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
from mmcv.ops import nms
from mmengine.config import Config, ConfigDict
from mmengine.dataset import pseudo_collate

from mmdet.evaluation.functional import eval_map

from .config_dataset import SPLITS, dataset_cfg

Annotation = Dict[str, np.ndarray]
Detections = List[np.ndarray]  # per class: [n, 5] x1y1x2y2 + score


def eval_dataset_cfg(cfg: Config, split: str) -> ConfigDict:
    """The test dataloader's dataset, reading ``split``'s image list.

    The pipeline, ``test_mode`` and class names stay those of
    ``test_dataloader``; ``data_root``, ``ann_file`` and ``data_prefix``
    come from ``{split}_dataloader`` (under RepeatDataset-like wrappers).
    """
    test = dataset_cfg(cfg, 'test')
    src = dataset_cfg(cfg, split)
    while 'ann_file' not in src and 'dataset' in src:
        src = src.dataset
    for key in ('data_root', 'ann_file', 'data_prefix'):
        if key in src:
            test[key] = copy.deepcopy(src[key])
    return test


def _numpy(boxes) -> np.ndarray:
    return getattr(boxes, 'tensor', boxes).detach().cpu().numpy()


def sample_records(sample, num_classes: int) -> Tuple[Annotation,
                                                      Detections]:
    """``VOCMetric.process`` for one ``DetDataSample``: (gts, detections)."""
    gt, ign = sample.gt_instances, sample.ignored_instances
    ann = dict(labels=gt.labels.cpu().numpy(), bboxes=_numpy(gt.bboxes),
               labels_ignore=ign.labels.cpu().numpy(),
               bboxes_ignore=_numpy(ign.bboxes).reshape(-1, 4))
    pred = sample.pred_instances
    boxes, scores = _numpy(pred.bboxes), pred.scores.cpu().numpy()
    labels = pred.labels.cpu().numpy()
    dets = [np.hstack([boxes[labels == c], scores[labels == c, None]])
            for c in range(num_classes)]
    return ann, dets


def agnostic_records(ann: Annotation, dets: Detections,
                     iou_threshold: float = 0.45) -> Tuple[Annotation,
                                                           Detections]:
    """One class: every label 0, detections merged by class-agnostic NMS."""
    ann = dict(ann, labels=np.zeros_like(ann['labels']),
               labels_ignore=np.zeros_like(ann['labels_ignore']))
    merged = np.concatenate(dets, 0).astype(np.float32).reshape(-1, 5)
    if len(merged):
        kept, _ = nms(torch.from_numpy(merged[:, :4]),
                      torch.from_numpy(merged[:, 4]), iou_threshold)
        merged = kept.numpy()
    return ann, [merged]


def voc_ap(anns: Sequence[Annotation], dets: Sequence[Detections],
           classes: Sequence[str]) -> Tuple[float, Dict[str, float]]:
    """mAP and AP per class as ``VOCMetric(eval_mode='11points')``."""
    mean_ap, per_class = eval_map(
        list(dets), list(anns), iou_thr=0.5, dataset=list(classes),
        logger='silent', eval_mode='11points', use_legacy_coordinate=True,
        nproc=1)
    return float(mean_ap), {name: float(r['ap'])
                            for name, r in zip(classes, per_class)}


def summarise(anns: Sequence[Annotation], dets: Sequence[Detections],
              classes: Sequence[str]) -> dict:
    """Per-class and class-agnostic mAP, ground truths per class."""
    mean_ap, per_class = voc_ap(anns, dets, classes)
    agn = [agnostic_records(a, d) for a, d in zip(anns, dets)]
    agn_ap, _ = voc_ap([a for a, _ in agn], [d for _, d in agn],
                       ('object', ))
    counts = np.bincount(np.concatenate(
        [a['labels'] for a in anns] + [np.zeros(0, int)]).astype(int),
        minlength=len(classes))
    return dict(num_images=len(anns), mAP=mean_ap, agnostic_mAP=agn_ap,
                per_class=per_class,
                num_gts={c: int(n) for c, n in zip(classes, counts)})


@torch.no_grad()
def predict_split(model, dataset, batch_size: int = 16
                  ) -> Tuple[List[Annotation], List[Detections]]:
    """Run ``model.test_step`` over ``dataset``; VOC records per image."""
    num_classes = len(dataset.metainfo['classes'])
    model.eval()
    anns, dets = [], []
    for start in range(0, len(dataset), batch_size):
        stop = min(start + batch_size, len(dataset))
        batch = pseudo_collate([dataset[i] for i in range(start, stop)])
        for sample in model.test_step(batch):
            ann, det = sample_records(sample, num_classes)
            anns.append(ann)
            dets.append(det)
    return anns, dets


def format_table(results: Dict[str, dict]) -> str:
    """Markdown: one row per split, mAP, class-agnostic mAP, AP per class."""
    classes = list(next(iter(results.values()))['per_class'])
    head = ['split', 'images', 'mAP', 'class-agnostic mAP'] + classes
    rows = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for split, r in results.items():
        cells = [split, str(r['num_images']), f'{r["mAP"]:.3f}',
                 f'{r["agnostic_mAP"]:.3f}'] + [
                     f'{r["per_class"][c]:.3f}' for c in classes]
        rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows)


__all__ = ['SPLITS', 'eval_dataset_cfg', 'sample_records',
           'agnostic_records', 'voc_ap', 'summarise', 'predict_split',
           'format_table']
