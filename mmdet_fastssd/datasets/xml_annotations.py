"""Read and check one LabelImg / Pascal VOC XML annotation file.

Shared by :class:`~mmdet_fastssd.datasets.CheckedVOCDataset` and the
``tools/dataset_converters/labelimg_to_voc.py`` converter, so both judge a
file the same way. Boxes are kept in the file's own pixel coordinates
(VOC: 1-based, inclusive); a box is valid inside ``[0, width] x [0, height]``.

Box problems and what :func:`check_boxes` does with them:

* ``not a number`` (text that is not a number, NaN, inf, a missing
  coordinate): dropped.
* ``inverted`` (``xmax < xmin`` or ``ymax < ymin``): dropped.
* ``zero area`` (no whole pixel of width or height, as MMDetection's
  ``int(float(text))`` sees it): dropped.
* ``outside the image``: clipped to the image; dropped when nothing is
  left after clipping.
"""
import math
import os.path as osp
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..utils.user_errors import FastSSDUserError

COORDS = ('xmin', 'ymin', 'xmax', 'ymax')
NOT_A_NUMBER = 'not a number'
INVERTED = 'inverted'
ZERO_AREA = 'zero area'
OUTSIDE = 'outside the image'


class AnnotationError(FastSSDUserError, ValueError):
    """An annotation file that cannot be used; the message names the file."""


@dataclass
class VOCObject:
    """One ``<object>`` of the file.

    Args:
        name (str): class name (``''`` when the tag is missing).
        bbox (tuple[float, ...]): x1, y1, x2, y2 as written (NaN where a
            coordinate is missing or not a number).
        difficult (bool): the ``<difficult>`` flag.
        text (tuple[str, ...]): the four coordinates as written.
    """
    name: str
    bbox: Tuple[float, float, float, float]
    difficult: bool = False
    text: Tuple[str, ...] = ()


@dataclass
class BoxIssue:
    """A box that was dropped or clipped.

    Args:
        index (int): position of the object in the file.
        name (str): its class name.
        text (tuple[str, ...]): its coordinates as written.
        reason (str): one of the module's reason strings.
        action (str): ``'dropped'`` or ``'clipped'``.
    """
    index: int
    name: str
    text: Tuple[str, ...]
    reason: str
    action: str

    def __str__(self) -> str:
        box = ', '.join(self.text)
        return (f'object {self.index} ({self.name!r}, box [{box}]): '
                f'{self.reason}, {self.action}')


@dataclass
class XMLAnnotation:
    """What one XML file says.

    Args:
        path (str): the file.
        filename (str, optional): the ``<filename>`` tag.
        width (int, optional): ``<size><width>``; None when absent or not a
            positive integer.
        height (int, optional): ``<size><height>``, likewise.
        objects (list[VOCObject]): every ``<object>`` in file order.
    """
    path: str
    filename: Optional[str] = None
    width: Optional[int] = None
    height: Optional[int] = None
    objects: List[VOCObject] = field(default_factory=list)

    @property
    def names(self) -> List[str]:
        """list[str]: class name of every object, in file order."""
        return [o.name for o in self.objects]

    def boxes(self) -> np.ndarray:
        """Boxes as written, float64 [N, 4] (NaN where unreadable)."""
        return np.array([o.bbox for o in self.objects],
                        dtype=np.float64).reshape(-1, 4)


