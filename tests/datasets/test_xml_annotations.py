"""Reading and judging one LabelImg / VOC XML file."""
import math

import pytest
from helpers import voc_xml

from mmdet_fastssd.datasets.xml_annotations import (
    INVERTED,
    NOT_A_NUMBER,
    OUTSIDE,
    ZERO_AREA,
    AnnotationError,
    check_boxes,
    describe_issues,
    read_voc_xml,
    unknown_names,
)


def write(tmp_path, objects, name='a.xml', **kwargs):
    """objects: (name, (xmin, ymin, xmax, ymax) as text, difficult)."""
    path = tmp_path / name
    path.write_text(voc_xml(objects, **dict(dict(filename='a.jpg'), **kwargs)))
    return str(path)


def test_reads_a_clean_file(tmp_path):
    path = write(tmp_path, [('dog', (1, 2, 30, 40), 0),
                            ('cat', ('10.5', 5, 20, 25), 1)])
    ann = read_voc_xml(path)
    assert (ann.filename, ann.width, ann.height) == ('a.jpg', 100, 80)
    assert ann.names == ['dog', 'cat']
    assert ann.objects[0].bbox == (1.0, 2.0, 30.0, 40.0)
    assert ann.objects[1].bbox == (10.5, 5.0, 20.0, 25.0)
    assert [o.difficult for o in ann.objects] == [False, True]
    assert ann.objects[1].text == ('10.5', '5', '20', '25')
    kept, issues = check_boxes(ann, 100, 80)
    assert kept == ann.objects and issues == []


def test_missing_or_broken_size_is_none(tmp_path):
    assert read_voc_xml(write(tmp_path, [], size=None)).width is None
    ann = read_voc_xml(write(tmp_path, [], size=('abc', 0)))
    assert (ann.width, ann.height) == (None, None)


def test_a_file_without_objects(tmp_path):
    ann = read_voc_xml(write(tmp_path, []))
    assert ann.objects == [] and ann.boxes().shape == (0, 4)
    assert check_boxes(ann, 100, 80) == ([], [])


@pytest.mark.parametrize('content, words', [
    ('<annotation><object>', 'malformed XML'),
    ('', 'malformed XML'),
    ('<html></html>', 'root element is <html>'),
])
def test_unreadable_files_name_the_file(tmp_path, content, words):
    path = tmp_path / 'broken.xml'
    path.write_text(content)
    with pytest.raises(AnnotationError, match=words) as info:
        read_voc_xml(str(path))
    assert str(path) in str(info.value)


def test_missing_file_names_it(tmp_path):
    with pytest.raises(AnnotationError, match='not found') as info:
        read_voc_xml(str(tmp_path / 'nope.xml'))
    assert 'nope.xml' in str(info.value)


def test_each_bad_box_is_dropped_or_clipped(tmp_path):
    boxes = [
        ('ok', (10, 10, 20, 20)),          # 0 kept as is
        ('nan', ('nan', 10, 20, 20)),      # 1 NaN
        ('word', ('abc', 10, 20, 20)),     # 2 not a number
        ('empty', ('', 10, 20, 20)),       # 3 missing text
        ('inf', (10, 10, 'inf', 20)),      # 4 inf
        ('inv', (30, 10, 20, 20)),         # 5 inverted x
        ('invy', (10, 30, 20, 20)),        # 6 inverted y
        ('flat', (10, 10, 10, 20)),        # 7 zero width
        ('sub', (10.2, 10, 10.8, 20)),     # 8 < 1 whole pixel
        ('part', (-5, 70, 50, 95)),        # 9 partly outside: clipped
        ('away', (120, 10, 150, 20)),      # 10 wholly outside: dropped
        ('edge', (0, 0, 100, 80)),         # 11 the full image: kept
    ]
    path = write(tmp_path, [(n, b, 0) for n, b in boxes])
    kept, issues = check_boxes(read_voc_xml(path), 100, 80)
    assert [o.name for o in kept] == ['ok', 'part', 'edge']
    assert kept[0].bbox == (10, 10, 20, 20)
    assert kept[1].bbox == (0.0, 70.0, 50.0, 80.0)  # clipped to 100 x 80
    got = {i.name: (i.index, i.reason, i.action) for i in issues}
    assert got == {
        'nan': (1, NOT_A_NUMBER, 'dropped'),
        'word': (2, NOT_A_NUMBER, 'dropped'),
        'empty': (3, NOT_A_NUMBER, 'dropped'),
        'inf': (4, NOT_A_NUMBER, 'dropped'),
        'inv': (5, INVERTED, 'dropped'),
        'invy': (6, INVERTED, 'dropped'),
        'flat': (7, ZERO_AREA, 'dropped'),
        'sub': (8, ZERO_AREA, 'dropped'),
        'part': (9, OUTSIDE, 'clipped'),
        'away': (10, OUTSIDE, 'dropped'),
    }
    # never a non-finite coordinate among the kept boxes
    assert all(math.isfinite(v) for o in kept for v in o.bbox)


def test_first_reason_wins(tmp_path):
    # NaN and inverted: reported as not a number; inverted and outside:
    # reported as inverted (clipping cannot repair it)
    path = write(tmp_path, [('a', ('nan', 10, 5, 20), 0),
                            ('b', (300, 10, 200, 20), 0)])
    _, issues = check_boxes(read_voc_xml(path), 100, 80)
    assert [(i.reason, i.action) for i in issues] == [
        (NOT_A_NUMBER, 'dropped'), (INVERTED, 'dropped')]


def test_one_message_names_the_file_and_every_box(tmp_path):
    path = write(tmp_path, [('a', ('nan', 10, 5, 20), 0),
                            ('b', (-3, 10, 50, 20), 0)])
    _, issues = check_boxes(read_voc_xml(path), 100, 80)
    msg = describe_issues(path, issues)
    assert msg.startswith(f'{path}: 2 bad box(es)')
    assert "object 0 ('a', box [nan, 10, 5, 20]): not a number, dropped" in msg
    assert "object 1 ('b', box [-3, 10, 50, 20]): outside the image, " \
           'clipped' in msg


def test_unknown_names_in_order_once():
    assert unknown_names(['b', 'x', 'a', 'y', 'x'], ('a', 'b')) == ['x', 'y']
    assert unknown_names([], ('a', )) == []
