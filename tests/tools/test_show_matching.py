"""tools/analysis_tools/show_matching.py and its package logic
(mmdet_fastssd.analysis.matching)."""
import os.path as osp

import cv2
import pytest
import torch
from helpers import ROOT
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmdet.registry import TASK_UTILS

from mmdet_fastssd.analysis.matching import describe_anchors
from mmdet_fastssd.models.task_modules.prior_generators import (
    FastSSDAnchorGenerator,
)
from tools.analysis_tools import show_matching as tool

CUSTOM = osp.join(ROOT, 'configs', 'fastssd_custom_voc.py')
# the photo recipe's input and anchors were the lecture's when these hand
# values were worked out: pin them (112 px, grids 4/2/1, zooms .75/1/1.3)
LECTURE_GEOMETRY = [
    'model.bbox_head.anchor_generator.grid_sizes=(4,2,1)',
    'model.bbox_head.anchor_generator.zooms=(0.75,1.0,1.3)',
    'train_dataloader.dataset.pipeline.4.scale=(112,112)',  # Resize
]


@pytest.fixture
def tiny_set(tiny_voc):
    """Image 1: a cat on a 4x4 anchor of cell (0, 0), a dog on a 2x2 anchor
    of cell (1, 1)."""
    return tiny_voc({
        'a': (224, 224, [('cat', (30, 30, 90, 200))]),
        'b': (224, 224, [('cat', (0, 0, 56, 56)),
                         ('dog', (126, 126, 210, 210))]),
    })


def options(data_root):
    return ['--cfg-options',
            f'train_dataloader.dataset.data_root={data_root}',
            'train_dataloader.dataset.metainfo.classes=[cat,dog]'
            ] + LECTURE_GEOMETRY


def test_writes_the_matching_picture(tiny_set, tmp_path, capsys):
    out = str(tmp_path / 'm.png')
    res = tool.main([CUSTOM, '--index', '1', '--out', out] +
                    options(tiny_set))
    sample, match = res['sample'], res['match']
    # squished to 112 px without the random crops, flip and colours
    assert sample['input_hw'] == (112, 112)
    assert sample['dropped'] == ['BorderFillExpand',
                                 'BatchedMinIoURandomCrop',
                                 'RandomFlip', 'PhotoMetricDistortion']
    torch.testing.assert_close(sample['boxes'], torch.tensor(
        [[0., 0., 28., 28.], [63., 63., 105., 105.]]))
    assert sample['labels'].tolist() == [0, 1]
    # the 4x4 cell (0, 0) zoom-1 square and the 2x2 cell (1, 1) zoom-0.75
    # square equal the boxes: forced best anchors with IoU 1
    gen = FastSSDAnchorGenerator()
    cat_anchor = 0 * 9 + 1 * 3 + 0  # cell 0, 2nd zoom (1), 1st ratio (1:1)
    dog_anchor = 16 * 9 + 3 * 9 + 0 * 3 + 0  # after 4x4, cell 3, zoom .75
    assert describe_anchors(gen, torch.tensor([cat_anchor, dog_anchor])) == [
        '4x4 r0 c0 zoom 1 h:w 1:1', '2x2 r1 c1 zoom 0.75 h:w 1:1']
    assert match['gt_inds'][[cat_anchor, dog_anchor]].tolist() == [0, 1]
    assert match['overlaps'][[cat_anchor, dog_anchor]].tolist() == [2., 2.]
    torch.testing.assert_close(match['ious'][[cat_anchor, dog_anchor]],
                               torch.ones(2))
    png = cv2.imread(out)
    assert png.shape[:2] == (448 + 40, 448)  # 112 px drawn 4x, a caption
    text = capsys.readouterr().out
    assert 'gt 0 cat [0, 0, 28, 28] px' in text
    assert '4x4 r0 c0 zoom 1 h:w 1:1  IoU 1.000 (forced best anchor)' in text


def test_matches_the_assigners_result(tiny_set, tmp_path):
    res = tool.main([CUSTOM, '--index', '0', '--out',
                     str(tmp_path / 'a.png')] + options(tiny_set))
    cfg = Config.fromfile(CUSTOM)
    assigner = TASK_UTILS.build(cfg.model.train_cfg.assigner)
    # MMDetection's single-image interface, in input pixels
    priors = FastSSDAnchorGenerator().flat_priors()[0] * 112
    result = assigner.assign(
        InstanceData(priors=priors),
        InstanceData(bboxes=res['sample']['boxes'],
                     labels=res['sample']['labels']))
    assert torch.equal(res['match']['gt_inds'], result.gt_inds - 1)
    pos = result.gt_inds > 0
    assert pos.sum() > 1  # the forced anchor and real positives
    assert (res['match']['ious'][pos] > 0).all()
    assert (res['match']['ious'][~pos] == 0).all()


def test_bad_index_and_output_are_refused(tiny_set, tmp_path):
    with pytest.raises(SystemExit, match=r'--index 5 is outside .*0\.\.1'):
        tool.main([CUSTOM, '--index', '5', '--out', str(tmp_path / 'x.png')]
                  + options(tiny_set))
    with pytest.raises(SystemExit, match='must be a .png'):
        tool.main([CUSTOM, '--index', '0', '--out', str(tmp_path / 'x.jpg')])
    assert not list(tmp_path.glob('x.*'))
