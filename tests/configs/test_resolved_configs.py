"""Each config resolves to its snapshot in tests/configs/resolved/: moving a
setting between base files changes no resolved value unless meant to."""
import os.path as osp

import pytest
from resolved_configs import config_names, resolved, snapshot_path

REGENERATE = ('if the change is intended, write the snapshots again with '
              '`python tests/configs/resolved_configs.py` and review the '
              'diff')


def test_every_config_has_a_snapshot():
    assert config_names(), 'no configs found'
    missing = [n for n in config_names() if not osp.isfile(snapshot_path(n))]
    assert not missing, f'no snapshot for {missing}: {REGENERATE}'


@pytest.mark.parametrize('name', config_names())
def test_config_resolves_as_its_snapshot(name):
    path = snapshot_path(name)
    if not osp.isfile(path):
        pytest.fail(f'no snapshot for {name}: {REGENERATE}')
    with open(path) as f:
        want = f.read()
    got = resolved(name)
    assert got == want, f'configs/{name}.py resolves differently: ' \
        f'{REGENERATE}'
