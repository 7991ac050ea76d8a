"""Batched gt helpers: padding, the largest gt and multi-hot rows."""
import pytest
import torch
from mmengine.structures import InstanceData

from mmdet.structures.bbox import HorizontalBoxes

from mmdet_fastssd.models.utils import (
    largest_gt,
    meta_scales,
    multi_hot,
    pad_gt_instances,
)
from mmdet_fastssd.testing.lecture import (
    get_lrg,
    multilabel_targets,
    to_lecture,
)


def gt(boxes, labels):
    return InstanceData(bboxes=torch.tensor(boxes, dtype=torch.float32),
                        labels=torch.tensor(labels, dtype=torch.long))


def pick(gts):
    return largest_gt(*pad_gt_instances(gts, torch.zeros(1)))


def test_pad_hand_values_in_pixels_and_fractions():
    gts = [gt([[10, 20, 30, 60], [0, 0, 0, 5]], [4, 1]),
           gt(torch.zeros(0, 4).tolist(), []),
           gt([[32, 16, 64, 48]], [2])]
    boxes, labels, valid = pad_gt_instances(gts, torch.zeros(1))
    assert boxes.shape == (3, 2, 4)
    assert boxes[0].tolist() == [[10., 20., 30., 60.], [0., 0., 0., 5.]]
    assert boxes[1].tolist() == [[0.] * 4] * 2
    assert boxes[2].tolist() == [[32., 16., 64., 48.], [0.] * 4]
    assert labels.tolist() == [[4, 1], [0, 0], [2, 0]]
    # zero-width box and padding are invalid
    assert valid.tolist() == [[True, False], [False, False], [True, False]]
    metas = [dict(img_shape=(80, 40)), dict(img_shape=(1, 1)),
             dict(img_shape=(64, 128))]
    scaled, labels2, valid2 = pad_gt_instances(
        gts, torch.zeros(1), meta_scales(metas, 'img_shape'))
    assert scaled[0, 0].tolist() == [0.25, 0.25, 0.75, 0.75]
    assert scaled[2, 0].tolist() == [0.25, 0.25, 0.5, 0.75]
    assert torch.equal(labels2, labels) and torch.equal(valid2, valid)


def test_pad_box_types_dtype_and_empty_batch():
    gts = [InstanceData(bboxes=HorizontalBoxes(torch.tensor([[1., 2., 3.,
                                                              4.]])),
                        labels=torch.tensor([7]))]
    boxes, labels, valid = pad_gt_instances(
        gts, torch.zeros(1, dtype=torch.float64))
    assert boxes.dtype == torch.float64 and labels.dtype == torch.long
    assert boxes.tolist() == [[[1., 2., 3., 4.]]]
    assert valid.tolist() == [[True]]
    boxes, labels, valid = pad_gt_instances([], torch.zeros(1))
    assert boxes.shape == (0, 1, 4) and labels.shape == valid.shape == (0, 1)
    # all images empty: one padded, invalid slot each
    empty = gt(torch.zeros(0, 4).tolist(), [])
    boxes, _, valid = pad_gt_instances([empty, empty], torch.zeros(1))
    assert boxes.shape == (2, 1, 4) and not valid.any()


def test_picks_the_largest_by_area_not_by_side():
    # areas 60*10=600, 30*30=900 (the pick), 5*100=500
    boxes, labels, has_gt = pick([gt([[0, 0, 60, 10], [10, 10, 40, 40],
                                      [0, 0, 5, 100]], [3, 1, 4])])
    assert labels.tolist() == [1] and has_gt.tolist() == [True]
    assert torch.equal(boxes, torch.tensor([[10., 10., 40., 40.]]))


def test_ties_go_to_the_first_gt_like_the_lecture():
    boxes = [[0, 0, 20, 20], [50, 50, 60, 90], [30, 30, 50, 50]]
    labels = [2, 0, 4]  # areas 400, 400, 400
    _, picked, _ = pick([gt(boxes, labels)])
    assert picked.tolist() == [2]
    lecture_boxes = to_lecture(torch.tensor(boxes, dtype=torch.float32))
    lecture_box, lecture_cls = get_lrg(lecture_boxes.tolist(), labels)
    assert lecture_cls == 2 and lecture_box == [0, 0, 20, 20]


def test_padding_empty_images_and_degenerate_boxes():
    gts = [gt([[0, 0, 10, 10]], [3]),
           gt(torch.zeros(0, 4).tolist(), []),
           gt([[0, 0, 0, 80], [5, 5, 9, 9], [1, 1, 1, 1]], [0, 2, 1]),
           gt([[0, 0, 0, 50]], [4])]
    boxes, labels, has_gt = pick(gts)
    assert has_gt.tolist() == [True, False, True, False]
    # image 2: the zero-width box (area 0 but listed first) is not a gt
    assert labels.tolist() == [3, 0, 2, 0]
    assert torch.all(boxes[1] == 0) and torch.all(boxes[3] == 0)


def test_matches_the_lecture_on_random_batches():
    gen = torch.Generator().manual_seed(0)
    gts = []
    for _ in range(16):
        n = int(torch.randint(1, 9, (1, ), generator=gen))
        xy = torch.randint(0, 100, (n, 2), generator=gen).float()
        wh = torch.randint(1, 60, (n, 2), generator=gen).float()
        gts.append(InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                                labels=torch.randint(0, 20, (n, ),
                                                     generator=gen)))
    boxes, labels, _ = pick(gts)
    for i, g in enumerate(gts):
        box, cls = get_lrg(to_lecture(g.bboxes).tolist(), g.labels.tolist())
        assert labels[i].item() == cls
        assert to_lecture(boxes[i]).tolist() == box


def test_multi_hot_counts_a_class_once_and_empty_images():
    labels = [[0, 3, 3, 3], [], [4, 1], [2]]
    target = multi_hot([torch.tensor(ls, dtype=torch.long) for ls in labels],
                       5, torch.zeros(1))
    assert torch.equal(target, multilabel_targets(labels, 5))
    assert target.tolist()[0] == [1., 0., 0., 1., 0.]
    assert target.tolist()[1] == [0.] * 5


def test_multi_hot_names_a_bad_label():
    with pytest.raises(ValueError, match='num_classes=5'):
        multi_hot([torch.tensor([5])], 5, torch.zeros(1))
    with pytest.raises(ValueError, match='num_classes=5'):
        multi_hot([torch.tensor([0]), torch.tensor([-1])], 5, torch.zeros(1))
