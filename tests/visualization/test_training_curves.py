"""mmdet_fastssd.visualization.training_curves and
tools/analysis_tools/plot_curves.py on hand-written MMEngine scalars."""
import json
import os

import cv2
import pytest

from mmdet_fastssd.visualization.training_curves import (
    find_scalar_files,
    plot_run,
    read_run,
)
from tools.analysis_tools.plot_curves import main as plot_curves_main


def train_entry(it, epoch, loss, lr=1e-3):
    return dict(lr=lr, data_time=0.01, loss=loss, loss_cls=0.6 * loss,
                loss_bbox=0.4 * loss, time=0.2, epoch=epoch, iter=it,
                memory=0, step=it)


def write_run(work_dir, stamp, entries):
    folder = os.path.join(work_dir, stamp, 'vis_data')
    os.makedirs(folder)
    with open(os.path.join(folder, 'scalars.json'), 'w') as f:
        f.write(''.join(json.dumps(e) + '\n' for e in entries))


@pytest.fixture
def work_dir(tmp_path):
    """Epochs 1-2 (5 iterations each), validated after each; then a run
    resumed at epoch 2 that logs epoch 2 again and epoch 3."""
    first = [train_entry(5, 1, 2.0), train_entry(10, 1, 1.0),
             {'pascal_voc/mAP': 0.2, 'pascal_voc/AP50': 0.2, 'step': 1},
             train_entry(15, 2, 0.9), train_entry(20, 2, 0.7),
             {'pascal_voc/mAP': 0.4, 'step': 2}]
    resumed = [train_entry(15, 2, 0.8), train_entry(20, 2, 0.6),
               {'pascal_voc/mAP': 0.5, 'step': 2},
               train_entry(25, 3, 0.5), train_entry(30, 3, 0.3),
               {'pascal_voc/mAP': 0.45, 'data_time': 0.1, 'time': 0.3,
                'step': 3}]
    write_run(str(tmp_path), '20261206_100000', first)
    write_run(str(tmp_path), '20261206_110000', resumed)
    with open(tmp_path / '20261206_110000/vis_data/scalars.json', 'a') as f:
        f.write('{"loss": 0.2, "it')  # a line cut short by a kill
    return tmp_path


def test_runs_are_read_oldest_first_and_later_values_win(work_dir):
    run = read_run(str(work_dir))
    assert sorted(run.train) == [5, 10, 15, 20, 25, 30]
    assert run.train[15]['loss'] == 0.8  # the resumed run's
    assert {s: e['pascal_voc/mAP'] for s, e in run.val.items()} == {
        1: 0.2, 2: 0.5, 3: 0.45}
    assert run.loss_terms() == ['loss', 'loss_bbox', 'loss_cls']
    assert run.metric_names() == ['pascal_voc/AP50', 'pascal_voc/mAP']
    assert run.epoch_mean_loss() == pytest.approx({1: 1.5, 2: 0.7, 3: 0.4})


def test_one_timestamp_folder_is_one_run(work_dir):
    run = read_run(str(work_dir / '20261206_100000'))
    assert sorted(run.train) == [5, 10, 15, 20]
    assert run.val[2]['pascal_voc/mAP'] == 0.4


def test_picture_is_written(work_dir, tmp_path):
    out = plot_run(read_run(str(work_dir)), str(tmp_path / 'c.png'), 'x')
    image = cv2.imread(out)
    assert image is not None and image.shape[1] > 2 * image.shape[0]


def test_tool_prints_the_best_epoch(work_dir, capsys):
    out = plot_curves_main([str(work_dir)])
    assert out == str(work_dir / 'curves.png') and os.path.isfile(out)
    line = capsys.readouterr().out.strip()
    assert line.startswith('plot_curves: 6 training and 3 validation')
    assert 'best pascal_voc/mAP 0.5000 at epoch 2' in line


def test_nothing_to_draw_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        find_scalar_files(str(tmp_path))
    with pytest.raises(SystemExit, match='no MMEngine scalars'):
        plot_curves_main([str(tmp_path)])
    write_run(str(tmp_path), 'r', [{'pascal_voc/mAP': 0.1, 'step': 1}])
    with pytest.raises(SystemExit, match='no training entries'):
        plot_curves_main([str(tmp_path)])


def test_iteration_based_runs_are_drawn_against_the_iteration(tmp_path,
                                                              capsys):
    entries = [dict(lr=1e-3, loss=2.0 - i / 10, loss_cls=1.0, iter=i,
                    step=i) for i in (50, 100, 150, 200)]
    entries.insert(2, {'pascal_voc/mAP': 0.3, 'step': 100})
    entries.append({'pascal_voc/mAP': 0.2, 'step': 200})
    write_run(str(tmp_path), 'r', entries)
    run = read_run(str(tmp_path))
    assert run.unit == 'iter' and run.epoch_mean_loss() == {}
    plot_curves_main([str(tmp_path)])
    assert 'best pascal_voc/mAP 0.3000 at iter 100' in capsys.readouterr().out
    assert cv2.imread(str(tmp_path / 'curves.png')) is not None
