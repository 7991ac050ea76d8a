"""Every config of configs/ resolved, as text to compare: the snapshots in
tests/configs/resolved/ that test_resolved_configs.py checks.

After an intended change of what a config resolves to, write them again
and review the diff:

    python tests/configs/resolved_configs.py

A snapshot is the config's ``Config.fromfile(...).to_dict()`` pretty-printed
with sorted keys (tuples stay tuples), the repository's folder written
``<repo>`` and paths below it normalised (``a/b/../c`` -> ``a/c``): the same
text in any clone, whichever base file names a path.
"""
import glob
import os.path as osp
import pprint
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(ROOT, 'configs')
SNAPSHOTS = osp.join(osp.dirname(osp.abspath(__file__)), 'resolved')


def config_names():
    """The runnable configs: ``configs/*.py`` (bases are in them)."""
    return sorted(osp.splitext(osp.basename(p))[0]
                  for p in glob.glob(osp.join(CONFIGS, '*.py')))


def normalised(value):
    """``value`` with repository paths made clone-independent."""
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(normalised(v) for v in value)
    if isinstance(value, str) and value.startswith(ROOT + '/'):
        return '<repo>/' + osp.relpath(osp.normpath(value), ROOT)
    return value


def resolved(name: str) -> str:
    """The snapshot text of ``configs/{name}.py``."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(CONFIGS, f'{name}.py'))
    return pprint.pformat(normalised(cfg.to_dict()), width=79) + '\n'


def snapshot_path(name: str) -> str:
    return osp.join(SNAPSHOTS, f'{name}.txt')


def main() -> int:
    for name in config_names():
        with open(snapshot_path(name), 'w') as f:
            f.write(resolved(name))
        print('wrote', osp.relpath(snapshot_path(name), ROOT))
    return 0


if __name__ == '__main__':
    sys.exit(main())
