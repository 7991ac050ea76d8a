"""fast.ai 0.7's cyclical LR (``use_clr=(div, cut_div)``) from MMEngine parts.

fastai 0.7 ``fit(..., cycle_len, use_clr=(div, cut_div))`` builds
``CircularLR(layer_opt, nb=len(trn_dl) * cycle_len, div, cut_div)``; at
iteration ``i`` of the cycle every layer group's LR is::

    cut = nb // cut_div
    pct = i / cut                          if i <= cut
        = 1 - (i - cut) / (nb - cut)       otherwise
    lr_i = lr * (1 + pct * (div - 1)) / div

a linear rise from ``lr / div`` to ``lr`` over the first ``1 / cut_div`` of
the cycle, then a linear fall back towards ``lr / div``. (The second number
divides the cycle: ``cut_div=10`` rises over the first tenth; the lecture's
"pct" wording means the same.) Both halves are MMEngine ``LinearLR``
schedulers, which scale every param group alike, so ``lr_mult`` ratios hold.
"""
from typing import List, Optional


def _check(div: float, cut_div: float, max_epochs: float) -> None:
    """Raise on arguments fastai's CircularLR cannot use."""
    if div < 1:
        raise ValueError(f'fastai_clr: div must be >= 1, got {div}')
    if cut_div <= 1:
        raise ValueError(f'fastai_clr: cut_div must be > 1, got {cut_div}')
    if max_epochs <= 0:
        raise ValueError(
            f'fastai_clr: max_epochs must be > 0, got {max_epochs}')


def fastai_clr(div: float,
               cut_div: float,
               max_epochs: int,
               epoch_length: Optional[int] = None) -> List[dict]:
    """``param_scheduler`` list for one fastai CLR cycle over the whole run.

    Without ``epoch_length`` (for configs, which cannot know it): epoch
    units converted to iterations by the runner. The rise covers iterations
    ``[0, cut)`` and reaches ``lr`` at ``cut - 1``, the fall covers
    ``[cut, nb)`` and reaches ``lr / div`` at the last iteration, with
    ``cut = int(max_epochs / cut_div * epoch_length)``: fastai's curve up to
    one iteration's LR step (``(lr - lr / div) / cut``). ``cut`` must be at
    least 1 (as in fastai), else MMEngine stops with "end should be larger
    than begin".

    With ``epoch_length`` (iterations per epoch): iteration-based dicts that
    reproduce fastai's values exactly (rise over ``[0, cut]``, fall from
    ``cut + 1``).

    Args:
        div (float): ``lr / div`` is the lowest LR.
        cut_div (float): the rise takes ``1 / cut_div`` of the cycle.
        max_epochs (int): cycle length in epochs (the whole run).
        epoch_length (int, optional): iterations per epoch. Defaults to None.

    Returns:
        list[dict]: two ``LinearLR`` configs (one if the fall is empty).
    """
    _check(div, cut_div, max_epochs)
    if epoch_length is None:
        cut_epoch = max_epochs / cut_div
        common = dict(type='LinearLR', by_epoch=True,
                      convert_to_iter_based=True)
        return [
            dict(start_factor=1. / div, end_factor=1., begin=0,
                 end=cut_epoch, **common),
            dict(start_factor=1., end_factor=1. / div, begin=cut_epoch,
                 end=max_epochs, **common),
        ]
    return _exact_clr(div, cut_div, int(max_epochs * epoch_length))


def _exact_clr(div: float, cut_div: float, nb: int) -> List[dict]:
    """Iteration-based ``LinearLR`` pair equal to CircularLR over ``nb``.

    Args:
        div (float): ``lr / div`` is the lowest LR.
        cut_div (float): the rise takes ``1 / cut_div`` of the cycle.
        nb (int): iterations in the cycle.

    Returns:
        list[dict]: the rise over ``[0, cut]`` and the fall over
        ``[cut + 1, nb)`` (omitted when empty).
    """
    cut = int(nb // cut_div)
    if cut < 1:
        raise ValueError(
            f'fastai_clr: {nb} iterations // cut_div {cut_div} leaves no '
            'rising part; use fewer cut_div or more iterations')

    def factor(i: int) -> float:  # fastai's lr_i / lr
        pct = i / cut if i <= cut else 1 - (i - cut) / (nb - cut)
        return (1 + pct * (div - 1)) / div

    common = dict(type='LinearLR', by_epoch=False)
    schedulers = [dict(start_factor=factor(0), end_factor=1., begin=0,
                       end=cut + 1, **common)]
    if cut + 1 < nb:
        schedulers.append(
            dict(start_factor=factor(cut + 1), end_factor=factor(nb - 1),
                 begin=cut + 1, end=nb, **common))
    return schedulers
