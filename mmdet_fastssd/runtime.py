"""The plugin's changes to MMEngine, in one switch that is off by default.

``import mmdet_fastssd`` only registers components. Importing this module
(or calling :func:`enable`) also changes MMEngine process-wide, where
MMEngine 0.10.7 with torch >= 2.6 or without a GPU falls short:

- checkpoints: torch's ``weights_only`` loader allow-lists exactly the
  classes MMEngine writes into checkpoints, and MMEngine's local loader
  explains a refused or truncated file (``utils.checkpoint_safety``);
- ``http(s)://`` checkpoints: downloaded once, the hash in the file name
  checked, loaded ``weights_only`` (``utils.checkpoint_url``);
- saves: MMEngine's ``local`` storage backend writes through a temporary
  file and a rename (``utils.atomic_save``);
- ``torchrun`` without a GPU: MMEngine's launcher and DDP wrapper work on
  CPUs with gloo (``utils.cpu_distributed``).

What each is for and what you lose without it: docs/reliability.md. The
project's tools turn it on; turn it on from your own config with::

    custom_imports = dict(
        imports=['mmdet_fastssd', 'mmdet_fastssd.runtime'],
        allow_failed_imports=False)

or in Python with ``from mmdet_fastssd import runtime; runtime.enable()``.
"""
from .utils.atomic_save import use_atomic_saves
from .utils.checkpoint_safety import allow_mmengine_checkpoints
from .utils.checkpoint_url import register_http_loader
from .utils.cpu_distributed import enable_cpu_distributed

__all__ = ['enable', 'FIXES']

# name -> function; each is idempotent
FIXES = dict(
    checkpoint_allow_list=allow_mmengine_checkpoints,
    http_checkpoints=register_http_loader,
    atomic_saves=use_atomic_saves,
    cpu_distributed=enable_cpu_distributed)


def enable() -> None:
    """Turn on every MMEngine fix of the plugin (idempotent).

    Call it before the runner loads or saves anything and before a
    distributed launch (``Runner.from_cfg``); importing this module calls
    it.
    """
    for fix in FIXES.values():
        fix()


enable()
