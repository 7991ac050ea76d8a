"""Tiny VOC2007-layout folders with hand-placed boxes, written by tests.

The layout is what tools/dataset_converters/labelimg_to_voc.py writes:
``ROOT/VOC2007/{JPEGImages,Annotations,ImageSets/Main/{trainval,test}.txt}``.
"""
import os
import os.path as osp
from types import SimpleNamespace
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from mmdet_fastssd.datasets.shapes_generator import annotation_xml

Box = Tuple[int, int, int, int]


def write_voc2007(root: str,
                  images: Dict[str, Tuple[int, int, List[Tuple[str, Box]]]],
                  test_ids: Sequence[str] = ()) -> str:
    """Write JPEGs, XMLs and the two split lists.

    Args:
        root (str): folder to create (``data_root``).
        images (dict): ``image_id -> (width, height, [(class, box), ...])``
            with boxes as mmdet reads them (0-based pixels; the XML holds
            them 1-based, as real VOC files do).
        test_ids (Sequence[str]): ids listed in test.txt; the rest go to
            trainval.txt. Defaults to ().

    Returns:
        str: ``root``.
    """
    voc = osp.join(root, 'VOC2007')
    for sub in ('JPEGImages', 'Annotations', osp.join('ImageSets', 'Main')):
        os.makedirs(osp.join(voc, sub), exist_ok=True)
    for k, (image_id, (width, height, objects)) in enumerate(images.items()):
        img = np.full((height, width, 3), 90 + 20 * (k % 5), np.uint8)
        for j, (_, (x1, y1, x2, y2)) in enumerate(objects):
            img[y1:y2, x1:x2] = (40 + 60 * j % 200, 200, 120)  # a patch
        cv2.imwrite(osp.join(voc, 'JPEGImages', f'{image_id}.jpg'), img)
        insts = [SimpleNamespace(bbox=box, spec=SimpleNamespace(name=name))
                 for name, box in objects]
        with open(osp.join(voc, 'Annotations', f'{image_id}.xml'), 'w') as f:
            f.write(annotation_xml(image_id, width, height, insts))
    lists = dict(trainval=[i for i in images if i not in test_ids],
                 test=[i for i in images if i in test_ids])
    for name, ids in lists.items():
        with open(osp.join(voc, 'ImageSets', 'Main', f'{name}.txt'), 'w') as f:
            f.write(''.join(f'{i}\n' for i in ids))
    return root
