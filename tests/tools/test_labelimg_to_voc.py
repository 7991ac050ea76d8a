"""tools/dataset_converters/labelimg_to_voc.py on generated messy folders."""
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest
from helpers import ROOT, run_tool, voc_xml

from mmdet_fastssd.datasets.converters.labelimg_to_voc import main, split_ids

RACCOON = osp.join(ROOT, '..', 'shared', 'data', 'raccoon')


def image_bytes(width=100, height=80, ext='.jpg'):
    img = np.zeros((height, width, 3), np.uint8)
    cv2.rectangle(img, (10, 10), (50, 40), (0, 200, 0), -1)
    return cv2.imencode(ext, img)[1].tobytes()


def make_folder(root, files):
    """files: stem -> (image bytes or None, xml text or None, image ext)."""
    imgs, anns = root / 'images', root / 'annotations'
    imgs.mkdir(parents=True)
    anns.mkdir()
    for stem, (img, xml, ext) in files.items():
        if img is not None:
            (imgs / f'{stem}{ext}').write_bytes(img)
        if xml is not None:
            (anns / f'{stem}.xml').write_text(xml)
    return str(imgs), str(anns)


def good_files(num=5):
    return {f'good{i}': (image_bytes(), voc_xml(
        [('cat', (11, 11, 51, 41)), ('dog', (60, 20, 90, 70))]), '.jpg')
        for i in range(num)}


FIXABLE = {
    'boxes': (image_bytes(), voc_xml([
        ('cat', ('nan', 10, 50, 40)),     # 0 dropped
        ('cat', (-4, 10, 120, 40)),       # 1 clipped to (0, 10, 100, 40)
        ('dog', (60, 70, 90, 20)),        # 2 inverted: dropped
        ('dog', (30, 30, 30, 50)),        # 3 zero area: dropped
        ('dog', (5, 5, 25, 25))]), '.jpg'),
    'nosize': (image_bytes(), voc_xml([('cat', (1, 1, 9, 9))],
                                       size=None), '.jpg'),
    'png': (image_bytes(ext='.png'), voc_xml([('dog', (2, 2, 20, 20))]),
            '.png'),
}
BROKEN = {
    'malformed': (image_bytes(), '<annotation><object>', '.jpg'),
    'orphan': (None, voc_xml([('cat', (1, 1, 9, 9))]), '.jpg'),
    'cut': (image_bytes()[:-200], voc_xml([('cat', (1, 1, 9, 9))]), '.jpg'),
    'unnamed': (image_bytes(), voc_xml([('', (1, 1, 9, 9))]), '.jpg'),
    'unlabelled': (image_bytes(), None, '.jpg'),
}


def run(capsys, *args):
    code = main([str(a) for a in args])
    return code, capsys.readouterr().out


def test_refuses_broken_files_naming_each_and_writes_nothing(
        tmp_path, capsys):
    imgs, anns = make_folder(tmp_path, {**good_files(), **FIXABLE,
                                        **BROKEN})
    out = tmp_path / 'out'
    code, text = run(capsys, imgs, anns, out, '--fix', '--coco')
    assert code == 1
    assert not out.exists()
    for stem, words in [('malformed', 'unreadable XML: malformed XML'),
                        ('orphan', 'missing image'),
                        ('cut', 'truncated JPEG'),
                        ('unnamed', 'have no <name>'),
                        ('boxes', 'not a number, dropped'),
                        ('nosize', '<size> missing, image is 100x80')]:
        line = next(i for i, t in enumerate(text.splitlines())
                    if t.startswith(osp.join(anns, stem + '.xml')))
        assert words in '\n'.join(text.splitlines()[line:line + 6]), stem
    assert 'left out' in text and 'unlabelled.jpg' in text
    assert 'refused: 4 file(s) have problems --fix cannot repair' in text
    assert 'Nothing was written' in text


def test_fixable_problems_need_fix_then_are_repaired(tmp_path, capsys):
    imgs, anns = make_folder(tmp_path, {**good_files(), **FIXABLE})
    out = tmp_path / 'out'
    code, text = run(capsys, imgs, anns, out)
    assert code == 1 and not out.exists()
    assert 'run again with --fix' in text
    code, text = run(capsys, imgs, anns, out, '--fix', '--test-ratio',
                     '0.25')
    assert code == 0, text
    voc = out / 'VOC2007'
    assert "classes=('cat', 'dog')" in text
    root = ET.parse(voc / 'Annotations' / 'boxes.xml').getroot()
    boxes = [[o.findtext(f'bndbox/{k}') for k in ('xmin', 'ymin', 'xmax',
                                                   'ymax')]
             for o in root.findall('object')]
    assert boxes == [['0', '10', '100', '40'], ['5', '5', '25', '25']]
    assert root.findtext('size/width') == '100'
    nosize = ET.parse(voc / 'Annotations' / 'nosize.xml').getroot()
    assert nosize.findtext('size/height') == '80'
    # untouched files stay links to the originals
    good = voc / 'Annotations' / 'good0.xml'
    assert good.is_symlink()
    assert os.readlink(good) == osp.abspath(osp.join(anns, 'good0.xml'))
    # a PNG keeps its bytes under the .jpg name VOCDataset builds
    png = voc / 'JPEGImages' / 'png.jpg'
    assert cv2.imread(str(png)).shape == (80, 100, 3)
    lists = {n: (voc / 'ImageSets' / 'Main' / f'{n}.txt').read_text().split()
             for n in ('trainval', 'test')}
    assert len(lists['test']) == 2 and len(lists['trainval']) == 6
    assert not set(lists['test']) & set(lists['trainval'])
    assert not [p for p in os.listdir(out) if p.startswith('.')]


