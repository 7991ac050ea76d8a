"""The main job on the embedded data: generate shapes, train, evaluate, draw.

    python tools/demo.py [--config configs/fastssd_shapes.py]

Generates the synthetic VOC-layout shapes set in ``data/shapes`` if it is
missing, trains the config, evaluates the last checkpoint on the held-out
split (VOC 11-point mAP) and writes pictures of predictions, printing where
one of them is.
"""
import argparse
import glob
import os
import os.path as osp
import re
import subprocess
import sys
import time

from mmdet_fastssd.datasets.shapes_generator import generate_shapes_voc

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# The demo's data set: many distinct images rather than many epochs, since a
# detector trained from scratch overfits a small synthetic set.
NUM_TRAIN = 12800
NUM_TEST = 300
# Drawn at the size the config squishes to (configs/_base_/datasets/
# shapes_112.py): 4x fewer pixels to decode per step than 224 px.
IMG_SIZE = 112
# Prediction pictures drawn 4x larger (448 px) so labels do not cover the
# shapes (mmdet_fastssd.visualization.UpscaledDetLocalVisualizer), for one
# held-out image in PICTURE_EVERY (mmdet_fastssd.engine.hooks.
# SampledDetVisualizationHook): drawing all of them takes longer than the
# evaluation itself. The mAP is over every held-out image.
PICTURE_EVERY = 10
PICTURE_OPTIONS = ('visualizer.type=UpscaledDetLocalVisualizer',
                   f'visualizer.min_size={4 * IMG_SIZE}',
                   'default_hooks.visualization.type='
                   'SampledDetVisualizationHook',
                   f'default_hooks.visualization.test_interval={PICTURE_EVERY}')


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default='configs/fastssd_shapes.py')
    parser.add_argument('--work-dir', default='work_dirs/fastssd_shapes')
    parser.add_argument('--data-root', default='data/shapes')
    return parser.parse_args(argv)


def run(cmd, log_path: str) -> str:
    """Run a tool, teeing its output to the terminal and a log; return it."""
    print('+', ' '.join(cmd), flush=True)
    lines = []
    with open(log_path, 'w') as log, subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True) as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
            lines.append(line)
    if proc.returncode != 0:
        raise SystemExit(
            f'{cmd[1]} failed ({proc.returncode}); see {log_path}')
    return ''.join(lines)


def last_checkpoint(work_dir: str) -> str:
    """Path written by MMEngine's CheckpointHook into ``last_checkpoint``."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise SystemExit(f'no checkpoint was written: {marker} is missing')
    with open(marker) as f:
        return f.read().strip()


def main(argv=None) -> None:
    """Generate (if missing), train, evaluate and draw."""
    args = parse_args(argv)
    start = time.time()
    try:
        root = generate_shapes_voc(osp.join(ROOT, args.data_root),
                                   num_train=NUM_TRAIN, num_test=NUM_TEST,
                                   img_size=IMG_SIZE)
    except ValueError as err:  # e.g. a set made by an older generator
        raise SystemExit(f'demo: {err}') from None
    print(f'shapes data: {root} ({time.time() - start:.0f} s)', flush=True)
    work_dir = osp.join(ROOT, args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    run([sys.executable, 'tools/train.py', args.config, '--work-dir',
         work_dir], osp.join(work_dir, 'demo_train.log'))
    trained = time.time()
    ckpt = last_checkpoint(work_dir)
    out = run([sys.executable, 'tools/test.py', args.config, ckpt,
               '--work-dir', work_dir, '--show-dir', 'predictions',
               '--cfg-options', *PICTURE_OPTIONS],
              osp.join(work_dir, 'demo_test.log'))
    found = re.findall(r'pascal_voc/mAP: ([0-9.]+)', out)
    pictures = sorted(glob.glob(osp.join(work_dir, '*', 'predictions', '*')))
    print('\n== demo finished ==')
    print(f'checkpoint: {ckpt}')
    print(f'held-out VOC 11-point mAP@0.5: {found[-1] if found else "?"}')
    print(f'time: {trained - start:.0f} s data+training, '
          f'{time.time() - start:.0f} s in all')
    if pictures:
        print(f'{len(pictures)} pictures of predictions (left: ground truth, '
              f'right: prediction), e.g. {pictures[0]}')
    curves = osp.join(work_dir, 'curves.png')
    if osp.isfile(curves):
        print(f'training curves: {curves}')
    rel = osp.relpath(ckpt, ROOT)
    print('run it on your own pictures: .venv/bin/python tools/infer.py '
          f'{args.config} {rel} YOUR_FOLDER/ --out-dir predictions')


if __name__ == '__main__':
    main()
