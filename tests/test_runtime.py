"""``import mmdet_fastssd`` leaves MMEngine as it ships; the runtime switch.

Checked in a fresh process (this one may have turned the switch on): the
checkpoint loaders (MMEngine's ``torch.load`` wrapper for local files and its
``http(s)`` loader), torch's allow-list, the storage and ``FileClient``
backends, the launcher and the DDP wrapper are MMEngine's own after
``import mmdet_fastssd``, and the plugin's after
``import mmdet_fastssd.runtime``.
"""
import json

import pytest
from helpers import run_tool

PROBE = '''
import json
import torch
from mmengine.dist import utils as dist_utils
from mmengine.fileio import FileClient
from mmengine.fileio.backends import registry_utils
from mmengine.logging import HistoryBuffer
from mmengine.model import MMDistributedDataParallel
from mmengine.optim.scheduler.param_scheduler import _ParamScheduler
from mmengine.runner.checkpoint import CheckpointLoader
import mmdet.models  # noqa: F401

def name(obj):
    return f'{obj.__module__}.{obj.__qualname__}'

def state():
    return dict(
        safe_globals=sorted(map(repr, torch.serialization.get_safe_globals())),
        schemes={k: name(v) for k, v in CheckpointLoader._schemes.items()},
        backends={k: name(v) for k, v in registry_utils.backends.items()},
        prefix_backends={k: name(v) for k, v in
                         registry_utils.prefix_to_backends.items()},
        file_client={k: name(v) for k, v in
                     FileClient._prefix_to_backends.items()},
        init_dist=name(dist_utils._init_dist_pytorch),
        ddp_init=name(MMDistributedDataParallel.__init__),
        history_state=name(getattr(HistoryBuffer, '__getstate__')),
        scheduler_state=name(_ParamScheduler.state_dict),
        torch_load=name(torch.load))

states = [state()]
import mmdet_fastssd  # noqa: E402
states.append(state())
import mmdet_fastssd.runtime  # noqa: E402
mmdet_fastssd.runtime.enable()  # idempotent
states.append(state())
print(json.dumps(states))
'''


def probe():
    proc = run_tool('-c', PROBE, timeout=300, merge_output=False)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.e2e
def test_import_registers_only_and_the_runtime_switch_changes_mmengine():
    shipped, plugin, runtime = probe()
    # import mmdet_fastssd: MMEngine exactly as it ships
    assert plugin == shipped
    assert not any('mmdet_fastssd' in str(v) for v in plugin.values())
    # import mmdet_fastssd.runtime: every fix on
    changed = {k for k in shipped if runtime[k] != shipped[k]}
    assert changed == {'safe_globals', 'schemes', 'backends',
                       'prefix_backends', 'init_dist', 'ddp_init',
                       'history_state', 'scheduler_state'}, changed
    schemes = runtime['schemes']
    assert schemes[''].startswith('mmdet_fastssd.utils.checkpoint_safety')
    assert schemes['https://'].startswith('mmdet_fastssd.utils.checkpoint_url')
    assert runtime['backends']['local'].endswith('AtomicLocalBackend')
    assert runtime['torch_load'] == shipped['torch_load']
    assert any('HistoryBuffer' in g for g in runtime['safe_globals'])


def test_fixes_are_named_and_idempotent():
    from mmdet_fastssd import runtime
    assert set(runtime.FIXES) == {'checkpoint_allow_list', 'http_checkpoints',
                                  'atomic_saves', 'cpu_distributed'}
    runtime.enable()
    runtime.enable()
