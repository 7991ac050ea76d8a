"""What the tests share, written once: the repository's paths, tiny data
sets, tiny configs that train in seconds, and the tools run as a user runs
them.

Tests and the helper modules (``reliability/reliability_runs.py``,
``zoo_helpers.py``, ``installed_layout.py``) import them from here;
``conftest.py`` gives the shared data a lifetime (fixtures).
"""
import copy
import os
import os.path as osp
import subprocess
import sys
from types import SimpleNamespace
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(ROOT, 'configs')
SHAPES_CFG = osp.join(CONFIGS, 'fastssd_shapes.py')

Box = Tuple[int, int, int, int]


# -- data ---------------------------------------------------------------------
def make_shapes(folder, num_train: int = 8, num_test: int = 4,
                img_size: int = 128, seed: int = 3) -> str:
    """A tiny generated shapes set (``folder/SHAPES``, VOC layout).

    Args:
        folder: where to write it.
        num_train (int): images in trainval.txt. Defaults to 8.
        num_test (int): images in test.txt. Defaults to 4.
        img_size (int): side of the drawn images. Defaults to 128.
        seed (int): Defaults to 3.

    Returns:
        str: the data root as configs write it (``folder/``).
    """
    from mmdet_fastssd.datasets import generate_shapes_voc
    generate_shapes_voc(str(folder), num_train=num_train, num_test=num_test,
                        img_size=img_size, seed=seed, workers=1)
    return osp.join(str(folder), '')


def write_voc2007(root: str,
                  images: Dict[str, Tuple[int, int, List[Tuple[str, Box]]]],
                  test_ids: Sequence[str] = ()) -> str:
    """A tiny VOC2007-layout folder with hand-placed boxes.

    The layout tools/dataset_converters/labelimg_to_voc.py writes:
    ``root/VOC2007/{JPEGImages,Annotations,ImageSets/Main/{trainval,test}
    .txt}``.

    Args:
        root (str): folder to create (``data_root``).
        images (dict): ``image_id -> (width, height, [(class, box), ...])``
            with boxes as mmdet reads them (0-based pixels; the XML holds
            them 1-based, as real VOC files do).
        test_ids (Sequence[str]): ids listed in test.txt; the rest go to
            trainval.txt. Defaults to ().

    Returns:
        str: ``root``.
    """
    from mmdet_fastssd.datasets.shapes_generator import annotation_xml
    voc = osp.join(root, 'VOC2007')
    for sub in ('JPEGImages', 'Annotations', osp.join('ImageSets', 'Main')):
        os.makedirs(osp.join(voc, sub), exist_ok=True)
    for k, (image_id, (width, height, objects)) in enumerate(images.items()):
        img = np.full((height, width, 3), 90 + 20 * (k % 5), np.uint8)
        for j, (_, (x1, y1, x2, y2)) in enumerate(objects):
            img[y1:y2, x1:x2] = (40 + 60 * j % 200, 200, 120)  # a patch
        cv2.imwrite(osp.join(voc, 'JPEGImages', f'{image_id}.jpg'), img)
        insts = [SimpleNamespace(bbox=box, spec=SimpleNamespace(name=name))
                 for name, box in objects]
        with open(osp.join(voc, 'Annotations', f'{image_id}.xml'), 'w') as f:
            f.write(annotation_xml(image_id, width, height, insts))
    lists = dict(trainval=[i for i in images if i not in test_ids],
                 test=[i for i in images if i in test_ids])
    for name, ids in lists.items():
        with open(osp.join(voc, 'ImageSets', 'Main', f'{name}.txt'), 'w') as f:
            f.write(''.join(f'{i}\n' for i in ids))
    return root


PHOTO_BOXES = [(10, 20, 150, 110), (40, 5, 120, 95), (0, 30, 90, 119),
               (60, 40, 159, 118), (20, 10, 100, 60), (5, 5, 155, 115)]


def voc_xml(objects, size=(100, 80), filename=None) -> str:
    """The text of a LabelImg / Pascal VOC XML file.

    Args:
        objects: ``(name, (xmin, ymin, xmax, ymax))`` or ``(name, box,
            difficult)``; coordinates as numbers or as text.
        size: ``(width, height)``, or None for no ``<size>``. Defaults to
            (100, 80).
        filename: the ``<filename>``, or None for none. Defaults to None.
    """
    size_xml = '' if size is None else (
        f'<size><width>{size[0]}</width><height>{size[1]}</height>'
        '<depth>3</depth></size>')
    name = '' if filename is None else f'<filename>{filename}</filename>'
    objs = ''.join(
        f'<object><name>{o[0]}</name><difficult>{o[2] if len(o) > 2 else 0}'
        f'</difficult><bndbox><xmin>{o[1][0]}</xmin><ymin>{o[1][1]}</ymin>'
        f'<xmax>{o[1][2]}</xmax><ymax>{o[1][3]}</ymax></bndbox></object>'
        for o in objects)
    return f'<annotation>{name}{size_xml}{objs}</annotation>'


