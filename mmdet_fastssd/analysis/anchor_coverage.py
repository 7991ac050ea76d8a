"""Anchor coverage: the ground truths an anchor set matches on its own merit.

The lecture's assigner forces every ground truth (gt) onto its best anchor,
so a gt whose best IoU is low still trains exactly one anchor, a poor fit
for it. A gt is *covered* when its best anchor IoU is above the assigner's
``pos_iou_thr`` (strictly, as the assigner compares). Boxes are 0-1 input
fractions, as the head matches them.
"""
from fractions import Fraction
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from torch import Tensor

from mmdet.registry import TASK_UTILS

from mmdet_fastssd.models.task_modules.assigners.max_overlap_assigner import (
    pairwise_iou,
)
from mmdet_fastssd.models.task_modules.prior_generators import (
    FastSSDAnchorGenerator,
)

from .config_dataset import build_split, class_names, gt_fractions, keeps_ratio

# The searched grid: zoom sets x (height, width) ratio sets.
ZOOM_SETS = ((1.0, ), (0.75, 1.0, 1.3), (0.5, 0.75, 1.0),
             (0.75, 1.0, 1.3, 1.7), (0.5, 0.75, 1.0, 1.3),
             (0.5, 0.7, 1.0, 1.4, 2.0))
RATIO_SETS = (((1., 1.), ), ((1., 1.), (1., .5), (.5, 1.)),
              ((1., 1.), (1., .7), (.7, 1.)),
              ((1., 1.), (1., .5), (.5, 1.), (1., .7), (.7, 1.)))


def best_anchor_iou(boxes: Tensor, anchors: Tensor,
                    chunk: int = 4096) -> Tuple[Tensor, Tensor]:
    """Best IoU of every box with the anchors (the assigner's IoU code).

    Args:
        boxes (Tensor): gts [N, 4] x1y1x2y2.
        anchors (Tensor): anchors [A, 4], same units.
        chunk (int): boxes per IoU block. Defaults to 4096.

    Returns:
        tuple[Tensor, Tensor]: best IoU [N] and its anchor [N] (first on
        ties).
    """
    cols = anchors.t().contiguous()  # [4, A]
    best = [boxes.new_zeros(0)]
    arg = [torch.zeros(0, dtype=torch.long)]
    work = None
    for start in range(0, boxes.size(0), chunk):
        ious, work = pairwise_iou(boxes[None, start:start + chunk], cols,
                                  work)  # [1, n, A]
        val, idx = ious[0].max(1)  # [n] each
        best.append(val)
        arg.append(idx)
    return torch.cat(best), torch.cat(arg)


def size_edges(grid_sizes: Sequence[int]) -> Tensor:
    """Area edges of the size buckets: one bucket per grid level.

    A box smaller than a cell of the finest grid is "small", one smaller
    than a cell of the next grid "medium", and so on: (4, 2, 1) gives edges
    1/16 and 1/4 of the input area.

    Returns:
        Tensor: ascending edges [L - 1].
    """
    grids = sorted(set(int(g) for g in grid_sizes), reverse=True)
    return torch.tensor([1.0 / (g * g) for g in grids[:-1]])


def size_names(edges: Tensor) -> List[str]:
    """Readable names of the buckets ``size_edges`` makes."""
    cuts = [str(Fraction(float(e)).limit_denominator(1000)) for e in edges]
    if not cuts:
        return ['all']
    ranges = ([f'< {cuts[0]}'] + [f'{lo}-{hi}' for lo, hi in
                                  zip(cuts[:-1], cuts[1:])] +
              [f'>= {cuts[-1]}'])
    words = (['small', 'medium', 'large'] if len(ranges) == 3 else
             [f'size{i}' for i in range(len(ranges))])
    return [f'{w} (area {r})' for w, r in zip(words, ranges)]


