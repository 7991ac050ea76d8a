"""fastai_clr: fastai 0.7's CircularLR (use_clr=(div, cut_div)) from
MMEngine LinearLR schedulers."""
import os.path as osp

import pytest
import torch
from helpers import ROOT
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS

from mmdet_fastssd.engine import fastai_clr

LR = 1e-2


def circular_lr(i, nb, lr, div, cut_div):
    """fastai 0.7 CircularLR.calc_lr at cycle iteration i (restated)."""
    cut = nb // cut_div
    pct = i / cut if i <= cut else 1 - (i - cut) / (nb - cut)
    return lr * (1 + pct * (div - 1)) / div


def lr_curve(schedulers, epoch_length, max_epochs, lr_mults=(1., )):
    """LR of every param group at each iteration, as the runner steps."""
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in lr_mults]
    optimizer = torch.optim.Adam(
        [dict(params=[p], lr=LR * m) for p, m in zip(params, lr_mults)])
    built = [PARAM_SCHEDULERS.build(
        s, default_args=dict(optimizer=optimizer, epoch_length=epoch_length))
        for s in schedulers]
    curve = []
    for _ in range(epoch_length * max_epochs):
        curve.append([g['lr'] for g in optimizer.param_groups])
        optimizer.step()
        for s in built:
            s.step()
    return torch.tensor(curve, dtype=torch.float64)  # [iters, groups]


@pytest.mark.parametrize('epoch_length, max_epochs, div, cut_div', [
    (7, 10, 20, 10), (5, 3, 10, 4), (13, 4, 4, 8)])
def test_exact_mode_is_fastai(epoch_length, max_epochs, div, cut_div):
    nb = epoch_length * max_epochs
    got = lr_curve(fastai_clr(div, cut_div, max_epochs, epoch_length),
                   epoch_length, max_epochs)[:, 0]
    want = torch.tensor([circular_lr(i, nb, LR, div, cut_div)
                         for i in range(nb)], dtype=torch.float64)
    torch.testing.assert_close(got, want, rtol=1e-9, atol=0)
    assert got[0] == pytest.approx(LR / div)
    assert int(got.argmax()) == nb // cut_div


@pytest.mark.parametrize('epoch_length, max_epochs, div, cut_div', [
    (7, 10, 20, 10), (10, 20, 20, 10), (25, 4, 10, 5)])
def test_config_mode_shape(epoch_length, max_epochs, div, cut_div):
    nb = epoch_length * max_epochs
    cut = nb // cut_div
    got = lr_curve(fastai_clr(div, cut_div, max_epochs), epoch_length,
                   max_epochs)[:, 0]
    assert got[0] == pytest.approx(LR / div)
    assert got[cut - 1] == pytest.approx(LR) and got[cut] == pytest.approx(LR)
    assert got[-1] == pytest.approx(LR / div)
    steps = got[1:] - got[:-1]
    assert (steps[:cut - 1] > 0).all() and (steps[cut:] < 0).all()
    # within one iteration's LR step of fastai everywhere
    want = torch.tensor([circular_lr(i, nb, LR, div, cut_div)
                         for i in range(nb)], dtype=torch.float64)
    assert (got - want).abs().max() <= (LR - LR / div) / cut + 1e-12


def test_param_groups_keep_their_lr_mult_ratios():
    curve = lr_curve(fastai_clr(20, 10, 4), 9, 4, lr_mults=(0.01, 0.1, 1.))
    torch.testing.assert_close(curve[:, 0] / curve[:, 2],
                               torch.full_like(curve[:, 0], 0.01))
    torch.testing.assert_close(curve[:, 1] / curve[:, 2],
                               torch.full_like(curve[:, 0], 0.1))


def test_recipe_base_writes_out_fastai_clr():
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'schedules', 'lecture_recipe.py'))
    assert cfg.param_scheduler == fastai_clr(cfg.clr_div, cfg.clr_cut_div,
                                             cfg.max_epochs)
    assert (cfg.clr_div, cfg.clr_cut_div) == (20, 10)  # the lecture's


@pytest.mark.parametrize('args, match', [
    ((20, 1, 10), 'cut_div'), ((0.5, 10, 10), 'div'),
    ((20, 10, 0), 'max_epochs'), ((20, 10, 1, 5), 'no rising part')])
def test_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        fastai_clr(*args)
