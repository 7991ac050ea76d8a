"""tools/model_converters/publish_model.py and the model zoo files."""
import hashlib
import os.path as osp
import re
import subprocess

import pytest
import torch
import yaml
from helpers import ROOT, run_tool
from zoo_helpers import (
    publish,
    save_training_checkpoint,
    shapes_detector,
)

FRESH_LOAD = (
    'import sys, torch\n'
    'ckpt = torch.load(sys.argv[1], map_location="cpu", weights_only=True)\n'
    'assert "mmdet_fastssd" not in sys.modules, "plugin imported"\n'
    'assert "mmengine" not in sys.modules, "mmengine imported"\n'
    'print(sorted(ckpt), ckpt["meta"]["dataset_meta"]["classes"][0])\n')


def fresh_python_load(path: str) -> subprocess.CompletedProcess:
    """``torch.load(weights_only=True)`` in a Python without the plugin."""
    return run_tool('-c', FRESH_LOAD, path, cwd=osp.dirname(path),
                    check=False)


@pytest.fixture(scope='module')
def published(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('publish')
    src = save_training_checkpoint(str(tmp / 'epoch_1.pth'))
    return src, publish(src, str(tmp / 'out' / 'fastssd_shapes_1e.pth'))


def test_published_name_carries_its_sha256(published):
    _, path = published
    match = re.fullmatch(r'.*/fastssd_shapes_1e-([0-9a-f]{8})\.pth', path)
    assert match, path
    with open(path, 'rb') as f:
        assert hashlib.sha256(f.read()).hexdigest()[:8] == match.group(1)


@pytest.mark.e2e
def test_published_loads_without_the_plugin(published):
    src, path = published
    proc = fresh_python_load(path)
    assert proc.returncode == 0, proc.stdout
    assert "['meta', 'state_dict'] circle" in proc.stdout
    # the training checkpoint itself needs the plugin's allow-list
    proc = fresh_python_load(src)
    assert proc.returncode != 0
    assert 'weights_only' in proc.stdout.lower() or \
        'unsupported global' in proc.stdout.lower(), proc.stdout[-2000:]


def test_published_keeps_weights_and_plain_meta(published):
    src, path = published
    before = torch.load(src, map_location='cpu', weights_only=True)
    after = torch.load(path, map_location='cpu', weights_only=True)
    assert set(after) == {'meta', 'state_dict'}
    assert after['state_dict'].keys() == before['state_dict'].keys()
    for key, value in before['state_dict'].items():
        assert torch.equal(after['state_dict'][key], value), key
    meta = after['meta']
    assert meta['dataset_meta']['classes'] == before['meta'][
        'dataset_meta']['classes']
    assert meta['epoch'] == 1 and meta['cfg'] == before['meta']['cfg']
    assert type(meta['numpy_value']) is float and meta['numpy_value'] == 0.25
    assert type(meta['config_dict']) is dict
    assert meta['config_dict']['num_classes'] == 5


def test_publishing_twice_gives_the_same_file(published, tmp_path):
    src, path = published
    again = publish(src, str(tmp_path / 'fastssd_shapes_1e'))
    assert osp.basename(again) == osp.basename(path)


@pytest.mark.e2e
def test_the_command_line_prints_the_same_file(published, tmp_path):
    src, path = published
    proc = run_tool('tools/model_converters/publish_model.py', src,
                    tmp_path / 'fastssd_shapes_1e')
    printed = proc.stdout.strip().splitlines()[-1]
    assert printed == str(tmp_path / osp.basename(path))
    with open(printed, 'rb') as f, open(path, 'rb') as g:
        assert f.read() == g.read()


def test_fp16_halves_the_weights_and_loads_into_the_model(published,
                                                        tmp_path):
    src, path = published
    half = publish(src, str(tmp_path / 'fastssd_shapes_1e'), fp16=True)
    full = torch.load(path, map_location='cpu', weights_only=True)
    small = torch.load(half, map_location='cpu', weights_only=True)
    assert osp.getsize(half) < 0.6 * osp.getsize(path)
    for key, value in full['state_dict'].items():
        got = small['state_dict'][key]
        if value.is_floating_point():
            assert got.dtype == torch.float16, key
            torch.testing.assert_close(got.float(), value, rtol=1e-3,
                                       atol=1e-4)
        else:
            assert torch.equal(got, value), key
    _, model = shapes_detector()
    model.load_state_dict(small['state_dict'])  # cast back to float32
    assert next(model.parameters()).dtype == torch.float32


@pytest.mark.e2e
def test_missing_input_is_named(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    proc = run_tool('tools/model_converters/publish_model.py', missing,
                    tmp_path / 'out', check=False)
    assert proc.returncode != 0
    assert f'checkpoint file not found: {missing}' in proc.stdout
    assert not list(tmp_path.iterdir())


def load_yaml(path: str) -> dict:
    with open(osp.join(ROOT, path)) as f:
        return yaml.safe_load(f)


def metafile_blocks() -> dict:
    """Each model's lines of configs/metafile.yml (comments kept)."""
    with open(osp.join(ROOT, 'configs', 'metafile.yml')) as f:
        text = f.read().split('\nModels:\n', 1)[1]
    blocks = re.split(r'\n(?=  - Name: )', text)
    return {re.search(r'- Name: (\S+)', b).group(1): b for b in blocks}


def test_model_index_lists_existing_configs_and_measured_figures():
    index = load_yaml('model-index.yml')
    assert index['Import'] == ['configs/metafile.yml']
    meta = load_yaml('configs/metafile.yml')
    collections = {c['Name'] for c in meta['Collections']}
    results_path = osp.join(ROOT, 'docs', 'results.md')
    results = open(results_path).read() if osp.isfile(results_path) else None
    blocks = metafile_blocks()
    names = set()
    for model in meta['Models']:
        assert model['Name'] not in names, model['Name']
        names.add(model['Name'])
        assert model['In Collection'] in collections, model['Name']
        assert osp.isfile(osp.join(ROOT, model['Config'])), model['Config']
        if 'Weights' not in model:  # said in so many words
            assert '# not trained here' in blocks[model['Name']] or \
                '# weights not published' in blocks[model['Name']], \
                model['Name']
        if 'Results' not in model:
            assert 'Weights' not in model, model['Name']
            continue
        figures = [v for r in model['Results'] for v in r['Metrics'].values()]
        if 'Training Time (s)' in model['Metadata']:
            figures.append(model['Metadata']['Training Time (s)'])
        if results is None:
            pytest.skip('docs/results.md is not written yet')
        for value in figures:
            assert f'{value}' in results, (model['Name'], value)


def test_zoo_weights_are_shipped_files_named_by_their_hash():
    """Weights: paths relative to the repository root (and to the installed
    package's .mim), written by publish_model.py: the hash is checked."""
    shipped = [m for m in load_yaml('configs/metafile.yml')['Models']
               if 'Weights' in m]
    assert shipped
    for model in shipped:
        stem = osp.splitext(osp.basename(model['Config']))[0]
        epochs = model['Metadata']['Epochs']
        match = re.fullmatch(rf'weights/{stem}_{epochs}e-([0-9a-f]{{8}})\.pth',
                             model['Weights'])
        assert match, model['Weights']
        path = osp.join(ROOT, model['Weights'])
        with open(path, 'rb') as f:
            assert hashlib.sha256(f.read()).hexdigest().startswith(
                match.group(1)), path
        assert osp.getsize(path) < 8 * 2**20  # a few MB: it ships in git
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
        assert set(ckpt) == {'meta', 'state_dict'}


def test_metafile_epochs_and_batch_match_the_configs():
    from mmengine.config import Config
    for model in load_yaml('configs/metafile.yml')['Models']:
        cfg = Config.fromfile(osp.join(ROOT, model['Config']))
        info = model['Metadata']
        assert info['Epochs'] == cfg.train_cfg.max_epochs, model['Name']
        assert info['Batch Size'] == cfg.train_dataloader.batch_size, \
            model['Name']


@pytest.mark.e2e
def test_unsafe_input_is_refused_without_output(tmp_path):
    import argparse
    hostile = str(tmp_path / 'hostile.pth')
    # a global outside the allow-list (any class/function would do)
    torch.save(dict(state_dict={}, meta=dict(x=argparse.Namespace(a=1))),
               hostile)
    proc = run_tool('tools/model_converters/publish_model.py', hostile,
                    tmp_path / 'out', check=False)
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert proc.stdout.startswith('error: ') and hostile in proc.stdout
    assert 'Traceback' not in proc.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ['hostile.pth']
