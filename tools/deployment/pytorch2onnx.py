"""Export a FastSSD detector to ONNX (network + box decoding; NMS outside).

Example::

    python tools/deployment/pytorch2onnx.py configs/fastssd_shapes.py \
        fastssd_shapes_8e-<sha8>.pth --out fastssd_shapes.onnx --dynamic-batch

Input ``image``: float32 [B, 3, H, W], BGR 0-255 (as ``cv2.imread``),
resized to the config's input size without keeping the aspect ratio.
Outputs ``boxes`` [B, A, 4] (x1, y1, x2, y2 in input pixels) and ``scores``
[B, A, C] (per-class sigmoid probabilities). Apply score threshold, NMS and
the per-image limit with ``mmdet_fastssd.deployment.detections`` (numpy).
With onnxruntime installed (``pip install -e .[deploy]``), the export is
checked against PyTorch on a random image and the largest differences are
printed.
"""
import argparse
import os.path as osp
from typing import List, Optional

import numpy as np
import torch

from mmdet_fastssd.apis.cli import load_config
from mmdet_fastssd.deployment.onnx_export import (
    build_onnx_model,
    example_input,
    export_onnx,
    onnx_session,
    run_onnx,
)
from mmdet_fastssd.utils import exit_on_user_errors


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description='Export to ONNX')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file or http(s) URL')
    parser.add_argument('--out', default='model.onnx',
                        help='output file (default: model.onnx)')
    parser.add_argument('--opset', type=int, default=None,
                        help='ONNX opset (default: the exporter\'s)')
    parser.add_argument('--dynamic-batch', action='store_true',
                        help='batch axis dynamic (default: batch 1)')
    return parser.parse_args(argv)


def verify(path: str, model) -> Optional[str]:
    """Max abs differences of onnxruntime vs PyTorch, or None without ort."""
    try:
        session = onnx_session(path)
    except ImportError:
        return None
    image = example_input(model, 2, seed=1)[:1]
    with torch.no_grad():
        ref_boxes, ref_scores = model(image)
    boxes, scores = run_onnx(session, image)
    return (f'onnxruntime vs PyTorch on a random image: max abs error '
            f'boxes {np.abs(boxes - ref_boxes.numpy()).max():.2e} px, '
            f'scores {np.abs(scores - ref_scores.numpy()).max():.2e}')


def main(argv: Optional[List[str]] = None) -> None:
    """Build, export, verify, print."""
    args = parse_args(argv)
    is_url = args.checkpoint.startswith(('http://', 'https://'))
    if not is_url and not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint file not found: {args.checkpoint}')
    with exit_on_user_errors():  # a refused checkpoint: message only
        model = build_onnx_model(load_config(args.config), args.checkpoint)
    export_onnx(model, args.out, args.opset, args.dynamic_batch)
    h, w = model.size
    anchors, classes = model.priors.size(0), model.head.num_classes
    batch = 'B' if args.dynamic_batch else '1'
    print(f'wrote {args.out}: image [{batch}, 3, {h}, {w}] (BGR 0-255) -> '
          f'boxes [{batch}, {anchors}, 4] (input pixels), scores '
          f'[{batch}, {anchors}, {classes}]')
    check = verify(args.out, model)
    if check:
        print(check)


if __name__ == '__main__':
    main()
