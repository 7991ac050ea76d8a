"""mmdet_fastssd: fast.ai lesson 9 single-shot detectors for MMDetection 3.x.

Importing the package registers every component into ``mmdet.registry`` and
allow-lists the classes MMEngine stores in checkpoints for torch's
``weights_only`` loader; ``http(s)://`` checkpoints load through
``utils.checkpoint_url`` (hash in the file name checked); MMEngine's local
saves become atomic and its torchrun launcher works without a GPU. Configs
load it with::

    custom_imports = dict(imports=['mmdet_fastssd'],
                          allow_failed_imports=False)
"""
from .utils import (
    allow_mmengine_checkpoints,
    enable_cpu_distributed,
    register_http_loader,
    use_atomic_saves,
)

allow_mmengine_checkpoints()
register_http_loader()
use_atomic_saves()
enable_cpu_distributed()

from . import datasets, engine, evaluation, models  # noqa: E402,F401,I001  (registers)
from . import visualization  # noqa: E402,F401  (registers the visualizer)

__version__ = '0.1.0'
