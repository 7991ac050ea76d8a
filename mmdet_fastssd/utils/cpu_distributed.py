"""Let MMEngine's ``pytorch`` launcher run on machines without a GPU.

MMEngine 0.10.7 assumes CUDA in two places of a torchrun launch
(``tools/dist_train.sh``, ``tools/dist_test.sh``): ``init_dist`` calls
``torch.cuda.set_device(local_rank)`` before creating the process group,
and ``Runner.wrap_model`` passes ``device_ids=[local_rank]`` to
``MMDistributedDataParallel``, which torch refuses for a model on the CPU.
:func:`enable_cpu_distributed` patches exactly those two steps, and only
where they would fail: with CUDA (or another accelerator MMEngine knows)
nothing changes. Without CUDA the ``nccl`` backend (MMDetection's default)
is replaced by ``gloo`` with a warning; ``env_cfg.dist_cfg.backend='gloo'``
says so explicitly.
"""
import logging

import torch
import torch.distributed as torch_dist
from mmengine.device import (
    is_mlu_available,
    is_musa_available,
    is_npu_available,
)
from mmengine.dist import utils as dist_utils
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel

__all__ = ['enable_cpu_distributed']

_init_dist_pytorch = dist_utils._init_dist_pytorch
_ddp_init = MMDistributedDataParallel.__init__


def _no_accelerator() -> bool:
    """True when MMEngine's launcher would have no device to select."""
    return not (torch.cuda.is_available() or is_mlu_available()
                or is_npu_available() or is_musa_available())


def _init_dist_pytorch_cpu(backend: str = 'nccl', init_backend: str = 'torch',
                           **kwargs) -> None:
    """MMEngine's ``_init_dist_pytorch`` without ``cuda.set_device`` on CPU.

    Args:
        backend (str): process-group backend; ``nccl`` becomes ``gloo``
            without CUDA. Defaults to 'nccl'.
        init_backend (str): only ``'torch'`` is supported on CPU.
            Defaults to 'torch'.
        **kwargs: ``init_process_group`` arguments (``timeout``).
    """
    if not _no_accelerator() or init_backend != 'torch':
        return _init_dist_pytorch(backend, init_backend=init_backend,
                                  **kwargs)
    if backend == 'nccl':
        print_log(
            'no CUDA device: using the gloo backend instead of nccl (set '
            "env_cfg.dist_cfg.backend='gloo' to say so)", logger='current',
            level=logging.WARNING)
        backend = 'gloo'
    torch_dist.init_process_group(backend=backend, **kwargs)


def _ddp_init_cpu(self, module, detect_anomalous_params: bool = False,
                  **kwargs) -> None:
    """``MMDistributedDataParallel.__init__`` without device_ids on CPU."""
    params = list(module.parameters())
    if kwargs.get('device_ids') and params and \
            params[0].device.type == 'cpu':
        kwargs['device_ids'] = None
    _ddp_init(self, module, detect_anomalous_params, **kwargs)


def enable_cpu_distributed() -> None:
    """Patch MMEngine's launcher and DDP wrapper for CPU-only machines.

    Idempotent.
    """
    dist_utils._init_dist_pytorch = _init_dist_pytorch_cpu
    MMDistributedDataParallel.__init__ = _ddp_init_cpu
