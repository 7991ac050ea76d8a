"""Draw a finished (or running) training run from MMEngine's own scalars.

MMEngine's ``LocalVisBackend`` appends one JSON object per logged step to
``WORK_DIR/<timestamp>/vis_data/scalars.json``: training entries carry
``loss``, its terms (``loss_cls``, ``loss_bbox``, ...), ``lr``, ``epoch``
and ``iter``; validation entries carry the metrics (``pascal_voc/mAP``, ...)
with ``step`` = the epoch. :func:`read_run` reads every run of a work
directory in time order (a resumed run continues in a new timestamp folder;
later values win), :func:`plot_run` draws three panels:

1. the loss terms against the iteration;
2. the learning rate against the iteration;
3. per epoch: the mean training loss and the held-out metrics on one plot
   (two y axes), so over-fitting (loss still falling, mAP falling) and
   under-training (both still improving) can be told apart at a glance;
   an iteration-based run (no ``epoch`` in its entries) is drawn against
   the iteration.
"""
import glob
import json
import os.path as osp
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional

__all__ = ['TrainingRun', 'find_scalar_files', 'read_run', 'plot_run']

# entries of MMEngine's logs that are timings or counters, not curves
NOT_CURVES = ('epoch', 'iter', 'step', 'time', 'data_time', 'memory', 'lr',
              'base_lr')


@dataclass
class TrainingRun:
    """The scalars of a run, deduplicated by step.

    Attributes:
        train (dict[int, dict]): iteration -> training entry.
        val (dict[int, dict]): epoch (or iteration for iteration-based
            loops) -> held-out metrics.
    """

    train: Dict[int, dict] = field(default_factory=dict)
    val: Dict[int, dict] = field(default_factory=dict)

    def loss_terms(self) -> List[str]:
        """The loss keys logged in training (``loss`` first)."""
        keys = {k for e in self.train.values() for k in e
                if k.startswith('loss')}
        return sorted(keys, key=lambda k: (k != 'loss', k))

    def metric_names(self) -> List[str]:
        """The held-out metric keys (``pascal_voc/mAP``, ...)."""
        keys = {k for e in self.val.values() for k in e
                if k not in NOT_CURVES}
        return sorted(keys)

    @property
    def unit(self) -> str:
        """``'epoch'``, or ``'iter'`` for iteration-based runs (whose
        validation steps are iterations)."""
        by_epoch = any('epoch' in e for e in self.train.values())
        return 'epoch' if by_epoch or not self.train else 'iter'

    def epoch_mean_loss(self) -> Dict[int, float]:
        """Mean logged ``loss`` of each epoch (epochs counted from 1)."""
        sums: Dict[int, List[float]] = defaultdict(list)
        for entry in self.train.values():
            if 'loss' in entry and 'epoch' in entry:
                sums[int(entry['epoch'])].append(float(entry['loss']))
        return {e: sum(v) / len(v) for e, v in sorted(sums.items())}


def find_scalar_files(work_dir: str) -> List[str]:
    """``scalars.json`` files of a work directory, oldest run first.

    Args:
        work_dir (str): a ``tools/train.py`` work directory, one of its
            timestamp folders, or a ``scalars.json`` file.

    Returns:
        list[str]: the files, sorted by their timestamp folder's name.

    Raises:
        FileNotFoundError: naming ``work_dir`` when it holds no scalars.
    """
    if osp.isfile(work_dir):
        return [work_dir]
    patterns = ('*/vis_data/scalars.json', 'vis_data/scalars.json')
    files = sorted(f for p in patterns
                   for f in glob.glob(osp.join(work_dir, p)))
    if not files:
        raise FileNotFoundError(
            f'no MMEngine scalars (*/vis_data/scalars.json) in {work_dir}: '
            "is it a training work directory with the config's "
            'LocalVisBackend?')
    return files


