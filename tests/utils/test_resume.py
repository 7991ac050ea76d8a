import pytest
import torch

import mmdet_fastssd.runtime  # noqa: F401  (allow-list)
from mmdet_fastssd.utils import (
    UnsafeCheckpointError,
    find_resumable_checkpoint,
)
from mmdet_fastssd.utils.resume import numbered_checkpoints


def save(path, epoch):
    torch.save(dict(meta=dict(epoch=epoch), state_dict=dict(
        w=torch.full((100, ), float(epoch)))), path)


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def test_numbered_checkpoints_newest_first(tmp_path):
    for name in ('epoch_2.pth', 'epoch_10.pth', 'iter_10.pth', 'best.pth',
                 'epoch_3.pth.tmp', 'epoch_x.pth'):
        (tmp_path / name).write_bytes(b'')
    names = [p.rsplit('/', 1)[1] for p in numbered_checkpoints(str(tmp_path))]
    assert names == ['epoch_10.pth', 'iter_10.pth', 'epoch_2.pth']


def test_the_named_checkpoint_when_it_loads(tmp_path):
    save(tmp_path / 'epoch_1.pth', 1)
    save(tmp_path / 'epoch_2.pth', 2)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_1.pth'))
    assert find_resumable_checkpoint(str(tmp_path)) == str(
        tmp_path / 'epoch_1.pth')


def test_a_truncated_named_checkpoint_falls_back_with_a_warning(
        tmp_path, monkeypatch):
    from mmdet_fastssd.utils import resume
    warnings = []
    monkeypatch.setattr(resume, 'print_log',
                        lambda msg, **kwargs: warnings.append(msg))
    save(tmp_path / 'epoch_1.pth', 1)
    save(tmp_path / 'epoch_2.pth', 2)
    truncate(tmp_path / 'epoch_2.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    assert find_resumable_checkpoint(str(tmp_path)) == str(
        tmp_path / 'epoch_1.pth')
    assert len(warnings) == 1
    assert warnings[0].startswith(
        f'--resume: skipping {tmp_path / "epoch_2.pth"}: ')
    assert 'truncated' in warnings[0]


def test_a_deleted_named_checkpoint_and_an_empty_record(tmp_path):
    save(tmp_path / 'epoch_3.pth', 3)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_4.pth'))
    assert find_resumable_checkpoint(str(tmp_path)).endswith('epoch_3.pth')
    (tmp_path / 'last_checkpoint').write_text('')
    assert find_resumable_checkpoint(str(tmp_path)).endswith('epoch_3.pth')


def test_nothing_to_resume(tmp_path):
    assert find_resumable_checkpoint(str(tmp_path)) is None
    (tmp_path / 'epoch_1.pth').write_bytes(b'not a checkpoint')
    assert find_resumable_checkpoint(str(tmp_path)) is None


class Evil:
    def __reduce__(self):
        return print, ('ran', )


def test_an_unsafe_checkpoint_is_refused_not_skipped(tmp_path):
    save(tmp_path / 'epoch_1.pth', 1)
    torch.save(dict(x=Evil()), tmp_path / 'epoch_2.pth')
    with pytest.raises(UnsafeCheckpointError):
        find_resumable_checkpoint(str(tmp_path))
