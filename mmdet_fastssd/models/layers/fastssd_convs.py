"""The lecture's building blocks: StdConv and OutConv."""
from typing import Tuple

import torch.nn as nn
from torch import Tensor


class StdConv(nn.Sequential):
    """Conv3x3(stride, pad 1) -> ReLU -> BatchNorm2d -> Dropout.

    The lecture's order normalises after the ReLU. A channel that the ReLU
    zeroes on every training batch keeps a running variance near 0, so in
    eval mode an input that lights it up is scaled by 1/sqrt(eps) (about
    316). ``bn_before_relu`` normalises the conv's output instead (mmcv's
    ConvModule order): Conv -> BatchNorm2d -> ReLU -> Dropout.

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels.
        stride (int): Defaults to 2.
        dropout (float): Defaults to 0.1.
        bn_before_relu (bool): Conv -> BN -> ReLU. Defaults to False (the
            lecture's Conv -> ReLU -> BN).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 2,
                 dropout: float = 0.1, bn_before_relu: bool = False) -> None:
        act_norm = [nn.ReLU(inplace=True), nn.BatchNorm2d(out_channels)]
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1),
            *(act_norm[::-1] if bn_before_relu else act_norm),
            nn.Dropout(dropout))


class OutConv(nn.Module):
    """Two 3x3 convs: (C+1)*k class logits and 4*k box activations.

    Args:
        in_channels (int): input channels.
        num_anchors (int): anchors per cell (k).
        num_classes (int): object classes C (background column added).
        cls_bias_init (float): starting bias of the class conv.
            Defaults to -4.0.
    """

    def __init__(self, in_channels: int, num_anchors: int, num_classes: int,
                 cls_bias_init: float = -4.0) -> None:
        super().__init__()
        self.conv_cls = nn.Conv2d(in_channels, (num_classes + 1) * num_anchors,
                                  3, padding=1)
        self.conv_reg = nn.Conv2d(in_channels, 4 * num_anchors, 3, padding=1)
        nn.init.constant_(self.conv_cls.bias, cls_bias_init)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Returns class logits [B, k*(C+1), H, W] and boxes [B, k*4, H, W]."""
        return self.conv_cls(x), self.conv_reg(x)
