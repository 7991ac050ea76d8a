from .hooks import *  # noqa: F401,F403
from .hooks import __all__ as _hooks_all
from .optimizers import BF16AutocastOptimWrapper
from .schedules import fastai_clr

__all__ = [*_hooks_all, 'BF16AutocastOptimWrapper', 'fastai_clr']
