"""Drawing of the synthetic shapes images and their exact boxes.

Every image comes from its own random stream (``PCG64`` seeded by
``(seed, index)``), so a fixed seed redraws it byte for byte. Objects are
solid shapes of ``SHAPES_CLASSES`` with varied size and aspect ratio on a
textured background with clutter that is none of the classes; boxes are the
tight boxes of each shape's drawn pixels.

Object sizes are drawn uniformly in ``OBJECT_SCALE_RANGE`` (fractions of the
image side), a later object hides at most ``MAX_HIDDEN`` of an earlier one,
and ``CLUTTER_RANGE`` strokes are blended in. ``GENERATOR_VERSION`` names
this drawing; docs/results.md has what earlier versions scored.
"""
import math
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np

SHAPES_CLASSES = ('circle', 'rectangle', 'triangle', 'cross', 'ring')

NONSQUARE_PROB = 0.5
SIDE_RANGE = (0.75, 1.25)
OBJECT_SCALE_RANGE = (0.12, 0.70)
ASPECT_RANGE = (0.5, 2.0)
MAX_OBJECTS = 6
MAX_HIDDEN = 0.35
CLUTTER_RANGE = (1, 5)  # strokes per image, high end exclusive
MIN_CONTRAST = 60.0
_PLACE_TRIES = 30
_COLOR_TRIES = 20

Box = Tuple[int, int, int, int]


class ShapeSpec(NamedTuple):
    """How to draw one object.

    Attributes:
        name (str): class name, one of ``SHAPES_CLASSES``.
        layout (Box): 0-based inclusive ``(x0, y0, x1, y1)`` the shape is
            drawn into; the annotated box is the tight box of its pixels.
        params (Tuple[float, ...]): shape-specific parameters.
    """

    name: str
    layout: Box
    params: Tuple[float, ...]


class ShapeInstance(NamedTuple):
    """One object drawn into an image.

    Attributes:
        spec (ShapeSpec): what was drawn.
        bbox (Box): 0-based inclusive tight box of the drawn pixels.
        color (Tuple[float, float, float]): BGR fill color before noise.
    """

    spec: ShapeSpec
    bbox: Box
    color: Tuple[float, float, float]


def _ellipse(mask: np.ndarray, layout: Box, inset: float, value: int) -> None:
    """Fill an axis-aligned ellipse inscribed in ``layout`` shrunk by inset."""
    x0, y0, x1, y1 = layout
    center = (round((x0 + x1) * 8), round((y0 + y1) * 8))
    axes = (max(0, round(((x1 - x0) / 2 - inset) * 16)),
            max(0, round(((y1 - y0) / 2 - inset) * 16)))
    cv2.ellipse(mask, center, axes, 0, 0, 360, value, -1, cv2.LINE_8, 4)


def _triangle_points(layout: Box, params: Tuple[float, ...]) -> np.ndarray:
    """Corners of a triangle whose base is one side of ``layout``."""
    x0, y0, x1, y1 = layout
    orient, frac = int(params[0]), params[1]
    ax, ay = round(x0 + frac * (x1 - x0)), round(y0 + frac * (y1 - y0))
    pts = {0: [(x0, y1), (x1, y1), (ax, y0)],  # apex up
           1: [(x0, y0), (x1, y0), (ax, y1)],  # apex down
           2: [(x1, y0), (x1, y1), (x0, ay)],  # apex left
           3: [(x0, y0), (x0, y1), (x1, ay)]}  # apex right
    return np.array(pts[orient], dtype=np.int32)


def _cross_bars(layout: Box, params: Tuple[float, ...]) -> Tuple[Box, Box]:
    """Horizontal and vertical bars of a plus sign centred in ``layout``."""
    x0, y0, x1, y1 = layout
    bar_h = max(2, round(params[0] * (y1 - y0 + 1)))
    bar_w = max(2, round(params[1] * (x1 - x0 + 1)))
    top = round((y0 + y1 + 1 - bar_h) / 2)
    left = round((x0 + x1 + 1 - bar_w) / 2)
    return (x0, top, x1, top + bar_h - 1), (left, y0, left + bar_w - 1, y1)


