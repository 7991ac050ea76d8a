"""ONNX export of the shapes SSD, run with onnxruntime, against PyTorch."""
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from helpers import SHAPES_CFG, run_tool
from zoo_helpers import save_weights_checkpoint, shapes_images

from mmdet.apis import init_detector

from mmdet_fastssd.apis.inference import array_test_pipeline
from mmdet_fastssd.deployment import detections, greedy_nms
from mmdet_fastssd.deployment.latency import onnx_vs_pytorch_latency
from mmdet_fastssd.deployment.onnx_export import (
    build_onnx_model,
    onnx_session,
    run_onnx,
)

BOX_ATOL = 1e-3  # pixels of the 112 px input
SCORE_ATOL = 1e-5


@pytest.fixture(scope='module')
def deploy_extra():
    """The ``deploy`` extra (tools/setup_env.sh installs it)."""
    pytest.importorskip('onnxruntime')
    pytest.importorskip('onnxscript')


@pytest.fixture(scope='module')
def exported(tmp_path_factory, deploy_extra):
    tmp = tmp_path_factory.mktemp('onnx')
    ckpt = save_weights_checkpoint(str(tmp / 'shapes.pth'))
    out = str(tmp / 'shapes.onnx')
    proc = run_tool('tools/deployment/pytorch2onnx.py', SHAPES_CFG, ckpt,
                    '--out', out, '--dynamic-batch')
    assert (f'wrote {out}: image [B, 3, 112, 112] (BGR 0-255) -> boxes '
            '[B, 630, 4] (input pixels), scores [B, 630, 5]') in proc.stdout
    assert 'onnxruntime vs PyTorch on a random image' in proc.stdout
    return dict(ckpt=ckpt, onnx=out,
                images=shapes_images(str(tmp), 4))


def network_inputs(model, images):
    """The test pipeline's inputs [B, 3, 112, 112] and metas of images."""
    pipeline = array_test_pipeline(model.cfg)
    data = [pipeline(dict(img=mmcv.imread(p), img_id=i, img_path=p))
            for i, p in enumerate(images)]
    batch = torch.stack([d['inputs'] for d in data]).float()
    return batch, [d['data_samples'].metainfo for d in data]


@pytest.mark.e2e  # the export tool in a child process
def test_onnxruntime_matches_pytorch(exported):
    wrapper = build_onnx_model(SHAPES_CFG, exported['ckpt'])
    batch, _ = network_inputs(wrapper.detector, exported['images'])
    with torch.no_grad():
        ref_boxes, ref_scores = wrapper(batch)
    boxes, scores = run_onnx(onnx_session(exported['onnx']), batch)
    assert boxes.shape == (4, 630, 4) and scores.shape == (4, 630, 5)
    assert np.abs(boxes - ref_boxes.numpy()).max() < BOX_ATOL
    assert np.abs(scores - ref_scores.numpy()).max() < SCORE_ATOL
    assert ref_boxes.min() >= 0 and ref_boxes.max() <= 112


@pytest.mark.e2e
def test_same_detections_after_nms(exported):
    model = init_detector(SHAPES_CFG, exported['ckpt'], device='cpu')
    batch, metas = network_inputs(model, exported['images'])
    boxes, scores = run_onnx(onnx_session(exported['onnx']), batch)
    cfg = model.bbox_head.test_cfg
    from mmdet.apis import inference_detector
    for i, (path, meta) in enumerate(zip(exported['images'], metas)):
        want = inference_detector(model, path).pred_instances
        got = detections(boxes[i], scores[i], score_thr=cfg.score_thr,
                         iou_threshold=cfg.nms.iou_threshold,
                         nms_pre=cfg.nms_pre, max_per_img=cfg.max_per_img,
                         scale_factor=meta['scale_factor'],
                         ori_shape=meta['ori_shape'])
        assert len(want) > 5
        # same detections, compared in a tie-proof order
        key = lambda b, s, l: np.lexsort((b[:, 0], s.round(4), l))  # noqa
        w_b, w_s, w_l = (want.bboxes.numpy(), want.scores.numpy(),
                         want.labels.numpy())
        a, b = key(w_b, w_s, w_l), key(got['bboxes'], got['scores'],
                                       got['labels'])
        assert np.array_equal(w_l[a], got['labels'][b])
        assert np.allclose(w_s[a], got['scores'][b], atol=SCORE_ATOL)
        assert np.allclose(w_b[a], got['bboxes'][b], atol=0.01)


def test_greedy_nms_by_hand():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [0, 0, 10, 5],
                      [20, 20, 30, 30]], dtype=np.float64)
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    # IoU(0, 1) = 90 / 110 = 0.818; IoU(0, 2) = 50 / 100 = 0.5
    assert greedy_nms(boxes, scores, 0.45).tolist() == [0, 3]
    assert greedy_nms(boxes, scores, 0.5).tolist() == [0, 2, 3]
    assert greedy_nms(boxes, scores, 0.85).tolist() == [0, 1, 2, 3]
    assert greedy_nms(boxes[:0], scores[:0], 0.5).tolist() == []


def test_detections_are_class_aware_and_limited():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]],
                     dtype=np.float32)
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.05, 0.01]],
                      dtype=np.float32)
    got = detections(boxes, scores, score_thr=0.15, iou_threshold=0.45)
    # anchors 0 and 1 overlap but differ in class; (1, class 0) 0.2 is
    # suppressed by (0, class 0) 0.9; anchor 2 is below the threshold
    assert got['labels'].tolist() == [0, 1]
    assert got['scores'].tolist() == pytest.approx([0.9, 0.8])
    assert detections(boxes, scores, score_thr=0.15,
                      max_per_img=1)['labels'].tolist() == [0]
    none = detections(boxes, scores, score_thr=0.95)
    assert none['bboxes'].shape == (0, 4)


@pytest.mark.e2e
def test_latency_function_runs_both(deploy_extra):
    row = onnx_vs_pytorch_latency(SHAPES_CFG, warmup=1, repeats=2)
    assert row['input'] == (112, 112) and row['anchors'] == 630
    assert row['pytorch_ms'] > 0 and row['onnxruntime_ms'] > 0
    assert row['max_abs_boxes'] < BOX_ATOL
    assert row['max_abs_scores'] < SCORE_ATOL


@pytest.mark.e2e
def test_benchmark_onnx_section(monkeypatch, deploy_extra):
    from tools.analysis_tools.benchmark import onnx_cases
    monkeypatch.setattr(onnx_cases, 'MODELS',
                        (('fastssd_shapes', onnx_cases.SHAPES_CFG), ))
    res = {}
    table = onnx_cases.onnx_section(True, res)
    assert [r[0] for r in table.rows] == ['fastssd_shapes']
    assert table.rows[0][1] == '112x112'
    assert res[('onnx', 'fastssd_shapes', 'onnxruntime')] > 0
    assert osp.isfile(onnx_cases.MODELS[0][1])
