from .max_overlap_assigner import MaxOverlapAssigner

__all__ = ['MaxOverlapAssigner']
