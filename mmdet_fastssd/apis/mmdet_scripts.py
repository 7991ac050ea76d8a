"""Run one of MMDetection's own analysis scripts on the plugin's configs.

MMDetection ships ``confusion_matrix.py`` and ``analyze_results.py`` inside
the installed package (``mmdet/.mim/tools/analysis_tools/``). They read a
``tools/test.py --out results.pkl`` file and build the config's test set;
with the plugin's components registered (``import mmdet_fastssd``) they run
on the plugin's configs unchanged. ``tools/analysis_tools/
confusion_matrix.py`` and ``analyze_results.py`` are the two entry points.
"""
import os.path as osp
import runpy
import sys
from typing import List, Optional, Sequence

import mmdet

import mmdet_fastssd  # noqa: F401  (registers the plugin's components)

__all__ = ['mmdet_script', 'run_mmdet_script', 'loading_fixes']

# transforms mmdet's get_loading_pipeline() does not recognise, and the
# stock transform that loads the same thing
LOADING_EQUIVALENTS = {'CachedLoadImageFromFile': 'LoadImageFromFile'}


def mmdet_script(name: str) -> str:
    """Path of ``mmdet/.mim/tools/analysis_tools/<name>``.

    Raises:
        SystemExit: the installed mmdet does not ship it.
    """
    path = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                    'analysis_tools', name)
    if not osp.isfile(path):
        raise SystemExit(f'mmdet {mmdet.__version__} does not ship {path}')
    return path


def loading_fixes(config: str) -> List[str]:
    """``--cfg-options`` that swap loaders mmdet's scripts do not know.

    ``analyze_results.py`` keeps only the training pipeline's stock loading
    transforms; the demo config loads with ``CachedLoadImageFromFile``
    (the same image, kept in memory), which it would drop.

    Args:
        config (str): the config file.

    Returns:
        list[str]: ``key=value`` overrides (empty when none is needed).
    """
    from mmengine.config import Config
    pipeline = Config.fromfile(config).train_dataloader.dataset.get(
        'pipeline', [])
    return [f'train_dataloader.dataset.pipeline.{i}.type={stock}'
            for i, step in enumerate(pipeline)
            for custom, stock in LOADING_EQUIVALENTS.items()
            if step.get('type') == custom]


def run_mmdet_script(name: str, argv: Optional[Sequence[str]] = None,
                     extra_options: Sequence[str] = ()) -> None:
    """Run mmdet's script ``name`` as ``__main__`` with ``argv``.

    Args:
        name (str): file name in mmdet's ``analysis_tools``.
        argv (Sequence[str], optional): its arguments; None takes
            ``sys.argv[1:]``. Defaults to None.
        extra_options (Sequence[str]): ``key=value`` appended as one more
            ``--cfg-options`` (merged with the user's). Defaults to ().
    """
    path = mmdet_script(name)
    args = list(sys.argv[1:] if argv is None else argv)
    if extra_options:
        args += ['--cfg-options', *extra_options]
    saved = sys.argv
    sys.argv = [path] + args
    try:
        runpy.run_path(path, run_name='__main__')
    finally:
        sys.argv = saved
