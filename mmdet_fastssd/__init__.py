"""mmdet_fastssd: fast.ai lesson 9 single-shot detectors for MMDetection 3.x.

Importing the package registers every component into ``mmdet.registry`` and
does nothing else: MMEngine stays as it ships. The plugin's MMEngine fixes
(checkpoint allow-list, checked ``http(s)://`` checkpoints, atomic saves,
``torchrun`` on CPUs) are one switch, :mod:`mmdet_fastssd.runtime`, which
the project's tools turn on. Configs load the plugin with::

    custom_imports = dict(imports=['mmdet_fastssd'],
                          allow_failed_imports=False)

and add ``'mmdet_fastssd.runtime'`` to ``imports`` for the fixes.
"""
# each subpackage registers its components into mmdet.registry
from . import datasets, engine, evaluation, models, visualization  # noqa: F401

__version__ = '0.1.0'