def draw_shape_mask(spec: ShapeSpec, height: int, width: int) -> np.ndarray:
    """Rasterise one shape alone on a blank canvas.

    Args:
        spec (ShapeSpec): the shape to draw.
        height (int): canvas height.
        width (int): canvas width.

    Returns:
        np.ndarray: ``(height, width)`` bool mask of the drawn pixels.
    """
    mask = np.zeros((height, width), np.uint8)
    x0, y0, x1, y1 = spec.layout
    if spec.name == 'circle':
        _ellipse(mask, spec.layout, 0.0, 255)
    elif spec.name == 'ring':
        _ellipse(mask, spec.layout, 0.0, 255)
        thick = max(2.0, spec.params[0] * min(x1 - x0, y1 - y0) / 2)
        _ellipse(mask, spec.layout, thick, 0)
    elif spec.name == 'rectangle':
        cv2.rectangle(mask, (x0, y0), (x1, y1), 255, -1)
    elif spec.name == 'triangle':
        cv2.fillPoly(mask, [_triangle_points(spec.layout, spec.params)], 255)
    elif spec.name == 'cross':
        for bx0, by0, bx1, by1 in _cross_bars(spec.layout, spec.params):
            cv2.rectangle(mask, (bx0, by0), (bx1, by1), 255, -1)
    else:
        raise ValueError(f'unknown shape {spec.name!r}; '
                         f'expected one of {SHAPES_CLASSES}')
    return mask > 0


def mask_bbox(mask: np.ndarray) -> Optional[Box]:
    """Tight 0-based inclusive ``(x0, y0, x1, y1)`` of a mask.

    Args:
        mask (np.ndarray): bool mask.

    Returns:
        Optional[Box]: the box, or None when the mask is empty.
    """
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """Sample log-uniformly in ``[low, high]``."""
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _sample_spec(rng: np.random.Generator, height: int,
                 width: int) -> ShapeSpec:
    """Random class, size, aspect ratio and position, inside the image."""
    name = SHAPES_CLASSES[int(rng.integers(len(SHAPES_CLASSES)))]
    side = min(height, width)
    scale = side * rng.uniform(*OBJECT_SCALE_RANGE)
    aspect = 1.0 if name == 'circle' and rng.random() < 0.3 else \
        _log_uniform(rng, *ASPECT_RANGE)
    low = max(6, round(0.08 * side))
    bw = int(np.clip(round(scale * math.sqrt(aspect)), low, 0.85 * width))
    bh = int(np.clip(round(scale / math.sqrt(aspect)), low, 0.85 * height))
    x0 = int(rng.integers(1, width - bw))
    y0 = int(rng.integers(1, height - bh))
    params: Tuple[float, ...] = ()
    if name == 'triangle':
        params = (float(rng.integers(4)), float(rng.uniform(0.0, 1.0)))
    elif name == 'cross':
        params = tuple(float(v) for v in rng.uniform(0.25, 0.45, size=2))
    elif name == 'ring':
        params = (float(rng.uniform(0.2, 0.45)),)
    return ShapeSpec(name, (x0, y0, x0 + bw - 1, y0 + bh - 1), params)


def _make_background(rng: np.random.Generator, height: int,
                     width: int) -> np.ndarray:
    """Muted low-frequency color gradient plus mid-frequency texture."""
    grid = int(rng.integers(2, 5))
    colors = rng.uniform(30, 225, size=(grid, grid, 3))
    gray = colors.mean(axis=2, keepdims=True)
    colors = gray + (colors - gray) * rng.uniform(0.2, 0.7)
    canvas = cv2.resize(colors.astype(np.float32), (width, height),
                        interpolation=cv2.INTER_CUBIC)
    cells = int(rng.integers(8, 24))
    texture = rng.normal(0, rng.uniform(3, 12), size=(cells, cells, 1))
    texture = cv2.resize(texture.astype(np.float32), (width, height),
                         interpolation=cv2.INTER_CUBIC)
    return np.clip(canvas + texture[..., None], 0, 255)


