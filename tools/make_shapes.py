"""Generate the synthetic shapes detection data set in the VOC 2007 layout.

Example::

    python tools/make_shapes.py --out data/shapes
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmdet_fastssd.datasets.shapes_generator import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
