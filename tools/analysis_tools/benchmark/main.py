"""Speed of mmdet_fastssd against the lecture's loop and stock MMDetection.

One run measures, on the same inputs: assignment + loss (this head, the
lecture's per-image loop, mmdet's SSDHead, and the class-loss floor),
post-processing, end-to-end inference (FastSSD vs SSD300), a training step,
the data pipeline, the min-IoU crop and the zoom-out (Expand); prints the
tables and writes ``docs/benchmarks.md``.

Run from the repository root (the benchmark is a package)::

    # full run, writes docs/benchmarks.md
    python -m tools.analysis_tools.benchmark
    # smoke run, prints only
    python -m tools.analysis_tools.benchmark --quick
    python -m tools.analysis_tools.benchmark --device cuda --amp \
        --channels-last
"""
import argparse
import logging
import os
import os.path as osp
import sys
import time
import warnings
from typing import Dict, List, Sequence

import torch
from mmengine.logging import MMLogger

from . import loss_cases as bl
from . import model_cases as bm
from .crop_cases import crop_section
from .expand_cases import expand_section
from .onnx_cases import onnx_section
from .report import (
    Table,
    fmt_ratio,
    loss_targets,
    machine_lines,
    model_targets,
    ms,
    ratio,
    targets_table,
    write_markdown,
)
from .timing import load_average, machine_info, time_fn, time_fns

COMMAND = 'python -m tools.analysis_tools.benchmark'
LOSS_PATHS = ('head', 'head+flatten', 'lecture', 'stock')


def loss_repeats(batch: int, anchors: int, quick: bool) -> int:
    """Fewer repeats for the big cases."""
    if quick:
        return 2
    size = batch * anchors
    if size <= 64 * 189:
        return 30
    return 10 if size <= 8 * 8712 else 5 if size <= 64 * 8712 else 3


def time_loss_case(case: bl.LossCase, device: torch.device,
                   repeats: int) -> Dict[str, float]:
    """Median ms of every assignment + loss path on one case (interleaved)."""
    fns = {'head': bl.head_path(case, device),
           'head+flatten': bl.head_feat_path(case, device),
           'lecture': bl.lecture_path(case, device),
           'stock': bl.stock_path(case, device)}
    fns.update({f'floor {k}': f
                for k, f in bl.floor_paths(case, device).items()})
    out = {name: t.median
           for name, t in time_fns(fns, device, 1, repeats).items()}
    out['floor'] = min(out['floor autograd'], out['floor fused'])
    return out


def loss_section(batches: Sequence[int], grid_sets: Sequence[Sequence[int]],
                 device: torch.device, quick: bool,
                 res: Dict) -> Table:
    """Assignment + loss, forward and backward, every path."""
    table = Table('Assignment + loss, forward + backward (ms, median)',
                  ['anchors', 'batch', 'head', 'head incl. flatten',
                   'lecture loop', 'stock SSDHead', 'floor: autograd',
                   'floor: fused', 'head / floor', 'lecture / head',
                   'stock / head'])
    for grids in grid_sets:
        for batch in batches:
            case = bl.make_case(batch, grids, device)
            anchors = case.cls.size(1)
            t = time_loss_case(case, device,
                               loss_repeats(batch, anchors, quick))
            res.update({('loss', anchors, batch, k): v for k, v in t.items()})
            table.rows.append(
                [str(anchors), str(batch)]
                + [ms(t[k]) for k in LOSS_PATHS]
                + [ms(t['floor autograd']), ms(t['floor fused']),
                   fmt_ratio(ratio(t['head'], t['floor'])),
                   fmt_ratio(ratio(t['lecture'], t['head'])),
                   fmt_ratio(ratio(t['stock'], t['head']))])
            del case
    table.notes = LOSS_NOTES
    return table


LOSS_NOTES = [
    '- Timing: one warm-up round, then 30 (<= 64 x 189 anchor rows), 10, 5 '
    'or 3 (256 x 8712) repeats, interleaved round-robin over the paths so '
    'drifts hit all alike; medians shown.',
    '- Inputs: random logits N(-2, 2) [B, A, 21], activations N(0, 0.5), 1-20 '
    'random gts per image (seed 0), C = 20, focal loss (alpha 0.25, gamma 2),'
    ' IoU threshold 0.5. 189 anchors = grids (4, 2, 1); 8712 anchors = grids'
    ' (27, 13, 7, 4, 2, 1), k = 9 (the same head with a denser '
    '`anchor_generator.grid_sizes`).',
    '- head: `FastSSDHead.loss_by_flat` (padding, batched matching, class and'
    ' box loss) from flattened leaf tensors; head incl. flatten: '
    '`loss_by_feat` from per-level maps (adds the permute/concat).',
    '- lecture loop: the lecture\'s per-image loop restated in '
    '`mmdet_fastssd/testing/lecture.py` (jaccard, map_to_ground_truth, '
    'one-hot BCE x focal weight, L1 of decoded boxes).',
    '- stock SSDHead: mmdet 3.3.0 `SSDHead.loss_by_feat` built from '
    '`ssd300_voc0712` (MaxIoUAssigner 0.5/0.5, PseudoSampler, softmax CE '
    'with 3:1 hard-negative mining, SmoothL1 on deltas). Its prior generator '
    'is replaced by a shim returning this head\'s anchors in pixels (same A,'
    ' same boxes, all valid), fed per-level maps of the same shapes.',
    '- floor: the class loss alone on precomputed labels; autograd = the bare'
    ' focal arithmetic on a dense one-hot [B, A, 20] target, fused = the '
    'plugin\'s `FastSSDFocalLoss` kernel. head / floor uses the faster one.',
]