def _number(text: Optional[str]) -> float:
    """``float(text)``, NaN when missing or not a number."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def _positive_int(node: Optional[ET.Element], tag: str) -> Optional[int]:
    """A positive integer child of ``node``, else None."""
    value = _number(node.findtext(tag) if node is not None else None)
    if not math.isfinite(value) or value < 1:
        return None
    return int(value)


def _read_object(obj: ET.Element) -> VOCObject:
    """One ``<object>`` element."""
    box = obj.find('bndbox')
    text = tuple(
        (box.findtext(c) if box is not None else None) or '' for c in COORDS)
    text = tuple(t.strip() for t in text)
    difficult = _number(obj.findtext('difficult'))
    return VOCObject(
        name=(obj.findtext('name') or '').strip(),
        bbox=tuple(_number(t) for t in text),
        difficult=math.isfinite(difficult) and difficult != 0,
        text=tuple(t or '?' for t in text))


def read_voc_xml(path: str) -> XMLAnnotation:
    """Parse one LabelImg / VOC XML file; boxes are not judged here.

    Args:
        path (str): the XML file.

    Returns:
        XMLAnnotation: its filename, size and objects.

    Raises:
        AnnotationError: the file is missing, unreadable, not XML, or its
            root is not ``<annotation>``; the message names the file.
    """
    if not osp.isfile(path):
        raise AnnotationError(f'annotation file not found: {path}')
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise AnnotationError(
            f'malformed XML in {path}: {exc} (fix or delete the file)'
        ) from exc
    except OSError as exc:
        raise AnnotationError(f'cannot read {path}: {exc}') from exc
    if root.tag != 'annotation':
        raise AnnotationError(
            f'{path} is not a VOC annotation: its root element is '
            f'<{root.tag}>, expected <annotation>')
    size = root.find('size')
    return XMLAnnotation(
        path=path,
        filename=(root.findtext('filename') or '').strip() or None,
        width=_positive_int(size, 'width'),
        height=_positive_int(size, 'height'),
        objects=[_read_object(o) for o in root.findall('object')])


def _box_reasons(boxes: np.ndarray, width: float,
                 height: float) -> List[Optional[str]]:
    """Reason each box is bad (None for a good box), first reason wins.

    Args:
        boxes (np.ndarray): [N, 4] x1y1x2y2 in file pixels.
        width (float): image width.
        height (float): image height.
    """
    finite = np.isfinite(boxes).all(1)  # [N]
    safe = np.where(np.isfinite(boxes), boxes, 0.0)  # [N, 4]
    inverted = (safe[:, 2] < safe[:, 0]) | (safe[:, 3] < safe[:, 1])
    whole = np.trunc(safe)  # int(float(text)) as MMDetection reads it
    zero = (whole[:, 2] <= whole[:, 0]) | (whole[:, 3] <= whole[:, 1])
    outside = ((safe[:, :2] < 0).any(1) | (safe[:, 2] > width)
               | (safe[:, 3] > height))
    reasons = np.select(
        [~finite, inverted, zero, outside],
        [NOT_A_NUMBER, INVERTED, ZERO_AREA, OUTSIDE], default='')
    return [r or None for r in reasons.tolist()]


def check_boxes(ann: XMLAnnotation, width: int, height: int
                ) -> Tuple[List[VOCObject], List[BoxIssue]]:
    """Drop or clip the file's bad boxes (see the module docstring).

    Args:
        ann (XMLAnnotation): the parsed file.
        width (int): width of the image the boxes belong to.
        height (int): its height.

    Returns:
        tuple[list[VOCObject], list[BoxIssue]]: the usable objects (in
        file order, clipped where needed) and one issue per dropped or
        clipped box.
    """
    boxes = ann.boxes()  # [N, 4]
    reasons = _box_reasons(boxes, width, height)
    clipped = boxes.copy()
    clipped[:, 0::2] = np.clip(boxes[:, 0::2], 0, width)
    clipped[:, 1::2] = np.clip(boxes[:, 1::2], 0, height)
    still_bad = _box_reasons(clipped, width, height)  # empty after clipping
    kept, issues = [], []
    for i, (obj, why) in enumerate(zip(ann.objects, reasons)):
        if why is None:
            kept.append(obj)
            continue
        fixable = why == OUTSIDE and still_bad[i] is None
        issues.append(BoxIssue(i, obj.name, obj.text, why,
                               'clipped' if fixable else 'dropped'))
        if fixable:
            kept.append(VOCObject(obj.name, tuple(clipped[i].tolist()),
                                  obj.difficult, obj.text))
    return kept, issues


def unknown_names(names: Sequence[str],
                  classes: Sequence[str]) -> List[str]:
    """Class names not in ``classes``, each once, in order of appearance."""
    known = set(classes)
    return list(dict.fromkeys(n for n in names if n not in known))


def describe_issues(path: str, issues: Sequence[BoxIssue]) -> str:
    """One message naming the file and each dropped or clipped box."""
    lines = '; '.join(str(i) for i in issues)
    return f'{path}: {len(issues)} bad box(es): {lines}'
