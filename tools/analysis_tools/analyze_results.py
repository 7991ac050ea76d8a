"""MMDetection's per-image analysis on a plugin config's test results.

    python tools/test.py CONFIG CKPT --out results.pkl
    python tools/analysis_tools/analyze_results.py CONFIG results.pkl OUT_DIR \
        --topk 20

Draws the ``topk`` best and worst test images by their own mAP into
``OUT_DIR/good`` and ``OUT_DIR/bad`` (ground truth and predictions side by
side). The arguments are those of mmdet's
``tools/analysis_tools/analyze_results.py``, which this runs.
"""
import sys
from typing import List, Optional

from mmdet_fastssd.apis.mmdet_scripts import loading_fixes, run_mmdet_script


def main(argv: Optional[List[str]] = None) -> None:
    """Run mmdet's analyze_results.py with the plugin registered."""
    args = list(sys.argv[1:] if argv is None else argv)
    config = next((a for a in args if not a.startswith('-')), None)
    fixes = loading_fixes(config) if config else []
    run_mmdet_script('analyze_results.py', args, fixes)


if __name__ == '__main__':
    main()
