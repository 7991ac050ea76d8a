"""Shared by the model-zoo, inference and deployment tests.

A checkpoint of ``configs/fastssd_shapes.py`` with random weights (no
training: seconds instead of minutes) whose class biases are drawn around 0,
so that it detects plenty of boxes, and a few shapes images of varied sizes.
"""
import glob
import os
import os.path as osp
from collections import OrderedDict
from typing import List, Tuple

import numpy as np
import torch
import torch.nn as nn
from helpers import SHAPES_CFG, make_shapes
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.registry import init_default_scope

from mmdet.registry import MODELS

# registers the plugin; checkpoints written as the tools write them (the
# runtime switch on: buffers pickled without functions)
import mmdet_fastssd.runtime  # noqa: F401

CLASSES = ('circle', 'rectangle', 'triangle', 'cross', 'ring')
PALETTE = [(220, 20, 60), (0, 128, 0), (0, 0, 230), (255, 165, 0),
           (128, 0, 128)]


def shapes_detector(cfg_path: str = SHAPES_CFG, seed: int = 0,
                    **head) -> Tuple[Config, nn.Module]:
    """The config's detector with seeded random weights, eval mode.

    Args:
        cfg_path (str): config. Defaults to the shapes SSD.
        seed (int): Defaults to 0.
        **head: overrides of ``model.bbox_head`` (e.g. ``num_classes``).

    Returns:
        tuple: the config and the model.
    """
    cfg = Config.fromfile(cfg_path)
    cfg.model.bbox_head.update(head)
    init_default_scope('mmdet')
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    for out in model.bbox_head.outs:  # random weights that detect things
        nn.init.normal_(out.conv_cls.bias, 0.0, 1.0)
    model.dataset_meta = dict(classes=CLASSES[:model.bbox_head.num_classes],
                              palette=PALETTE)
    return cfg, model.eval()


def training_checkpoint(model: nn.Module, cfg: Config) -> dict:
    """What MMEngine's CheckpointHook writes: meta, weights, optimizer,
    message hub (HistoryBuffers with numpy inside), schedulers."""
    hub = MessageHub.get_instance('zoo_helpers')
    hub.update_scalar('train/loss', 1.5)
    hub.update_info('best', np.float64(0.5))
    optimizer = torch.optim.Adam(model.parameters())
    meta = dict(epoch=1, iter=10, cfg=cfg.pretty_text, seed=0,
                experiment_name='zoo', time='20260101_000000',
                mmengine_version='0.10.7', dataset_meta=model.dataset_meta,
                numpy_value=np.float32(0.25),
                config_dict=OrderedDict(num_classes=5))
    return dict(meta=meta, state_dict=model.state_dict(),
                optimizer=optimizer.state_dict(),
                message_hub=hub.state_dict(),
                param_schedulers=[dict(last_step=3, base_values=[1e-3])])


def save_training_checkpoint(path: str, seed: int = 0, **head) -> str:
    """Write a training-style checkpoint of the shapes SSD to ``path``."""
    cfg, model = shapes_detector(seed=seed, **head)
    checkpoint = training_checkpoint(model, cfg)
    assert isinstance(checkpoint['message_hub']['log_scalars']['train/loss'],
                      HistoryBuffer)
    torch.save(checkpoint, path)
    return path


def save_weights_checkpoint(path: str, seed: int = 0) -> str:
    """Write the shapes SSD's weights and ``dataset_meta`` to ``path``."""
    _, model = shapes_detector(seed=seed)
    torch.save(dict(meta=dict(dataset_meta=model.dataset_meta),
                    state_dict=model.state_dict()), path)
    return path


def publish(in_file: str, out_stem: str, fp16: bool = False) -> str:
    """What ``tools/model_converters/publish_model.py IN OUT [--fp16]``
    does, in this process; the written path."""
    from tools.model_converters.publish_model import publish as publish_file
    return publish_file(in_file, out_stem, fp16)


def shapes_images(folder: str, count: int = 4) -> List[str]:
    """``count`` generated shapes JPEGs (sides 72-120 px) in ``folder``."""
    voc = make_shapes(osp.join(folder, 'voc'), num_train=count, num_test=0,
                      img_size=96, seed=5)
    os.makedirs(osp.join(folder, 'images'), exist_ok=True)
    out = []
    for src in sorted(glob.glob(osp.join(voc, 'SHAPES', 'JPEGImages',
                                         '*.jpg'))):
        dst = osp.join(folder, 'images', osp.basename(src))
        with open(src, 'rb') as f, open(dst, 'wb') as g:
            g.write(f.read())
        out.append(dst)
    return out
