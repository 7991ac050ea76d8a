"""Stop training at the first non-finite loss term, before the weights move.

MMDetection's ``CheckInvalidLossHook`` looks at the total loss in
``after_train_iter``, every ``interval`` iterations: by then the optimizer has
already stepped with NaN gradients, and it cannot say which term went bad.
:class:`FiniteLossHook` checks every term as soon as the model has parsed its
losses, before ``backward`` and the optimizer step, and raises
:class:`NonFiniteLossError` naming the iteration and the term(s). Nothing is
saved afterwards, so the last checkpoint on disk holds finite weights and
``tools/train.py CONFIG --resume`` continues from it.
"""
from typing import Callable, Dict, Optional

import torch
import torch.distributed as torch_dist
from mmengine.dist import get_dist_info, is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmdet.registry import HOOKS

from ...utils.user_errors import FastSSDUserError

__all__ = ['FiniteLossHook', 'NonFiniteLossError']


class NonFiniteLossError(FastSSDUserError, RuntimeError):
    """A loss term is NaN or infinite; the weights were not updated."""


def nonfinite_terms(log_vars: Dict[str, torch.Tensor]) -> Dict[str, bool]:
    """Which of the parsed loss terms are not finite, in one check.

    Under DDP the flags are summed over ranks, so every rank stops together.

    Args:
        log_vars (dict[str, Tensor]): ``BaseModel.parse_losses``' second
            output (0-d tensors, ``'loss'`` first).

    Returns:
        dict[str, bool]: term name -> not finite on any rank.
    """
    names = list(log_vars)
    values = torch.stack([
        torch.as_tensor(log_vars[n]).detach().float().reshape(())
        for n in names])  # [T]
    bad = (~torch.isfinite(values)).to(torch.int32)  # [T]
    if is_distributed():
        torch_dist.all_reduce(bad)
    return dict(zip(names, (bad > 0).tolist()))


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` before a step with a non-finite loss.

    Wraps the model's ``parse_losses`` (the unwrapped model under DDP) in
    ``before_train`` and restores it in ``after_train``. One stacked
    ``isfinite`` per iteration (plus one small all-reduce under DDP).

    Example:
        >>> default_hooks = dict(finite_loss=dict(type='FiniteLossHook'))
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._model: Optional[torch.nn.Module] = None

    def before_train(self, runner) -> None:
        """Wrap ``parse_losses`` so each iteration's terms are checked.

        Args:
            runner (Runner): the runner.
        """
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        parse_losses: Callable = model.parse_losses

        def checked_parse_losses(losses):
            loss, log_vars = parse_losses(losses)
            self.check(runner, log_vars)
            return loss, log_vars

        model.parse_losses = checked_parse_losses
        self._model = model

    def after_train(self, runner) -> None:
        """Put the model's own ``parse_losses`` back."""
        if self._model is not None:
            self._model.__dict__.pop('parse_losses', None)
            self._model = None

    def check(self, runner, log_vars: Dict[str, torch.Tensor]) -> None:
        """Raise when a loss term is not finite.

        Args:
            runner (Runner): for the iteration, epoch and last checkpoint.
            log_vars (dict[str, Tensor]): the parsed loss terms.

        Raises:
            NonFiniteLossError: naming the iteration and the terms.
        """
        bad = nonfinite_terms(log_vars)
        if any(bad.values()):
            raise NonFiniteLossError(self.message(runner, log_vars, bad))

    @staticmethod
    def message(runner, log_vars: Dict[str, torch.Tensor],
                bad: Dict[str, bool]) -> str:
        """The error message: where, which terms, what is safe, what next."""
        rank, _ = get_dist_info()
        terms = [n for n, b in bad.items() if b and n != 'loss'] or ['loss']
        values = ', '.join(f'{n}={float(torch.as_tensor(v).detach()):.4g}'
                           for n, v in log_vars.items())
        last = runner.message_hub.get_info('last_ckpt')
        saved = (f'the last checkpoint, {last}, is intact' if last else
                 'no checkpoint was saved in this run yet')
        return (
            f'non-finite loss at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}): {", ".join(terms)} (rank {rank}: '
            f'{values}). Training stopped before the optimizer step, so the '
            f'weights were not updated and {saved}; after fixing the cause '
            '(learning rate too high: try tools/analysis_tools/lr_find.py; '
            'boxes or images in the data; fp16 overflow), continue with '
            '`tools/train.py CONFIG --resume`.')
