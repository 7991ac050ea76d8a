from .assigners import MaxOverlapAssigner
from .coders import TanhOffsetCoder
from .prior_generators import FastSSDAnchorGenerator

__all__ = ['FastSSDAnchorGenerator', 'MaxOverlapAssigner', 'TanhOffsetCoder']
