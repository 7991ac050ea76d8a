from .checkpoint_safety import MMENGINE_CHECKPOINT_GLOBALS, allow_mmengine_checkpoints
from .checkpoint_url import load_from_http, register_http_loader

__all__ = ['MMENGINE_CHECKPOINT_GLOBALS', 'allow_mmengine_checkpoints',
           'load_from_http', 'register_http_loader']
