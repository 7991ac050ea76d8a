"""Refuse a config whose model cannot fit its data, before the first step.

Three mistakes otherwise surface deep inside the first iteration (a conv
shape error, a grid-size error from the anchor generator) or not at all
(a head with more classes than the data trains silently, one with fewer
fails on an out-of-range label):

* ``model.bbox_head.num_classes`` against the dataset's ``classes``;
* ``model.bbox_head.in_channels`` against the backbone's channels;
* the head's output grids against ``anchor_generator.grid_sizes`` at the
  pipeline's input size.

The last two come from a dry forward of one real sample of the dataset
(pipeline, data preprocessor, backbone, neck and head) in eval mode without
gradients, so BatchNorm statistics and weights do not change, and with the
random states of ``random``, NumPy and torch put back afterwards, so the
training that follows (and a resumed one) draws the same numbers.
"""
import random
from contextlib import contextmanager
from typing import Iterator, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmdet.registry import HOOKS

from ...utils.user_errors import FastSSDUserError

__all__ = ['ConfigCheckHook', 'ConfigMistake']


class ConfigMistake(FastSSDUserError, ValueError):
    """A config whose model does not fit its data; names the key to fix."""


def _head_in_channels(head: nn.Module) -> Optional[int]:
    """``head.in_channels``, else the input channels of its first conv."""
    value = getattr(head, 'in_channels', None)
    if isinstance(value, int):
        return value
    conv = next((m for m in head.modules() if isinstance(m, nn.Conv2d)), None)
    return None if conv is None else conv.in_channels


def _grid_text(sizes: Sequence[Tuple[int, int]]) -> str:
    return '/'.join(f'{h}x{w}' for h, w in sizes)


@HOOKS.register_module()
class ConfigCheckHook(Hook):
    """Check the model against the data at ``before_train``/``val``/``test``.

    The class count is checked against each loop's dataset; the dry forward
    runs once, on the first loop's first sample.

    Args:
        dry_forward (bool): run the channel and grid checks.
            Defaults to True.

    Example:
        >>> default_hooks = dict(config_check=dict(type='ConfigCheckHook'))
    """

    priority = 'VERY_HIGH'

    def __init__(self, dry_forward: bool = True) -> None:
        self.dry_forward = dry_forward
        self._forward_done = False

    def before_train(self, runner) -> None:
        """Check against ``train_dataloader.dataset``."""
        self._check(runner, runner.train_dataloader, 'train_dataloader')

    def before_val(self, runner) -> None:
        """Check against ``val_dataloader.dataset``."""
        self._check(runner, runner.val_dataloader, 'val_dataloader')

    def before_test(self, runner) -> None:
        """Check against ``test_dataloader.dataset``."""
        self._check(runner, runner.test_dataloader, 'test_dataloader')

    def _check(self, runner, dataloader, key: str) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        head = getattr(model, 'bbox_head', None)
        if head is None:
            return
        check_num_classes(head, dataloader.dataset, key)
        if self.dry_forward and not self._forward_done:
            self._forward_done = True
            check_forward(model, dataloader.dataset, key)


def check_num_classes(head: nn.Module, dataset, key: str) -> None:
    """Raise when the head's class count differs from the dataset's.

    Args:
        head (nn.Module): the model's ``bbox_head``.
        dataset: a dataset with ``metainfo['classes']``.
        key (str): the config key of its dataloader, for the message.

    Raises:
        ConfigMistake: names both keys and the fix.
    """
    classes = tuple(getattr(dataset, 'metainfo', {}).get('classes') or ())
    num = getattr(head, 'num_classes', None)
    if not classes or num is None or num == len(classes):
        return
    shown = classes if len(classes) <= 10 else classes[:10] + ('...', )
    raise ConfigMistake(
        f'model.bbox_head.num_classes={num} does not match the '
        f'{len(classes)} classes of {key}.dataset (metainfo.classes='
        f'{shown}): set model.bbox_head.num_classes={len(classes)}, or list '
        f'the {num} class names in {key}.dataset.metainfo.classes.')


