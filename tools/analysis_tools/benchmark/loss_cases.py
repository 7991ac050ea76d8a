"""Assignment + loss cases of the benchmark: inputs and the paths.

Every path gets the same logits, box activations and ground truths:

* ``head``: this plugin's ``FastSSDHead`` from flattened outputs
  (``loss_by_flat``: padding, batched matching, class loss, box loss);
* ``lecture``: the lecture's per-image loop
  (:mod:`mmdet_fastssd.testing.lecture`);
* ``stock``: MMDetection's ``SSDHead.loss_by_feat`` with ``MaxIoUAssigner``,
  its prior generator swapped for a shim returning this head's anchors in
  pixels (``StockPriors``), so it matches the same anchors;
* ``floor``: the class loss alone on precomputed targets.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.registry import MODELS

import mmdet_fastssd  # noqa: F401  (registers the plugin)
from mmdet_fastssd.models.utils import meta_scales, pad_gt_instances
from mmdet_fastssd.testing import lecture

SSD300_CFG = osp.join(osp.dirname(osp.abspath(__file__)), 'configs',
                      'ssd300_voc0712.py')
NUM_CLASSES = 20
INPUT = 224
LECTURE_GRIDS = (4, 2, 1)  # 189 anchors
DENSE_GRIDS = (27, 13, 7, 4, 2, 1)  # (729+169+49+16+4+1) * 9 = 8,712 anchors
META = dict(batch_input_shape=(INPUT, INPUT), img_shape=(INPUT, INPUT),
            pad_shape=(INPUT, INPUT), ori_shape=(INPUT, INPUT),
            scale_factor=(1.0, 1.0))


@dataclass
class LossCase:
    """One batch of head outputs and ground truths, in every path's layout.

    Attributes:
        grids (tuple[int]): anchor grid sizes.
        cls (Tensor): leaf logits [B, A, C+1].
        box (Tensor): leaf activations [B, A, 4] (tx, ty, tw, th).
        box_lecture (Tensor): leaf activations [B, A, 4] (ty, tx, th, tw).
        cls_levels (list[Tensor]): leaf logits [B, k*(C+1), g, g] per level.
        box_levels (list[Tensor]): leaf activations [B, k*4, g, g].
        gts (list[InstanceData]): pixel ``bboxes`` and ``labels``.
        gts_lecture (list[Tensor]): (top, left, bottom, right) fractions.
        metas (list[dict]): image metas.
        labels (Tensor): assigned targets [B, A] (for the floor).
    """

    grids: Tuple[int, ...]
    cls: Tensor
    box: Tensor
    box_lecture: Tensor
    cls_levels: List[Tensor]
    box_levels: List[Tensor]
    gts: List[InstanceData]
    gts_lecture: List[Tensor]
    metas: List[dict]
    labels: Tensor


def build_head(grids: Sequence[int], device: torch.device):
    """The plugin's head with ``grids`` (focal loss, threshold 0.5)."""
    head = MODELS.build(dict(
        type='FastSSDHead', num_classes=NUM_CLASSES,
        anchor_generator=dict(type='FastSSDAnchorGenerator',
                              grid_sizes=tuple(grids))))
    return head.to(device)


def random_gts(batch: int, gen: torch.Generator, max_gts: int = 20
               ) -> List[InstanceData]:
    """1..``max_gts`` random boxes (pixels) and labels per image."""
    gts = []
    for _ in range(batch):
        n = int(torch.randint(1, max_gts + 1, (1, ), generator=gen))
        xy = torch.rand(n, 2, generator=gen) * 0.8
        wh = torch.rand(n, 2, generator=gen) * 0.45 + 0.05
        boxes = torch.cat([xy, (xy + wh).clamp(max=1.0)], 1) * INPUT
        gts.append(InstanceData(bboxes=boxes, labels=torch.randint(
            0, NUM_CLASSES, (n, ), generator=gen)))
    return gts


def unflatten(flat: Tensor, grids: Sequence[int], k: int) -> List[Tensor]:
    """[B, A, D] back to per-level [B, k*D, g, g] maps (head layout)."""
    batch, _, depth = flat.shape
    out, start = [], 0
    for g in grids:
        level = flat[:, start:start + g * g * k]  # [B, g*g*k, D]
        start += g * g * k
        level = level.reshape(batch, g, g, k * depth)  # [B, g, g, k*D]
        out.append(level.permute(0, 3, 1, 2).contiguous())  # [B, k*D, g, g]
    return out


def make_case(batch: int, grids: Sequence[int], device: torch.device,
              seed: int = 0) -> LossCase:
    """Random logits/activations and 1-20 gts per image, fixed seed."""
    gen = torch.Generator().manual_seed(seed)
    head = build_head(grids, device)
    num = head.prior_generator.num_anchors
    k = head.num_base_priors
    cls = torch.randn(batch, num, NUM_CLASSES + 1, generator=gen) * 2 - 2
    box = torch.randn(batch, num, 4, generator=gen) * 0.5
    gts = random_gts(batch, gen)
    with torch.no_grad():
        priors, _ = head.priors(cls)
        gt_boxes, gt_labels, valid = pad_gt_instances(
            gts, cls, meta_scales([META] * batch, 'batch_input_shape', cls))
        inds, _ = head.assigner.assign_batch(priors, gt_boxes, valid)
        labels = gt_labels.gather(1, inds.clamp(min=0)).masked_fill(
            inds < 0, NUM_CLASSES)  # [B, A]

    def leaf(t: Tensor) -> Tensor:
        return t.detach().to(device).clone().requires_grad_()
    return LossCase(
        tuple(grids), leaf(cls), leaf(box), leaf(box[..., [1, 0, 3, 2]]),
        [leaf(t) for t in unflatten(cls, grids, k)],
        [leaf(t) for t in unflatten(box, grids, k)],
        [g.to(device) for g in gts],
        [(g.bboxes[:, [1, 0, 3, 2]] / INPUT).to(device) for g in gts],
        [dict(META) for _ in range(batch)], labels.to(device))


