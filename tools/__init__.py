"""The project's command-line tools.

Most are scripts (``python tools/train.py ...``); the folder is a package so
that the benchmark runs as ``python -m tools.analysis_tools.benchmark`` and
the tests can import the tools' functions.
"""
