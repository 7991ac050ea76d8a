"""``LoadImageFromFile`` that keeps decoded images in memory.

A small data set trained for many epochs decodes every image once per
epoch; when the decoded images fit in memory that work is done once.
Where a step's time goes, with and without the cache: docs/results.md.
"""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import LoadImageFromFile

from mmdet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CachedLoadImageFromFile(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` with a per-process cache of images.

    The first load of a path decodes it as ``LoadImageFromFile`` does and
    keeps the array while the cache holds fewer than ``max_cache_mb``
    megabytes; later loads return a copy of it, so a transform that
    changes the image in place never changes the cache. Once the cache is
    full, further paths are decoded every time. Each data loader worker
    process holds its own cache: with ``num_workers=0`` there is one.

    Args:
        max_cache_mb (float): most megabytes of decoded pixels to keep.
            Defaults to 2048.0.
        **kwargs: ``LoadImageFromFile`` arguments (``to_float32``,
            ``color_type``, ``imdecode_backend``, ``ignore_empty``,
            ``backend_args``).
    """

    def __init__(self, max_cache_mb: float = 2048.0, **kwargs) -> None:
        super().__init__(**kwargs)
        if max_cache_mb < 0:
            raise ValueError(
                f'CachedLoadImageFromFile: max_cache_mb must be >= 0, got '
                f'{max_cache_mb}')
        self.max_cache_bytes = int(max_cache_mb * 2**20)
        self.cached_bytes = 0
        self._cache: Dict[str, np.ndarray] = {}

    def transform(self, results: dict) -> Optional[dict]:
        """Load ``results['img_path']``, from the cache when it is there.

        Args:
            results (dict): needs ``img_path``.

        Returns:
            dict | None: ``results`` with ``img``, ``img_shape`` and
            ``ori_shape``; None for an unreadable file with
            ``ignore_empty``.
        """
        path = results['img_path']
        img = self._cache.get(path)
        if img is None:
            results = super().transform(results)
            if results is not None:
                self._keep(path, results['img'])
            return results
        img = img.copy()
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def _keep(self, path: str, img: np.ndarray) -> None:
        """Cache a copy of ``img`` when it fits in what is left."""
        if self.cached_bytes + img.nbytes <= self.max_cache_bytes:
            self._cache[path] = img.copy()
            self.cached_bytes += img.nbytes

    def __repr__(self) -> str:
        return (super().__repr__().rstrip(')') +
                f', max_cache_mb={self.max_cache_bytes / 2**20:g})')
