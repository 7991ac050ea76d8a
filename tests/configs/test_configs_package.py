"""mmdet_fastssd/configs and .mim: the repository's configs, installed.

One source of truth: ``configs/`` at the repository root. The package's
``.mim/configs`` links to it (a wheel carries the files) and each module of
``mmdet_fastssd/configs`` reads the text config of its name there, so a
pure-Python config in any folder inherits exactly what ``Config.fromfile``
gives for the repository's file; user configs inheriting the three configs
a user starts from override classes and data and train.
"""
import glob
import os
import os.path as osp

import pytest
from helpers import CONFIGS, ROOT, tiny_photos
from installed_layout import installed_env, run_json

PACKAGE = osp.join(ROOT, 'mmdet_fastssd')
NAMES = sorted(osp.splitext(osp.basename(p))[0]
               for p in glob.glob(osp.join(CONFIGS, '*.py')))

RESOLVE = '''
import json, os.path as osp
from mmengine.config import Config
import mmdet_fastssd
root, names = {root!r}, {names!r}
installed = osp.join(osp.dirname(mmdet_fastssd.__file__), '.mim', 'configs')
out = {{}}
for name in names:
    with open(f'user_{{name}}.py', 'w') as f:
        f.write('from mmengine.config import read_base\\n'
                'with read_base():\\n'
                f'    from mmdet_fastssd.configs.{{name}} import *\\n')
    lazy = repr(Config.fromfile(f'user_{{name}}.py').to_dict())
    text = repr(Config.fromfile(osp.join(root, 'configs', name + '.py'))
                .to_dict())
    # the same files; only {{{{ fileDirname }}}} names the folder read
    out[name] = lazy.replace(installed, osp.join(root, 'configs')) == text
print(json.dumps(out))
'''

USER = '''
from mmengine.config import read_base
with read_base():
    from mmdet_fastssd.configs.{name} import *

classes = ('cat', 'dog')
data = dict(data_root={data!r}, metainfo=dict(classes=classes),
            data_prefix=dict(sub_data_root='VOC2007/'))
model.bbox_head.num_classes = len(classes)
model.backbone.init_cfg = {init}
train_dataloader.batch_size = 2
train_dataloader.dataset.update(
    data, ann_file='VOC2007/ImageSets/Main/trainval.txt')
val_dataloader.dataset.update(data, ann_file='VOC2007/ImageSets/Main/test.txt')
test_dataloader.dataset.update(
    data, ann_file='VOC2007/ImageSets/Main/test.txt')
if train_cfg.get('type') == 'IterBasedTrainLoop':  # the photo recipe
    train_cfg.update(max_iters=2, val_interval=2)
else:
    train_cfg.update(max_epochs=1, val_interval=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
work_dir = 'work_{name}'
'''

TRAIN = '''
import json
from mmengine.config import Config
from mmengine.runner import Runner
out = {{}}
for name in {names!r}:
    runner = Runner.from_cfg(Config.fromfile(f'user_{{name}}.py'))
    runner.train()
    out[name] = [runner.iter, runner.model.bbox_head.num_classes]
print(json.dumps(out))
'''


def test_one_module_per_config_all_the_same_text():
    modules = {osp.splitext(f)[0] for f in os.listdir(
        osp.join(PACKAGE, 'configs')) if f.endswith('.py')}
    assert modules - {'__init__', 'runtime'} == set(NAMES)
    texts = set()
    for name in NAMES:
        with open(osp.join(PACKAGE, 'configs', f'{name}.py')) as f:
            texts.add(f.read())
    assert len(texts) == 1  # no settings of its own: one source of truth


def test_mim_folder_links_to_the_repository_files():
    for name in ('configs', 'weights', 'model-index.yml'):
        assert osp.realpath(osp.join(PACKAGE, '.mim', name)) == \
            osp.realpath(osp.join(ROOT, name)), name


@pytest.mark.e2e
def test_pure_python_configs_resolve_as_the_text_configs(tmp_path):
    env = installed_env(str(tmp_path))
    same = run_json(RESOLVE.format(root=ROOT, names=NAMES), str(tmp_path),
                    env)
    assert same == {name: True for name in NAMES}


def test_text_config_outside_the_repository_inherits_by_path(tmp_path):
    """With an editable install (where read_base() cannot see the package's
    files) a text config names the clone's config by its path."""
    from mmengine.config import Config
    photo = osp.join(CONFIGS, 'fastssd_custom_voc.py')
    mine = tmp_path / 'mine.py'
    mine.write_text(f'_base_ = [{photo!r}]\n'
                    'model = dict(bbox_head=dict(num_classes=3))\n')
    cfg = Config.fromfile(str(mine))
    want = Config.fromfile(photo)
    assert cfg.model.bbox_head.num_classes == 3
    cfg.model.bbox_head.num_classes = want.model.bbox_head.num_classes
    assert cfg.to_dict() == want.to_dict()


@pytest.mark.e2e
def test_user_configs_inheriting_the_plugin_train(tmp_path):
    """fastssd_voc (ImageNet start left out: no internet), fastssd_shapes and
    the photo config (shipped start) with two classes of one's own."""
    env = installed_env(str(tmp_path))
    data = tiny_photos(str(tmp_path / 'pets'), ('cat', 'dog'))
    names = ['fastssd_voc', 'fastssd_shapes', 'fastssd_custom_voc']
    for name in names:
        init = 'model.backbone.init_cfg' if name == 'fastssd_custom_voc' \
            else 'None'
        (tmp_path / f'user_{name}.py').write_text(
            USER.format(name=name, data=data + '/', init=init))
    result = run_json(TRAIN.format(names=names), str(tmp_path), env)
    assert result == {name: [2, 2] for name in names}
