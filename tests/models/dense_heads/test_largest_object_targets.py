import torch
from mmengine.structures import InstanceData

from lecture_oracle import to_lecture
from lecture_oracle_extra import get_lrg
from mmdet_fastssd.models.dense_heads.largest_object_targets import (
    largest_gt, pad_gt_pixels)


def gt(boxes, labels):
    return InstanceData(bboxes=torch.tensor(boxes, dtype=torch.float32),
                        labels=torch.tensor(labels, dtype=torch.long))


def pick(gts):
    return largest_gt(*pad_gt_pixels(gts, torch.zeros(1)))


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
