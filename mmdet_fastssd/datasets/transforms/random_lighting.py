"""fast.ai 0.7's RandomLighting: random brightness and contrast.

fastai 0.7 (``transforms.py``) on a 0-1 float image::

    lighting(im, b, c) = im                                 if b == 0, c == 1
                       = clip((im - mu) * c + mu + b, 0, 1) otherwise,
    mu = mean of all pixels and channels,

``RandomLighting(b, c)`` draws ``b_rand = U(-b, b)``, ``c_rand = U(-c, c)``
(``rand0(s) = random() * 2s - s``) and uses the contrast multiplier
``1 / (1 - c_rand)`` when ``c_rand < 0``, else ``1 + c_rand``: with
``c = 0.05`` it lies in ``[1/1.05, 1.05]``. The lecture uses
``RandomLighting(0.05, 0.05)``.
"""
from typing import Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmdet.registry import TRANSFORMS


def lighting(img: np.ndarray, b: float, c: float,
             max_value: float = 255.0) -> np.ndarray:
    """fastai's ``lighting`` on an image whose pixels span ``[0, max_value]``.

    The image is mapped to 0-1, changed as fastai does, and mapped back, so
    ``b`` is a fraction of the full pixel range.

    Args:
        img (np.ndarray): [H, W, C] (or [H, W]) image, integer or float.
        b (float): brightness shift, a fraction of ``max_value``.
        c (float): contrast multiplier around the image mean.
        max_value (float): the brightest pixel value. Defaults to 255.0.

    Returns:
        np.ndarray: the changed image, same shape and dtype; integer images
        are rounded to the nearest value.
    """
    if b == 0 and c == 1:
        return img
    x = img.astype(np.float32) / max_value  # 0-1 as in fastai
    mu = x.mean()
    out = np.clip((x - mu) * c + mu + b, 0., 1.) * max_value
    if np.issubdtype(img.dtype, np.integer):
        out = np.rint(out)
    return out.astype(img.dtype)


@TRANSFORMS.register_module()
class RandomLighting(BaseTransform):
    """Random brightness and contrast of fast.ai 0.7 (boxes untouched).

    Required Keys:

    - img

    Modified Keys:

    - img

    Args:
        b (float): largest brightness change, a fraction of the pixel range.
            Defaults to 0.05.
        c (float): largest contrast change (multiplier in
            ``[1 / (1 + c), 1 + c]``). Defaults to 0.05.
        max_value (float): the brightest pixel value of ``results['img']``
            (255 for mmdet's uint8 or ``to_float32`` images). Defaults to
            255.0.
    """

    def __init__(self, b: float = 0.05, c: float = 0.05,
                 max_value: float = 255.0) -> None:
        if not 0 <= b <= 1:
            raise ValueError(f'RandomLighting: b must be in [0, 1], got {b}')
        if not 0 <= c < 1:
            raise ValueError(f'RandomLighting: c must be in [0, 1), got {c}')
        if max_value <= 0:
            raise ValueError(
                f'RandomLighting: max_value must be > 0, got {max_value}')
        self.b = b
        self.c = c
        self.max_value = max_value

    @cache_randomness
    def _sample(self) -> Tuple[float, float]:
        """Draw fastai's (brightness, contrast multiplier) from numpy's RNG.

        Returns:
            tuple[float, float]: ``b`` in [-b, b] and the contrast multiplier.
        """
        b_rand = np.random.rand() * 2 * self.b - self.b
        c_rand = np.random.rand() * 2 * self.c - self.c
        contrast = 1. / (1. - c_rand) if c_rand < 0 else 1. + c_rand
        return float(b_rand), float(contrast)

    def transform(self, results: dict) -> dict:
        """Change ``results['img']``'s brightness and contrast.

        Args:
            results (dict): the pipeline's result dict.

        Returns:
            dict: the same dict with the new image.
        """
        b, c = self._sample()
        results['img'] = lighting(results['img'], b, c, self.max_value)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(b={self.b}, c={self.c}, '
                f'max_value={self.max_value})')
