"""tools/infer.py: folder, glob, batches, video, bad input."""
import json
import os
import os.path as osp

import cv2
import mmcv
import numpy as np
import pytest
import torch
from helpers import SHAPES_CFG, run_tool
from zoo_helpers import CLASSES, save_weights_checkpoint, shapes_images

from tools.infer import main as infer_main


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('infer_tool')
    ckpt = save_weights_checkpoint(str(tmp / 'shapes.pth'))
    images = shapes_images(str(tmp), 4)
    return dict(ckpt=ckpt, images=images, folder=osp.dirname(images[0]),
                tmp=tmp)


def read_lines(out_dir):
    with open(osp.join(out_dir, 'predictions.jsonl')) as f:
        return [json.loads(line) for line in f]


@pytest.mark.e2e
def test_folder_from_the_command_line(setup, tmp_path):
    out = tmp_path / 'out'
    proc = run_tool('tools/infer.py', SHAPES_CFG, setup['ckpt'],
                    setup['folder'], '--out-dir', out, '--score-thr', '0.3')
    summary = proc.stdout.strip().splitlines()[-1]
    assert summary.startswith('infer: 4 images in ') and 'images/s' in summary
    assert str(out / 'predictions.jsonl') in summary
    lines = read_lines(out)
    assert [line['file'] for line in lines] == setup['images']
    assert sorted(os.listdir(out / 'vis')) == sorted(
        osp.basename(p) for p in setup['images'])
    for line, path in zip(lines, setup['images']):
        assert set(line) == {'file', 'boxes', 'scores', 'labels', 'classes'}
        assert len(line['boxes']) == len(line['scores']) > 0
        assert min(line['scores']) > 0.3
        assert line['classes'] == [CLASSES[i] for i in line['labels']]
        h, w = mmcv.imread(path).shape[:2]  # original pixels
        boxes = np.array(line['boxes'])
        assert boxes.min() >= 0
        assert boxes[:, 0::2].max() <= w and boxes[:, 1::2].max() <= h


def test_glob_and_batches_give_the_same_predictions(setup, tmp_path, capsys):
    pattern = osp.join(setup['folder'], '*.jpg')
    infer_main([SHAPES_CFG, setup['ckpt'], pattern, '--out-dir',
                str(tmp_path / 'b1')])
    infer_main([SHAPES_CFG, setup['ckpt'], pattern, '--out-dir',
                str(tmp_path / 'b3'), '--batch-size', '3', '--no-vis'])
    one, three = read_lines(tmp_path / 'b1'), read_lines(tmp_path / 'b3')
    assert len(one) == len(three) == 4
    assert not osp.exists(tmp_path / 'b3' / 'vis')
    for a, b in zip(one, three):
        assert a['file'] == b['file'] and a['labels'] == b['labels']
        assert np.allclose(a['boxes'], b['boxes'], atol=0.02)
        assert np.allclose(a['scores'], b['scores'], atol=2e-4)
    assert 'infer: 4 images' in capsys.readouterr().out


def write_video(path: str, frames) -> bool:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (w, h))
    if not writer.isOpened():
        return False
    for frame in frames:
        writer.write(frame)
    writer.release()
    capture = cv2.VideoCapture(path)
    ok = capture.isOpened() and capture.read()[0]
    capture.release()
    return bool(ok)


def test_video_frame_by_frame(setup, tmp_path, capsys):
    frames = [cv2.resize(mmcv.imread(p), (96, 80)) for p in setup['images']]
    video = str(tmp_path / 'clip.avi')
    if not write_video(video, frames[:3]):
        pytest.skip('this OpenCV build cannot write and read an MJPG .avi')
    infer_main([SHAPES_CFG, setup['ckpt'], video, '--out-dir',
                str(tmp_path / 'out')])
    lines = read_lines(tmp_path / 'out')
    assert [line['file'] for line in lines] == [f'{video}#{i}'
                                                for i in range(3)]
    assert sorted(os.listdir(tmp_path / 'out' / 'vis')) == [
        f'clip_{i:06d}.jpg' for i in range(3)]
    for line in lines:
        boxes = np.array(line['boxes']).reshape(-1, 4)
        assert boxes[:, 0::2].max(initial=0) <= 96
        assert boxes[:, 1::2].max(initial=0) <= 80
    assert 'infer: 3 images' in capsys.readouterr().out