@contextmanager
def kept_random_state() -> Iterator[None]:
    """Put back the random states of ``random``, NumPy and torch."""
    states = (random.getstate(), np.random.get_state(),
              torch.get_rng_state())
    cuda = (torch.cuda.get_rng_state_all()
            if torch.cuda.is_available() else None)
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)


def _dry_batch(model: nn.Module, dataset, key: str) -> torch.Tensor:
    """One sample through the pipeline and the data preprocessor."""
    if len(dataset) == 0:
        raise ConfigMistake(f'{key}.dataset is empty: check its ann_file, '
                            'data_root and filter_cfg.')
    data = model.data_preprocessor(pseudo_collate([dataset[0]]), False)
    return data['inputs']  # [1, 3, H, W]


def check_forward(model: nn.Module, dataset, key: str) -> None:
    """Dry forward: head channels and anchor grids against the backbone.

    Args:
        model (nn.Module): the detector (unwrapped).
        dataset: the loop's dataset; its first sample is used.
        key (str): the config key of its dataloader, for the message.

    Raises:
        ConfigMistake: names the config key and the fix.
    """
    head = model.bbox_head
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), kept_random_state():
            inputs = _dry_batch(model, dataset, key)
            feats = model.extract_feat(inputs)
            fine = getattr(head, 'fine_levels', 0)
            for feat in feats[max(0, len(feats) - 1 - fine):]:
                _check_channels(head, feat, inputs.shape[-2:])
            outs = head(feats)
    finally:
        model.train(was_training)
    _check_grids(head, feats[-1].shape[-2:], outs, inputs.shape[-2:], key)


def _check_channels(head: nn.Module, feat: torch.Tensor,
                    input_hw: Sequence[int]) -> None:
    """Raise when the head expects other channels than the backbone's."""
    want = _head_in_channels(head)
    got = feat.size(1)
    if want is None or want == got:
        return
    raise ConfigMistake(
        f'model.bbox_head.in_channels={want} but the backbone (and neck) '
        f'give {got}-channel maps ({got}x{feat.size(2)}x{feat.size(3)} at '
        f'a {input_hw[0]}x{input_hw[1]} input): set '
        f'model.bbox_head.in_channels={got}, or change model.backbone '
        '(depth, base_channels, out_indices) to give '
        f'{want} channels.')


def _check_grids(head: nn.Module, feat_hw: Sequence[int], outs,
                 input_hw: Sequence[int], key: str) -> None:
    """Raise when the head's maps differ from the anchor generator's grids."""
    grids = getattr(getattr(head, 'prior_generator', None), 'grid_sizes',
                    None)
    if grids is None or not isinstance(outs, (tuple, list)):
        return
    got = [tuple(int(s) for s in o.shape[-2:]) for o in outs[0]]
    want = [(g, g) for g in grids]
    if got == want:
        return
    stride = max(1, round(int(input_hw[0]) / max(1, int(feat_hw[0]))))
    first = grids[0]
    if getattr(head, 'fine_levels', 0):  # grid 0 is a finer neck map
        rule = (f'With fine_levels the first grids are the maps before the '
                f'last, so grid {first} needs a {first} cell map there')
    elif getattr(head, 'stem_grid', False):  # grid 0 is the backbone map
        rule = (f'With stem_grid the first grid is the backbone map itself, '
                f'so grid {first} needs a {first} cell backbone map: resize '
                f'to {first * stride} px')
    else:
        rule = (f'Each head level halves the map (n -> ceil(n / 2)), so grid '
                f'{first} needs a {2 * first - 1} or {2 * first} cell '
                f'backbone map: resize to {(2 * first - 1) * stride}-'
                f'{2 * first * stride} px')
    raise ConfigMistake(
        f'model.bbox_head.anchor_generator.grid_sizes={tuple(grids)} needs '
        f'head maps {_grid_text(want)}, but the {input_hw[0]}x{input_hw[1]} '
        f'input of {key} gives a {feat_hw[0]}x{feat_hw[1]} backbone map and '
        f'head maps {_grid_text(got)}. {rule} (the Resize scale of '
        f'{key}.dataset.pipeline; backbone stride {stride}), or set '
        'model.bbox_head.anchor_generator.grid_sizes='
        f'{tuple(h for h, _ in got)}.')
