"""Export a FastSSD detector to ONNX and run it with onnxruntime.

Uses torch's default exporter (``torch.onnx.export(..., dynamo=True)``:
``torch.export`` + onnxscript), pinned through the ``deploy`` extra with
onnx and onnxruntime. Inputs and outputs are those of
``FastSSDOnnxModel``: ``image`` [B, 3, H, W] (BGR 0-255, resized to the
config's input size) -> ``boxes`` [B, A, 4], ``scores`` [B, A, C].
"""
import os
import os.path as osp
from typing import Optional, Union

import numpy as np
import torch
from mmengine.config import Config

from .onnx_model import FastSSDOnnxModel, input_size


def build_onnx_model(config: Union[str, Config],
                     checkpoint: Optional[str] = None,
                     device: str = 'cpu') -> FastSSDOnnxModel:
    """The exportable model of a config and checkpoint, in eval mode.

    Args:
        config (str | Config): a FastSSD config.
        checkpoint (str, optional): weights (file or http(s) URL). Defaults
            to None: random weights, no backbone download.
        device (str): Defaults to ``'cpu'``.

    Returns:
        FastSSDOnnxModel: ready to export or to run in PyTorch.
    """
    from mmdet.apis import init_detector  # heavy; only when needed
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    cfg = cfg.copy()
    if checkpoint is None and 'init_cfg' in cfg.model.backbone:
        cfg.model.backbone.init_cfg = None  # random weights, no download
    detector = init_detector(cfg, checkpoint, device=device)
    return FastSSDOnnxModel(detector, input_size(cfg)).eval()


def example_input(model: FastSSDOnnxModel, batch: int = 1,
                  seed: int = 0) -> torch.Tensor:
    """A random BGR 0-255 image batch [B, 3, H, W] of the model's size."""
    generator = torch.Generator().manual_seed(seed)
    h, w = model.size
    device = model.priors.device
    return (torch.rand((batch, 3, h, w), generator=generator) * 255).to(device)


def export_onnx(model: FastSSDOnnxModel, out_file: str,
                opset: Optional[int] = None,
                dynamic_batch: bool = False) -> str:
    """Write ``model`` as ONNX (weights inside the file).

    Args:
        model (FastSSDOnnxModel): from ``build_onnx_model``.
        out_file (str): the ``.onnx`` path; written complete or not at all.
        opset (int, optional): ONNX opset. Defaults to None (the
            exporter's default).
        dynamic_batch (bool): batch axis dynamic instead of 1.
            Defaults to False.

    Returns:
        str: ``out_file``.
    """
    # two images: torch.export would specialise a batch of 1 to a constant
    example = example_input(model, 2 if dynamic_batch else 1)
    dynamic_shapes = None
    if dynamic_batch:
        dynamic_shapes = {'image': {0: torch.export.Dim('batch', min=1)}}
    if osp.dirname(out_file):
        os.makedirs(osp.dirname(out_file), exist_ok=True)
    partial = f'{out_file}.{os.getpid()}.partial.onnx'
    try:
        with torch.no_grad():
            program = torch.onnx.export(
                model, (example, ), dynamo=True, input_names=['image'],
                output_names=['boxes', 'scores'], opset_version=opset,
                dynamic_shapes=dynamic_shapes, external_data=False)
        program.save(partial, external_data=False)
        os.replace(partial, out_file)
    finally:
        if osp.exists(partial):
            os.remove(partial)
    return out_file


def onnx_session(path: str, threads: Optional[int] = None):
    """An onnxruntime CPU session (``threads``: intra-op threads).

    Raises:
        ImportError: onnxruntime is missing (``pip install -e .[deploy]``).
    """
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise ImportError('onnxruntime is not installed: pip install -e '
                          '.[deploy]') from exc
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(path, options,
                                providers=['CPUExecutionProvider'])


def run_onnx(session, image: Union[np.ndarray, torch.Tensor]):
    """``(boxes, scores)`` numpy arrays of a session on an image batch."""
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu().numpy()
    boxes, scores = session.run(['boxes', 'scores'],
                                {'image': image.astype(np.float32)})
    return boxes, scores
