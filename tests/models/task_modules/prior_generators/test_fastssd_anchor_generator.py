import pytest
import torch

from mmdet.registry import TASK_UTILS

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.testing.lecture import (
    hw2corners,
    lecture_anchors,
    to_lecture,
)


def build(**kwargs):
    return TASK_UTILS.build(dict(type='FastSSDAnchorGenerator', **kwargs))


def test_defaults_give_the_lectures_189_anchors():
    gen = build()
    anchors, cells = gen.flat_priors()
    assert gen.num_base_priors == [9, 9, 9]
    assert gen.num_anchors == 189
    assert anchors.shape == (189, 4) and cells.shape == (189, 2)
    assert [a.shape[0] for a in gen.grid_priors()] == [144, 36, 9]


def test_hand_computed_anchors():
    anchors, cells = build().flat_priors()
    # grid 4, cell (0, 0), zoom 0.75, ratio (1, 1): centre 1/8, side 0.75/4
    assert torch.allclose(anchors[0], torch.tensor(
        [0.03125, 0.03125, 0.21875, 0.21875]))
    # same cell, ratio (h, w) = (1, 0.5): half as wide, as tall
    assert torch.allclose(anchors[1], torch.tensor(
        [0.078125, 0.03125, 0.171875, 0.21875]))
    # anchor 9 is cell (row 0, col 1): x moves, y stays
    assert torch.allclose(anchors[9], torch.tensor(
        [0.28125, 0.03125, 0.46875, 0.21875]))
    # anchor 36 is cell (row 1, col 0)
    assert torch.allclose(anchors[36, :2], torch.tensor([0.03125, 0.28125]))
    # last: 1x1 grid, zoom 1.3, ratio (0.5, 1): h 0.65, w 1.3, unclipped
    assert torch.allclose(anchors[-1],
                          torch.tensor([-0.15, 0.175, 1.15, 0.825]))
    assert torch.allclose(cells[:144], torch.full((144, 2), 0.25))
    assert torch.allclose(cells[-9:], torch.ones(9, 2))


def test_matches_the_lecture_formula():
    ref, ref_grid = lecture_anchors()
    ref_corners = hw2corners(ref[:, :2], ref[:, 2:])
    anchors, cells = build().flat_priors()
    assert torch.allclose(to_lecture(anchors), ref_corners, atol=1e-6)
    assert torch.allclose(cells, ref_grid.expand(-1, 2))


def test_single_anchor_grid_of_the_first_ssd():
    gen = build(grid_sizes=(4, ), zooms=(1.0, ), ratios=((1.0, 1.0), ))
    anchors, _ = gen.flat_priors()
    ref, _ = lecture_anchors((4, ), (1.0, ), ((1.0, 1.0), ))
    assert anchors.shape == (16, 4)
    assert torch.allclose(to_lecture(anchors),
                          hw2corners(ref[:, :2], ref[:, 2:]))
    assert torch.allclose(anchors[5], torch.tensor([0.25, 0.25, 0.5, 0.5]))


def test_clip_keeps_anchors_inside():
    anchors, _ = build(clip=True).flat_priors()
    assert anchors.min() >= 0 and anchors.max() <= 1


def test_featmap_mismatch_names_the_key():
    gen = build()
    gen.check_featmap_sizes([(4, 4), (2, 2), (1, 1)])
    with pytest.raises(ValueError, match='anchor_generator.grid_sizes'):
        gen.grid_priors([(5, 5), (3, 3), (2, 2)])


@pytest.mark.parametrize('kwargs', [
    dict(grid_sizes=()), dict(grid_sizes=(4, 0)), dict(zooms=()),
    dict(ratios=((1.0, ), )),
])
def test_bad_arguments_are_rejected(kwargs):
    with pytest.raises(ValueError, match='anchor_generator'):
        build(**kwargs)
