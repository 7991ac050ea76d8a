"""mmdet's ``MinIoURandomCrop`` with each round's trials drawn at once.

mmdet's transform tries up to 50 random crops one after another, and each
try measures the crop against the boxes with a torch call. On a crowded
photo (a blood smear has about 13 cells) its rule "every box overlaps the
crop by ``min_iou``" almost never holds, so the 50 tries run to the end
round after round. Here one round draws its 50 crops as arrays and
checks them in one numpy step, with the same distributions and the same
rule; ``iou_rule='any'`` gives the SSD paper's rule instead (at least one
box overlaps the crop by ``min_iou``). Measured cost of both:
docs/benchmarks.md.
"""
from typing import Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from numpy import random

from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import autocast_box_type

IOU_RULES = ('all', 'any')


def patch_ious(patches: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of each crop with each box (mmdet's ``bbox_overlaps`` formula).

    Args:
        patches (np.ndarray): [T, 4] crops, (x1, y1, x2, y2).
        boxes (np.ndarray): [G, 4] boxes, (x1, y1, x2, y2).

    Returns:
        np.ndarray: [T, G] IoU.
    """
    lt = np.maximum(patches[:, None, :2], boxes[None, :, :2])  # [T, G, 2]
    rb = np.minimum(patches[:, None, 2:], boxes[None, :, 2:])  # [T, G, 2]
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]  # [T, G]
    area_p = np.prod(patches[:, 2:] - patches[:, :2], axis=1)  # [T]
    area_b = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)  # [G]
    union = area_p[:, None] + area_b[None, :] - inter
    return inter / np.maximum(union, 1e-6)


def centers_inside(patches: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Whether each box centre lies strictly inside each crop.

    Args:
        patches (np.ndarray): [T, 4] crops.
        centers (np.ndarray): [G, 2] box centres.

    Returns:
        np.ndarray: [T, G] bool.
    """
    x, y = centers[None, :, 0], centers[None, :, 1]  # [1, G]
    return ((x > patches[:, 0:1]) & (y > patches[:, 1:2]) &
            (x < patches[:, 2:3]) & (y < patches[:, 3:4]))


@TRANSFORMS.register_module()
class BatchedMinIoURandomCrop(BaseTransform):
    """Random crop under a minimum-IoU constraint, trials checked at once.

    Each round picks a mode from ``(1, *min_ious, 0)``: 1 keeps the image
    whole; otherwise it draws ``trials`` crops (sides uniform in
    ``[min_crop_size, 1]`` of the image's, aspect h/w in ``[0.5, 2]``,
    position uniform) and takes the first whose IoU with the boxes passes
    ``iou_rule`` at ``min_iou`` = the mode and which holds at least one box
    centre. Boxes whose centres fall outside the crop are dropped, the rest
    shifted (and clipped with ``bbox_clip_border``). With no crop passing,
    a new round starts, as in mmdet. Uses numpy's global generator, so the
    runner's seed fixes it.

    Args:
        min_ious (Sequence[float]): IoU thresholds to pick from.
            Defaults to (0.1, 0.3, 0.5, 0.7, 0.9).
        min_crop_size (float): smallest crop side as a share of the image's.
            Defaults to 0.3.
        bbox_clip_border (bool): clip kept boxes to the crop.
            Defaults to True.
        iou_rule (str): 'all' (mmdet's: every box overlaps the crop by
            ``min_iou``) or 'any' (the SSD paper's: at least one does).
            Defaults to 'all'.
        trials (int): crops drawn per round. Defaults to 50.
    """

    def __init__(self,
                 min_ious: Sequence[float] = (0.1, 0.3, 0.5, 0.7, 0.9),
                 min_crop_size: float = 0.3,
                 bbox_clip_border: bool = True,
                 iou_rule: str = 'all',
                 trials: int = 50) -> None:
        if iou_rule not in IOU_RULES:
            raise ValueError(f'BatchedMinIoURandomCrop: iou_rule must be one '
                             f'of {IOU_RULES}, got {iou_rule!r}')
        if not 0 < min_crop_size <= 1:
            raise ValueError(f'BatchedMinIoURandomCrop: min_crop_size must be '
                             f'in (0, 1], got {min_crop_size}')
        self.min_ious = tuple(min_ious)
        self.sample_mode = (1, *self.min_ious, 0)
        self.min_crop_size = min_crop_size
        self.bbox_clip_border = bbox_clip_border
        self.iou_rule = iou_rule
        self.trials = trials

    def draw_patches(self, w: int, h: int) -> np.ndarray:
        """One round's crops that have a valid shape.

        Args:
            w (int): image width.
            h (int): image height.

        Returns:
            np.ndarray: [T', 4] int crops (x1, y1, x2, y2), T' <= trials,
            in the order drawn.
        """
        new_w = random.uniform(self.min_crop_size * w, w, self.trials)
        new_h = random.uniform(self.min_crop_size * h, h, self.trials)
        left = random.uniform(0, 1, self.trials) * (w - new_w)
        top = random.uniform(0, 1, self.trials) * (h - new_h)
        patches = np.stack([left, top, left + new_w, top + new_h],
                           axis=1).astype(np.int64)  # [T, 4]
        ratio = new_h / new_w
        sides = patches[:, 2:] > patches[:, :2]  # [T, 2]: no line crops
        ok = (ratio >= 0.5) & (ratio <= 2) & sides.all(1)
        return patches[ok]

    def pick(self, patches: np.ndarray, boxes: np.ndarray,
             centers: np.ndarray, min_iou: float) -> int:
        """Index of the first crop that passes, or -1.

        Args:
            patches (np.ndarray): [T, 4] crops.
            boxes (np.ndarray): [G, 4] boxes.
            centers (np.ndarray): [G, 2] box centres.
            min_iou (float): the round's threshold.

        Returns:
            int: index into ``patches``; -1 when none passes.
        """
        if len(patches) == 0:
            return -1
        if len(boxes) == 0:
            return 0
        ious = patch_ious(patches.astype(np.float32), boxes)  # [T, G]
        fits = ious >= min_iou
        iou_ok = fits.all(1) if self.iou_rule == 'all' else fits.any(1)
        ok = iou_ok & centers_inside(patches, centers).any(1)  # [T]
        return int(np.argmax(ok)) if ok.any() else -1

    def find_patch(self, w: int, h: int, boxes: np.ndarray,
                   centers: np.ndarray) -> Tuple[bool, np.ndarray]:
        """Rounds until one keeps the image or finds a crop.

        Args:
            w (int): image width.
            h (int): image height.
            boxes (np.ndarray): [G, 4] boxes.
            centers (np.ndarray): [G, 2] box centres.

        Returns:
            tuple[bool, np.ndarray]: (crop?, the [4] crop).
        """
        while True:
            mode = self.sample_mode[random.randint(len(self.sample_mode))]
            if mode == 1:
                return False, np.zeros(4, np.int64)
            patches = self.draw_patches(w, h)
            k = self.pick(patches, boxes, centers, mode)
            if k >= 0:
                return True, patches[k]

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        """Crop ``img`` and its boxes, labels and ignore flags.

        Args:
            results (dict): needs ``img`` and ``gt_bboxes``.

        Returns:
            dict: ``results``, cropped or whole; ``img_shape`` updated.
        """
        img, boxes = results['img'], results['gt_bboxes']
        h, w = img.shape[:2]
        box_arr = boxes.numpy().astype(np.float32)  # [G, 4]
        centers = boxes.centers.numpy()  # [G, 2]
        crop, patch = self.find_patch(w, h, box_arr, centers)
        if not crop:
            return results
        if len(box_arr):
            keep = centers_inside(patch[None], centers)[0]  # [G]
            boxes = boxes[keep]
            boxes.translate_([-patch[0], -patch[1]])
            if self.bbox_clip_border:
                boxes.clip_([patch[3] - patch[1], patch[2] - patch[0]])
            results['gt_bboxes'] = boxes
            for key in ('gt_bboxes_labels', 'gt_ignore_flags'):
                if results.get(key) is not None:
                    results[key] = results[key][keep]
        img = img[patch[1]:patch[3], patch[0]:patch[2]]
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_ious={self.min_ious}, '
                f'min_crop_size={self.min_crop_size}, '
                f'bbox_clip_border={self.bbox_clip_border}, '
                f'iou_rule={self.iou_rule!r}, trials={self.trials})')