def tiny_photos(root: str, classes: Sequence[str] = ('raccoon', )) -> str:
    """Six 160x120 "photos" of one box each, the classes in turn; four to
    train on (two iterations at batch 2), ``p4`` and ``p5`` held out.

    Returns:
        str: ``root`` (:func:`write_voc2007`).
    """
    return write_voc2007(root, {
        f'p{i}': (160, 120, [(classes[i % len(classes)], box)])
        for i, box in enumerate(PHOTO_BOXES)}, test_ids=('p4', 'p5'))


# -- configs ------------------------------------------------------------------
def merged(base: dict, update: dict) -> dict:
    """``base`` with ``update`` merged in: dicts key by key, the rest
    replaced (lists too), as MMEngine merges a child config."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def write_config(path, base: str, **settings) -> str:
    """Write ``_base_ = base`` and a ``key = value`` line per setting.

    Args:
        path: the config file to write.
        base (str): the config it inherits (a path).
        **settings: top-level keys; Python literals.

    Returns:
        str: ``path``.
    """
    lines = [f'_base_ = {base!r}'] + [f'{key} = {value!r}'
                                      for key, value in settings.items()]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return str(path)


def one_cycle(epochs: int) -> dict:
    """A one-cycle LR over ``epochs`` epochs, stepped every iteration."""
    return dict(type='OneCycleLR', eta_max=1e-3, begin=0, end=epochs,
                by_epoch=True, convert_to_iter_based=True)


TINY_HEAD = dict(in_channels=32, feat_channels=32)


def tiny_config(path, data_root: str, base: str = SHAPES_CFG,
                epochs: int = 1, batch_size: int = 4,
                head: dict = TINY_HEAD, **settings) -> str:
    """Write a config of ``base`` that trains in seconds on a CPU.

    A ResNet of 8 base channels (so the head reads 32 channels), loaders
    without worker processes over ``data_root``, ``epochs`` epochs validated
    after each with a one-cycle LR over them, and a log line per iteration.

    Args:
        path: the config file to write.
        data_root (str): a data root, e.g. from :func:`make_shapes`.
        base (str): the config it inherits. Defaults to the shapes SSD.
        epochs (int): max_epochs. Defaults to 1.
        batch_size (int): of every loader. Defaults to 4.
        head (dict): ``model.bbox_head`` settings. Defaults to 32 channels
            in, FastSSDHead's convolutions 32 wide.
        **settings: merged into the settings above (:func:`merged`).

    Returns:
        str: ``path``.
    """
    loader = dict(batch_size=batch_size, num_workers=0,
                  persistent_workers=False, dataset=dict(data_root=data_root))
    tiny = dict(
        data_root=data_root,
        model=dict(backbone=dict(base_channels=8), bbox_head=head),
        train_dataloader=loader, val_dataloader=loader,
        test_dataloader=loader,
        train_cfg=dict(max_epochs=epochs, val_interval=1),
        param_scheduler=[one_cycle(epochs)],
        default_hooks=dict(logger=dict(interval=1)))
    return write_config(path, base, **merged(tiny, settings))


def tiny_detector():
    """The shapes SSD at 8 base channels (FastSSDHead 16 wide), built with
    its random initial weights, in training mode."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmdet.registry import MODELS
    cfg = Config.fromfile(SHAPES_CFG)
    cfg.model.backbone.base_channels = 8
    cfg.model.bbox_head.update(in_channels=32, feat_channels=16)
    init_default_scope('mmdet')
    return MODELS.build(cfg.model)


# -- tools --------------------------------------------------------------------
def tool_env(*paths: str, **variables: str) -> dict:
    """``os.environ`` with ``paths`` and the repository first on
    ``PYTHONPATH``, this Python's folder first on ``PATH`` and
    ``variables`` set."""
    env = dict(os.environ, **variables)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(p) for p in paths] + [ROOT] +
        [p for p in [os.environ.get('PYTHONPATH')] if p])
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    return env


def run_tool(*args, env: dict = None, cwd=ROOT, timeout: float = None,
             check: bool = True, merge_output: bool = True,
             python: str = sys.executable) -> subprocess.CompletedProcess:
    """Run a tool from the repository root, as a user does.

    A ``.sh`` script runs with bash, anything else with ``python``
    (``tools/train.py ...``, ``-m module ...``, ``-c code ...``).

    Args:
        *args: the script or ``-m``/``-c`` and its arguments.
        env (dict, optional): Defaults to :func:`tool_env`.
        cwd: Defaults to the repository root.
        timeout (float, optional): seconds. Defaults to None.
        check (bool): assert that it exits with 0, showing the output's end.
            Defaults to True.
        merge_output (bool): stderr into ``stdout`` (the order a user
            reads); False keeps them apart. Defaults to True.
        python (str): Defaults to this Python.

    Returns:
        subprocess.CompletedProcess: with text ``stdout`` (and ``stderr``).
    """
    args = [str(a) for a in args]
    cmd = ['bash', *args] if args[0].endswith('.sh') else [python, *args]
    proc = subprocess.run(
        cmd, cwd=str(cwd), env=tool_env() if env is None else env,
        text=True, timeout=timeout, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_output else subprocess.PIPE)
    if check:
        assert proc.returncode == 0, (proc.stdout +
                                      (proc.stderr or ''))[-4000:]
    return proc
