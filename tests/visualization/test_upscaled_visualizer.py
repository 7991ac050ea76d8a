"""UpscaledDetLocalVisualizer: the demo's prediction pictures at 448 px."""
import argparse
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from helpers import ROOT
from mmengine.config import Config, DictAction
from mmengine.structures import InstanceData

from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import HorizontalBoxes

import mmdet_fastssd  # noqa: F401
from mmdet_fastssd.visualization.upscaled_visualizer import (
    scale_instances,
    upscaled_size,
)


def test_upscaled_size():
    assert upscaled_size((112, 112), 448) == (448, 448)
    assert upscaled_size((100, 300), 448) == (1344, 448)  # (w, h)
    assert upscaled_size((500, 1000), 448) == (1000, 500)  # never smaller


def sample_112(box_type=HorizontalBoxes):
    """gt boxes as the pipeline packs them (HorizontalBoxes) or as the data
    preprocessor hands them on (boxtype2tensor: Tensor)."""
    sample = DetDataSample(metainfo=dict(img_shape=(112, 112)))
    sample.gt_instances = InstanceData(
        bboxes=box_type(torch.tensor([[10., 20., 50., 90.]])),
        labels=torch.tensor([0]))
    sample.pred_instances = InstanceData(
        bboxes=torch.tensor([[12., 22., 52., 92.]]),
        labels=torch.tensor([1]), scores=torch.tensor([0.9]))
    return sample


def test_scale_instances_copies():
    sample = sample_112()
    big = scale_instances(sample, 4.0, 2.0)
    torch.testing.assert_close(big.gt_instances.bboxes.tensor,
                               torch.tensor([[40., 40., 200., 180.]]))
    torch.testing.assert_close(big.pred_instances.bboxes,
                               torch.tensor([[48., 44., 208., 184.]]))
    torch.testing.assert_close(sample.pred_instances.bboxes,
                               torch.tensor([[12., 22., 52., 92.]]))
    assert big.pred_instances.scores is sample.pred_instances.scores


def demo_visualizer_cfg():
    """The shapes config's visualizer with the demo's --cfg-options."""
    spec = importlib.util.spec_from_file_location(
        'demo_tool', osp.join(ROOT, 'tools', 'demo.py'))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'fastssd_shapes.py'))
    parser = argparse.ArgumentParser()  # as tools/test.py parses them
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg.merge_from_dict(parser.parse_args(
        ['--cfg-options', *demo.PICTURE_OPTIONS]).cfg_options)
    return cfg.visualizer


@pytest.mark.parametrize('draw_gt', [True, False])
def test_demo_pictures_are_448_px(tmp_path, draw_gt):
    vis_cfg = demo_visualizer_cfg()
    vis_cfg.name = f'upscaled_{draw_gt}'  # one instance per name
    vis = VISUALIZERS.build(vis_cfg)
    image = np.full((112, 112, 3), 100, np.uint8)
    out = str(tmp_path / 'p.png')
    vis.add_datasample('p', image, sample_112(torch.as_tensor),
                       draw_gt=draw_gt,
                       out_file=out, pred_score_thr=0.3)
    pic = cv2.imread(out)
    # ground truth | prediction side by side, each drawn at 448 px
    assert pic.shape[:2] == (448, 896 if draw_gt else 448)
    pred = pic[:, -448:]
    # the prediction's left edge moved from x=12 to x=48 (rows below label)
    assert (np.abs(pred[250, 47:50].astype(int) - 100) > 30).any()
    assert (np.abs(pred[250, 30:40].astype(int) - 100) < 8).all()
