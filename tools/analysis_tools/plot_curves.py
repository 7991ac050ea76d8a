"""Draw the curves of a training run from its work directory.

    python tools/analysis_tools/plot_curves.py WORK_DIR [--out curves.png]

Reads MMEngine's own scalars (``WORK_DIR/<timestamp>/vis_data/
scalars.json``; a run continued with ``--resume`` spans several timestamp
folders, read oldest first) and writes one picture: loss terms and learning
rate against the iteration, mean training loss and held-out metrics against
the epoch, with the best held-out value marked. WORK_DIR may also be one
timestamp folder (one run only) or a ``scalars.json`` file. Training writes
the same picture to ``WORK_DIR/curves.png`` itself (``TrainingCurvesHook``).
"""
import argparse
import os.path as osp
from typing import List, Optional

from mmdet_fastssd.visualization.training_curves import plot_run, read_run


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', help='training work directory, one of '
                        'its timestamp folders, or a scalars.json file')
    parser.add_argument('--out', help='picture to write (default: '
                        'WORK_DIR/curves.png)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> str:
    """Read the scalars, draw, print where the picture went."""
    args = parse_args(argv)
    folder = args.work_dir if osp.isdir(args.work_dir) else osp.dirname(
        args.work_dir)
    out = args.out or osp.join(folder, 'curves.png')
    try:
        run = read_run(args.work_dir)
        plot_run(run, out, title=osp.basename(osp.abspath(folder)))
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(f'plot_curves: {exc}') from exc
    best = ''
    names = run.metric_names()
    if names:
        name = next((n for n in names if n.endswith('mAP')), names[0])
        scores = {s: e[name] for s, e in run.val.items() if name in e}
        if scores:
            step = max(scores, key=scores.get)
            best = (f'; best {name} {scores[step]:.4f} at {run.unit} '
                    f'{step}')
    print(f'plot_curves: {len(run.train)} training and {len(run.val)} '
          f'validation entries{best}; wrote {out}')
    return out


if __name__ == '__main__':
    main()
