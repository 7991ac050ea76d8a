"""tools/analysis_tools/anchor_coverage.py and mmdet_fastssd.analysis."""
import json
import os.path as osp

import cv2
import pytest
import torch
from helpers import ROOT

from mmdet_fastssd.analysis.anchor_coverage import (
    best_anchor_iou,
    coverage_summary,
    search_settings,
    size_buckets,
    size_edges,
    size_names,
)
from mmdet_fastssd.models.task_modules.prior_generators import (
    FastSSDAnchorGenerator,
)
from tools.analysis_tools import anchor_coverage as tool

CUSTOM = osp.join(ROOT, 'configs', 'fastssd_custom_voc.py')
# the photo recipe's input and anchors were the lecture's when these hand
# values were worked out: pin them (112 px, grids 4/2/1, zooms .75/1/1.3)
LECTURE_GEOMETRY = [
    'model.bbox_head.anchor_generator.grid_sizes=(4,2,1)',
    'model.bbox_head.anchor_generator.zooms=(0.75,1.0,1.3)',
    'train_dataloader.dataset.pipeline.4.scale=(112,112)',  # Resize
]


def test_gt_equal_to_an_anchor_has_iou_one():
    anchors = FastSSDAnchorGenerator().flat_priors()[0]  # [189, 4]
    best, arg = best_anchor_iou(anchors[[0, 100, 188]], anchors)
    torch.testing.assert_close(best, torch.ones(3))
    assert arg.tolist() == [0, 100, 188]


def test_tiny_box_is_uncovered_with_hand_iou():
    anchors = FastSSDAnchorGenerator().flat_priors()[0]
    tiny = torch.tensor([[0.5, 0.5, 0.515625, 0.515625]])  # 1/64 a side
    best, _ = best_anchor_iou(tiny, anchors)
    # the smallest anchor holding it is the 4x4 cell (2, 2)'s zoom-1 square
    # [0.5, 0.75]^2 (the zoom-0.75 ones miss it): IoU = (1/64)^2 / (1/4)^2
    assert best.item() == 1 / 256


def test_hand_iou_with_one_anchor_in_chunks():
    anchors = FastSSDAnchorGenerator((1, ), (1.0, ), ((1., 1.), )
                                     ).flat_priors()[0]  # [[0, 0, 1, 1]]
    boxes = torch.tensor([[0, 0, .5, .5], [.25, .25, .75, 1.], [0, 0, 1, 1]])
    best, arg = best_anchor_iou(boxes, anchors, chunk=2)
    torch.testing.assert_close(best, torch.tensor([.25, .375, 1.]))
    assert arg.tolist() == [0, 0, 0]
    empty, idx = best_anchor_iou(torch.zeros(0, 4), anchors)
    assert empty.shape == (0, ) and idx.shape == (0, )


def test_size_buckets_follow_the_grid_cells():
    edges = size_edges((4, 2, 1))
    torch.testing.assert_close(edges, torch.tensor([1 / 16, 1 / 4]))
    assert size_names(edges) == ['small (area < 1/16)',
                                 'medium (area 1/16-1/4)',
                                 'large (area >= 1/4)']
    sides = torch.tensor([0.1, 0.25, 0.45, 0.5, 1.0])  # areas .01 .. 1
    boxes = torch.stack([torch.zeros(5), torch.zeros(5), sides, sides], 1)
    assert size_buckets(boxes, edges).tolist() == [0, 1, 1, 2, 2]
    assert size_names(size_edges((1, ))) == ['all']


def test_coverage_summary_hand_values():
    best = torch.tensor([0.9, 0.3, 0.6, 0.4])
    labels = torch.tensor([0, 1, 1, 1])
    buckets = torch.tensor([2, 0, 2, 2])
    out = coverage_summary(best, labels, buckets, 0.4, ('a', 'b', 'c'),
                           ('s', 'm', 'l'))
    assert out['num_gts'] == 4 and out['covered'] == 0.5  # 0.4 is not > 0.4
    assert out['mean_best_iou'] == pytest.approx(0.55)
    assert [(r['gts'], r['covered']) for r in out['per_class']] == [
        (1, 1.0), (3, pytest.approx(1 / 3)), (0, None)]
    assert [(r['gts'], r['covered']) for r in out['per_size']] == [
        (1, 0.0), (0, None), (3, pytest.approx(2 / 3))]
    empty = coverage_summary(torch.zeros(0), torch.zeros(0, dtype=torch.long),
                             torch.zeros(0, dtype=torch.long), 0.5, ('a', ),
                             ('all', ))
    assert empty['covered'] is None and empty['per_class'][0]['gts'] == 0


