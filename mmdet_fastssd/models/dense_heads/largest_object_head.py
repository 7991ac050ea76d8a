"""The lecture's largest-object localizer: one box and one class per image."""
from typing import List, Tuple

import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.models.dense_heads.base_dense_head import BaseDenseHead
from mmdet.registry import MODELS
from mmdet.utils import InstanceList, OptConfigType, OptInstanceList

from ..utils import INPUT_SHAPE_KEYS, largest_gt, meta_scales, pad_gt_instances
from ..utils.class_layers import ClassLayersMixin


@MODELS.register_module()
class LargestObjectHead(ClassLayersMixin, BaseDenseHead):
    """Fully connected ``C + 4`` head of fast.ai lesson 9 (section 1).

    ``Flatten -> ReLU -> Dropout -> Linear(in_channels * h * w, 256) -> ReLU
    -> BatchNorm1d -> Dropout -> Linear(256, 4 + C)`` on the backbone's last
    map. The first 4 outputs are the box, the rest the class logits. The box
    is ``sigmoid(box_logits)`` times the network input size, x1y1x2y2 (the
    lecture writes [top, left, bottom, right]); x is scaled by the input
    width and y by its height.

    Trained on each image's largest gt (by area) with
    ``L1(sigmoid(box) * size, gt_px) + 20 * CE(class_logits, gt_class)``,
    both averaged over the images that have a gt (the others are left out).

    Args:
        num_classes (int): object classes C. Defaults to 20.
        in_channels (int): channels of the backbone's last map.
            Defaults to 512.
        feat_size (tuple[int, int]): (h, w) of that map, 7x7 for a ResNet at
            224 px. Defaults to (7, 7).
        feat_channels (int): hidden width. Defaults to 256.
        dropout (tuple[float, float]): the two dropouts.
            Defaults to (0.5, 0.5).
        loss_bbox (dict, optional): L1 in input pixels. Defaults to
            ``dict(type='L1Loss', loss_weight=1.0)``.
        loss_cls (dict, optional): Defaults to
            ``dict(type='CrossEntropyLoss', loss_weight=20.0)``.
        train_cfg (dict, optional): unused. Defaults to None.
        test_cfg (dict, optional): unused. Defaults to None.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 num_classes: int = 20,
                 in_channels: int = 512,
                 feat_size: Tuple[int, int] = (7, 7),
                 feat_channels: int = 256,
                 dropout: Tuple[float, float] = (0.5, 0.5),
                 loss_bbox: OptConfigType = None,
                 loss_cls: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(feat_size) != 2 or len(dropout) != 2:
            raise ValueError('bbox_head.feat_size must be (h, w) and '
                             'bbox_head.dropout two floats, got '
                             f'{feat_size} and {dropout}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.feat_size = tuple(feat_size)
        self.loss_bbox = MODELS.build(
            loss_bbox or dict(type='L1Loss', loss_weight=1.0))
        self.loss_cls = MODELS.build(
            loss_cls or dict(type='CrossEntropyLoss', loss_weight=20.0))
        self.train_cfg = ConfigDict(train_cfg or {})
        self.test_cfg = ConfigDict(test_cfg or {})
        self.layers = nn.Sequential(
            nn.Flatten(), nn.ReLU(), nn.Dropout(dropout[0]),
            nn.Linear(in_channels * feat_size[0] * feat_size[1],
                      feat_channels),
            nn.ReLU(), nn.BatchNorm1d(feat_channels), nn.Dropout(dropout[1]),
            nn.Linear(feat_channels, 4 + num_classes))

    def class_layer_names(self) -> List[str]:
        """The last Linear (4 box + C class outputs), re-initialised when a
        checkpoint's C differs."""
        return [f'layers.{len(self.layers) - 1}']

    def forward(self, x: Tuple[Tensor, ...]) -> Tuple[Tensor, Tensor]:
        """Run the head on the last feature map.

        Args:
            x (tuple[Tensor]): backbone/neck maps; only ``x[-1]``
                [B, in_channels, h, w] is used.

        Returns:
            tuple[Tensor, Tensor]: class logits [B, C] and box logits [B, 4].
        """
        feat = x[-1]
        if tuple(feat.shape[1:]) != (self.in_channels, *self.feat_size):
            raise ValueError(
                f'feature map {tuple(feat.shape[1:])} does not match '
                f'bbox_head.in_channels={self.in_channels} and '
                f'bbox_head.feat_size={self.feat_size}')
        out = self.layers(feat).float()  # [B, 4 + C], float32 under autocast
        return out[:, 4:], out[:, :4]

    def loss_by_feat(self,
                     cls_scores: Tensor,
                     bbox_preds: Tensor,
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None
                     ) -> dict:
        """The lecture's loss on the batch's largest gts, all at once.

        Args:
            cls_scores (Tensor): class logits [B, C].
            bbox_preds (Tensor): box logits [B, 4].
            batch_gt_instances (list[InstanceData]): ``bboxes`` (input
                pixels) and ``labels`` per image.
            batch_img_metas (list[dict]): image metas
                (``batch_input_shape``).
            batch_gt_instances_ignore (list, optional): unused.
                Defaults to None.

        Returns:
            dict[str, Tensor]: ``loss_bbox`` (mean L1 in input pixels) and
            ``loss_cls`` (20 x mean cross entropy by default).
        """
        scales = meta_scales(batch_img_metas, INPUT_SHAPE_KEYS,
                             bbox_preds)  # [B, 4] (w, h, w, h)
        # pixels: the lecture compares areas in pixels (exact ties stay ties)
        gt_px, gt_labels, gt_valid = pad_gt_instances(
            batch_gt_instances, bbox_preds)  # [B, G, 4], [B, G], [B, G]
        boxes, labels, has_gt = largest_gt(gt_px, gt_labels, gt_valid)
        weight = has_gt.to(bbox_preds.dtype)  # [B]
        num = weight.sum()
        pred_px = bbox_preds.sigmoid() * scales  # [B, 4]
        loss_bbox = self.loss_bbox(pred_px, boxes,
                                   weight=weight[:, None].expand(-1, 4),
                                   avg_factor=4 * num)
        loss_cls = self.loss_cls(cls_scores, labels, weight=weight,
                                 avg_factor=num)
        return dict(loss_bbox=loss_bbox, loss_cls=loss_cls)

    def predict_by_feat(self,
                        cls_scores: Tensor,
                        bbox_preds: Tensor,
                        batch_img_metas: List[dict],
                        rescale: bool = False,
                        **kwargs) -> InstanceList:
        """One box per image: the predicted box and the most likely class.

        Args:
            cls_scores (Tensor): class logits [B, C].
            bbox_preds (Tensor): box logits [B, 4].
            batch_img_metas (list[dict]): image metas.
            rescale (bool): boxes in the original image (``scale_factor``)
                instead of the network input. Defaults to False.

        Returns:
            list[InstanceData]: one instance each: ``bboxes`` [1, 4] (pixels),
            ``scores`` [1] (softmax probability of the class) and
            ``labels`` [1].
        """
        boxes = bbox_preds.sigmoid() * meta_scales(
            batch_img_metas, INPUT_SHAPE_KEYS, bbox_preds)  # [B, 4]
        if rescale:
            boxes = boxes / meta_scales(batch_img_metas, 'scale_factor',
                                        bbox_preds)  # [B, 4]
        scores, labels = cls_scores.softmax(-1).max(-1)  # [B], [B]
        return [InstanceData(bboxes=b[None], scores=s[None], labels=lab[None])
                for b, s, lab in zip(boxes, scores, labels)]
