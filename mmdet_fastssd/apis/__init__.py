"""Code the tools share: command-line arguments and config handling."""
from .cli import (
    build_cfg,
    build_runner,
    load_config,
    parse_args,
    test_parser,
    train_parser,
)

__all__ = [
    'load_config', 'train_parser', 'test_parser', 'parse_args', 'build_cfg',
    'build_runner'
]
