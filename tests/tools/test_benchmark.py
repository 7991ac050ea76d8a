"""Smoke test of the benchmark's functions (tools/analysis_tools/benchmark)
on tiny sizes.

No timing is asserted: speed goals live in the benchmark's printed table.
"""

import pytest
import torch
from helpers import make_shapes, run_tool

from mmdet_fastssd.testing import lecture
from tools.analysis_tools.benchmark import loss_cases as bl
from tools.analysis_tools.benchmark import main as benchmark
from tools.analysis_tools.benchmark import model_cases as bm
from tools.analysis_tools.benchmark.report import loss_targets, model_targets

CPU = torch.device('cpu')


@pytest.mark.e2e
def test_runs_as_a_module_from_the_repository_root():
    proc = run_tool('-m', 'tools.analysis_tools.benchmark', '--help')
    assert 'usage: python -m tools.analysis_tools.benchmark' in proc.stdout
    assert '--sections' in proc.stdout


@pytest.mark.parametrize('grids', [(4, 2, 1), (6, 3, 2, 1)])
def test_every_loss_path_runs_and_the_lecture_restatement_agrees(grids):
    case = bl.make_case(2, grids, CPU)
    times = benchmark.time_loss_case(case, CPU, repeats=1)
    assert set(times) >= {'head', 'head+flatten', 'lecture', 'stock',
                          'floor autograd', 'floor fused', 'floor'}
    head = bl.build_head(grids, CPU)
    ours = head.loss_by_flat(case.cls, case.box, case.gts, case.metas)
    anchors, grid_sizes = lecture.lecture_anchors(grids)
    ref = lecture.ssd_loss(case.cls, case.box_lecture, case.gts_lecture,
                           [g.labels for g in case.gts], anchors,
                           grid_sizes, bl.NUM_CLASSES, focal=True)
    total = ours['loss_cls'] + ours['loss_bbox']
    assert total.item() == pytest.approx(ref.item(), rel=1e-5)


def test_stock_shim_gives_ssdhead_the_same_anchors():
    shim = bl.StockPriors(bl.LECTURE_GRIDS, CPU)
    priors, _ = bl.build_head(bl.LECTURE_GRIDS, CPU).priors(torch.zeros(1))
    assert torch.allclose(torch.cat(shim.grid_priors(None)),
                          priors * bl.INPUT)


@pytest.mark.e2e
def test_postprocess_inference_and_train_pieces_run():
    bm.postprocess_fn(2, CPU)()
    for cfg, size in ((bm.FASTSSD_CFG, 224), (bm.SSD300_CFG, 300)):
        model = bm.build_detector(cfg, CPU)
        bm.inference_fn(model, bm.fake_batch(1, size, CPU), CPU)()
    fns = bm.train_step_fns(bm.build_detector(bm.FASTSSD_CFG, CPU), 2, 224,
                            CPU)
    assert list(fns) == ['step', 'backbone fwd', 'head+assign+loss',
                         'assign+loss']
    for fn in fns.values():
        fn()


def test_data_loader_on_tiny_shapes(tmp_path):
    data = make_shapes(tmp_path, num_train=4, num_test=2, img_size=96,
                       seed=1)
    loader = bm.data_loader(data, num_workers=0, batch_size=2)
    batch = next(iter(loader))
    assert batch['inputs'][0].shape[-2:] == (224, 224)


def test_targets_and_report(tmp_path):
    res = {('loss', 189, 8, 'head'): 1.0, ('loss', 189, 8, 'floor'): 1.0,
           ('loss', 189, 8, 'lecture'): 5.0, ('post', 4): 3.0}
    targets = loss_targets(res, 765, (8, )) + model_targets(res, 4, 2)
    status = {t.name: t.passed for t in targets}
    assert status['floor: head / fastest class loss, 189 anchors, batch 8']
    assert status['lecture: lecture / head, 189 anchors, batch 8'] is True
    assert status['post-processing per image, batch 4'] is False
    assert status['stock: stock SSDHead / head, 765 anchors, batch 8'] is None
    out = tmp_path / 'bench.md'
    assert benchmark.main(['--quick', '--sections', 'post', '--threads', '1',
                           '--out', str(out)]) == 0
    text = out.read_text()
    assert 'Targets' in text and 'Post-processing' in text and 'MISS' in text


def test_crop_section_times_all_three_on_one_crowded_photo():
    from tools.analysis_tools.benchmark.crop_cases import (
        NUM_BOXES,
        crop_section,
        crowded_sample,
    )
    sample = crowded_sample()
    assert sample['img'].shape == (480, 640, 3)
    assert len(sample['gt_bboxes']) == NUM_BOXES
    res = {}
    table = crop_section(quick=True, res=res)
    assert [r[1] for r in table.rows] == ['all', 'all', 'any']
    assert len(res) == 3 and all(v > 0 for v in res.values())


def test_expand_section_times_mmdet_and_the_border_fill():
    from tools.analysis_tools.benchmark.expand_cases import expand_section
    res = {}
    table = expand_section(quick=True, res=res)
    assert [r[0] for r in table.rows] == ['Expand (mmdet)',
                                          'BorderFillExpand']
    assert table.rows[0][2] == '1.0x'
    assert len(res) == 2 and all(v > 0 for v in res.values())
