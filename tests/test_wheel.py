"""``pip wheel .``: the plugin as a user installs it into their own project.

Builds the wheel from a copy of the repository, installs it into a fresh
virtual environment (torch, mmcv and mmdet reused from this one through a
``.pth`` line, the plugin only from the wheel), then, in a folder outside the
repository: the README's config of your own resolves, builds and trains two
iterations on generated photos, and ``DetInferencer`` runs the weights the
wheel ships on a generated shapes image.
"""
import json
import os
import os.path as osp
import shutil
import sysconfig
import zipfile

import pytest
from helpers import ROOT, run_tool
from test_readme import readme_config, write_readme_data

SKIP = shutil.ignore_patterns('.git', '.venv', 'work_dirs', 'data', 'build',
                              '*.egg-info', '__pycache__', '.pytest_cache',
                              'dist')
ZOO = ['.mim/model-index.yml', '.mim/configs/metafile.yml',
       '.mim/configs/fastssd_custom_voc.py',
       '.mim/configs/_base_/default_runtime.py',
       'configs/fastssd_custom_voc.py', 'configs/runtime.py', 'runtime.py']

USER_RUN = '''
import glob, json, os, os.path as osp, sys
from mmengine.config import Config
from mmengine.runner import Runner
import mmdet_fastssd
from mmdet_fastssd.datasets import generate_shapes_voc

here = os.getcwd()
assert osp.dirname(mmdet_fastssd.__file__).startswith(sys.prefix), \\
    mmdet_fastssd.__file__
cfg = Config.fromfile('my_config.py')
cfg.merge_from_dict({'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
                     'train_dataloader.batch_size': 2,
                     'work_dir': osp.join(here, 'work')})
runner = Runner.from_cfg(cfg)
runner.train()
ckpt = cfg.model.backbone.init_cfg.checkpoint
pkg = osp.dirname(mmdet_fastssd.__file__)
assert ckpt.startswith(pkg) and osp.isfile(ckpt), ckpt

from mmdet.apis import DetInferencer
shapes = osp.join(here, 'shapes')
generate_shapes_voc(shapes, num_train=4, num_test=4, img_size=112, seed=3,
                    workers=1)
images = sorted(glob.glob(osp.join(shapes, '**', '*.jpg'), recursive=True))
inferencer = DetInferencer(
    model=osp.join(pkg, '.mim', 'configs', 'fastssd_shapes.py'),
    weights=ckpt, device='cpu', show_progress=False)
preds = inferencer(images, return_datasamples=True)['predictions']
print(json.dumps(dict(iters=runner.iter, file=mmdet_fastssd.__file__,
                      best_scores=[float(p.pred_instances.scores.max())
                                   for p in preds])))
'''


def build_wheel(tmp_path):
    """``pip wheel .`` of a copy of the working tree; returns the wheel."""
    src = tmp_path / 'src'
    shutil.copytree(ROOT, src, symlinks=True, ignore=SKIP)
    run_tool('-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
             '-w', tmp_path / 'dist', '.', cwd=src, env=os.environ,
             timeout=600)
    wheels = list((tmp_path / 'dist').glob('mmdet_fastssd-*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0]


def fresh_venv(tmp_path, wheel):
    """A venv with the wheel; this venv's site-packages on its path."""
    venv = tmp_path / 'venv'
    run_tool('-m', 'venv', '--without-pip', venv, cwd=tmp_path,
             env=os.environ)
    python = str(venv / 'bin' / 'python')
    site = run_tool('-c', 'import sysconfig; '
                    'print(sysconfig.get_paths()["purelib"])', cwd=tmp_path,
                    env=os.environ, merge_output=False, python=python)
    with open(osp.join(site.stdout.strip(), 'reuse_stack.pth'), 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    run_tool('-m', 'pip', '--python', python, 'install', '-q', '--no-deps',
             '--no-index', wheel, cwd=tmp_path, env=os.environ, timeout=600)
    return python


@pytest.mark.e2e
def test_wheel_installs_and_a_user_config_trains_and_infers(tmp_path):
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for name in ZOO:
        assert f'mmdet_fastssd/{name}' in names, name
    assert any(n.startswith('mmdet_fastssd/.mim/weights/') and
               n.endswith('.pth') for n in names)
    python = fresh_venv(tmp_path, wheel)

    user = tmp_path / 'my_project'  # outside the repository
    user.mkdir()
    (user / 'my_config.py').write_text(readme_config())
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env['OMP_NUM_THREADS'] = '1'
    write_readme_data(str(user))
    proc = run_tool('-c', USER_RUN, cwd=user, env=env, timeout=600,
                    merge_output=False, python=python)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['iters'] == 2
    assert result['file'].startswith(str(tmp_path / 'venv'))
    # the shipped detector is sure of a shape in most of 8 new images
    scores = result['best_scores']
    assert len(scores) == 8 and sum(s > 0.5 for s in scores) >= 4, scores