def post_section(batches: Sequence[int], device: torch.device, quick: bool,
                 res: Dict) -> Table:
    """Decode + score filter + one batched NMS."""
    table = Table('Post-processing (decode + score filter + NMS + top-k)',
                  ['NMS', 'batch', 'ms / batch', 'ms / image'])
    for batch in batches:
        for nms_type in ('grouped_nms', 'nms'):
            t = time_fn(bm.postprocess_fn(batch, device, nms_type), device,
                        2, 3 if quick else 20)
            if nms_type == 'grouped_nms':
                res[('post', batch)] = t.median / batch
            table.rows.append([f'`{nms_type}`', str(batch),
                               f'{t.median:.3g} ({t.spread})',
                               f'{t.median / batch:.3g}'])
    table.notes = [
        '- `FastSSDHead.predict_by_feat` (score_thr 0.02, nms_pre 1000, NMS '
        'IoU 0.45, max_per_img 100) on 189 anchors with logits N(-4, 2) and '
        'activations N(0, 0.5): every image fills nms_pre = 1000 candidates '
        'and about 88% of them survive NMS (a worst case: trained models '
        'give fewer, more overlapping candidates). `grouped_nms`: the '
        'plugin\'s exact greedy NMS in every (image, class) group at once, '
        'chosen by name (the shapes config); `nms`: mmcv\'s `batched_nms`, '
        'the default, one call for the batch. The post-processing target '
        'is checked on `grouped_nms`.']
    return table


def e2e_section(batches: Sequence[int], device: torch.device, args,
                res: Dict) -> Table:
    """Inference latency/throughput: FastSSD (224 px) vs SSD300 (300 px)."""
    table = Table('End-to-end inference (preprocess + network + post-'
                  'processing, random weights)',
                  ['model', 'input', 'batch', 'ms / batch', 'images / s'])
    models = {name: (bm.build_detector(cfg, device, args.channels_last), size)
              for name, cfg, size in (('fastssd', bm.FASTSSD_CFG, 224),
                                      ('ssd300', bm.SSD300_CFG, 300))}
    for batch in batches:
        fns = {name: bm.inference_fn(model, bm.fake_batch(batch, size,
                                                          device),
                                     device, args.amp, args.channels_last)
               for name, (model, size) in models.items()}
        repeats = 2 if args.quick else 20 if batch == 1 else 3
        for name, t in time_fns(fns, device, 1, repeats).items():
            res[('e2e', name, batch)] = t.median
            table.rows.append([name, f'{models[name][1]} px', str(batch),
                               f'{t.median:.4g} ({t.spread})',
                               f'{1e3 * batch / t.median:.3g}'])
    table.notes = [
        '- fastssd: `configs/fastssd_voc.py` (ResNet-34 + FastSSDHead, 189 '
        'anchors); ssd300: mmdet\'s `ssd300_voc0712` (VGG-16, 8732 anchors). '
        'Stock 3.3.0 SSDHead cannot predict without a `loss_cls` attribute '
        '(open-mmlab/mmdetection#11063); the benchmark sets it to softmax '
        'cross entropy before timing.']
    return table


def train_section(batch: int, device: torch.device, args,
                  res: Dict) -> Table:
    """A full Adam step and the share of head + assignment + loss."""
    model = bm.build_detector(bm.FASTSSD_CFG, device, args.channels_last)
    fns = bm.train_step_fns(model, batch, 224, device, args.amp,
                            args.channels_last)
    table = Table(f'Training step, batch {batch}, 224 px, ResNet-34 '
                  '(data in memory)', ['piece', 'ms', 'share of step'])
    for name, fn in fns.items():
        t = time_fn(fn, device, 1, 1 if args.quick else 3)
        res[('train', name)] = t.median
    for name in fns:
        share = ratio(res[('train', name)], res[('train', 'step')])
        table.rows.append([name, f'{res[("train", name)]:.4g}',
                           f'{100 * share:.2f}%'])
    table.notes = [
        '- step = forward (loss mode) + backward + Adam on the whole model. '
        'head+assign+loss = FastSSDHead convs, matching and losses, forward '
        '+ backward, on detached backbone features; assign+loss = '
        '`loss_by_feat` alone on detached head outputs.']
    return table


