from .atomic_save import AtomicLocalBackend, use_atomic_saves
from .checkpoint_safety import (
    MMENGINE_CHECKPOINT_GLOBALS,
    CorruptCheckpointError,
    UnsafeCheckpointError,
    allow_mmengine_checkpoints,
)
from .checkpoint_url import load_from_http, register_http_loader
from .cpu_distributed import enable_cpu_distributed
from .resume import find_resumable_checkpoint
from .user_errors import FastSSDUserError, exit_on_user_errors

__all__ = ['MMENGINE_CHECKPOINT_GLOBALS', 'allow_mmengine_checkpoints',
           'load_from_http', 'register_http_loader', 'AtomicLocalBackend',
           'use_atomic_saves', 'CorruptCheckpointError',
           'UnsafeCheckpointError', 'find_resumable_checkpoint',
           'FastSSDUserError', 'exit_on_user_errors', 'enable_cpu_distributed']
