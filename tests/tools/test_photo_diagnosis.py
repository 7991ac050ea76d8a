"""tools/analysis_tools/photo_diagnosis.py and its analysis module."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from helpers import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdet.registry import MODELS

from mmdet_fastssd.analysis.photo_diagnosis import (
    agnostic_records,
    eval_dataset_cfg,
    format_table,
    summarise,
    voc_ap,
)
from tools.analysis_tools import photo_diagnosis as tool

CUSTOM = osp.join(ROOT, 'configs', 'fastssd_custom_voc.py')


def ann(boxes, labels):
    return dict(bboxes=np.array(boxes, np.float32).reshape(-1, 4),
                labels=np.array(labels, np.int64),
                bboxes_ignore=np.zeros((0, 4), np.float32),
                labels_ignore=np.zeros(0, np.int64))


def dets(*per_class):
    return [np.array(d, np.float32).reshape(-1, 5) for d in per_class]


def test_swapped_classes_score_zero_per_class_and_one_agnostic():
    # two objects, each found exactly but under the other class
    anns = [ann([[0, 0, 50, 50], [60, 60, 99, 99]], [0, 1])]
    found = [dets([[60, 60, 99, 99, 0.9]], [[0, 0, 50, 50, 0.8]])]
    mean_ap, per_class = voc_ap(anns, found, ('a', 'b'))
    assert mean_ap == 0.0 and per_class == {'a': 0.0, 'b': 0.0}
    out = summarise(anns, found, ('a', 'b'))
    assert out['agnostic_mAP'] == pytest.approx(1.0)
    assert out['mAP'] == 0.0 and out['num_gts'] == {'a': 1, 'b': 1}
    assert out['num_images'] == 1


def test_agnostic_nms_keeps_one_box_per_object():
    one = ann([[0, 0, 50, 50]], [1])
    # the same object under both classes: a duplicate once merged
    both = dets([[0, 0, 50, 50, 0.6]], [[1, 1, 50, 50, 0.9]])
    merged_ann, merged = agnostic_records(one, both)
    assert merged_ann['labels'].tolist() == [0]
    assert len(merged) == 1 and merged[0].shape == (1, 5)
    assert merged[0][0, 4] == pytest.approx(0.9)
    empty_ann, empty = agnostic_records(one, dets([], []))
    assert empty[0].shape == (0, 5)
    # per class, class b is exact; class a has no object: mAP over 'b' only
    assert voc_ap([one], [both], ('a', 'b'))[1]['b'] == pytest.approx(1.0)


def test_eval_dataset_cfg_reads_the_train_list_with_the_test_pipeline():
    cfg = Config.fromfile(CUSTOM)
    cfg.train_dataloader.dataset.data_root = 'somewhere/'
    train = eval_dataset_cfg(cfg, 'train')
    assert train.ann_file == cfg.train_dataloader.dataset.ann_file
    assert train.data_root == 'somewhere/'
    assert train.pipeline == cfg.test_dataloader.dataset.pipeline
    assert train.test_mode
    assert eval_dataset_cfg(cfg, 'test') == cfg.test_dataloader.dataset


def test_format_table_has_a_row_per_split():
    res = dict(num_images=2, mAP=0.5, agnostic_mAP=0.75,
               per_class={'a': 0.25, 'b': 0.75})
    text = format_table({'train': res, 'test': res})
    lines = text.splitlines()
    assert lines[0] == '| split | images | mAP | class-agnostic mAP | a | b |'
    assert lines[2] == '| train | 2 | 0.500 | 0.750 | 0.250 | 0.750 |'
    assert len(lines) == 4


def test_tool_on_a_generated_folder(tmp_path, tiny_voc, capsys):
    root = tiny_voc({
        f'p{i}': (160, 120, [('cat', (10, 20, 100, 110)),
                             ('dog', (110, 10, 150, 60))]) for i in range(4)
    }, test_ids=('p3', ))
    cfg = Config.fromfile(CUSTOM)
    init_default_scope('mmdet')
    cfg.model.backbone.init_cfg = None
    cfg.model.bbox_head.num_classes = 2
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), ckpt)
    opts = ['model.bbox_head.num_classes=2']
    for key in ('train_dataloader', 'test_dataloader'):
        opts += [f'{key}.dataset.data_root={root}/',
                 f'{key}.dataset.metainfo.classes=[cat,dog]']
    out = str(tmp_path / 'diag.json')
    res = tool.main([CUSTOM, ckpt, '--out', out, '--cfg-options', *opts])
    assert [res[s]['num_images'] for s in ('train', 'test')] == [3, 1]
    for split in ('train', 'test'):
        assert set(res[split]['per_class']) == {'cat', 'dog'}
        assert 0.0 <= res[split]['mAP'] <= 1.0
        assert 0.0 <= res[split]['agnostic_mAP'] <= 1.0
    assert res['train']['num_gts'] == {'cat': 3, 'dog': 3}
    with open(out) as f:
        assert json.load(f) == json.loads(json.dumps(res))
    assert '| test | 1 |' in capsys.readouterr().out
