"""fastai's AdaptiveConcatPool2d, the first layer of its default head."""
import torch
import torch.nn as nn
from torch import Tensor


class AdaptiveConcatPool2d(nn.Module):
    """fastai's pooling: global max and global average, concatenated."""

    def forward(self, x: Tensor) -> Tensor:
        """Returns [B, 2 * C_in, 1, 1] (max first, then average)."""
        return torch.cat([x.amax((2, 3), keepdim=True),
                          x.mean((2, 3), keepdim=True)], 1)
