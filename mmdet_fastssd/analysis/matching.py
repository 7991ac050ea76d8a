"""The lecture's matching figure: one training image, its ground truths (gts)
and the anchors the config's assigner matches to each."""
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import torch
from mmengine.config import Config
from torch import Tensor

from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox_overlaps, get_box_tensor

from .config_dataset import build_split, class_names, dataset_cfg, is_random

FORCED = 2.0  # the assigner's overlap of a gt's forced best anchor


def load_sample(cfg: Config, index: int, split: str = 'train') -> Dict:
    """One image after the split's pipeline, random steps left out.

    Returns:
        dict: ``image`` [H, W, 3] RGB uint8 numpy, ``boxes`` [G, 4] and
        ``labels`` [G] of the gts in input pixels, ``input_hw`` (the padded
        batch input for this one image), ``img_path``, ``classes`` and
        ``dropped`` (names of the random steps left out).
    """
    dataset = build_split(cfg, split, deterministic=True)
    if not 0 <= index < len(dataset):
        raise IndexError(f'--index {index} is outside the {split} split '
                         f'(0..{len(dataset) - 1})')
    data = dataset.prepare_data(index)  # no silent retry with another image
    if data is None:
        raise ValueError(f'the {split} pipeline dropped image {index}')
    sample = data['data_samples']
    h, w = sample.img_shape
    div = int(cfg.model.get('data_preprocessor', {}).get(
        'pad_size_divisor', 1))
    pipeline = dataset_cfg(cfg, split).get('pipeline', [])
    return dict(
        image=data['inputs'].permute(1, 2, 0).flip(-1).numpy(),  # BGR->RGB
        boxes=get_box_tensor(sample.gt_instances.bboxes).float(),
        labels=sample.gt_instances.labels.long(),
        input_hw=(-(-h // div) * div, -(-w // div) * div),
        img_path=sample.get('img_path', ''),
        classes=class_names(dataset),
        dropped=[t['type'] for t in pipeline if is_random(t)])


def match_sample(cfg: Config, boxes: Tensor, input_hw: Tuple[int, int]
                 ) -> Dict:
    """Match the config's anchors to one image's gts as the head does.

    Args:
        cfg (Config): the config (``model.bbox_head.anchor_generator``,
            ``model.train_cfg.assigner``).
        boxes (Tensor): gts [G, 4] in input pixels.
        input_hw (tuple[int, int]): the network input (h, w).

    Returns:
        dict: ``priors`` [A, 4] and ``gts`` [G, 4] in 0-1 fractions,
        ``gt_inds`` [A] (-1 background), ``overlaps`` [A] (2 = forced) and
        ``ious`` [A] (IoU with the matched gt, 0 for background), the
        ``generator`` and the assigner's ``pos_iou_thr``.
    """
    generator = TASK_UTILS.build(cfg.model.bbox_head.anchor_generator)
    assigner = TASK_UTILS.build(cfg.model.get('train_cfg', {}).get(
        'assigner', dict(type='MaxOverlapAssigner')))
    priors = generator.flat_priors()[0]  # [A, 4]
    h, w = input_hw
    gts = boxes.float() / boxes.new_tensor([w, h, w, h]).float()  # [G, 4]
    valid = (gts[:, 2:] > gts[:, :2]).all(-1)  # [G] as the head masks
    gt_inds, overlaps = assigner.assign_batch(priors, gts[None],
                                              valid[None])  # [1, A] each
    gt_inds, overlaps = gt_inds[0], overlaps[0]  # [A]
    ious = priors.new_zeros(priors.size(0))  # [A]
    pos = gt_inds >= 0
    if pos.any():
        ious[pos] = bbox_overlaps(priors[pos], gts[gt_inds[pos]],
                                  is_aligned=True)
    return dict(priors=priors, gts=gts, gt_inds=gt_inds, overlaps=overlaps,
                ious=ious, generator=generator,
                pos_iou_thr=float(assigner.pos_iou_thr))


def describe_anchors(generator, index: Tensor) -> List[str]:
    """'4x4 r1 c2 zoom 0.75 h:w 1:0.5' for each anchor index [P]."""
    k = generator.num_base_priors[0]
    grids = torch.tensor(generator.grid_sizes)  # [L]
    starts = torch.cumsum(grids * grids * k, 0) - grids * grids * k  # [L]
    level = torch.bucketize(index, starts, right=True) - 1  # [P]
    g = grids[level]
    local = index - starts[level]  # [P] inside its level
    cell, anchor = local // k, local % k
    nr = len(generator.ratios)
    texts = []
    for gi, ci, a in zip(g.tolist(), cell.tolist(), anchor.tolist()):
        rh, rw = generator.ratios[a % nr]
        texts.append(f'{gi}x{gi} r{ci // gi} c{ci % gi} zoom '
                     f'{generator.zooms[a // nr]:g} h:w {rh:g}:{rw:g}')
    return texts


def matching_lines(sample: Dict, match: Dict) -> List[str]:
    """Text of the matching: every gt and its anchors."""
    lines = []
    gt_inds, names = match['gt_inds'], sample['classes']
    for i, (box, label) in enumerate(zip(sample['boxes'].tolist(),
                                         sample['labels'].tolist())):
        mine = (gt_inds == i).nonzero()[:, 0]  # [p]
        box_txt = ', '.join(f'{v:.0f}' for v in box)
        lines.append(f'gt {i} {names[label] if label < len(names) else label}'
                     f' [{box_txt}] px: {mine.numel()} anchor(s)')
        for idx, text in zip(mine.tolist(),
                             describe_anchors(match['generator'], mine)):
            forced = ' (forced best anchor)' if float(
                match['overlaps'][idx]) == FORCED else ''
            lines.append(f'    anchor {idx:>4} {text}  IoU '
                         f'{float(match["ious"][idx]):.3f}{forced}')
    return lines


def draw_matching(sample: Dict, match: Dict, path: str,
                  min_size: int = 448, band: int = 40) -> Tuple[int, int]:
    """Draw the gts (solid) and their anchors (dashed) into a PNG.

    The image is scaled so that its shorter side is at least ``min_size``
    pixels; anchors are clipped to it. Each gt's forced best anchor is
    dash-dotted and labelled with its IoU. A caption band goes below.

    Returns:
        tuple[int, int]: the PNG's (width, height) in pixels.
    """
    from matplotlib.figure import Figure  # Agg canvas, no global backend
    h, w = sample['input_hw']
    scale = max(1.0, min_size / min(h, w))
    width, height = round(w * scale), round(h * scale) + band
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    ax = fig.add_axes((0, band / height, 1, 1 - band / height))
    img = sample['image']
    ax.imshow(img, extent=(0, img.shape[1], img.shape[0], 0))
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.axis('off')
    colors = [f'C{i % 10}' for i in range(len(sample['boxes']))]
    num_pos = _draw_anchors(ax, match, (h, w), colors)
    _draw_gts(ax, sample, colors)
    fig.text(0.01, (band - 4) / height, f'{len(colors)} ground truth(s), '
             f'solid; {num_pos} matched anchor(s), dashed (IoU > '
             f'{match["pos_iou_thr"]:g} or forced)\ndash-dot: the best '
             "anchor each ground truth is forced onto, with its IoU",
             fontsize=8, va='top')
    fig.savefig(path, dpi=100)
    return width, height


def _draw_anchors(ax, match: Dict, hw: Tuple[int, int],
                  colors: Sequence[str]) -> int:
    """Dashed matched anchors in their gt's colour; returns how many."""
    from matplotlib.patches import Rectangle
    h, w = hw
    size = torch.tensor([w, h, w, h], dtype=torch.float32)
    pos = (match['gt_inds'] >= 0).nonzero()[:, 0].tolist()
    for p in pos:
        x1, y1, x2, y2 = (match['priors'][p] * size).tolist()
        color = colors[int(match['gt_inds'][p])]
        forced = float(match['overlaps'][p]) == FORCED
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                               edgecolor=color, lw=2.5 if forced else 1.2,
                               linestyle='-.' if forced else '--'))
        if forced:
            ax.text(max(x1, 0) + 1, min(y2, h) - 1,
                    f'best {float(match["ious"][p]):.2f}', color='white',
                    fontsize=8, va='bottom',
                    bbox=dict(facecolor=color, alpha=0.8, pad=1, lw=0))
    return len(pos)


def _draw_gts(ax, sample: Dict, colors: Sequence[str]) -> None:
    """Solid gt boxes (white-edged) with their class names."""
    from matplotlib import patheffects
    from matplotlib.patches import Rectangle
    names = sample['classes']
    edge = [patheffects.withStroke(linewidth=5, foreground='white')]
    for i, (box, label) in enumerate(zip(sample['boxes'].tolist(),
                                         sample['labels'].tolist())):
        x1, y1, x2, y2 = box
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                               edgecolor=colors[i], lw=3,
                               path_effects=edge))
        name = names[label] if label < len(names) else str(label)
        ax.text(x1 + 1, y1 + 1, f'gt {i} {name}', color='white',
                fontsize=10, va='top',
                bbox=dict(facecolor=colors[i], alpha=0.9, pad=1.5, lw=0))


def default_out(config: str, index: int) -> str:
    """work_dirs/show_matching/<config name>_<index>.png"""
    name = osp.splitext(osp.basename(config))[0]
    return osp.join('work_dirs', 'show_matching', f'{name}_{index}.png')
