"""Data transforms of the lecture's training recipe.

Horizontal flip and rotation use mmdet's own ``RandomFlip`` and ``Rotate``
(``Rotate`` rotates each box's corners and takes the enclosing box); this
package adds fast.ai's ``RandomLighting`` and an image loader that keeps
decoded images in memory, a ``MinIoURandomCrop`` whose trials are
checked at once and an ``Expand`` that fills only the canvas's border.
"""
from .batched_min_iou_crop import BatchedMinIoURandomCrop
from .border_fill_expand import BorderFillExpand
from .cached_loading import CachedLoadImageFromFile
from .random_lighting import RandomLighting, lighting

__all__ = [
    'BatchedMinIoURandomCrop', 'BorderFillExpand', 'CachedLoadImageFromFile',
    'RandomLighting', 'lighting'
]
