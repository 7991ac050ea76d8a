"""The lecture's matching figure for one training image.

    python tools/analysis_tools/show_matching.py CONFIG --index N \
        [--out FILE] [--split train]

Loads image N of the split through the config's pipeline without its random
steps (flips, crops, lighting), matches the config's anchors to its ground
truths with the config's assigner, exactly as the head does in training, and
draws the ground truths (solid, with class names) and the anchors matched to
each (dashed, same colour, labelled with their IoU; ``*`` marks the best
anchor a ground truth is forced onto). Prints every match. Default output:
``work_dirs/show_matching/<config name>_<N>.png``.
"""
import argparse
import os
import os.path as osp

from mmdet_fastssd.analysis.matching import (
    default_out,
    draw_matching,
    load_sample,
    match_sample,
    matching_lines,
)
from mmdet_fastssd.apis.cli import add_cfg_options, load_config


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('--index', type=int, required=True,
                        help='image index in the split')
    parser.add_argument('--out', help='PNG to write')
    parser.add_argument('--split', default='train',
                        choices=['train', 'val', 'test'])
    parser.add_argument('--min-size', type=int, default=448,
                        help='shorter side of the picture in pixels')
    add_cfg_options(parser)
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    """Match, print and draw; return the match (see ``match_sample``)."""
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    out = args.out or default_out(args.config, args.index)
    if not out.lower().endswith('.png'):
        raise SystemExit(f'--out must be a .png file: {out}')
    try:
        sample = load_sample(cfg, args.index, args.split)
        match = match_sample(cfg, sample['boxes'], sample['input_hw'])
    except (ValueError, IndexError, KeyError, FileNotFoundError) as err:
        raise SystemExit(f'show_matching: {args.config}: {err}') from None
    print(f'{sample["img_path"]} (input {sample["input_hw"][1]}x'
          f'{sample["input_hw"][0]} px'
          + (f'; left out: {", ".join(sample["dropped"])}'
             if sample['dropped'] else '') + ')')
    print('\n'.join(matching_lines(sample, match)))
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    width, height = draw_matching(sample, match, out, args.min_size)
    print(f'wrote {out} ({width}x{height} px)')
    return dict(sample=sample, match=match, out=out)


if __name__ == '__main__':
    main()
