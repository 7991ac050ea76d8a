"""The lecture's anchors: k = zooms x ratios boxes per cell of square grids."""
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from mmdet.registry import TASK_UTILS


@TASK_UTILS.register_module()
class FastSSDAnchorGenerator:
    """Anchors of fast.ai lesson 9, in 0-1 fractions of the network input.

    Every grid level ``g`` splits the input into ``g x g`` cells centred at
    ``(i + 0.5) / g``. Each cell holds ``k = len(zooms) * len(ratios)``
    anchors of height ``zoom * rh / g`` and width ``zoom * rw / g``; the
    ``(rh, rw)`` multipliers are not area-preserving. Anchors are ordered
    (level, row, col, anchor) with zoom-major anchors inside a cell, the order
    of the head's flattened outputs. Boxes are ``[x1, y1, x2, y2]``.

    Args:
        grid_sizes (Sequence[int]): cells per side of each level.
            Defaults to (4, 2, 1).
        zooms (Sequence[float]): anchor scales relative to a cell.
            Defaults to (0.75, 1.0, 1.3).
        ratios (Sequence[Sequence[float]]): (height, width) multipliers.
            Defaults to ((1., 1.), (1., .5), (.5, 1.)).
        clip (bool): clip anchors to the image. Defaults to False (lecture).
    """

    def __init__(self,
                 grid_sizes: Sequence[int] = (4, 2, 1),
                 zooms: Sequence[float] = (0.75, 1.0, 1.3),
                 ratios: Sequence[Sequence[float]] = ((1., 1.), (1., .5),
                                                      (.5, 1.)),
                 clip: bool = False) -> None:
        if not grid_sizes or any(int(g) < 1 for g in grid_sizes):
            raise ValueError('anchor_generator.grid_sizes must be positive '
                             f'integers, got {grid_sizes!r}')
        if not zooms or not ratios or any(len(r) != 2 for r in ratios):
            raise ValueError('anchor_generator.zooms must be non-empty and '
                             'anchor_generator.ratios (h, w) pairs, got '
                             f'{zooms!r} / {ratios!r}')
        self.grid_sizes = tuple(int(g) for g in grid_sizes)
        self.zooms = tuple(float(z) for z in zooms)
        self.ratios = tuple((float(h), float(w)) for h, w in ratios)
        self.clip = clip

    @property
    def num_levels(self) -> int:
        """int: number of grid levels."""
        return len(self.grid_sizes)

    @property
    def num_base_priors(self) -> List[int]:
        """list[int]: anchors per cell (k) of each level."""
        return [len(self.zooms) * len(self.ratios)] * self.num_levels

    @property
    def num_anchors(self) -> int:
        """int: total anchors over all levels (189 with the defaults)."""
        k = self.num_base_priors[0]
        return sum(g * g * k for g in self.grid_sizes)

    def base_sizes(self) -> Tensor:
        """(h, w) of one cell's k anchors in cell units, zoom-major.

        Returns:
            Tensor: [k, 2].
        """
        zooms = torch.tensor(self.zooms)[:, None, None]  # [Z, 1, 1]
        ratios = torch.tensor(self.ratios)[None]  # [1, R, 2]
        return (zooms * ratios).reshape(-1, 2)  # [k, 2] as (h, w)

    def single_level_priors(self, grid_size: int,
                            dtype: torch.dtype = torch.float32,
                            device: str = 'cpu') -> Tuple[Tensor, Tensor]:
        """Anchors and cell sizes of one level.

        Args:
            grid_size (int): cells per side.
            dtype (torch.dtype): Defaults to torch.float32.
            device (str): Defaults to 'cpu'.

        Returns:
            tuple[Tensor, Tensor]: anchors [g*g*k, 4] as x1y1x2y2 fractions
            and cell sizes [g*g*k, 2] as (w, h) fractions.
        """
        g = grid_size
        centres = (torch.arange(g, dtype=dtype, device=device) + 0.5) / g
        cy, cx = torch.meshgrid(centres, centres, indexing='ij')  # [g, g]
        ctr = torch.stack([cx, cy], -1).reshape(-1, 1, 2)  # [g*g, 1, 2]
        hw = self.base_sizes().to(device=device, dtype=dtype) / g  # [k, 2]
        wh = hw.flip(-1)[None]  # [1, k, 2] as (w, h)
        boxes = torch.cat([ctr - wh / 2, ctr + wh / 2], -1)  # [g*g, k, 4]
        boxes = boxes.reshape(-1, 4)  # [g*g*k, 4]
        if self.clip:
            boxes = boxes.clamp(0, 1)
        cells = boxes.new_full((boxes.size(0), 2), 1.0 / g)  # [g*g*k, 2]
        return boxes, cells

    def grid_priors(self,
                    featmap_sizes: Optional[Sequence[Tuple[int, int]]] = None,
                    dtype: torch.dtype = torch.float32,
                    device: str = 'cpu') -> List[Tensor]:
        """Anchors of every level (MMDetection's prior-generator call).

        Args:
            featmap_sizes (Sequence[tuple[int, int]], optional): (h, w) of
                the head's output maps; checked against ``grid_sizes``.
                Defaults to None (no check).
            dtype (torch.dtype): Defaults to torch.float32.
            device (str): Defaults to 'cpu'.

        Returns:
            list[Tensor]: per level [g*g*k, 4] x1y1x2y2 fractions.
        """
        self.check_featmap_sizes(featmap_sizes)
        return [self.single_level_priors(g, dtype, device)[0]
                for g in self.grid_sizes]

    def flat_priors(self, dtype: torch.dtype = torch.float32,
                    device: str = 'cpu') -> Tuple[Tensor, Tensor]:
        """All anchors and cell sizes concatenated over levels.

        Returns:
            tuple[Tensor, Tensor]: anchors [A, 4], cell sizes [A, 2] (w, h).
        """
        levels = [self.single_level_priors(g, dtype, device)
                  for g in self.grid_sizes]
        return (torch.cat([a for a, _ in levels]),
                torch.cat([c for _, c in levels]))

    def check_featmap_sizes(
            self, featmap_sizes: Optional[Sequence[Tuple[int, int]]]) -> None:
        """Raise if the head's maps do not match ``grid_sizes``."""
        if featmap_sizes is None:
            return
        got = [tuple(int(s) for s in f) for f in featmap_sizes]
        want = [(g, g) for g in self.grid_sizes]
        if got != want:
            raise ValueError(
                f'anchor_generator.grid_sizes={self.grid_sizes} expects '
                f'feature maps {want} but the head produced {got}; set '
                'anchor_generator.grid_sizes to match the input size '
                '(224 px gives (4, 2, 1)).')

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(grid_sizes={self.grid_sizes}, '
                f'zooms={self.zooms}, ratios={self.ratios}, clip={self.clip})')
