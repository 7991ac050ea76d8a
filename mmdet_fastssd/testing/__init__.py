"""Testing utilities (as ``mmdet.testing``): the lecture's reference code.

:mod:`mmdet_fastssd.testing.lecture` restates fast.ai lesson 9's functions
plainly, per image; the tests compare the batched plugin against it and the
benchmark times it as the lecture's loop.
"""
from . import lecture

__all__ = ['lecture']
