"""Command-line and config code shared by ``tools/train.py``, ``tools/test.py``
and the other tools (MMDetection's ``tools/train.py`` / ``tools/test.py``).

Example::

    from mmdet_fastssd.apis.cli import (build_cfg, build_runner, parse_args,
                                        train_parser)

    args = parse_args(train_parser(), ['configs/fastssd_shapes.py'])
    build_runner(build_cfg(args)).train()

Importing this module turns on :mod:`mmdet_fastssd.runtime` (the plugin's
MMEngine fixes): every tool that uses it runs with them.
"""
import argparse
import os
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .. import runtime  # noqa: F401  (the tools run with the fixes on)
from ..utils.resume import find_resumable_checkpoint

__all__ = [
    'load_config', 'add_cfg_options', 'train_parser', 'test_parser',
    'parse_args', 'build_cfg', 'build_runner', 'enable_amp',
    'enable_auto_scale_lr'
]


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Load a config, naming the file when it is missing or broken.

    Args:
        path (str): config file.
        cfg_options (dict, optional): ``--cfg-options`` to merge in.
            Defaults to None.

    Returns:
        Config: the loaded config.

    Raises:
        SystemExit: the file is missing or does not load.
    """
    if not osp.isfile(path):
        raise SystemExit(f'config file not found: {path}')
    try:
        cfg = Config.fromfile(path)
    except Exception as exc:  # noqa: BLE001  (re-raised with the file name)
        raise SystemExit(f'cannot load config {path}: {exc}') from exc
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def add_cfg_options(parser: argparse.ArgumentParser) -> None:
    """MMDetection's ``--cfg-options key=value ...`` argument.

    Args:
        parser (argparse.ArgumentParser): the tool's parser.
    """
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')


def _add_runner_args(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options``, ``--launcher`` and ``--local-rank`` (both tools)."""
    add_cfg_options(parser)
    parser.add_argument('--launcher',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def train_parser() -> argparse.ArgumentParser:
    """Arguments of ``tools/train.py`` (the same as MMDetection's).

    Returns:
        argparse.ArgumentParser: the parser.
    """
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic-mixed-precision training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='enable automatically scaling LR.')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='If specify checkpoint path, resume from it, while if not '
        'specify, try to auto resume from the latest checkpoint '
        'in the work directory.')
    _add_runner_args(parser)
    return parser


def test_parser() -> argparse.ArgumentParser:
    """Arguments of ``tools/test.py`` (the same as MMDetection's).

    Returns:
        argparse.ArgumentParser: the parser.
    """
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the directory to save the file '
                        'containing evaluation metrics')
    parser.add_argument('--out', type=str,
                        help='dump predictions to a pickle file (.pkl)')
    parser.add_argument('--show', action='store_true',
                        help='show prediction results')
    parser.add_argument('--show-dir', help='directory where painted images '
                        'will be saved (relative to the work dir)')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='the interval of show (s)')
    _add_runner_args(parser)
    return parser


def parse_args(parser: argparse.ArgumentParser,
               argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``argv`` and export ``LOCAL_RANK`` as MMDetection's tools do.

    Args:
        parser (argparse.ArgumentParser): from :func:`train_parser` or
            :func:`test_parser`.
        argv (Sequence[str], optional): arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        argparse.Namespace: the parsed arguments.
    """
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_cfg(args: argparse.Namespace) -> Config:
    """Load ``args.config`` and merge the command-line options into it.

    Handles the options both tools share (``--launcher``, ``--cfg-options``,
    ``--work-dir``, defaulting to ``./work_dirs/<config name>``) and, where
    ``args`` has them, the training ones (``--amp``, ``--auto-scale-lr``,
    ``--resume``).

    Args:
        args (argparse.Namespace): from :func:`parse_args`.

    Returns:
        Config: the config to build the runner from.
    """
    cfg = load_config(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if getattr(args, 'amp', False):
        enable_amp(cfg)
    if getattr(args, 'auto_scale_lr', False):
        enable_auto_scale_lr(cfg)
    resume = getattr(args, 'resume', None)
    if resume == 'auto':
        # the newest checkpoint that loads; MMEngine would take whatever
        # last_checkpoint names, even a truncated or deleted file
        cfg.resume = True
        cfg.load_from = find_resumable_checkpoint(cfg.work_dir)
    elif resume is not None:
        cfg.resume, cfg.load_from = True, resume
    return cfg


AMP_WRAPPERS = ('AmpOptimWrapper', 'BF16AutocastOptimWrapper')


def enable_amp(cfg: Config, cuda: Optional[bool] = None) -> None:
    """``--amp``: mixed precision with the wrapper the device supports.

    On CUDA, MMEngine's ``AmpOptimWrapper`` (fp16, dynamic loss scale) as in
    MMDetection's ``tools/train.py``; on a CPU, where that wrapper cannot
    run, the plugin's ``BF16AutocastOptimWrapper`` (bf16 autocast, no loss
    scale). A config that already trains in mixed precision is kept.

    Args:
        cfg (Config): the config, changed in place.
        cuda (bool, optional): whether training runs on CUDA; None asks
            torch. Defaults to None.

    Raises:
        SystemExit: the config's wrapper is neither ``OptimWrapper`` nor a
            mixed-precision one.
    """
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper in AMP_WRAPPERS:
        print(f'--amp: the config already trains in mixed precision '
              f'({wrapper})')
        return
    if wrapper != 'OptimWrapper':
        raise SystemExit(f'--amp is only supported when optim_wrapper.type '
                         f"is 'OptimWrapper', got {wrapper!r}")
    if cuda is None:
        import torch
        cuda = torch.cuda.is_available()
    if cuda:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    else:
        cfg.optim_wrapper.type = 'BF16AutocastOptimWrapper'


def enable_auto_scale_lr(cfg: Config) -> None:
    """``--auto-scale-lr``: MMEngine scales the LR by the real batch size.

    The config's ``auto_scale_lr.base_batch_size`` is the total batch its
    LR was tuned at; MMEngine multiplies the LR by (processes x
    ``train_dataloader.batch_size``) / ``base_batch_size``.

    Args:
        cfg (Config): the config, changed in place.

    Raises:
        SystemExit: the config has no ``auto_scale_lr`` with ``enable``
            and ``base_batch_size`` (MMDetection's message).
    """
    scale = cfg.get('auto_scale_lr', None)
    if not scale or 'enable' not in scale or 'base_batch_size' not in scale:
        raise SystemExit('Can not find "auto_scale_lr" or '
                           '"auto_scale_lr.enable" or '
                           '"auto_scale_lr.base_batch_size" in your '
                           'configuration file.')
    cfg.auto_scale_lr.enable = True


def build_runner(cfg: Config) -> Runner:
    """The config's runner (``runner_type`` if it names one).

    Args:
        cfg (Config): from :func:`build_cfg`.

    Returns:
        Runner: the runner.
    """
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)
