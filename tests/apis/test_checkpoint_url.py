"""Checkpoints by http URL: served from 127.0.0.1, hash in the name checked."""
import functools
import os
import os.path as osp
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch
from helpers import (
    SHAPES_CFG,
    make_shapes,
    run_tool,
    tool_env,
    write_config,
)
from mmengine.runner import CheckpointLoader
from zoo_helpers import (
    publish,
    save_training_checkpoint,
    shapes_images,
)

from mmdet.apis import DetInferencer, inference_detector, init_detector


class QuietHandler(SimpleHTTPRequestHandler):

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    """A published checkpoint, a tampered copy and a server for both."""
    tmp = tmp_path_factory.mktemp('url')
    site = tmp / 'site'
    site.mkdir()
    src = save_training_checkpoint(str(tmp / 'epoch_1.pth'))
    path = publish(src, str(site / 'fastssd_shapes_1e'))
    name = osp.basename(path)
    # same name (so the same expected hash), one byte changed
    (site / 'bad').mkdir()
    data = bytearray(open(path, 'rb').read())
    data[len(data) // 2] ^= 0xFF
    (site / 'bad' / name).write_bytes(bytes(data))
    handler = functools.partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f'http://127.0.0.1:{server.server_address[1]}'
    images = shapes_images(str(tmp), 2)
    yield dict(path=path, url=f'{base}/{name}', bad=f'{base}/bad/{name}',
               name=name, images=images, tmp=tmp)
    server.shutdown()
    server.server_close()


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    return tmp_path / 'torch_home' / 'hub' / 'checkpoints'


def test_url_checkpoint_equals_the_file(served, torch_home):
    by_url = CheckpointLoader.load_checkpoint(served['url'], 'cpu')
    by_file = torch.load(served['path'], map_location='cpu',
                         weights_only=True)
    assert by_url['state_dict'].keys() == by_file['state_dict'].keys()
    for key, value in by_file['state_dict'].items():
        assert torch.equal(by_url['state_dict'][key], value), key
    assert sorted(os.listdir(torch_home)) == [served['name']]
    # a second load reads the checked cache
    CheckpointLoader.load_checkpoint(served['url'], 'cpu')
    assert sorted(os.listdir(torch_home)) == [served['name']]


def test_init_detector_by_url_predicts_like_the_file(served, torch_home):
    image = served['images'][0]
    preds = [inference_detector(init_detector(SHAPES_CFG, ckpt,
                                              device='cpu'), image)
             for ckpt in (served['path'], served['url'])]
    a, b = (p.pred_instances for p in preds)
    assert len(a) > 0
    assert torch.equal(a.bboxes, b.bboxes)
    assert torch.equal(a.scores, b.scores)
    assert torch.equal(a.labels, b.labels)


def test_det_inferencer_by_url(served, torch_home):
    outs = [DetInferencer(model=SHAPES_CFG, weights=w, device='cpu',
                          show_progress=False)(served['images'][1],
                                               return_datasamples=True)
            for w in (served['path'], served['url'])]
    a, b = (o['predictions'][0].pred_instances for o in outs)
    assert len(a) > 0
    assert torch.equal(a.bboxes, b.bboxes) and torch.equal(a.scores, b.scores)


def test_tampered_download_is_refused(served, torch_home):
    with pytest.raises(RuntimeError, match='tampered') as info:
        CheckpointLoader.load_checkpoint(served['bad'], 'cpu')
    assert served['name'].split('-')[-1][:8] in str(info.value)
    # nothing enters the cache, no temporary file is left
    assert not torch_home.exists() or not os.listdir(torch_home)


def test_tampered_cache_is_refused(served, torch_home):
    CheckpointLoader.load_checkpoint(served['url'], 'cpu')
    cached = torch_home / served['name']
    data = bytearray(cached.read_bytes())
    data[100] ^= 0x01
    cached.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match='does not match the hash'):
        CheckpointLoader.load_checkpoint(served['url'], 'cpu')


def test_unhashed_name_loads_unchecked(served, torch_home):
    shutil.copy(served['path'], served['tmp'] / 'site' / 'plain.pth')
    url = served['url'].rsplit('/', 1)[0] + '/plain.pth'
    ckpt = CheckpointLoader.load_checkpoint(url, 'cpu')
    assert set(ckpt) == {'meta', 'state_dict'}


@pytest.mark.e2e
def test_tools_test_and_load_from_take_a_url(served, tmp_path):
    """``tools/test.py CONFIG URL`` and ``load_from=URL`` in a subprocess."""
    data = make_shapes(tmp_path / 'data', num_train=1, num_test=2,
                       img_size=96, seed=2)
    cfg = write_config(
        tmp_path / 'cfg.py', SHAPES_CFG, data_root=data,
        test_dataloader=dict(batch_size=2, num_workers=0,
                             persistent_workers=False,
                             dataset=dict(data_root=data)),
        test_evaluator=dict(type='VOCMetric', metric='mAP'))
    env = tool_env(TORCH_HOME=str(tmp_path / 'th'))
    proc = run_tool('tools/test.py', cfg, served['url'], '--work-dir',
                    tmp_path / 'work', env=env)
    assert 'pascal_voc/mAP' in proc.stdout
    assert os.listdir(tmp_path / 'th' / 'hub' / 'checkpoints') == [
        served['name']]
    proc = run_tool('tools/test.py', cfg, served['bad'], '--work-dir',
                    tmp_path / 'work2', check=False,
                    env=dict(env, TORCH_HOME=str(tmp_path / 'th2')))
    assert proc.returncode == 1
    assert 'error: checkpoint http://' in proc.stdout
    assert 'tampered' in proc.stdout and 'Traceback' not in proc.stdout