def _add_clutter(rng: np.random.Generator, canvas: np.ndarray) -> None:
    """Blend thin lines and open scribbles (none of the classes) in place."""
    height, width = canvas.shape[:2]
    side = min(height, width)
    for i in range(int(rng.integers(*CLUTTER_RANGE))):
        layer = np.zeros((height, width), np.uint8)
        if i % 2 == 0:  # a straight line, possibly crossing the border
            p, q = rng.integers(-side // 4, side * 5 // 4, size=(2, 2))
            cv2.line(layer, tuple(map(int, p)), tuple(map(int, q)), 255, 1)
        else:  # a random-walk scribble
            num = int(rng.integers(3, 7))
            steps = rng.normal(0, 0.12 * side, size=(num, 2))
            start = rng.uniform(0, 1, size=2) * (width, height)
            pts = np.round(start + np.cumsum(steps, axis=0)).astype(np.int32)
            cv2.polylines(layer, [pts], False, 255, int(rng.integers(1, 3)))
        alpha = rng.uniform(0.3, 0.8) * (layer[..., None] / 255.0)
        canvas *= 1 - alpha
        canvas += alpha * rng.uniform(0, 255, size=3)


def _box_overlap(a: Box, b: Box) -> int:
    """Pixel count of the intersection of two inclusive boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0]) + 1
    h = min(a[3], b[3]) - max(a[1], b[1]) + 1
    return max(0, w) * max(0, h)


def _hides_too_much(mask: np.ndarray, box: Box, placed: Sequence[Dict],
                    max_hidden: float = MAX_HIDDEN) -> bool:
    """Whether drawing ``mask`` on top hides too much of an earlier object.

    Args:
        mask (np.ndarray): bool mask of the candidate.
        box (Box): tight box of the candidate.
        placed (Sequence[Dict]): earlier objects with ``bbox``, ``area`` and
            ``visible`` (bool mask of their still visible pixels).
        max_hidden (float): largest hidden share of an earlier object's box
            area, and of its pixels. Defaults to ``MAX_HIDDEN``.

    Returns:
        bool: True when the candidate must be rejected.
    """
    for obj in placed:
        x0, y0, x1, y1 = obj['bbox']
        if _box_overlap(box, obj['bbox']) > max_hidden * (x1 - x0 + 1) * (
                y1 - y0 + 1):
            return True
        left = np.count_nonzero(obj['visible'] & ~mask)
        if left < (1 - max_hidden) * obj['area']:
            return True
    return False


def _pick_color(rng: np.random.Generator, canvas: np.ndarray,
                mask: np.ndarray) -> Optional[np.ndarray]:
    """A saturated BGR color that contrasts with the pixels around ``mask``.

    Args:
        rng (np.random.Generator): random stream.
        canvas (np.ndarray): float32 BGR image drawn so far.
        mask (np.ndarray): bool mask of the object to color.

    Returns:
        Optional[np.ndarray]: the color as float32 ``(3,)``, or None when no
        color tried differs by ``MIN_CONTRAST`` from every pixel around.
    """
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8),
                       iterations=2) > 0
    around = canvas[grown & ~mask]
    for _ in range(_COLOR_TRIES):
        hsv = np.array([[[rng.integers(180), rng.integers(150, 256),
                          rng.integers(120, 256)]]], np.uint8)
        color = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32)
        dist = np.linalg.norm(around - color, axis=1)
        if around.size == 0 or dist.min() >= MIN_CONTRAST:
            return color
    return None


def _try_place(rng: np.random.Generator, canvas: np.ndarray,
               placed: List[Dict], tries: int) -> bool:
    """Try up to ``tries`` random shapes; paint and record the first that fits.

    Args:
        rng (np.random.Generator): random stream.
        canvas (np.ndarray): float32 BGR image, painted in place.
        placed (List[Dict]): earlier objects, appended to in place.
        tries (int): attempts before giving up.

    Returns:
        bool: whether an object was placed.
    """
    height, width = canvas.shape[:2]
    for _ in range(tries):
        spec = _sample_spec(rng, height, width)
        mask = draw_shape_mask(spec, height, width)
        box = mask_bbox(mask)
        if box is None or _hides_too_much(mask, box, placed):
            continue
        color = _pick_color(rng, canvas, mask)
        if color is None:
            continue
        canvas[mask] = color
        for obj in placed:
            obj['visible'] &= ~mask
        placed.append(dict(spec=spec, bbox=box, color=color, visible=mask,
                           area=int(np.count_nonzero(mask))))
        return True
    return False


def _image_size(rng: np.random.Generator, img_size: int) -> Tuple[int, int]:
    """``(height, width)``: square, or each side scaled within SIDE_RANGE."""
    if rng.random() >= NONSQUARE_PROB:
        return img_size, img_size
    height, width = (round(img_size * s) for s in rng.uniform(*SIDE_RANGE, 2))
    return int(height), int(width)


def render_sample(seed: int, index: int,
                  img_size: int) -> Tuple[np.ndarray, List[ShapeInstance]]:
    """Draw image ``index`` of the data set generated with ``seed``.

    Args:
        seed (int): data set seed.
        index (int): image number (trainval first, then test).
        img_size (int): nominal image side.

    Returns:
        Tuple[np.ndarray, List[ShapeInstance]]: uint8 BGR image and its
        objects in drawing order (later ones on top).
    """
    rng = np.random.Generator(np.random.PCG64([seed, index]))
    height, width = _image_size(rng, img_size)
    canvas = _make_background(rng, height, width)
    _add_clutter(rng, canvas)
    placed: List[Dict] = []
    for _ in range(int(rng.integers(1, MAX_OBJECTS + 1))):
        _try_place(rng, canvas, placed, _PLACE_TRIES)
    if not placed and not _try_place(rng, canvas, placed, 20 * _PLACE_TRIES):
        raise RuntimeError(f'could not place any object in image {index} '
                           f'(seed {seed}, img_size {img_size})')
    canvas += rng.normal(0, rng.uniform(2, 8), size=canvas.shape)
    image = np.clip(np.round(canvas), 0, 255).astype(np.uint8)
    return image, [ShapeInstance(o['spec'], o['bbox'],
                                 tuple(float(c) for c in o['color']))
                   for o in placed]
