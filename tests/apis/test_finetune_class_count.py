"""Fine-tuning from a checkpoint trained with another class count."""
import copy
import logging

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.runner import load_checkpoint
from zoo_helpers import shapes_detector

from mmdet_fastssd.models import LargestObjectHead, MultiLabelHead


class Records(logging.Handler):

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def log_records():
    logger = MMLogger.get_current_instance()
    handler = Records()
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def warnings_of(records):
    return [r.getMessage() for r in records if r.levelno >= logging.WARNING]


def test_fastssd_5_to_2_classes_through_load_checkpoint(tmp_path,
                                                        log_records):
    _, model5 = shapes_detector(seed=0)
    path = str(tmp_path / 'five.pth')
    torch.save(dict(meta=dict(dataset_meta=model5.dataset_meta),
                    state_dict=model5.state_dict()), path)
    _, model2 = shapes_detector(seed=1, num_classes=2)
    init = copy.deepcopy(model2.state_dict())
    load_checkpoint(model2, path, map_location='cpu', logger='current')
    levels = len(model2.bbox_head.outs)  # the shapes head: 4 grids
    class_layers = [f'bbox_head.outs.{i}.conv_cls' for i in range(levels)]
    loaded, ckpt = model2.state_dict(), model5.state_dict()
    kept = 0
    for key, value in loaded.items():
        if key.rsplit('.', 1)[0] in class_layers:
            assert torch.equal(value, init[key]), key  # its own init
            assert value.shape[0] == 9 * 3  # 9 anchors x (2 classes + 1)
            kept += 1
        else:
            assert torch.equal(value, ckpt[key]), key
    assert kept == 2 * levels  # weight + bias of each level's class conv
    messages = warnings_of(log_records)
    assert len(messages) == 1, messages
    assert 'FastSSDHead' in messages[0] and 'another class count' in \
        messages[0]
    for name in class_layers:
        assert name in messages[0]
    assert '(54, 256, 3, 3) -> (27, 256, 3, 3)' in messages[0]


def test_same_class_count_loads_everything_silently(log_records):
    _, model5 = shapes_detector(seed=0)
    _, other = shapes_detector(seed=1)
    other.load_state_dict(model5.state_dict())  # strict
    for key, value in model5.state_dict().items():
        assert torch.equal(other.state_dict()[key], value), key
    assert warnings_of(log_records) == []


@pytest.mark.parametrize('head_type,kwargs', [
    (LargestObjectHead, dict(in_channels=4, feat_size=(2, 2),
                             feat_channels=8)),
    (MultiLabelHead, dict(in_channels=4, feat_channels=8)),
])
def test_classifier_heads_keep_their_last_layer(head_type, kwargs,
                                                log_records):
    torch.manual_seed(0)
    five = head_type(num_classes=5, **kwargs)
    torch.manual_seed(1)
    two = head_type(num_classes=2, **kwargs)
    init = copy.deepcopy(two.state_dict())
    last = f'layers.{len(two.layers) - 1}.'
    two.load_state_dict(five.state_dict())  # strict: no missing keys
    for key, value in two.state_dict().items():
        want = init[key] if key.startswith(last) else five.state_dict()[key]
        assert torch.equal(value, want), key
    messages = warnings_of(log_records)
    assert len(messages) == 1 and head_type.__name__ in messages[0]
    assert last[:-1] in messages[0]
