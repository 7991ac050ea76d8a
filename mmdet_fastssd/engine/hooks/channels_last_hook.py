"""Channels-last (NHWC) memory format for the model's 4-d weights.

oneDNN on CPUs (and cuDNN on tensor-core GPUs) run convolutions natively in
NHWC; with NCHW weights every convolution reorders its operands. Converting
the model once makes each convolution's output NHWC too, so the reorders
vanish after the first layer (measured speed-up: docs/results.md). Results
are unchanged: the memory format changes strides, not values.
"""
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmdet.registry import HOOKS

__all__ = ['ChannelsLastHook']


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Put the model's parameters and buffers in channels-last format.

    Runs once in ``before_run``, before any step, so the optimizer (which
    holds the same ``Parameter`` objects) builds its state in the same
    format. Checkpoints stay loadable by a contiguous model:
    ``load_state_dict`` copies values whatever the strides.

    Args:
        enabled (bool): convert at all; False leaves the model as it is.
            Defaults to True.

    Example:
        >>> custom_hooks = [dict(type='ChannelsLastHook')]
    """

    priority = 'VERY_HIGH'

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def before_run(self, runner) -> None:
        """Convert ``runner.model`` (unwrapped if DDP) in place.

        Args:
            runner (Runner): the runner; its ``model`` is converted.
        """
        if not self.enabled:
            return
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        model.to(memory_format=torch.channels_last)
