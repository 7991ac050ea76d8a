"""Speed benchmark of mmdet_fastssd against the lecture's loop and stock
MMDetection; writes ``docs/benchmarks.md``.

Run from the repository root::

    python -m tools.analysis_tools.benchmark [--quick] [--device cuda]

Modules: ``main`` (sections, command line), ``loss_cases`` (assignment +
loss paths), ``model_cases`` (detectors, inference, training steps),
``report`` (tables and targets), ``timing`` (timers, machine description);
``configs/`` holds the stock SSD300 baseline config.
"""
