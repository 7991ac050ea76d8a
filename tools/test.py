"""Test (and evaluate) a checkpoint (MMDetection's tools/test.py).

Example::

    python tools/test.py configs/fastssd_shapes.py work_dirs/x/epoch_8.pth \
        --show-dir vis --out results.pkl
"""
import argparse
import os.path as osp

from mmdet.evaluation import DumpDetResults
from mmdet.utils import setup_cache_size_limit_of_dynamo

from mmdet_fastssd.apis.cli import (
    build_cfg,
    build_runner,
    parse_args,
    test_parser,
)
from mmdet_fastssd.utils import exit_on_user_errors


def enable_visualization(cfg, args: argparse.Namespace) -> None:
    """Switch on mmdet's DetVisualizationHook for --show / --show-dir."""
    hooks = cfg.default_hooks
    if 'visualization' not in hooks:
        raise SystemExit(f'{args.config}: default_hooks.visualization is '
                         'missing; --show/--show-dir need it')
    vis = hooks['visualization']
    vis['draw'] = True
    if args.show:
        vis['show'] = True
        vis['wait_time'] = args.wait_time
    if args.show_dir:
        vis['test_out_dir'] = args.show_dir


def main(argv=None) -> None:
    """Build the runner from the config, load the checkpoint and test."""
    args = parse_args(test_parser(), argv)
    setup_cache_size_limit_of_dynamo()
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        raise SystemExit(f'--out must be a .pkl or .pickle file: {args.out}')
    is_url = args.checkpoint.startswith(('http://', 'https://'))
    if not is_url and not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint file not found: {args.checkpoint}')
    cfg = build_cfg(args)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    runner = build_runner(cfg)
    if args.out is not None:
        runner.test_evaluator.metrics.append(
            DumpDetResults(out_file_path=args.out))
    with exit_on_user_errors():  # a refused checkpoint: message only
        runner.test()


if __name__ == '__main__':
    main()
