import torch
import torch.distributed as torch_dist
from mmengine.dist import utils as dist_utils
from mmengine.model import MMDistributedDataParallel

import mmdet_fastssd.runtime  # noqa: F401  (patches the launcher)


def test_launcher_uses_gloo_and_no_cuda_without_a_gpu(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(torch.cuda, 'set_device',
                        lambda *a: calls.append(('set_device', a)))
    monkeypatch.setattr(torch_dist, 'init_process_group',
                        lambda **kw: calls.append(('init', kw)))
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('LOCAL_RANK', '0')
    dist_utils.init_dist('pytorch', backend='nccl', timeout=60)
    assert len(calls) == 1 and calls[0][0] == 'init'
    assert calls[0][1]['backend'] == 'gloo'
    assert calls[0][1]['timeout'].total_seconds() == 60
    calls.clear()
    dist_utils.init_dist('pytorch', backend='gloo')
    assert calls == [('init', dict(backend='gloo'))]


def test_ddp_wrapper_accepts_mmengines_device_ids_for_a_cpu_model(
        tmp_path):
    torch_dist.init_process_group(
        'gloo', init_method=f'file://{tmp_path / "store"}', rank=0,
        world_size=1)
    try:
        model = torch.nn.Linear(2, 1)
        # what Runner.wrap_model passes under torchrun
        ddp = MMDistributedDataParallel(module=model, device_ids=[0],
                                        broadcast_buffers=False)
        assert ddp.device_ids is None and ddp.module is model
        ddp(torch.ones(3, 2)).sum().backward()
        assert model.weight.grad is not None
    finally:
        torch_dist.destroy_process_group()
