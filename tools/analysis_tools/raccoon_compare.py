"""Held-out mAP against training CPU time on a labelled photo folder: the
plugin's CPU recipe (configs/fastssd_custom_voc.py, from scratch) and stock
MMDetection SSDLite (configs/ssdlite_custom_voc.py), over seeded splits.

For each seed the folder is converted once (tools/dataset_converters/
labelimg_to_voc.py --seed S) under WORK_DIR/data_sS; each (model, seed) is
one tools/train.py run in a child process with OMP_NUM_THREADS=1, validated
once after the last epoch. Training CPU time is the child's user + system
time (resource.RUSAGE_CHILDREN, data-loader workers included), so it counts
start-up and that one validation too. One JSON line per run is appended to
WORK_DIR/results.jsonl and a markdown table is printed.

Stock SSDHead cannot predict in MMDetection 3.3.0: BaseDenseHead reads
``self.loss_cls``, which SSDHead never builds (open-mmlab/mmdetection#11063).
The child sets the class attribute ``SSDHead.loss_cls = None`` before
training (getattr(None, 'custom_cls_channels', False) is False, so scores
take the softmax branch SSDHead's use_sigmoid_cls=False asks for); nothing
else of the model changes.

Example::

    python tools/analysis_tools/raccoon_compare.py IMAGES XMLS \\
        --seeds 0 1 2 --work-dir work_dirs/raccoon_compare
"""
import argparse
import glob
import json
import os
import os.path as osp
import resource
import runpy
import subprocess
import sys
import time

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    'fastssd': 'configs/fastssd_custom_voc.py',
    'ssdlite': 'configs/ssdlite_custom_voc.py',
}
# from scratch: the custom config's backbone otherwise starts from the demo
EXTRA_OPTIONS = {'fastssd': ['model.backbone.init_cfg=None'], 'ssdlite': []}


def parse_args(argv=None) -> argparse.Namespace:
    """Command line.

    Args:
        argv (list[str], optional): Arguments. Defaults to sys.argv[1:].

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('images_dir', help='folder of images')
    parser.add_argument('xml_dir', help='folder of LabelImg XML files')
    parser.add_argument('--models', nargs='+', default=list(CONFIGS),
                        choices=list(CONFIGS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--epochs', nargs='+', default=[],
                        metavar='MODEL=N',
                        help='max_epochs per model (default: the config\'s)')
    parser.add_argument('--work-dir', default='work_dirs/raccoon_compare')
    return parser.parse_args(argv)


def convert(args: argparse.Namespace, seed: int) -> str:
    """Write the seeded split once; return its data root (ending in /)."""
    out = osp.join(args.work_dir, f'data_s{seed}')
    if not osp.isdir(osp.join(out, 'VOC2007')):
        subprocess.run([
            sys.executable,
            osp.join(ROOT, 'tools/dataset_converters/labelimg_to_voc.py'),
            args.images_dir, args.xml_dir, out, '--seed', str(seed)
        ], check=True)
    return osp.abspath(out) + '/'


def last_map(work_dir: str) -> float:
    """The last ``pascal_voc/mAP`` in the run's scalars.json."""
    found = None
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            for line in f:
                row = json.loads(line)
                if 'pascal_voc/mAP' in row:
                    found = row['pascal_voc/mAP']
    if found is None:
        raise RuntimeError(f'no pascal_voc/mAP in {work_dir}/*/vis_data')
    return found


def epoch_options(config: str, n: int) -> list:
    """--cfg-options that train for ``n`` epochs, validating at the end.

    Epoch-based schedulers that ended at the config's max_epochs end at
    ``n`` (cosine T_max with them); others (warm-ups) stay.
    """
    cfg = Config.fromfile(osp.join(ROOT, config))
    if 'max_epochs' not in cfg.train_cfg:
        raise SystemExit(f'{config} trains for train_cfg.max_iters '
                         'iterations, not epochs: leave it out of --epochs')
    old = cfg.train_cfg.max_epochs
    opts = [f'train_cfg.max_epochs={n}', f'train_cfg.val_interval={n}',
            f'default_hooks.checkpoint.interval={n}']
    for i, sched in enumerate(cfg.param_scheduler):
        if sched.get('by_epoch', True) and sched.get('end') == old:
            opts.append(f'param_scheduler.{i}.end={n}')
            if 'T_max' in sched:
                opts.append(f'param_scheduler.{i}.T_max={n}')
    return opts


def run_one(model: str, seed: int, data_root: str, epochs: dict,
            work_root: str) -> dict:
    """Train one (model, seed) in a child; measure its CPU and wall time."""
    work_dir = osp.join(work_root, f'{model}_s{seed}')
    opts = [f'{k}.dataset.data_root={data_root}' for k in
            ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    opts += EXTRA_OPTIONS[model] + ['randomness.seed=0']
    if model in epochs:
        opts += epoch_options(CONFIGS[model], epochs[model])
    loop = Config.fromfile(osp.join(ROOT, CONFIGS[model])).train_cfg
    # epochs, or iterations where the config trains an iteration budget
    n_epochs = epochs.get(model) or loop.get('max_epochs') or \
        f"{loop.max_iters} iterations"
    cmd = [sys.executable, osp.abspath(__file__), '--child',
           CONFIGS[model], '--work-dir', work_dir, '--cfg-options', *opts]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime -
                                                 before.ru_stime)
    return dict(model=model, seed=seed, epochs=n_epochs,
                cpu_s=round(cpu, 1), wall_s=round(wall, 1),
                map=last_map(work_dir))


def child(argv: list) -> None:
    """tools/train.py in this process, with the #11063 workaround."""
    from mmdet.models.dense_heads import SSDHead
    if not hasattr(SSDHead, 'loss_cls'):
        SSDHead.loss_cls = None  # read only as getattr(.., 'custom_..')
    sys.argv = [osp.join(ROOT, 'tools/train.py')] + argv
    runpy.run_path(sys.argv[0], run_name='__main__')


def main(argv=None) -> None:
    """Convert the splits, run every (model, seed), print the table."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['--child']:
        return child(argv[1:])
    args = parse_args(argv)
    epochs = {k: int(v) for k, v in (e.split('=') for e in args.epochs)}
    os.makedirs(args.work_dir, exist_ok=True)
    rows = []
    for seed in args.seeds:
        data_root = convert(args, seed)
        for model in args.models:
            row = run_one(model, seed, data_root, epochs, args.work_dir)
            rows.append(row)
            with open(osp.join(args.work_dir, 'results.jsonl'), 'a') as f:
                f.write(json.dumps(row) + '\n')
    print('| model | seed | epochs | CPU s | wall s | mAP |')
    print('|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['model']} | {r['seed']} | {r['epochs']} "
              f"| {r['cpu_s']} | {r['wall_s']} | {r['map']:.3f} |")


if __name__ == '__main__':
    main()
