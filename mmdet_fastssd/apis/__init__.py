"""Code the tools share: command-line arguments and config handling;
inference on folders, globs, images and videos (``tools/infer.py``)."""
from .cli import (
    build_cfg,
    build_runner,
    load_config,
    parse_args,
    test_parser,
    train_parser,
)
from .inference import infer_source, prediction_record, summary_line

__all__ = [
    'load_config', 'train_parser', 'test_parser', 'parse_args', 'build_cfg',
    'build_runner', 'infer_source', 'prediction_record', 'summary_line'
]
