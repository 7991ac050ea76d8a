"""README "Use the components in your config": the config, checked verbatim.

The code block is a complete config of a user's own; it resolves from a
folder outside the repository (the installed package's configs) and trains
(``tests/test_wheel.py`` trains it from a wheel in a fresh environment).
"""
import ast
import json
import os.path as osp
import re

import pytest
from helpers import ROOT, tiny_photos
from installed_layout import installed_env, run_json
from mmengine.config import Config

SECTION = '## Use the components in your config'


def readme_config() -> str:
    """The first ```python block of the README's section, as written."""
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    assert SECTION in text, f'README.md has no "{SECTION}" section'
    section = text.split(SECTION, 1)[1].split('\n## ', 1)[0]
    block = re.search(r'```python\n(.*?)```', section, re.S)
    assert block, f'README.md "{SECTION}": no ```python block'
    return block.group(1)


def readme_constants() -> dict:
    """The plain ``name = literal`` assignments of the README config."""
    found = {}
    for node in ast.parse(readme_config()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return found


def write_readme_data(folder: str) -> str:
    """The VOC2007 folder the README config names, under ``folder``: four
    training images (two iterations at batch 2), two test images.

    Returns:
        str: the data root.
    """
    consts = readme_constants()
    return tiny_photos(osp.join(folder, consts['data_root']),
                       consts['classes'])


CHECK = '''
import json
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmdet.registry import MODELS
cfg = Config.fromfile('my_config.py')
init_default_scope('mmdet')
print(json.dumps(dict(
    built_classes=MODELS.build(cfg.model).bbox_head.num_classes,
    model=cfg.model.to_dict(), train_pipeline=cfg.to_dict()['train_pipeline'],
    param_scheduler=cfg.to_dict()['param_scheduler'],
    datasets={k: cfg[k].dataset.to_dict() for k in (
        'train_dataloader', 'val_dataloader', 'test_dataloader')})))
'''


@pytest.mark.e2e
def test_readme_config_resolves_outside_the_repository(tmp_path):
    """In a folder of its own, with the plugin laid out as installed."""
    user = tmp_path / 'my_project'
    user.mkdir()
    (user / 'my_config.py').write_text(readme_config())
    got = run_json(CHECK, str(user), installed_env(str(tmp_path)))
    photo = Config.fromfile(osp.join(ROOT, 'configs',
                                     'fastssd_custom_voc.py')).to_dict()
    consts = readme_constants()
    classes = list(consts['classes'])
    assert got['built_classes'] == got['model']['bbox_head'][
        'num_classes'] == len(classes)
    for key, ds in got['datasets'].items():
        assert ds['data_root'] == consts['data_root']
        assert list(ds['metainfo']['classes']) == classes
        assert ds['ann_file'] == photo[key]['dataset']['ann_file']
    # the rest is the photo config's: backbone and its start, schedule
    backbone = got['model']['backbone']
    assert osp.realpath(backbone['init_cfg'].pop('checkpoint')) == \
        osp.realpath(photo['model']['backbone']['init_cfg'].pop('checkpoint'))
    assert json.loads(json.dumps(photo['model']['backbone'])) == backbone
    for key in ('train_pipeline', 'param_scheduler'):
        assert json.loads(json.dumps(photo[key])) == got[key]
