"""Whole-model cases of the benchmark: detectors, inference,
post-processing and training steps on in-memory data.

Models are built from ``configs/fastssd_voc.py`` and MMDetection's
``ssd300_voc0712`` (``configs/`` beside this file) with random weights: no
pretrained checkpoint is downloaded.
"""
import contextlib
import os.path as osp
from typing import Callable, Dict, List, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.registry import MODELS
from mmdet.structures import DetDataSample

from . import loss_cases as bl

# the repository root: tools/analysis_tools/benchmark/ is three levels down
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
FASTSSD_CFG = osp.join(ROOT, 'configs', 'fastssd_voc.py')
SSD300_CFG = bl.SSD300_CFG


def autocast(device: torch.device, amp: bool):
    """bf16 autocast on the CPU, fp16 on CUDA, or nothing."""
    if not amp:
        return contextlib.nullcontext()
    dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16
    return torch.autocast(device.type, dtype=dtype)


def build_detector(cfg_path: str, device: torch.device,
                   channels_last: bool = False) -> torch.nn.Module:
    """A detector from a config, random init, nothing downloaded.

    Stock SSDHead (mmdet 3.3.0) reads ``self.loss_cls`` while predicting but
    never builds it (open-mmlab/mmdetection#11063): it is set here to the
    softmax cross entropy SSD trains with.
    """
    cfg = Config.fromfile(cfg_path)
    cfg.model.backbone.init_cfg = None
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    model.init_weights()
    if not hasattr(model.bbox_head, 'loss_cls'):
        model.bbox_head.loss_cls = MODELS.build(
            dict(type='CrossEntropyLoss', use_sigmoid=False))
    model = model.to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model


def fake_batch(batch: int, size: int, device: torch.device,
               with_gts: bool = False, seed: int = 0) -> dict:
    """``test_step``/``train_step`` data: uint8 images and metas (+ gts)."""
    gen = torch.Generator().manual_seed(seed)
    gts = bl.random_gts(batch, gen) if with_gts else [None] * batch
    samples = []
    for gt in gts:
        sample = DetDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size),
            scale_factor=(1.0, 1.0), pad_shape=(size, size)))
        if gt is not None:
            sample.gt_instances = InstanceData(
                bboxes=gt.bboxes * (size / bl.INPUT), labels=gt.labels)
        samples.append(sample)
    images = [torch.randint(0, 256, (3, size, size), generator=gen,
                            dtype=torch.uint8) for _ in range(batch)]
    return dict(inputs=[i.to(device) for i in images], data_samples=samples)


def inference_fn(model: torch.nn.Module, data: dict, device: torch.device,
                 amp: bool = False,
                 channels_last: bool = False) -> Callable[[], None]:
    """Preprocess + backbone + head + post-processing, no grad.

    ``SingleStageDetector.predict`` spelled out so that autocast covers the
    network only: post-processing runs in float32 (mmcv's NMS takes no
    bf16/fp16 boxes).
    """
    model.eval()

    def run() -> None:
        with torch.no_grad():
            batch = model.data_preprocessor(data, False)
            x = batch['inputs']
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            metas = [s.metainfo for s in batch['data_samples']]
            with autocast(device, amp):
                outs = model.bbox_head(model.extract_feat(x))
            outs = [[o.float() for o in level] for level in outs]
            model.bbox_head.predict_by_feat(*outs, batch_img_metas=metas,
                                            rescale=True)
    return run


def postprocess_fn(batch: int, device: torch.device,
                   nms_type: str = 'nms') -> Callable[[], None]:
    """The FastSSD head's ``predict_by_feat`` on random outputs.

    Logits ``N(0, 2) - 4`` put about 10% of (anchor, class) scores above
    ``score_thr`` 0.02, so every image fills ``nms_pre`` = 1000 candidates.

    Args:
        batch (int): images per call.
        device (torch.device): where to run.
        nms_type (str): ``test_cfg.nms.type``: 'nms' (mmcv's
            ``batched_nms``) or 'grouped_nms'. Defaults to 'nms'.
    """
    head = bl.build_head(bl.LECTURE_GRIDS, device).eval()
    head.test_cfg.nms = dict(type=nms_type, iou_threshold=0.45)
    gen = torch.Generator().manual_seed(1)
    k, num = head.num_base_priors, head.prior_generator.num_anchors
    cls = (torch.randn(batch, num, bl.NUM_CLASSES + 1, generator=gen) * 2
           - 4)
    box = torch.randn(batch, num, 4, generator=gen) * 0.5
    cls = [c.to(device) for c in bl.unflatten(cls, bl.LECTURE_GRIDS, k)]
    box = [b.to(device) for b in bl.unflatten(box, bl.LECTURE_GRIDS, k)]
    metas = [dict(bl.META) for _ in range(batch)]

    def run() -> None:
        with torch.no_grad():
            head.predict_by_feat(cls, box, batch_img_metas=metas,
                                 rescale=True)
    return run


