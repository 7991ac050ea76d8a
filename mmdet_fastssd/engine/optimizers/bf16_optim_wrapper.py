"""bfloat16 autocast for training on CPUs as well as GPUs.

MMEngine's ``AmpOptimWrapper`` refuses to start without CUDA/NPU/MLU, but
``torch.autocast('cpu', torch.bfloat16)`` runs convolutions on CPUs with
bf16 units (AVX512-BF16, AMX) through oneDNN (measured speed-ups:
docs/results.md). bf16 keeps float32's exponent range, so unlike float16 no
loss scaling is needed: backward and step are the plain ``OptimWrapper``'s.
"""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mmdet.registry import OPTIM_WRAPPERS

__all__ = ['BF16AutocastOptimWrapper']


@OPTIM_WRAPPERS.register_module()
class BF16AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward context autocasts to bfloat16.

    The model's forward and loss run under ``torch.autocast`` on the device
    of the model's first parameter (``'cpu'`` or ``'cuda'``); parameters,
    gradients and optimizer state stay float32.

    Args:
        enabled (bool): autocast at all; False makes it a plain
            ``OptimWrapper``. Defaults to True.
        **kwargs: ``OptimWrapper``'s arguments (``optimizer``,
            ``accumulative_counts``, ``clip_grad``).

    Example:
        >>> optim_wrapper = dict(type='BF16AutocastOptimWrapper',
        ...                      optimizer=dict(type='Adam', lr=1e-3))
    """

    def __init__(self, enabled: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.enabled = enabled

    @contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-accumulation context of the parent, plus autocast.

        Args:
            model (nn.Module): the model being trained.
        """
        param = next(model.parameters(), None)
        device = 'cpu' if param is None else param.device.type
        with super().optim_context(model), torch.autocast(
                device_type=device, dtype=torch.bfloat16,
                enabled=self.enabled):
            yield