def test_bad_inputs_are_named(setup, tmp_path):
    missing = str(tmp_path / 'nothing_here')
    with pytest.raises(SystemExit, match=f'input not found: {missing}'):
        infer_main([SHAPES_CFG, setup['ckpt'], missing, '--out-dir',
                    str(tmp_path / 'o')])
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(SystemExit, match='no images'):
        infer_main([SHAPES_CFG, setup['ckpt'], str(empty)])
    with pytest.raises(SystemExit, match='checkpoint file not found'):
        infer_main([SHAPES_CFG, str(tmp_path / 'x.pth'), str(empty)])


def test_unreadable_image_skipped_and_classes_from_the_config(setup, tmp_path,
                                                              capsys):
    folder = tmp_path / 'mixed'
    folder.mkdir()
    for path in setup['images'][:2]:
        (folder / osp.basename(path)).write_bytes(open(path, 'rb').read())
    (folder / 'broken.jpg').write_bytes(b'not a jpeg')
    bare = str(tmp_path / 'no_meta.pth')  # no meta.dataset_meta
    torch.save(dict(state_dict=torch.load(setup['ckpt'])['state_dict']),
               bare)
    infer_main([SHAPES_CFG, bare, str(folder), '--out-dir',
                str(tmp_path / 'out'), '--no-vis'])
    captured = capsys.readouterr()
    assert f'skipped {folder / "broken.jpg"}: not a readable image' in \
        captured.err
    assert 'infer: 2 images' in captured.out
    lines = read_lines(tmp_path / 'out')
    assert len(lines) == 2
    names = {c for line in lines for c in line['classes']}
    assert names and names <= set(CLASSES)  # not COCO's names


def test_empty_file_is_skipped_and_named(setup, tmp_path, capsys):
    """A folder with one photo and one 0-byte file (a failed copy)."""
    folder = tmp_path / 'copied'
    folder.mkdir()
    photo = folder / osp.basename(setup['images'][0])
    photo.write_bytes(open(setup['images'][0], 'rb').read())
    (folder / 'zzz_failed_copy.jpg').write_bytes(b'')
    out = tmp_path / 'out'
    infer_main([SHAPES_CFG, setup['ckpt'], str(folder), '--out-dir',
                str(out)])
    captured = capsys.readouterr()
    empty = folder / 'zzz_failed_copy.jpg'
    assert f'skipped {empty}: not a readable image (0 bytes)' in captured.err
    summary = captured.out.strip().splitlines()[-1]
    assert summary.startswith('infer: 1 images in ')
    assert '; 1 unreadable skipped' in summary
    assert [line['file'] for line in read_lines(out)] == [str(photo)]
    assert os.listdir(out / 'vis') == [photo.name]


def test_nothing_readable_exits_non_zero(setup, tmp_path, capsys):
    folder = tmp_path / 'broken'
    folder.mkdir()
    (folder / 'a.jpg').write_bytes(b'')
    (folder / 'b.png').write_bytes(b'\x89PNG truncated')
    with pytest.raises(SystemExit, match='no readable image in'):
        infer_main([SHAPES_CFG, setup['ckpt'], str(folder), '--out-dir',
                    str(tmp_path / 'out')])
    assert '2 unreadable skipped' in capsys.readouterr().out


def test_mmdet_image_demo_flag_names(setup, tmp_path, capsys):
    """--pred-score-thr, --no-save-vis, --no-save-pred, --print-result."""
    out = tmp_path / 'out'
    infer_main([SHAPES_CFG, setup['ckpt'], setup['folder'], '--out-dir',
                str(out), '--pred-score-thr', '0.5', '--no-save-vis',
                '--no-save-pred', '--print-result'])
    printed = [json.loads(line) for line in
               capsys.readouterr().out.splitlines() if line.startswith('{')]
    assert [p['file'] for p in printed] == setup['images']
    assert all(min(p['scores'], default=1) > 0.5 for p in printed)
    assert not out.exists() or os.listdir(out) == []  # nothing written
    # today's names stay as aliases of mmdet's
    infer_main([SHAPES_CFG, setup['ckpt'], setup['folder'], '--out-dir',
                str(out), '--score-thr', '0.5', '--no-vis'])
    assert [line['file'] for line in read_lines(out)] == setup['images']
    assert not (out / 'vis').exists()
