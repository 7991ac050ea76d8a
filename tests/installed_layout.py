"""Run Python with the plugin laid out as an installed package.

MMEngine's ``read_base()`` finds a package's configs next to its metadata
(``get_installed_path``): a regular install, not this checkout's editable
one. :func:`installed_env` makes a folder holding ``mmdet_fastssd`` (a link
to this checkout's package) and its ``.dist-info``, as a wheel installs
them, and gives the environment that puts it first on ``sys.path``.
"""
import json
import os
import os.path as osp

from helpers import ROOT, run_tool


def installed_env(folder: str) -> dict:
    """Environment whose ``sys.path`` starts with an installed-like folder.

    Args:
        folder (str): where to make the folder (``folder/site``).

    Returns:
        dict: ``os.environ`` with ``PYTHONPATH`` set to it.
    """
    site = osp.join(folder, 'site')
    info = osp.join(site, 'mmdet_fastssd-0.1.0.dist-info')
    os.makedirs(info, exist_ok=True)
    if not osp.lexists(osp.join(site, 'mmdet_fastssd')):
        os.symlink(osp.join(ROOT, 'mmdet_fastssd'),
                   osp.join(site, 'mmdet_fastssd'))
    with open(osp.join(info, 'METADATA'), 'w') as f:
        f.write('Metadata-Version: 2.1\nName: mmdet_fastssd\n'
                'Version: 0.1.0\n')
    return dict(os.environ, PYTHONPATH=site, OMP_NUM_THREADS='1')


def run_json(code: str, cwd: str, env: dict, timeout: int = 600):
    """Run ``code`` with ``env`` in ``cwd``; its last stdout line as JSON."""
    proc = run_tool('-W', 'ignore', '-c', code, cwd=cwd, env=env,
                    timeout=timeout, merge_output=False)
    return json.loads(proc.stdout.strip().splitlines()[-1])