def size_buckets(boxes: Tensor, edges: Tensor) -> Tensor:
    """Bucket [N] of every box by its area fraction of the input."""
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])  # [N]
    return torch.bucketize(area, edges.to(area), right=True)


def group_shares(groups: Tensor, covered: Tensor, names: Sequence[str]
                 ) -> List[Dict]:
    """Gts and covered share per group (``None`` for an empty group)."""
    num = len(names)
    counts = torch.bincount(groups, minlength=num)[:num]  # [K]
    hits = torch.bincount(groups[covered], minlength=num)[:num]  # [K]
    return [dict(name=name, gts=int(n),
                 covered=float(h) / int(n) if int(n) else None)
            for name, n, h in zip(names, counts, hits)]


def coverage_summary(best_iou: Tensor, labels: Tensor, buckets: Tensor,
                     pos_iou_thr: float, classes: Sequence[str],
                     sizes: Sequence[str]) -> Dict:
    """Covered share overall, per class and per size bucket.

    Args:
        best_iou (Tensor): best anchor IoU of every gt [N].
        labels (Tensor): gt labels [N].
        buckets (Tensor): size bucket of every gt [N].
        pos_iou_thr (float): the assigner's threshold.
        classes (Sequence[str]): class names.
        sizes (Sequence[str]): bucket names.

    Returns:
        dict: ``num_gts``, ``pos_iou_thr``, ``covered``, ``mean_best_iou``
        (``None`` without gts), ``per_class`` and ``per_size`` lists.
    """
    covered = best_iou > pos_iou_thr  # [N]
    num = int(best_iou.numel())
    return dict(
        num_gts=num, pos_iou_thr=float(pos_iou_thr),
        covered=float(covered.float().mean()) if num else None,
        mean_best_iou=float(best_iou.mean()) if num else None,
        per_class=group_shares(labels, covered, classes),
        per_size=group_shares(buckets, covered, sizes))


def search_settings(boxes: Tensor, generator: FastSSDAnchorGenerator,
                    pos_iou_thr: float,
                    zoom_sets: Sequence[Sequence[float]] = ZOOM_SETS,
                    ratio_sets: Sequence = RATIO_SETS) -> List[Dict]:
    """Coverage of zoom/ratio settings on the same grids, best first.

    The config's own setting is always included (``current=True``). Ties
    in coverage go to the setting with fewer anchors.

    Returns:
        list[dict]: ``zooms``, ``ratios``, ``anchors_per_cell``,
        ``num_anchors``, ``covered``, ``mean_best_iou``, ``current``.
    """
    current = (tuple(generator.zooms), tuple(generator.ratios))
    settings = [current] + [
        (tuple(z), tuple(tuple(r) for r in rs)) for z in zoom_sets
        for rs in ratio_sets if (tuple(z), tuple(rs)) != current]
    rows = []
    for zooms, ratios in settings:  # a few dozen settings, each batched
        gen = FastSSDAnchorGenerator(generator.grid_sizes, zooms, ratios,
                                     generator.clip)
        best, _ = best_anchor_iou(boxes, gen.flat_priors()[0])
        rows.append(dict(
            zooms=list(zooms), ratios=[list(r) for r in ratios],
            anchors_per_cell=gen.num_base_priors[0],
            num_anchors=gen.num_anchors,
            covered=float((best > pos_iou_thr).float().mean())
            if best.numel() else None,
            mean_best_iou=float(best.mean()) if best.numel() else None,
            current=(zooms, ratios) == current))
    return sorted(rows, key=lambda r: (-(r['covered'] or 0.0),
                                       r['num_anchors']))


