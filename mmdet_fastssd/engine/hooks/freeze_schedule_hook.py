"""fast.ai's freeze / freeze_to(-2) / unfreeze as an epoch schedule."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop
from torch.nn.modules.batchnorm import _BatchNorm

from mmdet.registry import HOOKS

# fastai 0.7 splits a torchvision ResNet at child 6: [conv1, bn1, relu,
# maxpool, layer1, layer2] | [layer3, layer4] | head. In mmdet's ResNet the
# stem is conv1/bn1 (or `stem` with deep_stem); the late group is the rest of
# the backbone (layer3, layer4, or just layer3 for a 3-stage ResNet).
LECTURE_LAYER_GROUPS = (
    ('backbone.conv1', 'backbone.bn1', 'backbone.stem', 'backbone.layer1',
     'backbone.layer2'),
    ('backbone', ),
)


def layer_group_index(name: str, layer_groups: Sequence[Sequence[str]]) -> int:
    """The layer group of a parameter or module name.

    Uses MMEngine's ``paramwise_cfg.custom_keys`` rule: among the keys that
    are substrings of ``name``, the longest wins (ties: alphabetical), so the
    same keys give the same grouping to the optimizer and to this hook.

    Args:
        name (str): e.g. ``'backbone.layer1.0.conv1.weight'``.
        layer_groups (Sequence[Sequence[str]]): keys of each group, early
            first; names matching no key are in the head group.

    Returns:
        int: group index; ``len(layer_groups)`` for the head group.
    """
    owner = {key: i for i, keys in enumerate(layer_groups) for key in keys}
    for key in sorted(sorted(owner), key=len, reverse=True):
        if key in name:
            return owner[key]
    return len(layer_groups)


@HOOKS.register_module()
class FreezeScheduleHook(Hook):
    """Train the head first, then unfreeze layer groups from late to early.

    With the default two backbone groups and ``unfreeze_epochs=(e1, e2)``:
    epochs ``[0, e1)`` train the head only (fastai's ``freeze()``),
    ``[e1, e2)`` the late backbone group and the head (``freeze_to(-2)``),
    from ``e2`` everything (``unfreeze()``). Frozen parameters get
    ``requires_grad=False`` (the optimizer skips parameters without
    gradients) and frozen BatchNorm layers stay in eval mode, as fastai 0.7
    does; that is re-applied before every iteration because the train loop
    calls ``model.train()`` after ``before_train_epoch``. Parameters that the
    model itself froze are never unfrozen. Needs an epoch-based train loop;
    under DDP set ``find_unused_parameters=True``.

    Args:
        unfreeze_epochs (Sequence[int]): epoch at which each backbone group
            becomes trainable, late group first; one per layer group,
            non-decreasing. Defaults to (1, 2).
        layer_groups (Sequence[Sequence[str]], optional): name keys of the
            backbone groups, early first (see :func:`layer_group_index`).
            Defaults to ``LECTURE_LAYER_GROUPS``.
    """

    priority = 'NORMAL'

    def __init__(self,
                 unfreeze_epochs: Sequence[int] = (1, 2),
                 layer_groups: Optional[Sequence[Sequence[str]]] = None
                 ) -> None:
        groups = tuple(
            tuple(g) for g in (layer_groups or LECTURE_LAYER_GROUPS))
        epochs = tuple(unfreeze_epochs)
        if len(epochs) != len(groups):
            raise ValueError(
                f'FreezeScheduleHook: unfreeze_epochs {epochs} needs one '
                f'epoch per layer group ({len(groups)} groups)')
        if any(int(e) != e or e < 0 for e in epochs) or list(epochs) != sorted(
                epochs):
            raise ValueError(
                'FreezeScheduleHook: unfreeze_epochs must be non-negative, '
                f'non-decreasing integers, got {epochs}')
        self.unfreeze_epochs = epochs
        self.layer_groups = groups
        self._trainable_at_start: Optional[Dict[str, bool]] = None
        self._frozen_bns: List[nn.Module] = []
        self._num_frozen = -1

    def num_frozen_groups(self, epoch: int) -> int:
        """How many layer groups, counted from the earliest, are frozen.

        Args:
            epoch (int): 0-based training epoch.

        Returns:
            int: 0 (all trainable) to ``len(layer_groups)`` (head only).
        """
        unfrozen = sum(epoch >= e for e in self.unfreeze_epochs)
        return len(self.layer_groups) - unfrozen

    def apply(self, model: nn.Module, epoch: int) -> None:
        """Set ``requires_grad`` and BatchNorm modes for ``epoch``.

        Args:
            model (nn.Module): the detector, wrapped or not.
            epoch (int): 0-based training epoch.
        """
        model = model.module if is_model_wrapper(model) else model
        if self._trainable_at_start is None:
            self._trainable_at_start = {
                n: p.requires_grad for n, p in model.named_parameters()}
        num_frozen = self.num_frozen_groups(epoch)
        for name, param in model.named_parameters():
            frozen = layer_group_index(name, self.layer_groups) < num_frozen
            param.requires_grad_(
                self._trainable_at_start.get(name, True) and not frozen)
        self._frozen_bns = [
            m for n, m in model.named_modules() if isinstance(m, _BatchNorm)
            and layer_group_index(n, self.layer_groups) < num_frozen]
        self.set_frozen_bn_eval()
        if num_frozen != self._num_frozen:
            self._num_frozen = num_frozen
            self._log_phase(model, epoch)

    def set_frozen_bn_eval(self) -> None:
        """Put the BatchNorm layers of the frozen groups in eval mode."""
        for bn in self._frozen_bns:
            bn.eval()

    def _log_phase(self, model: nn.Module, epoch: int) -> None:
        """Log which groups train from this epoch on."""
        counts = self.trainable_counts(model)
        print_log(
            f'FreezeScheduleHook: epoch {epoch}: {self._num_frozen} of '
            f'{len(self.layer_groups)} backbone groups frozen; trainable / '
            f'total parameters per group (early..head): {counts}',
            logger='current')

    def trainable_counts(self, model: nn.Module) -> List[Tuple[int, int]]:
        """(trainable, total) parameter counts per group, head last.

        Args:
            model (nn.Module): the unwrapped detector.

        Returns:
            list[tuple[int, int]]: one pair per group.
        """
        counts = [[0, 0] for _ in range(len(self.layer_groups) + 1)]
        for name, param in model.named_parameters():
            group = counts[layer_group_index(name, self.layer_groups)]
            group[0] += param.numel() if param.requires_grad else 0
            group[1] += param.numel()
        return [tuple(c) for c in counts]

    def before_train(self, runner) -> None:
        """Check that the train loop counts epochs."""
        if not isinstance(runner.train_loop, EpochBasedTrainLoop):
            raise TypeError(
                'FreezeScheduleHook needs an epoch-based loop '
                "(train_cfg.type='EpochBasedTrainLoop'), got "
                f'{type(runner.train_loop).__name__}')

    def before_train_epoch(self, runner) -> None:
        """Freeze / unfreeze for the epoch about to start."""
        self.apply(runner.model, runner.epoch)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        """Undo ``model.train()`` on the frozen BatchNorm layers."""
        self.set_frozen_bn_eval()
