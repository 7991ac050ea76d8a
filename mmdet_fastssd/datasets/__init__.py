from . import transforms  # noqa: F401  (registers the transforms)
from .checked_voc_dataset import BadAnnotationWarning, CheckedVOCDataset
from .shapes_generator import SHAPES_CLASSES, generate_shapes_voc

__all__ = ['SHAPES_CLASSES', 'generate_shapes_voc', 'BadAnnotationWarning',
           'CheckedVOCDataset']
