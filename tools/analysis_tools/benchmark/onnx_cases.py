"""ONNX section of the benchmark: onnxruntime vs PyTorch at batch 1.

Both run the exported network (normalisation, backbone, head, box decoding;
NMS is left to the runtime) on the CPU with the same threads, random
weights: the shapes SSD and ``configs/fastssd_voc.py``'s ResNet-34 model.
Needs the ``deploy`` extra (onnx, onnxscript, onnxruntime).
"""
import os.path as osp
from typing import Dict

from .model_cases import FASTSSD_CFG, ROOT
from .report import Table

SHAPES_CFG = osp.join(ROOT, 'configs', 'fastssd_shapes.py')
MODELS = (('fastssd_shapes', SHAPES_CFG), ('fastssd_voc', FASTSSD_CFG))


def onnx_section(quick: bool, res: Dict) -> Table:
    """Median latency of each model in PyTorch and onnxruntime (CPU)."""
    from mmdet_fastssd.deployment.latency import onnx_vs_pytorch_latency
    table = Table('ONNX export: onnxruntime vs PyTorch, batch 1, CPU '
                  '(network + box decoding, random weights)',
                  ['model', 'input', 'threads', 'PyTorch ms',
                   'onnxruntime ms', 'PyTorch / onnxruntime',
                   'max abs diff boxes (px)', 'max abs diff scores'])
    for name, cfg in MODELS:
        row = onnx_vs_pytorch_latency(cfg, warmup=1 if quick else 5,
                                      repeats=2 if quick else 30)
        res[('onnx', name, 'pytorch')] = row['pytorch_ms']
        res[('onnx', name, 'onnxruntime')] = row['onnxruntime_ms']
        h, w = row['input']
        table.rows.append([
            name, f'{h}x{w}', str(row['threads']),
            f'{row["pytorch_ms"]:.3g}', f'{row["onnxruntime_ms"]:.3g}',
            f'{row["pytorch_ms"] / row["onnxruntime_ms"]:.2f}x',
            f'{row["max_abs_boxes"]:.1e}', f'{row["max_abs_scores"]:.1e}'])
    table.notes = [
        '- `tools/deployment/pytorch2onnx.py` graph (torch.onnx dynamo '
        'exporter) run by onnxruntime\'s CPU provider; PyTorch runs the same '
        'module eagerly. Interleaved calls, medians.']
    return table
