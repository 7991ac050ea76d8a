"""mmdet's DetInferencer, init_detector and inference_detector on the plugin's
shapes SSD: an image, a list and a folder, with pictures and JSON written."""
import json
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from helpers import SHAPES_CFG
from zoo_helpers import CLASSES, save_weights_checkpoint, shapes_images

from mmdet.apis import DetInferencer, inference_detector, init_detector

from mmdet_fastssd.apis.inference import infer_source, prediction_record


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('infer_api')
    ckpt = save_weights_checkpoint(str(tmp / 'shapes.pth'))
    images = shapes_images(str(tmp), 3)
    return dict(ckpt=ckpt, images=images, folder=osp.dirname(images[0]))


def test_det_inferencer_image_list_and_folder(setup, tmp_path):
    inferencer = DetInferencer(model=SHAPES_CFG, weights=setup['ckpt'],
                               device='cpu', show_progress=False)
    assert inferencer.model.dataset_meta['classes'] == CLASSES
    cases = {'image': setup['images'][0], 'list': setup['images'][:2],
             'folder': setup['folder']}
    counts = {}
    for name, inputs in cases.items():
        out_dir = tmp_path / name
        result = inferencer(inputs, out_dir=str(out_dir), no_save_pred=False,
                            pred_score_thr=0.3)
        counts[name] = len(result['predictions'])
        pictures = sorted(os.listdir(out_dir / 'vis'))
        preds = sorted(os.listdir(out_dir / 'preds'))
        assert len(pictures) == len(preds) == counts[name]
        with open(out_dir / 'preds' / preds[0]) as f:
            first = json.load(f)
        assert {'labels', 'scores', 'bboxes'} <= set(first)
        assert len(first['bboxes']) == len(first['scores']) > 0
        assert mmcv.imread(str(out_dir / 'vis' / pictures[0])) is not None
    assert counts == {'image': 1, 'list': 2, 'folder': 3}


def test_init_and_inference_detector(setup, tmp_path):
    model = init_detector(SHAPES_CFG, setup['ckpt'], device='cpu')
    one = inference_detector(model, setup['images'][0])
    many = inference_detector(model, setup['images'])
    assert len(many) == 3
    for a, b in ((one, many[0]), ):
        assert torch.equal(a.pred_instances.bboxes, b.pred_instances.bboxes)
    # boxes are in original pixels: inside each (non-square) image
    for path, sample in zip(setup['images'], many):
        h, w = mmcv.imread(path).shape[:2]
        boxes = sample.pred_instances.bboxes
        assert len(boxes) > 0
        assert boxes[:, 0::2].max() <= w and boxes[:, 1::2].max() <= h
    # a folder, with pictures and JSON lines, through the plugin's API
    summary = infer_source(model, setup['folder'], str(tmp_path),
                           score_thr=0.3, progress=False)
    assert summary['images'] == 3
    assert len(os.listdir(tmp_path / 'vis')) == 3
    with open(tmp_path / 'predictions.jsonl') as f:
        lines = [json.loads(line) for line in f]
    for line, path, sample in zip(lines, setup['images'], many):
        want = prediction_record(path, sample, CLASSES, 0.3)
        assert line['file'] == path and line['labels'] == want['labels']
        assert np.allclose(line['boxes'], want['boxes'], atol=0.02)
        assert len(line['boxes']) > 0
        assert line['classes'] == [CLASSES[i] for i in line['labels']]
