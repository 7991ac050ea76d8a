"""The repository's configs as MMEngine pure-Python configs.

MMEngine's ``_base_ = ['package::...']`` knows only OpenMMLab's own
packages; its pure-Python configs inherit from any installed package. Each
module here (one per file in ``configs/``, all the same text) reads the text
config of its own name from the package's ``.mim/configs`` (a copy of the
repository's ``configs/`` in a wheel), so that a config of your own, in any
folder, inherits it::

    from mmengine.config import read_base

    with read_base():
        from mmdet_fastssd.configs.fastssd_shapes import *  # noqa: F403

    model.bbox_head.num_classes = 3

:mod:`mmdet_fastssd.configs.runtime` turns on the plugin's MMEngine fixes
(:mod:`mmdet_fastssd.runtime`) from such a config.

MMEngine 0.10.7 looks for these files next to the package's metadata
(``mmengine.utils.get_installed_path``): a regular install (``pip install
.``, a wheel) works; an editable one (``pip install -e .``) keeps its
metadata apart from the checkout, so there a text config names the clone's
config by path: ``_base_ = ['/path/to/clone/configs/fastssd_shapes.py']``.
"""
