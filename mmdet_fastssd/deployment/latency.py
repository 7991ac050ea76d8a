"""onnxruntime vs PyTorch latency of the exported network (for benchmarks).

Both run the same thing, ``FastSSDOnnxModel`` (normalisation, backbone,
head, box decoding; no NMS), on the same random image, with the same
number of intra-op threads, interleaved call by call.
"""
import os.path as osp
import statistics
import tempfile
import time
from typing import Callable, Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.config import Config

from .onnx_export import (
    build_onnx_model,
    example_input,
    export_onnx,
    onnx_session,
    run_onnx,
)


def interleaved_medians(fns: Dict[str, Callable[[], object]],
                        warmup: int = 3,
                        repeats: int = 20) -> Dict[str, float]:
    """Median milliseconds of each function, called round-robin."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: Dict[str, List[float]] = {name: [] for name in fns}
    for _ in range(max(repeats, 1)):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1e3)
    return {name: statistics.median(t) for name, t in times.items()}


def onnx_vs_pytorch_latency(config: Union[str, Config],
                            checkpoint: Optional[str] = None,
                            batch: int = 1,
                            warmup: int = 3,
                            repeats: int = 20,
                            threads: Optional[int] = None) -> dict:
    """Export ``config`` to a temporary ONNX file and time both runtimes.

    Args:
        config (str | Config): a FastSSD config.
        checkpoint (str, optional): weights. Defaults to None (random
            weights, no download).
        batch (int): images per call. Defaults to 1.
        warmup (int): untimed calls of each first. Defaults to 3.
        repeats (int): timed calls of each. Defaults to 20.
        threads (int, optional): intra-op threads of both. Defaults to
            None (``torch.get_num_threads()``).

    Returns:
        dict: ``input`` ((h, w)), ``anchors``, ``classes``, ``batch``,
        ``pytorch_ms``, ``onnxruntime_ms`` (medians), ``max_abs_boxes``
        (pixels) and ``max_abs_scores`` between the two outputs.
    """
    threads = threads or torch.get_num_threads()
    model = build_onnx_model(config, checkpoint)
    image = example_input(model, batch, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = export_onnx(model, osp.join(tmp, 'model.onnx'),
                           dynamic_batch=batch > 1)
        session = onnx_session(path, threads)
        array = image.numpy()

        def pytorch() -> None:
            with torch.no_grad():
                model(image)

        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            medians = interleaved_medians(
                {'pytorch': pytorch,
                 'onnxruntime': lambda: run_onnx(session, array)},
                warmup, repeats)
        finally:
            torch.set_num_threads(previous)
        boxes, scores = run_onnx(session, array)
    with torch.no_grad():
        ref_boxes, ref_scores = model(image)
    return dict(input=model.size, anchors=boxes.shape[1],
                classes=scores.shape[2], batch=batch, threads=threads,
                pytorch_ms=medians['pytorch'],
                onnxruntime_ms=medians['onnxruntime'],
                max_abs_boxes=float(np.abs(boxes - ref_boxes.numpy()).max()),
                max_abs_scores=float(
                    np.abs(scores - ref_scores.numpy()).max()))
