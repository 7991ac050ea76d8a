"""Load checkpoints from http(s) URLs, checking the hash in the file name.

MMEngine's own ``http(s)://`` loader downloads without checking anything and
loads through ``torch.hub``'s loader. This one replaces it (registered with
``CheckpointLoader.register_scheme(..., force=True)`` by
:mod:`mmdet_fastssd.runtime`, on in the project's tools), so
``load_from='https://...'``,
``tools/test.py CONFIG https://...``, ``init_detector(cfg, 'https://...')``
and ``DetInferencer(weights='https://...')`` all:

- download once into ``<torch.hub.get_dir()>/checkpoints/`` (``TORCH_HOME``
  moves it) through a temporary file that only enters the cache complete
  and checked;
- check the hash in the file name by torch.hub's rule: a name like
  ``fastssd_shapes_8e-1a2b3c4d.pth`` (``-<hex>.``, as written by
  ``tools/model_converters/publish_model.py``) must be the start of the
  file's sha256. The check runs on the cached copy too, so a file changed on
  disk after the download is refused as well. Names without such a part are
  loaded unchecked;
- load like a local file (``checkpoint_safety.load_local_checkpoint``:
  ``torch.load(weights_only=True)`` with the plugin's allow-list and its
  messages), never with the safety switched off.

A refused file raises ``TamperedCheckpointError`` (a ``FastSSDUserError``:
the tools print its message without a traceback).
"""
import hashlib
import os
import os.path as osp
import re
from typing import Optional, Union
from urllib.parse import urlparse

import torch
from mmengine.dist import get_dist_info
from mmengine.runner.checkpoint import CheckpointLoader

from .checkpoint_safety import load_local_checkpoint
from .user_errors import FastSSDUserError

HASH_REGEX = re.compile(r'-([a-f0-9]+)\.')  # torch.hub's rule


class TamperedCheckpointError(FastSSDUserError, RuntimeError):
    """A downloaded checkpoint whose sha256 contradicts its file name."""


def expected_hash_prefix(url: str) -> Optional[str]:
    """The ``-<hex>.`` part of the URL's file name, or None.

    Args:
        url (str): checkpoint URL or path.

    Returns:
        str | None: the hex digits (8 for ``publish_model.py``'s names).
    """
    match = HASH_REGEX.search(osp.basename(urlparse(url).path))
    return match.group(1) if match else None


def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in ``chunk``-byte blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def check_file_hash(path: str, url: str) -> None:
    """Refuse ``path`` when its sha256 does not start with the URL's hash.

    Raises:
        TamperedCheckpointError: naming the URL, the file and both hashes.
    """
    prefix = expected_hash_prefix(url)
    if prefix is None:
        return
    digest = file_sha256(path)
    if not digest.startswith(prefix):
        raise TamperedCheckpointError(
            f'checkpoint {url}: refused, its sha256 {digest[:len(prefix)]}... '
            f'does not match the hash {prefix} in its file name (file '
            f'{path}); the file is corrupt or was tampered with. Delete it '
            'and download it again from a source you trust.')


def download_checkpoint(url: str, model_dir: Optional[str] = None,
                        progress: bool = False) -> str:
    """Download ``url`` once into ``model_dir`` and check its hash.

    Args:
        url (str): http(s) URL of a checkpoint.
        model_dir (str, optional): cache folder. Defaults to
            ``<torch.hub.get_dir()>/checkpoints``.
        progress (bool): show torch.hub's download bar. Defaults to False.

    Returns:
        str: path of the checked local copy.
    """
    model_dir = model_dir or osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    name = osp.basename(urlparse(url).path)
    if not name:
        raise ValueError(f'checkpoint URL {url!r} names no file')
    cached = osp.join(model_dir, name)
    if osp.exists(cached):
        check_file_hash(cached, url)
        return cached
    part = f'{cached}.{os.getpid()}.download'
    try:
        torch.hub.download_url_to_file(url, part, None, progress=progress)
        check_file_hash(part, url)  # a refused file never enters the cache
        os.replace(part, cached)
    finally:
        if osp.exists(part):
            os.remove(part)
    return cached


def load_from_http(filename: str,
                   map_location: Union[str, torch.device, None] = None,
                   model_dir: Optional[str] = None,
                   progress: bool = False) -> dict:
    """MMEngine ``CheckpointLoader`` scheme for ``http://`` / ``https://``.

    In a distributed run local rank 0 downloads first, the others wait.

    Args:
        filename (str): the URL.
        map_location (str | torch.device, optional): as ``torch.load``.
            Defaults to None.
        model_dir (str, optional): cache folder. Defaults to None
            (``<torch.hub.get_dir()>/checkpoints``).
        progress (bool): show the download bar. Defaults to False.

    Returns:
        dict: the loaded checkpoint.
    """
    rank, world_size = get_dist_info()
    if rank == 0:
        path = download_checkpoint(filename, model_dir, progress)
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            path = download_checkpoint(filename, model_dir, progress)
    # weights_only, with the plugin's messages for refused or broken files
    return load_local_checkpoint(path, map_location)


def register_http_loader() -> None:
    """Make MMEngine load ``http(s)://`` checkpoints with ``load_from_http``.

    Idempotent (``force=True`` replaces MMEngine's unchecked loader).
    """
    CheckpointLoader.register_scheme(prefixes=('http://', 'https://'),
                                     loader=load_from_http, force=True)
