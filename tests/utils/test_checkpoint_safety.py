import io
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmdet_fastssd.runtime  # noqa: F401  (the allow-list)
from mmdet_fastssd.utils import MMENGINE_CHECKPOINT_GLOBALS


class NotAllowed:
    pass


def round_trip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf)  # torch's default: weights_only=True


def test_message_hub_state_loads_with_weights_only():
    hub = MessageHub.get_instance('fastssd_safety_test')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', np.float64(2.5))
    hub.update_info('iter', 7)
    ckpt = dict(meta=dict(epoch=1, iter=7, dataset_meta=dict(classes=('a', ))),
                state_dict=dict(w=torch.ones(2)),
                message_hub=hub.state_dict())
    loaded = round_trip(ckpt)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.current() == 2.5 and buffer.mean() == 2.0
    assert loaded['meta']['iter'] == 7


def test_the_safety_stays_on_for_other_classes():
    with pytest.raises(pickle.UnpicklingError):
        round_trip(dict(x=NotAllowed()))


def test_history_buffer_keeps_its_statistics_after_loading():
    buf = HistoryBuffer()
    buf.update(3.0)
    buf.statistics('mean')  # the original __getstate__ stores the methods
    loaded = round_trip(buf)
    assert loaded.statistics('max') == 3.0 and loaded.current() == 3.0


def test_one_cycle_scheduler_state_loads_and_resumes():
    from mmengine.optim.scheduler import OneCycleLR
    opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)
    sched = OneCycleLR(opt, eta_max=0.1, total_steps=10,
                       anneal_strategy='linear')
    for _ in range(4):
        opt.step()
        sched.step()
    state = round_trip(sched.state_dict())
    assert 'anneal_func' not in state and state['last_step'] == 4
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)
    resumed = OneCycleLR(opt2, eta_max=0.1, total_steps=10,
                         anneal_strategy='linear')
    resumed.load_state_dict(state)
    for _ in range(3):
        opt.step()
        sched.step()
        opt2.step()
        resumed.step()
    assert resumed.get_last_value() == pytest.approx(sched.get_last_value())


def test_only_mmengine_and_numpy_classes_are_allowed():
    assert getattr not in MMENGINE_CHECKPOINT_GLOBALS
    modules = {getattr(g, '__module__', '')
               for g in MMENGINE_CHECKPOINT_GLOBALS}
    assert all(m.startswith(('numpy', 'mmengine')) for m in modules), modules


class WritesFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, 'w')


def test_local_loader_refuses_with_the_class_and_the_fixes(tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmdet_fastssd.utils import UnsafeCheckpointError
    marker = tmp_path / 'created'
    path = tmp_path / 'bad.pth'
    torch.save(dict(state_dict={}, x=WritesFile(str(marker))), path)
    with pytest.raises(UnsafeCheckpointError) as info:
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert isinstance(info.value, pickle.UnpicklingError)  # old handlers
    text = str(info.value)
    assert text.startswith(f'refused to load checkpoint {path}: it holds an '
                           'object of type `')
    assert 'torch.serialization.add_safe_globals([open])' in text
    assert not marker.exists()


def test_local_loader_names_a_truncated_file(tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmdet_fastssd.utils import CorruptCheckpointError
    path = tmp_path / 'epoch_3.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(1000))), path)
    path.write_bytes(path.read_bytes()[:900])
    with pytest.raises(CorruptCheckpointError,
                       match=r'epoch_3.pth \(900 bytes\) is truncated'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    path.write_bytes(b'')
    with pytest.raises(CorruptCheckpointError, match='0 bytes'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    with pytest.raises(FileNotFoundError):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'none.pth'))


def test_explain_refusal_without_a_class_name():
    from mmdet_fastssd.utils.checkpoint_safety import explain_refusal
    text = explain_refusal('x.pth', pickle.UnpicklingError(
        'Weights only load failed. Re-running...\nWeightsUnpickler error: '
        '\n\nUnsupported operand 149\n\nCheck the documentation'))
    assert 'add_safe_globals' not in text and 'weights_only=False' in text
    assert text.endswith('(torch: Unsupported operand 149)')
