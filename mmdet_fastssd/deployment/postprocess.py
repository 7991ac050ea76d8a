"""NMS for the exported model's outputs, in numpy (no torch, no mmcv).

The ONNX graph ends at decoded boxes and per-class scores; this applies the
head's ``test_cfg`` to one image exactly as ``FastSSDHead.predict_by_feat``
does: the ``nms_pre`` best (anchor, class) pairs, those above
``score_thr``, optional rescaling to the original image, class-aware greedy
NMS (a box is dropped when a higher-scoring box of its class overlaps it by
IoU > ``iou_threshold``, mmcv's IoU arithmetic) and the ``max_per_img`` best.

Example::

    import onnxruntime as ort
    session = ort.InferenceSession('model.onnx')
    boxes, scores = session.run(None, {'image': batch})  # [B,A,4], [B,A,C]
    dets = detections(boxes[0], scores[0], score_thr=0.3)
"""
from typing import Dict, Optional, Sequence

import numpy as np


def greedy_nms(boxes: np.ndarray, scores: np.ndarray,
               iou_threshold: float) -> np.ndarray:
    """Indices kept by greedy NMS, best score first.

    Args:
        boxes (np.ndarray): [N, 4] x1y1x2y2 (float64 recommended).
        scores (np.ndarray): [N].
        iou_threshold (float): IoU above which the lower score goes.

    Returns:
        np.ndarray: [K] int64.
    """
    order = np.argsort(-scores, kind='stable')
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])  # [N]
    keep = []
    while order.size:
        i, rest = order[0], order[1:]
        keep.append(i)
        iw = np.minimum(boxes[i, 2], boxes[rest, 2]) - np.maximum(
            boxes[i, 0], boxes[rest, 0])  # [R]
        ih = np.minimum(boxes[i, 3], boxes[rest, 3]) - np.maximum(
            boxes[i, 1], boxes[rest, 1])  # [R]
        inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
        iou = inter / np.maximum(area[i] + area[rest] - inter, 1e-12)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def detections(boxes: np.ndarray,
               scores: np.ndarray,
               score_thr: float = 0.02,
               iou_threshold: float = 0.45,
               nms_pre: int = 1000,
               max_per_img: int = 100,
               scale_factor: Optional[Sequence[float]] = None,
               ori_shape: Optional[Sequence[int]] = None
               ) -> Dict[str, np.ndarray]:
    """Detections of one image from the exported model's outputs.

    The defaults are the head's ``DEFAULT_TEST_CFG``.

    Args:
        boxes (np.ndarray): [A, 4] x1y1x2y2 input pixels (``boxes[i]``).
        scores (np.ndarray): [A, C] class probabilities (``scores[i]``).
        score_thr (float): Defaults to 0.02.
        iou_threshold (float): Defaults to 0.45.
        nms_pre (int): best (anchor, class) pairs considered, -1: all.
            Defaults to 1000.
        max_per_img (int): Defaults to 100.
        scale_factor (Sequence[float], optional): (w, h) input / original
            size; boxes are divided by it and clipped to ``ori_shape``
            (h, w). Defaults to None (boxes stay in input pixels).
        ori_shape (Sequence[int], optional): (h, w) of the original image,
            needed with ``scale_factor``. Defaults to None.

    Returns:
        dict[str, np.ndarray]: ``bboxes`` [n, 4] float32, ``scores`` [n]
        float32 and ``labels`` [n] int64, best score first.
    """
    num_classes = scores.shape[1]
    flat = scores.reshape(-1)  # [A*C]
    k = flat.size if nms_pre is None or nms_pre <= 0 else min(nms_pre,
                                                              flat.size)
    top = np.argsort(-flat, kind='stable')[:k]  # [k]
    top = top[flat[top] > score_thr]
    anchor, label = top // num_classes, top % num_classes
    det = boxes[anchor].astype(np.float64)  # [N, 4]
    score = flat[top]
    if scale_factor is not None:
        if ori_shape is None:
            raise ValueError('detections: scale_factor needs ori_shape')
        det = det / np.tile(np.asarray(scale_factor, np.float64), 2)
        h, w = ori_shape[:2]
        det = np.minimum(np.clip(det, 0, None), [w, h, w, h])
    # class-aware in one pass: boxes of different classes never overlap
    offsets = label[:, None] * (det.max(initial=0.0) + 1.0)  # [N, 1]
    keep = greedy_nms(det + offsets, score, iou_threshold)[:max_per_img]
    return dict(bboxes=det[keep].astype(np.float32),
                scores=score[keep].astype(np.float32),
                labels=label[keep].astype(np.int64))
