"""Per-image sizes and scale factors from image metas, as [B, 4] tensors."""
from typing import Optional, Sequence, Union

import torch
from torch import Tensor

XY_KEYS = ('scale_factor', )  # stored (x, y); every other key is (h, w)
INPUT_SHAPE_KEYS = ('batch_input_shape', 'img_shape')  # the network input


def meta_scales(batch_img_metas: Sequence[dict],
                key: Union[str, Sequence[str]],
                like: Optional[Tensor] = None,
                default: Optional[Sequence[float]] = None) -> Tensor:
    """``(w, h, w, h)`` or ``(sx, sy, sx, sy)`` of every image, batched.

    Shape keys (``batch_input_shape``, ``img_shape``, ``ori_shape``, ...)
    hold ``(h, w[, c])`` and give ``(w, h, w, h)``; ``scale_factor`` holds
    ``(sx, sy)`` and gives ``(sx, sy, sx, sy)``. Multiplying x1y1x2y2 boxes by
    the result scales x by the first and y by the second entry.

    Args:
        batch_img_metas (Sequence[dict]): image metas (or data samples'
            metainfo dicts), one per image.
        key (str | Sequence[str]): the meta key, or keys tried in order,
            e.g. ``('batch_input_shape', 'img_shape')``. All of one kind
            (shape or ``scale_factor``).
        like (Tensor, optional): gives dtype and device. Defaults to None
            (float32 on the CPU).
        default (Sequence[float], optional): value, in the key's own order,
            for an image with none of the keys. Defaults to None (such an
            image raises ``KeyError``).

    Returns:
        Tensor: [B, 4].

    Raises:
        KeyError: an image has none of ``key`` and there is no ``default``.
        ValueError: ``key`` mixes shape keys and ``scale_factor``.
    """
    keys = (key, ) if isinstance(key, str) else tuple(key)
    xy = [k in XY_KEYS for k in keys]
    if not keys or any(xy) != all(xy):
        raise ValueError(f'meta_scales: keys {keys} must be all shape keys '
                         f'or all of {XY_KEYS}')
    pairs = [_first_value(meta, keys, default)[:2] for meta in batch_img_metas]
    values = torch.tensor([[float(a), float(b)] for a, b in pairs],
                          dtype=torch.float32 if like is None else like.dtype,
                          device=None if like is None else like.device)
    values = values.reshape(-1, 2)  # [B, 2], also for B = 0
    if not xy[0]:
        values = values.flip(-1)  # (h, w) -> (w, h)
    return values.repeat(1, 2)  # [B, 4]


def _first_value(meta: dict, keys: Sequence[str],
                 default: Optional[Sequence[float]]) -> Sequence[float]:
    """The value of the first of ``keys`` in ``meta``, else ``default``."""
    for k in keys:
        if k in meta and meta[k] is not None:
            return tuple(meta[k])
    if default is None:
        raise KeyError(f'image meta has none of {list(keys)} '
                       f'(has {sorted(meta)})')
    return tuple(default)
