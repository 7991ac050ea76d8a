"""Publish a training checkpoint: weights and plain metadata only.

MMDetection's ``tools/model_converters/publish_model.py`` for the plugin's
checkpoints. Keeps ``meta`` and ``state_dict`` and drops the optimizer, the
message hub and the parameter schedulers; ``meta`` is reduced to plain Python
values, so the result loads with ``torch.load(path, weights_only=True)`` in a
Python that never imported the plugin. Writes ``OUT-<first 8 hex digits of
its sha256>.pth`` (the name torch.hub and the plugin's URL loader check) and
prints that path. The same input always gives the same bytes and name.

Example::

    python tools/model_converters/publish_model.py \
        work_dirs/fastssd_shapes/epoch_8.pth fastssd_shapes_8e
    # -> fastssd_shapes_8e-<sha8>.pth; --fp16: half-precision weights
"""
import argparse
import hashlib
import io
import os
import os.path as osp
import sys
from typing import Any, List, Optional

import numpy as np
import torch

import mmdet_fastssd.runtime  # noqa: F401  (allow-list: training files)
from mmdet_fastssd.utils import exit_on_user_errors
from mmdet_fastssd.utils.checkpoint_safety import load_local_checkpoint

PLAIN = (str, int, float, bool, type(None))


def plain_meta(value: Any, path: str = 'meta',
               converted: Optional[List[str]] = None) -> Any:
    """``value`` with every non-plain object replaced by a plain one.

    dict/list/tuple are rebuilt (dict subclasses such as ``ConfigDict``
    become ``dict``), numpy scalars and arrays become Python numbers and
    lists, tensors are kept, anything else becomes its ``str``.

    Args:
        value (Any): the checkpoint's ``meta`` or a part of it.
        path (str): where ``value`` is, for ``converted``.
            Defaults to ``'meta'``.
        converted (list[str], optional): collects the paths turned into
            strings. Defaults to None.

    Returns:
        Any: a structure ``torch.load(weights_only=True)`` accepts.
    """
    if type(value) in PLAIN:  # exact types: np.float64 is a float subclass
        return value
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if isinstance(value, dict):
        return {str(k): plain_meta(v, f'{path}.{k}', converted)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [plain_meta(v, f'{path}[{i}]', converted)
                 for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    if converted is not None:
        converted.append(path)
    return str(value)


def published(checkpoint: dict, source: str, fp16: bool = False) -> dict:
    """``{'meta': plain meta, 'state_dict': tensors}`` of a checkpoint.

    Args:
        checkpoint (dict): a loaded MMEngine checkpoint.
        source (str): its file, for messages.
        fp16 (bool): store floating-point tensors in half precision (half
            the size; loading casts them back to the model's dtype).
            Defaults to False.

    Returns:
        dict: the published checkpoint.

    Raises:
        SystemExit: when ``checkpoint`` has no ``state_dict``.
    """
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise SystemExit(f'{source}: not an MMEngine checkpoint (no '
                         '"state_dict" key)')
    converted: List[str] = []
    meta = plain_meta(checkpoint.get('meta', {}), converted=converted)
    if converted:
        print(f'publish_model: stored as text: {", ".join(converted)}')
    state_dict = {str(k): v.detach().cpu().clone()
                  for k, v in checkpoint['state_dict'].items()}
    if fp16:
        state_dict = {k: v.half() if v.is_floating_point() else v
                      for k, v in state_dict.items()}
    return dict(meta=meta, state_dict=state_dict)


def publish(in_file: str, out_file: str, fp16: bool = False) -> str:
    """Write ``published(in_file)`` as ``<out_file>-<sha8>.pth``.

    Args:
        in_file (str): a checkpoint written by MMEngine (plugin imported).
        out_file (str): output name, with or without ``.pth``.
        fp16 (bool): half-precision weights. Defaults to False.

    Returns:
        str: the written path.
    """
    if not osp.isfile(in_file):
        raise SystemExit(f'checkpoint file not found: {in_file}')
    # weights_only with the plugin's allow-list and its refusal messages
    checkpoint = load_local_checkpoint(in_file, map_location='cpu')
    buffer = io.BytesIO()  # a fixed archive name inside: same bytes each run
    torch.save(published(checkpoint, in_file, fp16), buffer)
    data = buffer.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    stem = out_file[:-4] if out_file.endswith('.pth') else out_file
    final = f'{stem}-{sha[:8]}.pth'
    if osp.dirname(final):
        os.makedirs(osp.dirname(final), exist_ok=True)
    partial = f'{final}.{os.getpid()}.partial'
    with open(partial, 'wb') as f:
        f.write(data)
    os.replace(partial, final)  # nothing half-written under the final name
    return final


def main(argv: Optional[List[str]] = None) -> None:
    """Command line: ``publish_model.py IN_FILE OUT_FILE``."""
    parser = argparse.ArgumentParser(
        description='Keep a checkpoint\'s weights and meta, name it by hash')
    parser.add_argument('in_file', help='input checkpoint filename')
    parser.add_argument('out_file', help='output name (-<sha8>.pth added)')
    parser.add_argument('--fp16', action='store_true',
                        help='store floating-point weights in half precision')
    args = parser.parse_args(argv)
    with exit_on_user_errors():  # a refused checkpoint: message only
        print(publish(args.in_file, args.out_file, args.fp16))


if __name__ == '__main__':
    sys.exit(main())
