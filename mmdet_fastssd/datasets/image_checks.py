"""Cheap checks of an image file before training reads it.

A truncated JPEG is otherwise found late or never: with OpenCV 5.0 (this
stack) ``cv2.imdecode``, which mmcv's ``LoadImageFromFile`` uses, returns
None and the loader fails with ``failed to load image`` when the image's
turn comes, mid-epoch; ``cv2.imread`` decodes the same file partially,
printing only ``Premature end of JPEG file``. So it is found here, before
training, from its bytes: a JPEG must end with the end-of-image marker
(``FF D9``, trailing padding allowed) and a PNG with its ``IEND`` chunk. The
header is read with PIL (no decoding) for the size and EXIF orientation.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Optional

from PIL import Image, UnidentifiedImageError

from ..utils.user_errors import FastSSDUserError

JPEG_START = b'\xff\xd8'
JPEG_END = b'\xff\xd9'
PNG_START = b'\x89PNG\r\n\x1a\n'
PNG_END = b'IEND\xaeB`\x82'
TAIL_BYTES = 1024  # a JPEG's end marker may be followed by some padding
EXIF_ORIENTATION = 0x0112


@dataclass
class ImageInfo:
    """What the header of an image file says.

    Args:
        width (int): pixels as stored (before any EXIF rotation).
        height (int): likewise.
        orientation (int): EXIF orientation, 1 when absent (upright).
    """
    width: int
    height: int
    orientation: int = 1


class ImageFileError(FastSSDUserError, ValueError):
    """An image that cannot be used; the message names the file."""


def _truncation(path: str) -> Optional[str]:
    """Why a JPEG/PNG looks cut short, None when its end is intact."""
    with open(path, 'rb') as f:
        head = f.read(len(PNG_START))
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - TAIL_BYTES))
        tail = f.read()
    if head.startswith(JPEG_START) and JPEG_END not in tail:
        return 'truncated JPEG (no end-of-image marker FF D9)'
    if head == PNG_START and PNG_END not in tail:
        return 'truncated PNG (no IEND chunk)'
    return None


def read_image_info(path: str, check_end: bool = True) -> ImageInfo:
    """Size and orientation of an image, after checking it can be used.

    Args:
        path (str): the image file.
        check_end (bool): look for the JPEG/PNG end marker.
            Defaults to True.

    Returns:
        ImageInfo: the header's size and EXIF orientation.

    Raises:
        ImageFileError: missing, not an image, or truncated; names the file.
    """
    if not osp.isfile(path):
        raise ImageFileError(f'image not found: {path}')
    try:
        with Image.open(path) as img:
            width, height = img.size
            orientation = int(img.getexif().get(EXIF_ORIENTATION, 1) or 1)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageFileError(f'not a readable image: {path} ({exc})') from exc
    problem = _truncation(path) if check_end else None
    if problem:
        raise ImageFileError(f'{problem}: {path}; re-export or remove it')
    return ImageInfo(width, height, orientation)
