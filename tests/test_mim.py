"""``mim search mmdet_fastssd`` lists the zoo (optional: skips without mim).

MIM reads an installed package's ``.mim/model-index.yml`` and the metafile it
imports; checked with the plugin laid out as installed.
"""
import os.path as osp

import pytest
import yaml
from helpers import CONFIGS
from installed_layout import installed_env, run_json

SEARCH = '''
import json
from mim import get_model_info
table = get_model_info('mmdet_fastssd', local=True)
print(json.dumps(table.to_string()))
'''


def test_mim_search_lists_every_model(tmp_path):
    pytest.importorskip('mim')
    with open(osp.join(CONFIGS, 'metafile.yml')) as f:
        names = [m['Name'] for m in yaml.safe_load(f)['Models']]
    listed = run_json(SEARCH, str(tmp_path), installed_env(str(tmp_path)))
    for name in names:
        assert name in listed, name
