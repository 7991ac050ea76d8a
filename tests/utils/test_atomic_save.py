import os

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import save_checkpoint

import mmdet_fastssd.runtime  # noqa: F401  (atomic local backend)
from mmdet_fastssd.utils import AtomicLocalBackend
from mmdet_fastssd.utils.atomic_save import atomic_write_bytes


class Interrupted(Exception):
    pass


class HalfWriter:
    """A file object that writes half of the data, then fails."""

    def __init__(self, real):
        self.real = real

    def write(self, data):
        self.real.write(data[:len(data) // 2])
        self.real.flush()
        raise Interrupted

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()


def test_mmengine_local_paths_use_the_atomic_backend(tmp_path):
    assert isinstance(get_file_backend(str(tmp_path)), AtomicLocalBackend)


def test_checkpoint_round_trip_through_mmengine(tmp_path):
    path = tmp_path / 'sub' / 'epoch_1.pth'
    save_checkpoint(dict(state_dict=dict(w=torch.arange(3.))), str(path))
    loaded = torch.load(path, weights_only=True)
    assert torch.equal(loaded['state_dict']['w'], torch.arange(3.))
    assert os.listdir(path.parent) == ['epoch_1.pth']
    plain = tmp_path / 'plain'
    plain.write_bytes(b'')  # the mode open() gives under this umask
    assert (os.stat(path).st_mode & 0o777) == (os.stat(plain).st_mode & 0o777)


def test_an_interrupted_write_keeps_the_old_file_and_no_temp(tmp_path,
                                                            monkeypatch):
    path = tmp_path / 'epoch_2.pth'
    path.write_bytes(b'old complete file')
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, 'fdopen',
                        lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    with pytest.raises(Interrupted):
        atomic_write_bytes(b'new content ' * 1000, path)
    assert path.read_bytes() == b'old complete file'
    assert os.listdir(tmp_path) == ['epoch_2.pth']


def test_put_text_replaces_whole_content(tmp_path):
    path = tmp_path / 'last_checkpoint'
    backend = AtomicLocalBackend()
    backend.put_text('a' * 100, path)
    backend.put_text('short', path)
    assert path.read_text() == 'short'
