"""tools/demo.py agrees with the configs it runs, and refuses stale data."""
import importlib.util
import os.path as osp

import pytest
from helpers import ROOT, make_shapes
from mmengine.config import Config


def load_demo():
    spec = importlib.util.spec_from_file_location(
        'fastssd_demo', osp.join(ROOT, 'tools', 'demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_images_are_drawn_at_the_configs_input_size():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'fastssd_shapes.py'))
    assert (load_demo().IMG_SIZE, ) * 2 == tuple(cfg.img_scale)


def test_transfer_config_starts_from_the_shipped_demo_detector():
    """The demo's detector after its last epoch, as shipped in weights/ (a
    run of your own: --cfg-options ...checkpoint=WORK_DIR/epoch_N.pth)."""
    demo = Config.fromfile(osp.join(ROOT, 'configs', 'fastssd_shapes.py'))
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'largest_object_shapes_transfer.py'))
    checkpoint = cfg.model.backbone.init_cfg.checkpoint
    assert osp.dirname(osp.realpath(checkpoint)) == osp.join(ROOT, 'weights')
    assert osp.basename(checkpoint).startswith(
        f'fastssd_shapes_{demo.train_cfg.max_epochs}e-')
    assert osp.isfile(checkpoint)


def test_stale_data_stops_the_demo_and_names_it(tmp_path):
    make_shapes(tmp_path, num_train=2, num_test=1, img_size=32)
    with pytest.raises(SystemExit, match=str(tmp_path)):
        load_demo().main(['--data-root', str(tmp_path)])


def test_picture_options_draw_one_held_out_image_in_ten(tmp_path):
    import argparse

    from mmengine.config import DictAction
    from mmengine.registry import init_default_scope

    from mmdet.registry import HOOKS, VISUALIZERS
    demo = load_demo()
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'fastssd_shapes.py'))
    parser = argparse.ArgumentParser()  # as tools/test.py reads them
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg.merge_from_dict(parser.parse_args(
        ['--cfg-options', *demo.PICTURE_OPTIONS]).cfg_options)
    init_default_scope('mmdet')
    visualizer = VISUALIZERS.build(dict(cfg.visualizer, name='demo_test'))
    hook = HOOKS.build(cfg.default_hooks.visualization)
    assert type(hook).__name__ == 'SampledDetVisualizationHook'
    assert hook.test_interval == demo.PICTURE_EVERY == 10
    assert type(visualizer).__name__ == 'UpscaledDetLocalVisualizer'
    assert visualizer.min_size == 4 * demo.IMG_SIZE
