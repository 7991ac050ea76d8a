"""Learning-rate finder (fast.ai's ``lr_find``) for a detector config.

Trains the config's model on its train dataloader with its optimizer while
the LR grows exponentially from ``--start-lr`` to ``--end-lr``; every param
group keeps its ``lr_mult`` ratio to the config's base LR (the LR plotted and
suggested is ``optim_wrapper.optimizer.lr``, the head's). The loss is smoothed
as fastai does (exponential average, beta 0.98, bias-corrected) and the run
stops once the smoothed loss exceeds 4x its minimum. Writes ``lr_find.png``
(loss vs LR, log x) and ``lr_find.json`` to ``--out-dir`` only (default
``work_dirs/lr_find/<config name>``; never the training work_dir, no
checkpoints) and prints the suggested LR: ten times below the LR of minimum
smoothed loss.

Example::

    python tools/analysis_tools/lr_find.py configs/fastssd_shapes.py \
        --num-iter 100
"""
import argparse
import json
import math
import os
import os.path as osp
from typing import Iterator, List, Optional

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, set_random_seed
from mmengine.utils import import_modules_from_strings

from mmdet.registry import HOOKS, MODELS

from mmdet_fastssd.apis.cli import add_cfg_options, load_config

BETA = 0.98  # fastai's loss smoothing
STOP_FACTOR = 4.0  # stop when the smoothed loss exceeds 4x its minimum
SKIP_START = 10  # fastai tracks the minimum only after 10 iterations


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description='LR finder (fastai lr_find)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--start-lr', type=float, default=1e-6)
    parser.add_argument('--end-lr', type=float, default=10.)
    parser.add_argument('--num-iter', type=int, default=100,
                        help='most iterations (fewer if the loss explodes)')
    parser.add_argument(
        '--out-dir', help='where lr_find.png/json go; defaults to '
        'work_dirs/lr_find/<config name>')
    parser.add_argument(
        '--freeze-epoch', type=int, default=0,
        help="apply the config's FreezeScheduleHook as at this epoch")
    parser.add_argument('--seed', type=int, default=0)
    add_cfg_options(parser)
    args = parser.parse_args(argv)
    if not 0 < args.start_lr < args.end_lr:
        parser.error('need 0 < --start-lr < --end-lr')
    if args.num_iter < 2:
        parser.error('--num-iter must be at least 2')
    return args


def resolve_out_dir(args: argparse.Namespace, cfg: Config) -> str:
    """``--out-dir`` or the default, refusing the training work_dir.

    Args:
        args (argparse.Namespace): parsed command line.
        cfg (Config): the loaded config (its ``work_dir``, if any).

    Returns:
        str: absolute output folder.
    """
    name = osp.splitext(osp.basename(args.config))[0]
    out = osp.abspath(args.out_dir or osp.join('work_dirs', 'lr_find', name))
    work = osp.abspath(cfg.get('work_dir') or osp.join('work_dirs', name))
    if out == work or out.startswith(work + os.sep):
        raise SystemExit(f'--out-dir {out} is inside the training work_dir '
                         f'{work}; lr_find writes elsewhere')
    return out


def build_parts(cfg: Config, freeze_epoch: int, seed: Optional[int] = None):
    """Model, optimizer wrapper and train dataloader of the config.

    Args:
        cfg (Config): the loaded config.
        freeze_epoch (int): epoch whose ``FreezeScheduleHook`` state (if the
            config has that hook) is applied.
        seed (int, optional): seeds the sampler and the dataloader workers.
            Defaults to None.

    Returns:
        tuple: (model, optim_wrapper, dataloader, freeze hook or None).
    """
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if torch.cuda.is_available():
        model = model.cuda()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    hook = None
    for hook_cfg in cfg.get('custom_hooks', []):
        if hook_cfg['type'] == 'FreezeScheduleHook':
            hook = HOOKS.build(hook_cfg)
            hook.apply(model, freeze_epoch)
    dataloader = Runner.build_dataloader(cfg.train_dataloader, seed=seed)
    return model, optim_wrapper, dataloader, hook


def exp_lrs(start_lr: float, end_lr: float, num_iter: int) -> List[float]:
    """``start * (end / start) ** (i / (n - 1))``: from start to end."""
    ratio = end_lr / start_lr
    return [start_lr * ratio**(i / (num_iter - 1)) for i in range(num_iter)]


def endless(loader) -> Iterator:
    """Batches of ``loader``, epoch after epoch."""
    while True:
        yield from loader


