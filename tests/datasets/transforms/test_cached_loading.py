"""CachedLoadImageFromFile: LoadImageFromFile's results, decoded once."""
import os

import mmcv
import numpy as np
import pytest

from mmdet.registry import TRANSFORMS

import mmdet_fastssd  # noqa: F401


@pytest.fixture
def images(tmp_path):
    """Two 6x4 PNGs (lossless) with known pixels; their paths."""
    paths = []
    for value in (10, 200):
        img = np.full((6, 4, 3), value, np.uint8)
        img[0, 0] = (1, 2, 3)
        path = str(tmp_path / f'{value}.png')
        mmcv.imwrite(img, path)
        paths.append(path)
    return paths


def load(transform, path):
    return transform(dict(img_path=path))


def test_same_results_as_load_image_from_file(images):
    cached = TRANSFORMS.build(dict(type='CachedLoadImageFromFile'))
    plain = TRANSFORMS.build(dict(type='LoadImageFromFile'))
    for _ in range(2):  # decoded, then from the cache
        for path in images:
            got, want = load(cached, path), load(plain, path)
            np.testing.assert_array_equal(got['img'], want['img'])
            assert got['img'].dtype == want['img'].dtype == np.uint8
            assert got['img_shape'] == want['img_shape'] == (6, 4)
            assert got['ori_shape'] == (6, 4)
    assert cached.cached_bytes == 2 * 6 * 4 * 3


def test_second_load_does_not_read_the_file(images):
    cached = TRANSFORMS.build(dict(type='CachedLoadImageFromFile'))
    first = load(cached, images[0])['img']
    os.remove(images[0])
    np.testing.assert_array_equal(load(cached, images[0])['img'], first)


def test_changing_a_result_in_place_leaves_the_cache(images):
    cached = TRANSFORMS.build(dict(type='CachedLoadImageFromFile'))
    load(cached, images[0])['img'][:] = 0
    again = load(cached, images[0])['img']
    again[:] = 0
    np.testing.assert_array_equal(load(cached, images[0])['img'][1, 1],
                                  [10, 10, 10])


def test_full_cache_decodes_the_rest_every_time(images):
    # room for one 6x4x3 image (72 bytes) only
    cached = TRANSFORMS.build(
        dict(type='CachedLoadImageFromFile', max_cache_mb=100 / 2**20))
    load(cached, images[0])
    load(cached, images[1])
    assert cached.cached_bytes == 72
    os.remove(images[1])
    with pytest.raises(Exception):
        load(cached, images[1])
    assert load(cached, images[0])['img'][1, 1, 0] == 10


def test_loader_options_pass_through(images):
    grey = TRANSFORMS.build(
        dict(type='CachedLoadImageFromFile', color_type='grayscale',
             to_float32=True))
    img = load(grey, images[1])['img']
    assert img.shape == (6, 4) and img.dtype == np.float32
    skip = TRANSFORMS.build(
        dict(type='CachedLoadImageFromFile', ignore_empty=True))
    assert load(skip, images[0] + '.missing') is None
    assert skip.cached_bytes == 0


def test_negative_budget_is_refused():
    with pytest.raises(ValueError, match='max_cache_mb'):
        TRANSFORMS.build(dict(type='CachedLoadImageFromFile',
                              max_cache_mb=-1))
