"""The FastSSD detector as one ONNX-exportable module, NMS left out.

``FastSSDOnnxModel`` takes the resized image as the config's loader gives it
(BGR, 0-255, float32 [B, 3, H, W]) and runs the data preprocessor's
normalisation, the backbone (and neck), the head and the box decoding:

- ``boxes`` [B, A, 4]: x1, y1, x2, y2 in input pixels, clipped to the image;
- ``scores`` [B, A, C]: sigmoid probabilities of the C object classes
  (the background column is dropped, as in the head's ``predict_by_feat``).

Score threshold, class-aware NMS and ``max_per_img`` are left to the
runtime: ``mmdet_fastssd.deployment.postprocess.detections`` does them in
numpy exactly as the head does.
"""
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.config import Config
from torch import Tensor

from ..models.dense_heads import FastSSDHead


def input_size(cfg: Config) -> Tuple[int, int]:
    """(h, w) of the network input: the test pipeline's fixed ``Resize``.

    Raises:
        ValueError: naming the config key when the size is not fixed.
    """
    pipeline = cfg.test_dataloader.dataset.pipeline
    for t in pipeline:
        if 'Resize' in str(t.get('type', '')):
            if t.get('keep_ratio', False) or 'scale' not in t:
                break
            w, h = t['scale']
            return int(h), int(w)
    raise ValueError('export needs a fixed input size: '
                     'test_dataloader.dataset.pipeline must hold a Resize '
                     'with scale=(w, h) and keep_ratio=False')


class FastSSDOnnxModel(nn.Module):
    """Preprocessing + detector + box decoding of a FastSSD detector.

    Args:
        detector (nn.Module): a ``SingleStageDetector`` with a
            ``FastSSDHead`` (e.g. from ``mmdet.apis.init_detector``).
        size (tuple[int, int]): (h, w) of the network input.
    """

    def __init__(self, detector: nn.Module, size: Tuple[int, int]) -> None:
        super().__init__()
        head = getattr(detector, 'bbox_head', None)
        if not isinstance(head, FastSSDHead):
            raise TypeError('ONNX export supports detectors whose bbox_head '
                            f'is FastSSDHead, got {type(head).__name__}')
        self.detector = detector
        self.head = head
        pre = detector.data_preprocessor
        self.bgr_to_rgb = bool(getattr(pre, '_channel_conversion', False))
        self.register_buffer('mean', pre.mean.detach().view(1, -1, 1, 1))
        self.register_buffer('std', pre.std.detach().view(1, -1, 1, 1))
        priors, cells = head.prior_generator.flat_priors(torch.float32)
        self.register_buffer('priors', priors)  # [A, 4] 0-1 fractions
        self.register_buffer('cells', cells)  # [A, 2]
        h, w = size
        self.register_buffer(
            'scale', torch.tensor([w, h, w, h], dtype=torch.float32))
        self.size = (h, w)

    def forward(self, image: Tensor) -> Tuple[Tensor, Tensor]:
        """Boxes [B, A, 4] (input pixels) and scores [B, A, C]."""
        x = image[:, [2, 1, 0]] if self.bgr_to_rgb else image  # [B, 3, H, W]
        x = (x - self.mean) / self.std
        cls_scores, bbox_preds = self.head(self.detector.extract_feat(x))
        cls, box = self.head.flatten_outputs(cls_scores, bbox_preds)
        boxes = self.head.bbox_coder.decode(self.priors, box,
                                            self.cells)  # [B, A, 4]
        boxes = torch.minimum((boxes * self.scale).clamp(min=0), self.scale)
        scores = cls[..., :self.head.num_classes].sigmoid()  # [B, A, C]
        return boxes, scores