def find_lr(model: torch.nn.Module, optim_wrapper: OptimWrapper, loader,
            lrs: List[float], base_lr: float, hook=None) -> dict:
    """Train one batch per LR in ``lrs``, scaling every param group.

    Args:
        model (nn.Module): the detector (``train_step`` API).
        optim_wrapper (OptimWrapper): its optimizer; each group's LR is set
            to ``group_lr_at_build * lr / base_lr``.
        loader: the train dataloader.
        lrs (list[float]): base LR of each iteration.
        base_lr (float): the config's ``optimizer.lr``.
        hook (FreezeScheduleHook, optional): keeps frozen BN in eval mode.

    Returns:
        dict: ``lrs``, ``losses``, ``smoothed`` (as far as it ran) and
        ``stopped_early``.
    """
    groups = optim_wrapper.optimizer.param_groups
    group_lrs = [g['lr'] for g in groups]
    model.train()
    if hook is not None:
        hook.set_frozen_bn_eval()
    out = dict(lrs=[], losses=[], smoothed=[], stopped_early=False)
    avg, best = 0., math.inf
    for i, (lr, batch) in enumerate(zip(lrs, endless(loader))):
        for group, group_lr in zip(groups, group_lrs):
            group['lr'] = group_lr * lr / base_lr
        loss = model.train_step(batch, optim_wrapper)['loss'].item()
        avg = BETA * avg + (1 - BETA) * loss
        smooth = avg / (1 - BETA**(i + 1))  # bias correction
        for key, value in zip(('lrs', 'losses', 'smoothed'),
                              (lr, loss, smooth)):
            out[key].append(value)
        if not math.isfinite(smooth) or smooth > STOP_FACTOR * best:
            out['stopped_early'] = i + 1 < len(lrs)
            break
        if i >= SKIP_START:
            best = min(best, smooth)
    return out


def suggest_lr(lrs: List[float], smoothed: List[float]) -> float:
    """Ten times below the LR of the lowest smoothed loss.

    The first ``SKIP_START`` points are left out when more remain.
    """
    first = SKIP_START if len(lrs) > SKIP_START + 1 else 0
    finite = [(s, lr) for s, lr in zip(smoothed[first:], lrs[first:])
              if math.isfinite(s)]
    if not finite:
        raise SystemExit('lr_find: the loss was never finite; lower '
                         '--start-lr')
    return min(finite)[1] / 10.


def plot(result: dict, path: str) -> None:
    """Save raw and smoothed loss vs LR (log x) with the suggestion."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(result['lrs'], result['losses'], color='0.75', lw=1,
            label='loss')
    ax.plot(result['lrs'], result['smoothed'], color='C0', lw=2,
            label=f'smoothed (beta {BETA})')
    ax.axvline(result['min_lr'], color='C3', ls=':',
               label=f"min smoothed loss at {result['min_lr']:.2g}")
    ax.axvline(result['suggested_lr'], color='C2', ls='--',
               label=f"suggested lr {result['suggested_lr']:.2g}")
    finite = [s for s in result['smoothed'] if math.isfinite(s)]
    low = min([x for x in result['losses'] if math.isfinite(x)] + finite)
    ax.set_ylim(0.95 * low, max(finite[0], 2 * min(finite)) * 1.3)
    ax.set_xscale('log')
    ax.set_xlabel('learning rate (optimizer.lr; groups keep lr_mult)')
    ax.set_ylabel('training loss')
    ax.set_title(result['config'])
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: Optional[list] = None) -> dict:
    """Run the LR finder; returns the result dict also written as JSON."""
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    out_dir = resolve_out_dir(args, cfg)
    set_random_seed(args.seed)
    model, optim_wrapper, loader, hook = build_parts(cfg, args.freeze_epoch,
                                                     args.seed)
    lrs = exp_lrs(args.start_lr, args.end_lr, args.num_iter)
    result = find_lr(model, optim_wrapper, loader, lrs,
                     cfg.optim_wrapper.optimizer.lr, hook)
    result['suggested_lr'] = suggest_lr(result['lrs'], result['smoothed'])
    result['min_lr'] = result['suggested_lr'] * 10.
    result['config'] = osp.basename(args.config)
    os.makedirs(out_dir, exist_ok=True)
    plot(result, osp.join(out_dir, 'lr_find.png'))
    with open(osp.join(out_dir, 'lr_find.json'), 'w') as f:
        json.dump(result, f, indent=1)
    print(f"lr_find: {len(result['lrs'])} iterations"
          f"{' (stopped: loss exploded)' if result['stopped_early'] else ''}"
          f"; minimum smoothed loss at lr {result['min_lr']:.3g}")
    print(f"suggested lr: {result['suggested_lr']:.3g}")
    print(f'plot: {osp.join(out_dir, "lr_find.png")}')
    return result


if __name__ == '__main__':
    main()