def data_section(num_batches: int, args, res: Dict) -> Table:
    """Training-pipeline throughput with the config's workers."""
    if not osp.exists(osp.join(bm.ROOT, 'data/shapes/SHAPES/.complete')):
        from mmdet_fastssd.datasets.shapes_generator import main
        main(['--out', osp.join(bm.ROOT, 'data/shapes'), '--num-train',
              '1600', '--num-test', '300'])
    loader = bm.data_loader(batch_size=8 if args.quick else -1)
    it = iter(loader)
    next(it)  # worker start-up
    start, images = time.perf_counter(), 0
    for _ in range(num_batches):
        images += len(next(it)['inputs'])
    seconds = time.perf_counter() - start
    res[('data', 'img/s')] = images / seconds
    table = Table('Data pipeline (train transforms, shapes data)',
                  ['workers', 'batch', 'images', 'images / s'],
                  [[str(loader.num_workers), str(loader.batch_size),
                    str(images), f'{images / seconds:.4g}']])
    table.notes = ['- `configs/fastssd_voc.py` train pipeline (load JPEG, '
                   'annotations, resize 224 squish, flip, pack) and '
                   'dataloader settings, pointed at data/shapes.']
    return table


def parse_args(argv=None) -> argparse.Namespace:
    """Command line."""
    p = argparse.ArgumentParser(prog=COMMAND,
                                description=__doc__.split('\n')[0])
    p.add_argument('--quick', action='store_true', help='short smoke run')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu')
    p.add_argument('--amp', action='store_true',
                   help='autocast (bf16 on CPU, fp16 on CUDA) for the models')
    p.add_argument('--channels-last', action='store_true')
    p.add_argument('--threads', type=int, default=0,
                   help='torch intra-op threads (0: torch default)')
    p.add_argument('--sections',
                   default='loss,post,e2e,train,data,crop,expand,onnx')
    p.add_argument('--out', default=None, help='markdown report; default '
                   'docs/benchmarks.md (none with --quick)')
    p.add_argument('--wait-load', type=float, default=0.0,
                   help='first wait (30 s steps, up to 15 min) until the '
                   '1-minute load average is below this')
    return p.parse_args(argv)


def wait_for_quiet(limit: float, max_seconds: int = 900) -> None:
    """Sleep in 30 s steps until the 1-minute load is below ``limit``."""
    waited = 0
    while limit > 0 and os.getloadavg()[0] >= limit and waited < max_seconds:
        print(f'load {load_average()} >= {limit}; waiting 30 s')
        time.sleep(30)
        waited += 30


def run_sections(args, device: torch.device, res: Dict) -> List[Table]:
    """Every requested section, in order."""
    quick, want = args.quick, args.sections.split(',')
    tables = []
    if 'loss' in want:
        tables.append(loss_section(
            (2, 8) if quick else (8, 64, 256),
            (bl.LECTURE_GRIDS, (8, 4, 2, 1) if quick else bl.DENSE_GRIDS),
            device, quick, res))
    if 'post' in want:
        tables.append(post_section((1, 4) if quick else (1, 16), device,
                                   quick, res))
    if 'e2e' in want:
        tables.append(e2e_section((1, 2) if quick else (1, 16), device, args,
                                  res))
    if 'train' in want:
        tables.append(train_section(2 if quick else 32, device, args, res))
    if 'data' in want:
        tables.append(data_section(2 if quick else 12, args, res))
    if 'crop' in want:
        tables.append(crop_section(quick, res))
    if 'expand' in want:
        tables.append(expand_section(quick, res))
    if 'onnx' in want and args.device == 'cpu':
        tables.append(onnx_section(quick, res))
    return tables


def main(argv=None) -> int:
    """Run, print, write the report."""
    args = parse_args(argv)
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    wait_for_quiet(args.wait_load)
    load_before = load_average()
    res: Dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        tables = run_sections(args, device, res)
    dense = 8 * 8 * 9 + 4 * 4 * 9 + 2 * 2 * 9 + 9 if args.quick else 8712
    targets = []
    if 'loss' in args.sections:
        targets += loss_targets(res, dense, (2, 8) if args.quick
                                else (8, 64, 256))
    targets += model_targets(res, 4 if args.quick else 16,
                             2 if args.quick else 32)
    tables.insert(0, targets_table(targets))
    for table in tables:
        print(table.text(), end='\n\n')
    header = ['# Benchmarks', '', f'Written by `{COMMAND}`; ratios '
              'compare numbers of the same run.', '']
    header += machine_lines(machine_info(device), load_before,
                            load_average(), ' '.join(
                                [COMMAND]
                                + list(argv if argv is not None
                                       else sys.argv[1:])))
    out = args.out or (None if args.quick else osp.join(
        bm.ROOT, 'docs', 'benchmarks.md'))
    if out:
        os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
        write_markdown(out, header, tables)
        print(f'wrote {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
