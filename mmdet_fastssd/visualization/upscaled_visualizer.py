"""mmdet's DetLocalVisualizer drawing small images at a readable size."""
from typing import Optional, Tuple

import mmcv
import numpy as np

from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import BaseBoxes
from mmdet.visualization import DetLocalVisualizer

INSTANCE_KEYS = ('gt_instances', 'pred_instances', 'ignored_instances')


def upscaled_size(hw: Tuple[int, int], min_size: int) -> Tuple[int, int]:
    """(w, h) with the shorter side at least ``min_size`` (never smaller)."""
    h, w = hw
    scale = max(1.0, min_size / max(1, min(h, w)))
    return round(w * scale), round(h * scale)


def scale_instances(data_sample: DetDataSample, sx: float,
                    sy: float) -> DetDataSample:
    """A copy of the sample whose gt/pred/ignored boxes are scaled.

    Args:
        data_sample (DetDataSample): boxes in pixels of the drawn image.
        sx (float): horizontal factor.
        sy (float): vertical factor.

    Returns:
        DetDataSample: a new sample; the input is left unchanged.
    """
    sample = data_sample.clone()  # shallow: instances are replaced below
    for key in INSTANCE_KEYS:
        if key not in sample or 'bboxes' not in sample.get(key):
            continue
        inst = sample.get(key).clone()
        boxes = inst.bboxes
        if isinstance(boxes, BaseBoxes):
            boxes = boxes.clone()
            boxes.rescale_((sx, sy))
        else:
            boxes = boxes * boxes.new_tensor([sx, sy, sx, sy])  # [N, 4]
        inst.bboxes = boxes
        sample.set_field(inst, key)
    return sample


@VISUALIZERS.register_module()
class UpscaledDetLocalVisualizer(DetLocalVisualizer):
    """DetLocalVisualizer that first scales small images and their boxes.

    Labels and lines keep their size in pixels, so on a 112 px image they
    cover the objects; drawing on the image scaled to ``min_size`` keeps
    them readable. Samples with masks are drawn unscaled.

    Args:
        min_size (int): shorter side of the drawn picture in pixels; larger
            images are drawn as they are. Defaults to 448.
        interpolation (str): mmcv interpolation for the image.
            Defaults to 'bilinear'.
        name (str), *args, **kwargs: DetLocalVisualizer's arguments.
    """

    def __init__(self, name: str = 'visualizer', *args, min_size: int = 448,
                 interpolation: str = 'bilinear', **kwargs) -> None:
        super().__init__(name, *args, **kwargs)
        self.min_size = int(min_size)
        self.interpolation = interpolation

    def add_datasample(self, name: str, image: np.ndarray,
                       data_sample: Optional[DetDataSample] = None,
                       *args, **kwargs) -> None:
        """Scale the image (and the sample's boxes), then draw as mmdet does.

        Args:
            name (str): the image identifier.
            image (np.ndarray): [H, W, 3] RGB image.
            data_sample (DetDataSample, optional): gts and predictions in
                pixels of ``image``. Defaults to None.
            *args, **kwargs: DetLocalVisualizer.add_datasample's arguments.
        """
        h, w = image.shape[:2]
        new_w, new_h = upscaled_size((h, w), self.min_size)
        has_masks = data_sample is not None and any(
            key in data_sample and 'masks' in data_sample.get(key)
            for key in INSTANCE_KEYS)
        if (new_w, new_h) != (w, h) and not has_masks:
            image = mmcv.imresize(image, (new_w, new_h),
                                  interpolation=self.interpolation)
            if data_sample is not None:
                data_sample = scale_instances(data_sample, new_w / w,
                                              new_h / h)
        super().add_datasample(name, image, data_sample, *args, **kwargs)