def test_existing_output_needs_overwrite(tmp_path, capsys):
    imgs, anns = make_folder(tmp_path, good_files())
    out = tmp_path / 'out'
    assert run(capsys, imgs, anns, out)[0] == 0
    code, text = run(capsys, imgs, anns, out, '--seed', '1')
    assert code == 1 and 'pass --overwrite' in text
    before = (out / 'VOC2007/ImageSets/Main/test.txt').read_text()
    assert run(capsys, imgs, anns, out, '--overwrite', '--seed', '1',
               '--test-ratio', '0.4')[0] == 0
    after = (out / 'VOC2007/ImageSets/Main/test.txt').read_text()
    assert len(after.split()) == 2 and len(before.split()) == 1


def test_classes_option_refuses_unlisted_names_unless_fix(tmp_path, capsys):
    imgs, anns = make_folder(tmp_path, good_files(2))
    out = tmp_path / 'out'
    code, text = run(capsys, imgs, anns, out, '--classes', 'cat')
    assert code == 1 and "class name(s) not in --classes: ['dog']" in text
    code, text = run(capsys, imgs, anns, out, '--classes', 'cat', '--fix',
                     '--copy')
    assert code == 0, text
    xml = out / 'VOC2007' / 'Annotations' / 'good0.xml'
    assert not xml.is_symlink()
    assert [o.findtext('name') for o in
            ET.parse(xml).getroot().findall('object')] == ['cat']
    img = out / 'VOC2007' / 'JPEGImages' / 'good0.jpg'
    assert not img.is_symlink()
    assert img.read_bytes() == (tmp_path / 'images' / 'good0.jpg'
                                ).read_bytes()


def test_split_is_seeded_disjoint_and_complete():
    ids = [f'{i:03d}' for i in range(50)]
    train, test = split_ids(ids, 0.2, seed=0)
    assert len(test) == 10 and sorted(train + test) == ids
    assert split_ids(list(reversed(ids)), 0.2, seed=0) == (train, test)
    assert split_ids(ids, 0.2, seed=1)[1] != test
    assert split_ids(ids, 0.0, seed=0) == (ids, [])


def test_coco_json_matches_what_voc_dataset_reads(tmp_path, capsys):
    from mmengine.registry import init_default_scope

    from mmdet.datasets import CocoDataset, VOCDataset
    imgs, anns = make_folder(tmp_path, {**good_files(3), **FIXABLE})
    out = tmp_path / 'out'
    code, text = run(capsys, imgs, anns, out, '--fix', '--coco',
                     '--test-ratio', '0')
    assert code == 0, text
    init_default_scope('mmdet')
    meta = dict(classes=('cat', 'dog'))
    voc = VOCDataset(data_root=str(out), metainfo=meta,
                     ann_file='VOC2007/ImageSets/Main/trainval.txt',
                     data_prefix=dict(sub_data_root='VOC2007/'),
                     pipeline=[], test_mode=True)
    coco = CocoDataset(data_root=str(out), metainfo=meta,
                       ann_file='annotations/trainval.json',
                       data_prefix=dict(img='VOC2007/JPEGImages/'),
                       pipeline=[], test_mode=True)
    assert len(voc) == len(coco) == 6
    with open(out / 'annotations' / 'trainval.json') as f:
        assert len(json.load(f)['images']) == 6
    for i in range(6):
        v, c = voc.get_data_info(i), coco.get_data_info(i)
        assert osp.basename(v['img_path']) == osp.basename(c['img_path'])
        # VOCDataset keeps a -1 for a box at the border (x = 0 in the file);
        # the pipeline's Resize clips it to 0, as the JSON holds it
        np.testing.assert_allclose(
            np.clip([x['bbox'] for x in v['instances']], 0, None),
            np.array([x['bbox'] for x in c['instances']]).reshape(-1, 4))
        assert [x['bbox_label'] for x in v['instances']] == [
            x['bbox_label'] for x in c['instances']]


@pytest.mark.e2e
@pytest.mark.skipif(not osp.isdir(RACCOON), reason='raccoon data absent')
def test_raccoon_folder_converts(tmp_path):
    out = tmp_path / 'raccoon'
    proc = run_tool('tools/dataset_converters/labelimg_to_voc.py',
                    osp.join(RACCOON, 'images'),
                    osp.join(RACCOON, 'annotations'), out)
    assert ': 0 with problems' in proc.stdout
    assert 'raccoon (217 boxes)' in proc.stdout
    main_dir = out / 'VOC2007' / 'ImageSets' / 'Main'
    assert len((main_dir / 'trainval.txt').read_text().split()) == 160
    assert len((main_dir / 'test.txt').read_text().split()) == 40
