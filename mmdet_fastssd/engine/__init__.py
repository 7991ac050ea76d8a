from .hooks import *  # noqa: F401,F403
from .hooks import __all__ as _hooks_all
from .schedules import fastai_clr

__all__ = [*_hooks_all, 'fastai_clr']
