"""Will the anchors fit? Best-anchor IoU of every training ground truth.

    python tools/analysis_tools/anchor_coverage.py CONFIG [--split train] \
        [--out-dir DIR]

Over the config's data split (annotations only, as 0-1 fractions of the
squished input), prints the share of ground truths whose best anchor IoU is
above the assigner's ``pos_iou_thr`` overall, per class and per size bucket
(one per grid level), then the zoom/ratio settings on the same grids that
would cover more, best first. Writes ``anchor_coverage.png`` (histogram of
best-anchor IoU by size) and ``anchor_coverage.json`` into the output folder
(default ``work_dirs/<config name>/anchor_coverage``).
"""
import argparse
import json
import os
import os.path as osp

from mmdet_fastssd.analysis.anchor_coverage import (
    analyse,
    format_report,
    plot_histogram,
)
from mmdet_fastssd.apis.cli import add_cfg_options, load_config


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('--split', default='train',
                        choices=['train', 'val', 'test'],
                        help='which dataloader\'s dataset to read')
    parser.add_argument('--out-dir', help='where the PNG and JSON go '
                        '(default work_dirs/<config name>/anchor_coverage)')
    parser.add_argument('--top', type=int, default=8,
                        help='searched settings to print')
    parser.add_argument('--no-search', action='store_true',
                        help='skip the zoom/ratio search')
    add_cfg_options(parser)
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    """Analyse, print, and write the PNG and JSON; return the summary."""
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    name = osp.splitext(osp.basename(args.config))[0]
    out_dir = args.out_dir or osp.join('work_dirs', name, 'anchor_coverage')
    try:
        summary, best, buckets = analyse(cfg, args.split,
                                         search=not args.no_search)
    except (ValueError, KeyError, FileNotFoundError) as err:
        raise SystemExit(f'anchor_coverage: {args.config}: {err}') from None
    summary['config'] = args.config
    print(format_report(summary, args.top))
    os.makedirs(out_dir, exist_ok=True)
    png = osp.join(out_dir, 'anchor_coverage.png')
    share = summary['covered']
    title = (f'{name}, {args.split} split: {summary["num_gts"]} ground '
             'truths' + ('' if share is None else
                         f', {100 * share:.1f}% covered'))
    plot_histogram(best, buckets, [r['name'] for r in summary['per_size']],
                   summary['pos_iou_thr'], png, title)
    with open(osp.join(out_dir, 'anchor_coverage.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print(f'wrote {png} and anchor_coverage.json')
    return summary


if __name__ == '__main__':
    main()
