"""MMDetection's confusion matrix on a plugin config's test results.

    python tools/test.py CONFIG CKPT --out results.pkl
    python tools/analysis_tools/confusion_matrix.py CONFIG results.pkl OUT_DIR

Writes ``OUT_DIR/confusion_matrix.png`` (rows: ground-truth classes and
background, columns: predictions; ``--score-thr`` 0.3, ``--tp-iou-thr``
0.5 by default). The arguments are those of mmdet's
``tools/analysis_tools/confusion_matrix.py``, which this runs.
"""
from typing import List, Optional

from mmdet_fastssd.apis.mmdet_scripts import run_mmdet_script


def main(argv: Optional[List[str]] = None) -> None:
    """Run mmdet's confusion_matrix.py with the plugin registered."""
    run_mmdet_script('confusion_matrix.py', argv)


if __name__ == '__main__':
    main()
