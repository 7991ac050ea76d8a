from .average_precision import average_precision
from .largest_object_metric import LargestObjectMetric
from .multilabel_metric import MultiLabelMetric

__all__ = ['LargestObjectMetric', 'MultiLabelMetric', 'average_precision']