def train_inputs(model: torch.nn.Module, batch: int, size: int,
                 device: torch.device, channels_last: bool
                 ) -> Tuple[Tensor, List[DetDataSample]]:
    """Preprocessed images and samples with gts, kept in memory."""
    data = fake_batch(batch, size, device, with_gts=True)
    with torch.no_grad():
        out = model.data_preprocessor(data, True)
    x = out['inputs']
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return x, out['data_samples']


def train_step_fns(model: torch.nn.Module, batch: int, size: int,
                   device: torch.device, amp: bool = False,
                   channels_last: bool = False) -> Dict[str, Callable]:
    """A full Adam step and its pieces (each forward + backward).

    Returns:
        dict[str, Callable]: ``step`` (whole model), ``backbone`` (backbone
        forward only), ``head+assign+loss`` (head convs, matching and losses
        on detached backbone features, forward + backward) and
        ``assign+loss`` (``loss_by_feat`` on detached head outputs).
    """
    model.train()
    optim = torch.optim.Adam(model.parameters(), lr=1e-4)
    x, samples = train_inputs(model, batch, size, device, channels_last)
    head = model.bbox_head
    with torch.no_grad(), autocast(device, amp):
        feats = model.extract_feat(x)
        outs = head(feats)
    feats = tuple(f.detach().float().requires_grad_() for f in feats)
    outs = [[o.detach().float().requires_grad_() for o in level]
            for level in outs]
    gts = [s.gt_instances for s in samples]
    metas = [s.metainfo for s in samples]

    def step() -> None:
        optim.zero_grad(set_to_none=True)
        with autocast(device, amp):
            losses = model(x, samples, mode='loss')
        sum(losses.values()).backward()
        optim.step()

    def backbone() -> None:
        with torch.no_grad(), autocast(device, amp):
            model.extract_feat(x)

    def head_loss() -> None:
        with autocast(device, amp):
            losses = head.loss(feats, samples)
        sum(losses.values()).backward()

    def assign_loss() -> None:
        losses = head.loss_by_feat(*outs, gts, metas)
        sum(losses.values()).backward()
    return {'step': step, 'backbone fwd': backbone,
            'head+assign+loss': head_loss, 'assign+loss': assign_loss}


def data_loader(data_root: str = osp.join(ROOT, 'data', 'shapes'),
                num_workers: int = -1, batch_size: int = -1):
    """``configs/fastssd_voc.py``'s train dataloader on the shapes data.

    Args:
        data_root (str): holds ``SHAPES/`` (``tools/misc/make_shapes.py``).
            Defaults to ``data/shapes``.
        num_workers (int): -1 keeps the config's. Defaults to -1.
        batch_size (int): -1 keeps the config's. Defaults to -1.

    Returns:
        DataLoader: VOC train pipeline (load, resize 224, flip, pack).
    """
    from mmengine.runner import Runner

    from mmdet_fastssd.datasets.shapes_generator import SHAPES_CLASSES
    cfg = Config.fromfile(FASTSSD_CFG)
    init_default_scope('mmdet')
    loader = cfg.train_dataloader
    loader.dataset.update(
        data_root=data_root.rstrip('/') + '/',
        ann_file='SHAPES/ImageSets/Main/trainval.txt',
        data_prefix=dict(sub_data_root='SHAPES/'),
        metainfo=dict(classes=SHAPES_CLASSES),
        filter_cfg=dict(filter_empty_gt=True, min_size=0))
    if num_workers >= 0:
        loader.num_workers = num_workers
        loader.persistent_workers = num_workers > 0
    if batch_size > 0:
        loader.batch_size = batch_size
    return Runner.build_dataloader(loader)