def clear(*tensors: Tensor) -> None:
    """Drop accumulated gradients."""
    for t in tensors:
        t.grad = None


def head_path(case: LossCase, device: torch.device) -> Callable[[], None]:
    """This plugin: ``loss_by_flat`` forward + backward."""
    head = build_head(case.grids, device)

    def run() -> None:
        clear(case.cls, case.box)
        losses = head.loss_by_flat(case.cls, case.box, case.gts, case.metas)
        (losses['loss_cls'] + losses['loss_bbox']).backward()
    return run


def head_feat_path(case: LossCase, device: torch.device
                   ) -> Callable[[], None]:
    """This plugin: ``loss_by_feat`` from per-level maps (adds flattening)."""
    head = build_head(case.grids, device)

    def run() -> None:
        clear(*case.cls_levels, *case.box_levels)
        losses = head.loss_by_feat(case.cls_levels, case.box_levels,
                                   case.gts, case.metas)
        (losses['loss_cls'] + losses['loss_bbox']).backward()
    return run


def lecture_path(case: LossCase, device: torch.device) -> Callable[[], None]:
    """The lecture's per-image loop, forward + backward."""
    anchors, grid_sizes = lecture.lecture_anchors(case.grids)
    anchors, grid_sizes = anchors.to(device), grid_sizes.to(device)
    classes = [g.labels for g in case.gts]

    def run() -> None:
        clear(case.cls, case.box_lecture)
        lecture.ssd_loss(case.cls, case.box_lecture, case.gts_lecture,
                         classes, anchors, grid_sizes, NUM_CLASSES,
                         focal=True).backward()
    return run


class StockPriors:
    """Stand-in prior generator for mmdet's SSDHead: the plugin's anchors.

    Args:
        grids (Sequence[int]): the plugin's grid sizes.
        device (torch.device): where the anchors live.
    """

    def __init__(self, grids: Sequence[int], device: torch.device) -> None:
        gen = build_head(grids, device).prior_generator
        self.levels = [a * INPUT for a in gen.grid_priors(device=device)]
        self.num_levels = len(self.levels)

    def grid_priors(self, featmap_sizes, dtype=torch.float32, device='cpu'):
        """Per level [g*g*k, 4] pixel anchors."""
        return self.levels

    def valid_flags(self, featmap_sizes, pad_shape, device='cpu'):
        """All anchors valid."""
        return [torch.ones(a.size(0), dtype=torch.bool, device=a.device)
                for a in self.levels]


def build_stock_head(grids: Sequence[int], device: torch.device):
    """mmdet's SSDHead (ssd300_voc0712 settings) on the plugin's anchors."""
    cfg = Config.fromfile(SSD300_CFG)
    head_cfg = cfg.model.bbox_head.copy()
    head_cfg.update(train_cfg=cfg.model.train_cfg, test_cfg=cfg.model.test_cfg)
    head = MODELS.build(head_cfg).to(device)
    head.prior_generator = StockPriors(grids, device)
    return head


def stock_path(case: LossCase, device: torch.device) -> Callable[[], None]:
    """mmdet's ``SSDHead.loss_by_feat`` (per-image MaxIoUAssigner, OHEM)."""
    head = build_stock_head(case.grids, device)

    def run() -> None:
        clear(*case.cls_levels, *case.box_levels)
        losses = head.loss_by_feat(case.cls_levels, case.box_levels,
                                   case.gts, case.metas)
        sum(sum(v) for v in losses.values()).backward()
    return run


def dense_focal(cls: Tensor, targets: Tensor, alpha: float = 0.25,
                gamma: float = 2.0) -> Tensor:
    """The bare focal arithmetic on dense 0/1 targets [B, A, C] (autograd)."""
    x = cls[..., :-1]  # [B, A, C]
    p = x.sigmoid()
    pt = p * targets + (1 - p) * (1 - targets)
    w = (alpha * targets + (1 - alpha) * (1 - targets)) * (1 - pt).pow(gamma)
    bce = F.binary_cross_entropy_with_logits(x, targets, reduction='none')
    return (bce * w).sum() / NUM_CLASSES


def floor_paths(case: LossCase, device: torch.device
                ) -> Dict[str, Callable[[], None]]:
    """Class loss alone on precomputed targets: autograd and the plugin's."""
    targets = F.one_hot(case.labels, NUM_CLASSES + 1)[..., :-1].to(
        case.cls.dtype)  # [B, A, C]
    loss = build_head(case.grids, device).loss_cls

    def autograd() -> None:
        clear(case.cls)
        dense_focal(case.cls, targets).backward()

    def plugin() -> None:
        clear(case.cls)
        loss(case.cls, case.labels).backward()
    return dict(autograd=autograd, fused=plugin)