def read_run(work_dir: str) -> TrainingRun:
    """Read every ``scalars.json`` of ``work_dir`` into one run.

    Args:
        work_dir (str): see :func:`find_scalar_files`.

    Returns:
        TrainingRun: training entries keyed by iteration, validation
        entries keyed by step; a step logged twice keeps its later value.
    """
    run = TrainingRun()
    for path in find_scalar_files(work_dir):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a killed run
                if 'loss' in entry and 'iter' in entry:
                    run.train[int(entry['iter'])] = entry
                elif 'step' in entry and any(
                        k not in NOT_CURVES for k in entry):
                    run.val[int(entry['step'])] = entry
    return run


def _plot_losses(ax, run: TrainingRun) -> None:
    """Panel 1: every loss term against the iteration."""
    iters = sorted(run.train)
    for key in run.loss_terms():
        xs = [i for i in iters if key in run.train[i]]
        ax.plot(xs, [run.train[i][key] for i in xs], label=key,
                linewidth=1.5 if key == 'loss' else 1.0)
    ax.set_xlabel('iteration')
    ax.set_ylabel('training loss')
    ax.set_yscale('log')
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


def _plot_lr(ax, run: TrainingRun) -> None:
    """Panel 2: the learning rate against the iteration."""
    iters = sorted(i for i in run.train if 'lr' in run.train[i])
    ax.plot(iters, [run.train[i]['lr'] for i in iters], color='tab:purple')
    ax.set_xlabel('iteration')
    ax.set_ylabel('learning rate')
    ax.grid(alpha=0.3)


def _plot_epochs(ax, run: TrainingRun) -> None:
    """Panel 3: mean training loss and held-out metrics per epoch (per
    logged iteration for iteration-based runs)."""
    if run.unit == 'epoch':
        loss, label = run.epoch_mean_loss(), 'training loss (epoch mean)'
    else:
        loss = {i: e['loss'] for i, e in sorted(run.train.items())}
        label = 'training loss'
    ax.plot(list(loss), list(loss.values()), 'o-' if len(loss) < 60 else '-',
            color='tab:blue', label=label)
    ax.set_xlabel('epoch' if run.unit == 'epoch' else 'iteration')
    ax.set_ylabel('training loss', color='tab:blue')
    ax.grid(alpha=0.3)
    names = [n for n in run.metric_names()
             if n.endswith(('mAP', 'accuracy', 'accuracy_thresh'))]
    names = names or run.metric_names()[:1]
    if not names:
        ax.set_title('no held-out metric logged', fontsize=9)
        return
    right = ax.twinx()
    steps = sorted(run.val)
    colours = ('tab:red', 'tab:green', 'tab:orange', 'tab:brown')
    for name, colour in zip(names, colours):
        xs = [s for s in steps if name in run.val[s]]
        ys = [run.val[s][name] for s in xs]
        right.plot(xs, ys, 's-', color=colour, label=f'held-out {name}')
        if ys:
            best = max(range(len(ys)), key=ys.__getitem__)
            right.annotate(f'best {ys[best]:.3f} ({run.unit} {xs[best]})',
                           (xs[best], ys[best]), fontsize=8,
                           textcoords='offset points', xytext=(0, 6),
                           ha='center')
    right.set_ylabel('held-out metric')
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8,
              loc='center right')


def plot_run(run: TrainingRun, out_file: str,
             title: Optional[str] = None) -> str:
    """Draw the run's three panels into ``out_file`` (PNG).

    Args:
        run (TrainingRun): from :func:`read_run`.
        out_file (str): picture to write.
        title (str, optional): figure title. Defaults to None.

    Returns:
        str: ``out_file``.

    Raises:
        ValueError: the run logged no training entry.
    """
    if not run.train:
        raise ValueError('no training entries to draw (the run logged no '
                         'loss yet)')
    # a Figure of its own: no pyplot state, no GUI backend
    from matplotlib.figure import Figure

    fig = Figure(figsize=(15, 4.2))
    axes = fig.subplots(1, 3)
    _plot_losses(axes[0], run)
    _plot_lr(axes[1], run)
    _plot_epochs(axes[2], run)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(out_file, dpi=90)
    return out_file