def test_search_finds_the_setting_made_of_the_boxes():
    target = FastSSDAnchorGenerator(zooms=(0.5, 0.75, 1.0),
                                    ratios=((1., 1.), ))
    boxes = target.flat_priors()[0]  # every anchor of that setting
    # the lecture's anchors fit zoom-0.5 squares with IoU 0.44 or 0.55 only
    rows = search_settings(boxes, FastSSDAnchorGenerator(), 0.6)
    assert rows[0]['zooms'] == [0.5, 0.75, 1.0]
    assert rows[0]['ratios'] == [[1.0, 1.0]]
    assert rows[0]['covered'] == 1.0 and rows[0]['num_anchors'] == 63
    assert sum(r['current'] for r in rows) == 1
    current = next(r for r in rows if r['current'])
    assert current['zooms'] == [0.75, 1.0, 1.3] and current['covered'] < 1
    assert len(rows) == 6 * 4  # the lecture's setting is in the grid
    keys = [(-r['covered'], r['num_anchors']) for r in rows]
    assert keys == sorted(keys)


@pytest.fixture
def tiny_set(tiny_voc):
    """Hand-checkable gts: an exact 4x4 anchor, a tiny box, a whole image."""
    return tiny_voc({
        'a': (224, 224, [('cat', (0, 0, 56, 56)),
                         ('dog', (100, 100, 104, 104))]),
        'b': (448, 224, [('dog', (0, 0, 447, 223))]),  # ~the image
        'c': (224, 224, [('cat', (20, 20, 200, 120))]),
    }, test_ids=('c', ))


def tiny_options(data_root):
    return ['--cfg-options',
            f'train_dataloader.dataset.data_root={data_root}',
            f'test_dataloader.dataset.data_root={data_root}',
            'train_dataloader.dataset.metainfo.classes=[cat,dog]',
            'test_dataloader.dataset.metainfo.classes=[cat,dog]'
            ] + LECTURE_GEOMETRY


def test_tool_on_a_generated_folder(tiny_set, tmp_path, capsys):
    out_dir = str(tmp_path / 'out')
    summary = tool.main([CUSTOM, '--out-dir', out_dir] +
                        tiny_options(tiny_set))
    assert summary['num_gts'] == 3  # the test image is not counted
    assert summary['pos_iou_thr'] == 0.4  # the config's assigner
    assert summary['covered'] == pytest.approx(2 / 3)
    assert [(r['name'], r['gts'], r['covered'])
            for r in summary['per_class']] == [('cat', 1, 1.0),
                                               ('dog', 2, 0.5)]
    # the cat fills one 4x4 cell (area 1/16: medium), the tiny dog is small
    assert [(r['gts'], r['covered']) for r in summary['per_size']] == [
        (1, 0.0), (1, 1.0), (1, 1.0)]
    png = cv2.imread(osp.join(out_dir, 'anchor_coverage.png'))
    assert png is not None and png.shape[1] >= 600
    with open(osp.join(out_dir, 'anchor_coverage.json')) as f:
        saved = json.load(f)
    assert saved['covered'] == summary['covered']
    assert saved['search'][0]['covered'] >= summary['covered']
    text = capsys.readouterr().out
    assert 'covered (best anchor IoU > 0.4):  66.7%' in text
    assert '<- config' in text


def test_tool_reads_the_chosen_split(tiny_set, tmp_path):
    summary = tool.main([CUSTOM, '--split', 'test', '--no-search',
                         '--out-dir', str(tmp_path / 'o')] +
                        tiny_options(tiny_set))
    assert summary['num_gts'] == 1 and summary['search'] == []


def test_config_without_anchors_is_refused(tmp_path):
    cfg = osp.join(ROOT, 'configs', 'largest_object_shapes.py')
    with pytest.raises(SystemExit, match='model.bbox_head.anchor_generator'):
        tool.main([cfg, '--out-dir', str(tmp_path / 'o')])
    assert not osp.exists(tmp_path / 'o')
    with pytest.raises(SystemExit, match='config file not found'):
        tool.main([str(tmp_path / 'missing.py')])
