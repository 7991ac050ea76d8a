"""Images + LabelImg (Pascal VOC) XML files -> what mmdet's VOCDataset reads.

Checks every file first and writes nothing when one has a problem; see
``mmdet_fastssd.datasets.converters.labelimg_to_voc`` for the details.

Example::

    python tools/dataset_converters/labelimg_to_voc.py \\
        raccoon/images raccoon/annotations data/raccoon --coco
"""
import sys

from mmdet_fastssd.datasets.converters.labelimg_to_voc import main

if __name__ == '__main__':
    sys.exit(main())
