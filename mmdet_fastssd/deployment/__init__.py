"""Deployment: ONNX export of FastSSD detectors and runtime post-processing.

``onnx_model`` (the exportable module) and ``postprocess`` (numpy NMS) need
only torch/numpy; ``onnx_export`` and ``latency`` also need the ``deploy``
extra (onnx, onnxscript, onnxruntime) when their functions run.
"""
from .onnx_model import FastSSDOnnxModel, input_size
from .postprocess import detections, greedy_nms

__all__ = ['FastSSDOnnxModel', 'input_size', 'detections', 'greedy_nms']
