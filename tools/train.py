"""Train a detector with MMEngine's runner (MMDetection's tools/train.py).

Example::

    python tools/train.py configs/fastssd_shapes.py --work-dir work_dirs/shapes
"""
from mmdet.utils import setup_cache_size_limit_of_dynamo

from mmdet_fastssd.apis.cli import (
    build_cfg,
    build_runner,
    parse_args,
    train_parser,
)
from mmdet_fastssd.utils import exit_on_user_errors


def main(argv=None) -> None:
    """Build the runner from the config and train."""
    args = parse_args(train_parser(), argv)
    setup_cache_size_limit_of_dynamo()
    with exit_on_user_errors():  # refused checkpoint, NaN loss: message only
        cfg = build_cfg(args)
        build_runner(cfg).train()


if __name__ == '__main__':
    main()
