from .checkpoint_safety import MMENGINE_CHECKPOINT_GLOBALS, allow_mmengine_checkpoints

__all__ = ['MMENGINE_CHECKPOINT_GLOBALS', 'allow_mmengine_checkpoints']
