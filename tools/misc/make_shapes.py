"""Generate the synthetic shapes detection data set in the VOC 2007 layout.

Example::

    python tools/misc/make_shapes.py --out data/shapes
"""
import sys

from mmdet_fastssd.datasets.shapes_generator import main

if __name__ == '__main__':
    sys.exit(main())
