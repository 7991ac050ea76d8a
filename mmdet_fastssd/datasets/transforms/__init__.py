"""Data transforms of the lecture's training recipe.

Horizontal flip and rotation use mmdet's own ``RandomFlip`` and ``Rotate``
(``Rotate`` rotates each box's corners and takes the enclosing box); this
package adds fast.ai's ``RandomLighting`` and an image loader that keeps
decoded images in memory, and a ``MinIoURandomCrop`` whose trials are
checked at once.
"""
from .batched_min_iou_crop import BatchedMinIoURandomCrop
from .cached_loading import CachedLoadImageFromFile
from .random_lighting import RandomLighting, lighting

__all__ = [
    'BatchedMinIoURandomCrop', 'CachedLoadImageFromFile', 'RandomLighting',
    'lighting'
]
