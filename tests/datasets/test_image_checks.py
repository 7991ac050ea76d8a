"""Missing, unreadable and truncated images are found from their bytes."""
import cv2
import numpy as np
import pytest

from mmdet_fastssd.datasets.image_checks import ImageFileError, read_image_info


def jpeg_bytes(width=64, height=48):
    img = np.random.default_rng(0).integers(0, 255, (height, width, 3),
                                            dtype=np.uint8)
    return cv2.imencode('.jpg', img)[1].tobytes()


def png_bytes(width=64, height=48):
    img = np.full((height, width, 3), 128, np.uint8)
    return cv2.imencode('.png', img)[1].tobytes()


def test_good_images_give_their_size(tmp_path):
    jpg, png = tmp_path / 'a.jpg', tmp_path / 'b.png'
    jpg.write_bytes(jpeg_bytes())
    png.write_bytes(png_bytes(30, 20))
    info = read_image_info(str(jpg))
    assert (info.width, info.height, info.orientation) == (64, 48, 1)
    assert (read_image_info(str(png)).width, read_image_info(
        str(png)).height) == (30, 20)


def test_padding_after_the_jpeg_end_is_accepted(tmp_path):
    path = tmp_path / 'padded.jpg'
    path.write_bytes(jpeg_bytes() + b'\x00' * 100)
    assert read_image_info(str(path)).width == 64


@pytest.mark.parametrize('name, make, words', [
    ('cut.jpg', lambda: jpeg_bytes()[:1500], 'truncated JPEG'),
    ('cut.png', lambda: png_bytes()[:-12], 'truncated PNG'),
    ('text.jpg', lambda: b'not an image at all', 'not a readable image'),
    ('empty.jpg', lambda: b'', 'not a readable image'),
])
def test_bad_images_name_the_file(tmp_path, name, make, words):
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(ImageFileError, match=words) as info:
        read_image_info(str(path))
    assert str(path) in str(info.value)


def test_missing_image_names_the_file(tmp_path):
    with pytest.raises(ImageFileError, match='image not found') as info:
        read_image_info(str(tmp_path / 'gone.jpg'))
    assert 'gone.jpg' in str(info.value)


def test_end_check_can_be_skipped(tmp_path):
    path = tmp_path / 'cut.jpg'
    path.write_bytes(jpeg_bytes()[:1500])
    assert read_image_info(str(path), check_end=False).height == 48
