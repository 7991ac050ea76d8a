"""The lecture's multilabel classifier as a head of a SingleStageDetector."""
from typing import List, Tuple

import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.models.dense_heads.base_dense_head import BaseDenseHead
from mmdet.registry import MODELS
from mmdet.utils import InstanceList, OptConfigType, OptInstanceList

from ..layers import AdaptiveConcatPool2d
from ..utils import meta_scales, multi_hot
from ..utils.class_layers import ClassLayersMixin


@MODELS.register_module()
class MultiLabelHead(ClassLayersMixin, BaseDenseHead):
    """Which classes an image contains: sigmoid + BCE per class.

    The head is fastai's default ``ConvLearner.pretrained`` head, which the
    lecture's multilabel model used: ``AdaptiveConcatPool2d -> Flatten ->
    BatchNorm1d(2 * C_in) -> Dropout(0.25) -> Linear(2 * C_in, 512) -> ReLU
    -> BatchNorm1d(512) -> Dropout(0.5) -> Linear(512, C)``. Targets are
    multi-hot rows built from ``gt_instances.labels``.

    A classifier has no boxes: ``predict`` returns, per image, C instances
    (one per class, ``labels = arange(C)``) whose ``bboxes`` all cover the
    whole image and whose ``scores`` are the sigmoid probabilities, so
    mmdet's test loop, ``--out`` and visualizer work unchanged.

    Args:
        num_classes (int): classes C. Defaults to 20.
        in_channels (int): channels of the backbone's last map.
            Defaults to 512.
        feat_channels (int): hidden width. Defaults to 512.
        dropout (tuple[float, float]): the two dropouts.
            Defaults to (0.25, 0.5).
        loss_cls (dict, optional): Defaults to ``dict(type=
            'CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)``, the
            mean binary cross entropy over images and classes.
        train_cfg (dict, optional): unused. Defaults to None.
        test_cfg (dict, optional): unused. Defaults to None.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 num_classes: int = 20,
                 in_channels: int = 512,
                 feat_channels: int = 512,
                 dropout: Tuple[float, float] = (0.25, 0.5),
                 loss_cls: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(dropout) != 2:
            raise ValueError(
                f'bbox_head.dropout must be two floats, got {dropout}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.loss_cls = MODELS.build(loss_cls or dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0))
        self.train_cfg = ConfigDict(train_cfg or {})
        self.test_cfg = ConfigDict(test_cfg or {})
        self.layers = nn.Sequential(
            AdaptiveConcatPool2d(), nn.Flatten(),
            nn.BatchNorm1d(2 * in_channels), nn.Dropout(dropout[0]),
            nn.Linear(2 * in_channels, feat_channels), nn.ReLU(),
            nn.BatchNorm1d(feat_channels), nn.Dropout(dropout[1]),
            nn.Linear(feat_channels, num_classes))

    def class_layer_names(self) -> List[str]:
        """The last Linear, re-initialised when a checkpoint's C differs."""
        return [f'layers.{len(self.layers) - 1}']

    def forward(self, x: Tuple[Tensor, ...]) -> Tuple[Tensor]:
        """Run the head on the last feature map.

        Args:
            x (tuple[Tensor]): backbone/neck maps; only ``x[-1]``
                [B, in_channels, h, w] is used.

        Returns:
            tuple[Tensor]: class logits [B, C] (a 1-tuple, as
            ``BaseDenseHead.loss`` appends to it).
        """
        if x[-1].size(1) != self.in_channels:
            raise ValueError(f'feature map has {x[-1].size(1)} channels, '
                             f'bbox_head.in_channels={self.in_channels}')
        return (self.layers(x[-1]).float(), )  # [B, C], float32 under autocast

    def loss_by_feat(self,
                     cls_scores: Tensor,
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None
                     ) -> dict:
        """Binary cross entropy against the multi-hot targets.

        Args:
            cls_scores (Tensor): class logits [B, C].
            batch_gt_instances (list[InstanceData]): ``labels`` per image.
            batch_img_metas (list[dict]): image metas (unused).
            batch_gt_instances_ignore (list, optional): unused.
                Defaults to None.

        Returns:
            dict[str, Tensor]: ``loss_cls``.
        """
        target = multi_hot([g.labels for g in batch_gt_instances],
                           self.num_classes, cls_scores)  # [B, C]
        return dict(loss_cls=self.loss_cls(cls_scores, target))

    def predict_by_feat(self,
                        cls_scores: Tensor,
                        batch_img_metas: List[dict],
                        rescale: bool = False,
                        **kwargs) -> InstanceList:
        """Per-class probabilities as C whole-image instances per image.

        Args:
            cls_scores (Tensor): class logits [B, C].
            batch_img_metas (list[dict]): image metas.
            rescale (bool): boxes span ``ori_shape`` instead of
                ``img_shape``. Defaults to False.

        Returns:
            list[InstanceData]: ``bboxes`` [C, 4], ``scores`` [C] (sigmoid)
            and ``labels`` [C] (``arange(C)``) per image.
        """
        key = 'ori_shape' if rescale else 'img_shape'
        wh = meta_scales(batch_img_metas, key, cls_scores)[:, 2:]  # [B, 2]
        whole = torch.cat([torch.zeros_like(wh), wh], 1)  # [B, 4]
        probs = cls_scores.sigmoid()  # [B, C]
        labels = torch.arange(self.num_classes, device=cls_scores.device)
        return [InstanceData(bboxes=box.expand(self.num_classes, 4),
                             scores=p, labels=labels)
                for box, p in zip(whole, probs)]