def plot_histogram(best_iou: Tensor, buckets: Tensor, sizes: Sequence[str],
                   pos_iou_thr: float, path: str, title: str = '') -> None:
    """PNG histogram of best anchor IoU, stacked by size bucket."""
    from matplotlib.figure import Figure  # Agg canvas, no global backend
    fig = Figure(figsize=(7, 4.2), dpi=100)
    ax = fig.subplots()
    data = [best_iou[buckets == i].numpy() for i in range(len(sizes))]
    ax.hist(data, bins=20, range=(0.0, 1.0), stacked=True, label=sizes)
    ax.axvline(pos_iou_thr, color='k', linestyle='--',
               label=f'pos_iou_thr {pos_iou_thr:g}')
    ax.set_xlabel('best anchor IoU of each ground truth')
    ax.set_ylabel('ground truths')
    ax.set_xlim(0, 1)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc='upper left')
    fig.tight_layout()
    fig.savefig(path)


def analyse(cfg: Config, split: str = 'train',
            search: bool = True) -> Tuple[Dict, Tensor, Tensor]:
    """Coverage of the config's anchors over one data split.

    Returns:
        tuple[dict, Tensor, Tensor]: the summary (``coverage_summary`` plus
        ``anchors``, ``size_edges``, ``search`` and ``warnings``), the best
        IoU [N] and size bucket [N] of every gt.
    """
    head = cfg.model.get('bbox_head', {})
    if 'anchor_generator' not in head:
        raise ValueError(f'{cfg.filename}: model.bbox_head.anchor_generator '
                         'is missing')
    dataset = build_split(cfg, split)
    generator = TASK_UTILS.build(head.anchor_generator)
    assigner = TASK_UTILS.build(cfg.model.get('train_cfg', {}).get(
        'assigner', dict(type='MaxOverlapAssigner')))
    thr = float(assigner.pos_iou_thr)
    boxes, labels, _ = gt_fractions(dataset)
    best, _ = best_anchor_iou(boxes, generator.flat_priors()[0])
    edges = size_edges(generator.grid_sizes)
    sizes = size_names(edges)
    buckets = size_buckets(boxes, edges)
    summary = coverage_summary(best, labels, buckets, thr,
                               class_names(dataset), sizes)
    summary.update(split=split, anchors=repr(generator),
                   size_edges=edges.tolist(), warnings=[])
    if keeps_ratio(dataset):
        summary['warnings'].append(
            'the pipeline keeps aspect ratios (Resize keep_ratio=True): '
            'boxes are measured as fractions of their own image, not of '
            'the padded batch input')
    summary['search'] = search_settings(boxes, generator, thr) \
        if search and isinstance(generator, FastSSDAnchorGenerator) else []
    return summary, best, buckets


def format_report(summary: Dict, top: Optional[int] = 8) -> str:
    """The summary as text lines for the terminal."""
    def pct(share):
        return '   -  ' if share is None else f'{100 * share:5.1f}%'

    lines = [f"{summary['split']} split: {summary['num_gts']} ground truths, "
             f"anchors {summary['anchors']}",
             f"covered (best anchor IoU > {summary['pos_iou_thr']:g}): "
             f"{pct(summary['covered'])}"
             + ('' if summary['mean_best_iou'] is None else
                f"  mean best IoU {summary['mean_best_iou']:.3f}")]
    for key in ('per_class', 'per_size'):
        lines.append(key.replace('_', ' ') + ':')
        lines += [f"  {r['name']:<28} {r['gts']:>6} gts  {pct(r['covered'])}"
                  for r in summary[key]]
    if summary['search']:
        lines.append('zoom/ratio settings on the same grids (best first):')
        rows = summary['search'][:top]
        rows += [r for r in summary['search'][top:] if r['current']]
        for row in rows:
            ratios = ','.join(f'{h:g}:{w:g}' for h, w in row['ratios'])
            mark = '  <- config' if row['current'] else ''
            lines.append(
                f"  {pct(row['covered'])}  mean IoU "
                f"{row['mean_best_iou'] or 0:.3f}  {row['num_anchors']:>4} "
                f"anchors  zooms={tuple(row['zooms'])} ratios(h:w)="
                f"{ratios}{mark}")
    lines += [f'warning: {w}' for w in summary['warnings']]
    return '\n'.join(lines)
