"""mmdet's ``Expand`` with the canvas filled around the photo only.

mmdet's ``Expand`` fills the whole canvas (up to ``ratio**2`` times the
photo) with the mean pixel through numpy's broadcast of a 3-value fill,
then copies the photo over the middle. This one draws the same random
numbers in the same order and returns the same pixels and boxes, but fills
only the border around the photo, a whole row of pixels at a time. What it
saves per photo: docs/benchmarks.md.
"""
import numpy as np

from mmdet.datasets.transforms import Expand
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import autocast_box_type


def fill_row(width: int, channels: int, mean, dtype) -> np.ndarray:
    """One canvas row of the fill colour, cast as mmdet's ``Expand`` does.

    Args:
        width (int): pixels in the row.
        channels (int): values per pixel.
        mean (sequence[float]): fill value per channel (already in the
            image's channel order).
        dtype: the image's dtype.

    Returns:
        np.ndarray: ``[width, channels]`` of ``dtype``.
    """
    mean = np.asarray(mean)
    if np.all(mean == mean[0]):  # mmdet: np.empty(...).fill(mean[0])
        row = np.empty((width, channels), dtype)
        row.fill(mean[0])
        return row
    return np.full((width, channels), mean, dtype=dtype)  # mmdet: np.full


def paste_on_canvas(img: np.ndarray, canvas_hw, left: int, top: int,
                    row: np.ndarray) -> np.ndarray:
    """``img`` at (``left``, ``top``) on a canvas of ``row``'s colour.

    Args:
        img (np.ndarray): ``[h, w, c]`` photo.
        canvas_hw (tuple[int, int]): canvas height and width, each at least
            the photo's plus its offset.
        left (int): photo's first column on the canvas.
        top (int): photo's first row on the canvas.
        row (np.ndarray): ``[W, c]`` fill row, ``W`` the canvas width.

    Returns:
        np.ndarray: ``[H, W, c]`` canvas.
    """
    h, w, c = img.shape
    height, width = canvas_hw
    canvas = np.empty((height, width, c), img.dtype)
    canvas[:top] = row  # [top, W, c] from [W, c]: whole rows
    canvas[top + h:] = row
    canvas[top:top + h, :left] = row[:left]
    canvas[top:top + h, left + w:] = row[left + w:]
    canvas[top:top + h, left:left + w] = img
    return canvas


@TRANSFORMS.register_module()
class BorderFillExpand(Expand):
    """mmdet's ``Expand`` (the SSD paper's zoom-out), border filled only.

    Same arguments, random draws, output image, boxes, masks and
    segmentation map as ``mmdet.datasets.transforms.Expand``; only the
    canvas fill differs in how it is done.

    Args:
        mean (sequence[float]): fill value per channel. Defaults to
            (0, 0, 0).
        to_rgb (bool): reverse ``mean`` to the image's order. Defaults to
            True.
        ratio_range (sequence[float]): range of the canvas / photo side
            ratio. Defaults to (1, 4).
        seg_ignore_label (int, optional): fill of the segmentation map's
            border. Defaults to None.
        prob (float): probability of expanding. Defaults to 0.5.
    """

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        """Expand ``results`` as mmdet's ``Expand.transform`` does.

        Args:
            results (dict): needs ``img``; ``gt_bboxes``, ``gt_masks`` and
                ``gt_seg_map`` are moved with it when present.

        Returns:
            dict: ``results`` with the canvas as ``img`` and ``img_shape``.
        """
        if self._random_prob() > self.prob:
            return results
        img = results['img']
        h, w, c = img.shape
        ratio = self._random_ratio()
        height, width = int(h * ratio), int(w * ratio)
        left, top = self._random_left_top(ratio, h, w)
        row = fill_row(width, c, self.mean, img.dtype)
        results['img'] = paste_on_canvas(img, (height, width), left, top,
                                         row)
        results['img_shape'] = results['img'].shape[:2]
        if results.get('gt_bboxes', None) is not None:
            results['gt_bboxes'].translate_([left, top])
        if results.get('gt_masks', None) is not None:
            results['gt_masks'] = results['gt_masks'].expand(
                height, width, top, left)
        if results.get('gt_seg_map', None) is not None:
            seg = results['gt_seg_map']
            canvas = np.full((height, width), self.seg_ignore_label,
                             dtype=seg.dtype)
            canvas[top:top + h, left:left + w] = seg
            results['gt_seg_map'] = canvas
        return results
