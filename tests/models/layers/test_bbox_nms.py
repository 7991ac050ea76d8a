"""The grouped NMS against hand-computed cases and mmcv's batched_nms."""
import pytest
import torch
from mmcv.ops import batched_nms
from mmengine.config import ConfigDict

from mmdet_fastssd.models.layers import bbox_nms
from mmdet_fastssd.models.layers.bbox_nms import grouped_nms, nms_keep


def boxes_of(rows):
    return torch.tensor(rows, dtype=torch.float32)


def test_hand_computed_example():
    boxes = boxes_of([[0, 0, 10, 10],     # 0: group 0, best
                      [1, 0, 11, 10],     # 1: IoU(0, 1) = 90/110 -> goes
                      [20, 20, 30, 30],   # 2: no overlap -> kept
                      [0, 0, 10, 10],     # 3: same place, other group
                      [0, 0, 10, 5]])     # 4: IoU(3, 4) = 50/100 = 0.5
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.5])
    groups = torch.tensor([0, 0, 0, 1, 1])
    # the threshold is strict: IoU 0.5 does not suppress at 0.5
    assert grouped_nms(boxes, scores, groups, 0.5).tolist() == [0, 2, 3, 4]
    assert grouped_nms(boxes, scores, groups, 0.4).tolist() == [0, 2, 3]
    # scores decide, not input order
    flipped = torch.tensor([0.8, 0.9, 0.7, 0.6, 0.5])
    assert grouped_nms(boxes, flipped, groups, 0.5).tolist() == [1, 2, 3, 4]


def test_empty_and_one_box():
    empty = grouped_nms(torch.zeros(0, 4), torch.zeros(0),
                        torch.zeros(0, dtype=torch.long), 0.5)
    assert empty.dtype == torch.long and empty.shape == (0, )
    one = grouped_nms(boxes_of([[1, 2, 3, 4]]), torch.tensor([0.3]),
                      torch.tensor([7]), 0.5)
    assert one.tolist() == [0]
    cfg = ConfigDict(type='grouped_nms', iou_threshold=0.5)
    assert nms_keep(torch.zeros(0, 4), torch.zeros(0),
                    torch.zeros(0, dtype=torch.long), cfg).numel() == 0


def test_chain_of_suppression():
    # boxes 6 px apart: each overlaps its neighbours by IoU 4/16 = 0.25.
    # Greedy: 0 keeps, suppresses 1; 2 (1 gone) keeps, suppresses 3; 4 keeps.
    chain = boxes_of([[6 * i, 0, 6 * i + 10, 10] for i in range(5)])
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.5])
    perm = torch.tensor([3, 0, 4, 2, 1])  # shuffled input order
    kept = grouped_nms(chain[perm], scores[perm], torch.zeros(5).long(), 0.2)
    assert perm[kept].sort().values.tolist() == [0, 2, 4]
    # above 0.25 nobody is suppressed
    kept = grouped_nms(chain, scores, torch.zeros(5).long(), 0.25)
    assert kept.tolist() == [0, 1, 2, 3, 4]


def random_case(seed, num=600, num_groups=12):
    gen = torch.Generator().manual_seed(seed)
    # quarter-pixel grid and distinct scores: exact IoUs, no score ties
    xy = torch.randint(0, 800, (num, 2), generator=gen) / 4
    wh = torch.randint(4, 240, (num, 2), generator=gen) / 4
    scores = (torch.randperm(num, generator=gen) + 1) / num
    groups = torch.randint(0, num_groups, (num, ), generator=gen)
    return torch.cat([xy, xy + wh], 1), scores, groups


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
@pytest.mark.parametrize('thr', [0.3, 0.45, 0.7])
def test_kept_sets_equal_mmcv_batched_nms(seed, thr):
    boxes, scores, groups = random_case(seed)
    kept = grouped_nms(boxes, scores, groups, thr)
    _, expect = batched_nms(boxes, scores, groups,
                            dict(type='nms', iou_threshold=thr))
    assert torch.equal(kept, expect.sort().values)
    assert 0 < kept.numel() < boxes.size(0)


def test_plain_nms_config_runs_mmcv(monkeypatch):
    calls = []

    def spy(boxes, scores, groups, cfg):
        calls.append(dict(cfg))
        return batched_nms(boxes, scores, groups, cfg)

    def forbidden(*args):
        raise AssertionError('grouped_nms must not run for type=nms')

    monkeypatch.setattr(bbox_nms, 'batched_nms', spy)
    monkeypatch.setattr(bbox_nms, 'grouped_nms', forbidden)
    boxes, scores, groups = random_case(5)
    cfg = ConfigDict(type='nms', iou_threshold=0.45)
    keep = nms_keep(boxes, scores, groups, cfg)
    assert calls == [dict(type='nms', iou_threshold=0.45)]
    # mmcv's order: descending score
    assert torch.all(scores[keep][:-1] >= scores[keep][1:])


def test_grouped_nms_config_and_its_fallback(monkeypatch):
    boxes, scores, groups = random_case(6)
    cfg = ConfigDict(type='grouped_nms', iou_threshold=0.45)
    expect = grouped_nms(boxes, scores, groups, 0.45)
    assert torch.equal(nms_keep(boxes, scores, groups, cfg), expect)
    # past the memory bound: mmcv batched_nms with a plain nms config
    calls = []

    def spy(boxes, scores, groups, cfg):
        calls.append(dict(cfg))
        return batched_nms(boxes, scores, groups, cfg)

    monkeypatch.setattr(bbox_nms, 'MAX_NMS_ELEMENTS', 10)
    monkeypatch.setattr(bbox_nms, 'batched_nms', spy)
    assert grouped_nms(boxes, scores, groups, 0.45) is None
    keep = nms_keep(boxes, scores, groups, cfg)
    assert calls == [dict(type='nms', iou_threshold=0.45)]
    assert torch.equal(keep.sort().values, expect)


def test_grouped_nms_config_names_unknown_keys():
    boxes, scores, groups = random_case(7, num=10)
    cfg = ConfigDict(type='grouped_nms', iou_threshold=0.5,
                     class_agnostic=True)
    with pytest.raises(ValueError, match='test_cfg.nms.*class_agnostic'):
        nms_keep(boxes, scores, groups, cfg)


@pytest.mark.parametrize('seed', [0, 1])
@pytest.mark.parametrize('thr', [0.3, 0.45])
def test_all_three_nms_keep_the_same_boxes(seed, thr):
    """mmcv's batched_nms (the default), grouped_nms (chosen by name, for
    CPU speed) and the numpy greedy NMS of the ONNX outputs (no torch)."""
    from mmdet_fastssd.deployment.postprocess import greedy_nms
    boxes, scores, groups = random_case(seed)
    _, mmcv_keep = batched_nms(boxes, scores, groups,
                               dict(type='nms', iou_threshold=thr))
    grouped = grouped_nms(boxes, scores, groups, thr)
    numpy_keep = []
    for g in groups.unique().tolist():  # the numpy NMS is one class at a time
        ids = (groups == g).nonzero()[:, 0]
        kept = greedy_nms(boxes[ids].double().numpy(),
                          scores[ids].double().numpy(), thr)
        numpy_keep += ids[torch.from_numpy(kept)].tolist()
    assert torch.equal(grouped, mmcv_keep.sort().values)
    assert sorted(numpy_keep) == grouped.tolist()
