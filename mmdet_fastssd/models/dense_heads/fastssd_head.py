"""The lecture's SSD head as an MMDetection dense head."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import ConfigDict
from torch import Tensor

from mmdet.models.dense_heads.base_dense_head import BaseDenseHead
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.utils import InstanceList, OptConfigType, OptInstanceList

from ..layers import OutConv, StdConv, batched_detections
from ..utils import (
    INPUT_SHAPE_KEYS,
    assigned_targets,
    meta_scales,
    pad_gt_instances,
    positive_box_weights,
)
from ..utils.class_layers import ClassLayersMixin

DEFAULT_TEST_CFG = dict(score_thr=0.02, nms_pre=1000,
                        nms=dict(type='nms', iou_threshold=0.45),
                        max_per_img=100)


@MODELS.register_module()
class FastSSDHead(ClassLayersMixin, BaseDenseHead):
    """Multi-level SSD head of fast.ai lesson 9 on the backbone's last map.

    ``Dropout(ReLU(x)) -> StdConv(stride 1)``, then per grid level one
    stride-2 ``StdConv`` followed by an ``OutConv``. With ``stem_grid``
    the first level predicts on the stem's own map instead (no conv between
    the stem and its ``OutConv``) and the later levels halve it as before:
    grids (7, 4, 2, 1) on a 7x7 map add a finer grid for small objects to
    the lecture's (4, 2, 1). With ``fine_levels = n`` the n maps before the
    last (``x[-1-n:-1]``, e.g. an FPN neck's stride-8 map) each predict on
    their own grid through an ``OutConv``, ahead of the stem's levels:
    grids (28, 14, 7, 4, 2, 1) at 224 px with stride-8 and stride-16 maps.
    With a single level,
    ``k = 1``, ``cls_bias_init=-3`` and dropouts 0.25/0.1 it is the lecture's
    first SSD. Boxes inside the head are x1y1x2y2 in 0-1 fractions of the
    network input (``batch_input_shape``).

    Args:
        num_classes (int): object classes C. Defaults to 20.
        in_channels (int): channels of the backbone's last map.
            Defaults to 512.
        feat_channels (int): channels of the StdConvs. Defaults to 256.
        input_dropout (float): dropout on ReLU(x). Defaults to 0.4.
        conv_dropout (float): dropout inside each StdConv. Defaults to 0.4.
        cls_bias_init (float): starting bias of the class convs.
            Defaults to -4.0.
        stem_grid (bool): the first anchor grid is the stem's map (stride 1)
            rather than a stride-2 conv's. Defaults to False (the lecture).
        bn_before_relu (bool): StdConvs normalise before their ReLU, so a
            channel dead in training cannot blow up in eval
            (``StdConv``). Defaults to False (the lecture's order).
        fine_levels (int): finer input maps that predict on their own
            grids, first in ``grid_sizes``. They need ``in_channels``
            channels, as a neck's maps have. Defaults to 0 (the lecture:
            the last map only).
        anchor_generator (dict, optional): Defaults to
            ``dict(type='FastSSDAnchorGenerator')``.
        bbox_coder (dict, optional): Defaults to
            ``dict(type='TanhOffsetCoder')``.
        loss_cls (dict, optional): Defaults to
            ``dict(type='FastSSDFocalLoss')``.
        loss_bbox (dict, optional): loss between decoded and matched boxes.
            Defaults to ``dict(type='L1Loss', loss_weight=1.0)``.
        train_cfg (dict, optional): ``assigner`` key. Defaults to
            ``dict(assigner=dict(type='MaxOverlapAssigner'))``.
        test_cfg (dict, optional): ``score_thr``, ``nms_pre``, ``nms``,
            ``max_per_img``. ``nms=dict(type='nms', iou_threshold=t)`` runs
            mmcv's ``batched_nms`` as in MMDetection's heads;
            ``dict(type='grouped_nms', iou_threshold=t)`` the same NMS as
            batched tensor sweeps (``layers.bbox_nms``), faster on a CPU.
            Defaults to ``DEFAULT_TEST_CFG``.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 num_classes: int = 20,
                 in_channels: int = 512,
                 feat_channels: int = 256,
                 input_dropout: float = 0.4,
                 conv_dropout: float = 0.4,
                 cls_bias_init: float = -4.0,
                 stem_grid: bool = False,
                 bn_before_relu: bool = False,
                 fine_levels: int = 0,
                 anchor_generator: OptConfigType = None,
                 bbox_coder: OptConfigType = None,
                 loss_cls: OptConfigType = None,
                 loss_bbox: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_classes = num_classes
        self.prior_generator = TASK_UTILS.build(
            anchor_generator or dict(type='FastSSDAnchorGenerator'))
        self.bbox_coder = TASK_UTILS.build(
            bbox_coder or dict(type='TanhOffsetCoder'))
        self.loss_cls = MODELS.build(loss_cls or dict(type='FastSSDFocalLoss'))
        self.loss_bbox = MODELS.build(
            loss_bbox or dict(type='L1Loss', loss_weight=1.0))
        self.train_cfg = ConfigDict(train_cfg or {})
        self.test_cfg = ConfigDict(test_cfg or DEFAULT_TEST_CFG)
        self.assigner = TASK_UTILS.build(
            self.train_cfg.get('assigner', dict(type='MaxOverlapAssigner')))
        self.num_base_priors = self.prior_generator.num_base_priors[0]
        self.cls_out_channels = num_classes + 1
        self.input_dropout = nn.Dropout(input_dropout)
        self.stem = StdConv(in_channels, feat_channels, 1, conv_dropout,
                            bn_before_relu)
        self.stem_grid = stem_grid
        self.fine_levels = fine_levels
        stem_levels = self.prior_generator.num_levels - fine_levels
        if fine_levels < 0 or stem_levels < 1:
            raise ValueError(
                f'model.bbox_head.fine_levels={fine_levels} must be 0 to '
                f'{self.prior_generator.num_levels - 1}: one anchor grid '
                'per fine map, then at least one for the last map.')
        # one module per stem level; Identity keeps the stem's map
        self.downs = nn.ModuleList(
            nn.Identity() if stem_grid and level == 0 else
            StdConv(feat_channels, feat_channels, 2, conv_dropout,
                    bn_before_relu)
            for level in range(stem_levels))
        # the fine maps' OutConvs first, as their grids come first
        self.outs = nn.ModuleList(
            OutConv(in_channels if level < fine_levels else feat_channels,
                    self.num_base_priors, num_classes, cls_bias_init)
            for level in range(fine_levels + stem_levels))

    def class_layer_names(self) -> List[str]:
        """Class convs, re-initialised when a checkpoint's C differs."""
        return [f'outs.{i}.conv_cls' for i in range(len(self.outs))]

    def forward(self, x: Tuple[Tensor, ...]
                ) -> Tuple[List[Tensor], List[Tensor]]:
        """Run the head on the last map and the fine maps before it.

        Args:
            x (tuple[Tensor]): backbone/neck maps; ``x[-1]`` and, with
                ``fine_levels = n``, the n maps before it.

        Returns:
            tuple[list[Tensor], list[Tensor]]: per level class logits
            [B, k*(C+1), g, g] and box activations [B, k*4, g, g].
        """
        cls_scores, bbox_preds = self.forward_fine(x)
        feat = self.stem(self.input_dropout(F.relu(x[-1])))
        for down, out in zip(self.downs, self.outs[self.fine_levels:]):
            feat = down(feat)
            cls_score, bbox_pred = out(feat)
            cls_scores.append(cls_score)
            bbox_preds.append(bbox_pred)
        return cls_scores, bbox_preds

    def forward_fine(self, x: Tuple[Tensor, ...]
                     ) -> Tuple[List[Tensor], List[Tensor]]:
        """The fine maps' levels: ``OutConv(Dropout(ReLU(map)))`` each.

        Returns:
            tuple[list[Tensor], list[Tensor]]: ``fine_levels`` class logits
            and box activations, finest first.
        """
        n = self.fine_levels
        if len(x) < n + 1:
            raise ValueError(
                f'model.bbox_head.fine_levels={n} needs {n + 1} maps from '
                f'the backbone (and neck), got {len(x)}: give more '
                'model.backbone.out_indices (and a neck such as FPN).')
        outs = [out(self.input_dropout(F.relu(feat)))
                for out, feat in zip(self.outs[:n], x[len(x) - n - 1:-1])]
        return [c for c, _ in outs], [b for _, b in outs]

    def flatten_outputs(self, cls_scores: Sequence[Tensor],
                        bbox_preds: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Concatenate levels in (level, row, col, anchor) order.

        Returns:
            tuple[Tensor, Tensor]: [B, A, C+1] logits and [B, A, 4] boxes.
        """
        self.prior_generator.check_featmap_sizes(
            [c.shape[-2:] for c in cls_scores])
        k = self.num_base_priors
        # Views only; the single copy is the concatenation.
        cls = [c.permute(0, 2, 3, 1).flatten(1, 2).unflatten(
            2, (k, self.cls_out_channels))
               for c in cls_scores]  # [B, g*g, k, C+1] per level
        box = [b.permute(0, 2, 3, 1).flatten(1, 2).unflatten(2, (k, 4))
               for b in bbox_preds]  # [B, g*g, k, 4] per level
        # float32 even under bf16 autocast: matching and decoding need it
        return (torch.cat(cls, 1).flatten(1, 2).float(),  # [B, A, C+1]
                torch.cat(box, 1).flatten(1, 2).float())  # [B, A, 4]

    def priors(self, like: Tensor) -> Tuple[Tensor, Tensor]:
        """Anchors [A, 4] and cell sizes [A, 2] on ``like``'s device/dtype.

        Cached per (generator, dtype, device); treat them as read-only.
        """
        key = (id(self.prior_generator), like.dtype, like.device)
        cache = self.__dict__.setdefault('_prior_cache', {})
        if key not in cache:
            cache.clear()
            cache[key] = self.prior_generator.flat_priors(like.dtype,
                                                          like.device)
        return cache[key]

    def loss_by_feat(self,
                     cls_scores: List[Tensor],
                     bbox_preds: List[Tensor],
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None
                     ) -> dict:
        """The lecture's loss for the whole batch at once.

        Box loss: L1 between decoded boxes and matched gts in 0-1 input
        fractions, averaged over each image's positive anchors' coordinates.
        Class loss: ``loss_cls`` over all anchors. Both summed over images.

        Returns:
            dict[str, Tensor]: ``loss_cls`` and ``loss_bbox``.
        """
        cls, box = self.flatten_outputs(cls_scores, bbox_preds)
        return self.loss_by_flat(cls, box, batch_gt_instances,
                                 batch_img_metas)

    def loss_by_flat(self, cls: Tensor, box: Tensor,
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict]) -> dict:
        """``loss_by_feat`` from flattened outputs.

        Args:
            cls (Tensor): logits [B, A, C+1].
            box (Tensor): activations [B, A, 4].
            batch_gt_instances (list[InstanceData]): pixel gts per image.
            batch_img_metas (list[dict]): image metas.

        Returns:
            dict[str, Tensor]: ``loss_cls`` and ``loss_bbox``.
        """
        priors, cells = self.priors(box)
        gt_boxes, gt_labels, gt_valid = pad_gt_instances(
            batch_gt_instances, box,
            meta_scales(batch_img_metas, INPUT_SHAPE_KEYS, box)
        )  # [B, G, 4] 0-1 input fractions, [B, G], [B, G]
        gt_inds, _ = self.assigner.assign_batch(priors, gt_boxes, gt_valid)
        labels, img, prior, gt = assigned_targets(gt_inds, gt_labels,
                                                  self.num_classes)
        # Only positive anchors enter the box loss: decode those alone.
        decoded = self.bbox_coder.decode(priors[prior], box[img, prior],
                                         cells[prior])  # [P, 4]
        loss_bbox = self.loss_bbox(
            decoded, gt_boxes[img, gt],
            weight=positive_box_weights(img, box.size(0), decoded),
            reduction_override='sum')
        return dict(loss_cls=self.loss_cls(cls, labels), loss_bbox=loss_bbox)

    def predict_by_feat(self,
                        cls_scores: List[Tensor],
                        bbox_preds: List[Tensor],
                        score_factors: Optional[List[Tensor]] = None,
                        batch_img_metas: Optional[List[dict]] = None,
                        cfg: OptConfigType = None,
                        rescale: bool = False,
                        with_nms: bool = True) -> InstanceList:
        """Sigmoid scores of the C object columns, score filter, class-aware
        NMS for the whole batch, ``max_per_img``.

        Returns:
            list[InstanceData]: ``bboxes`` (pixels; original image when
            ``rescale``), ``scores`` and ``labels`` per image.
        """
        cfg = ConfigDict(cfg or self.test_cfg)
        cls, box = self.flatten_outputs(cls_scores, bbox_preds)
        priors, cells = self.priors(box)
        boxes = self.bbox_coder.decode(priors, box, cells)  # [B, A, 4]
        scores = cls[..., :self.num_classes].sigmoid()  # [B, A, C]
        return batched_detections(boxes, scores, batch_img_metas, cfg,
                                  rescale, with_nms)
