import pytest
import torch
import torch.nn as nn

from mmdet_fastssd.models.layers import StdConv


def test_lecture_order_and_bn_first_order():
    lecture = StdConv(4, 8, stride=2, dropout=0.2)
    assert [type(m) for m in lecture] == [nn.Conv2d, nn.ReLU, nn.BatchNorm2d,
                                          nn.Dropout]
    bn_first = StdConv(4, 8, stride=2, dropout=0.2, bn_before_relu=True)
    assert [type(m) for m in bn_first] == [nn.Conv2d, nn.BatchNorm2d,
                                           nn.ReLU, nn.Dropout]
    assert bn_first[0].stride == (2, 2) and bn_first[3].p == 0.2
    x = torch.randn(2, 4, 8, 8)
    assert lecture(x).shape == bn_first(x).shape == (2, 8, 4, 4)


def one_dead_channel(bn_before_relu):
    """Channel 0 passes x, channel 1 is x - 1.001: dead for x in [0, 1)."""
    conv = StdConv(1, 2, stride=1, dropout=0.0, bn_before_relu=bn_before_relu)
    with torch.no_grad():
        conv[0].weight.zero_()
        conv[0].weight[:, 0, 1, 1] = 1.0  # centre tap only: no padding effect
        conv[0].bias.copy_(torch.tensor([0.0, -1.001]))
    gen = torch.Generator().manual_seed(0)
    conv.train()
    with torch.no_grad():
        for _ in range(300):  # running statistics only; no optimiser
            conv(torch.rand(8, 1, 4, 4, generator=gen))
    return conv.eval()


def test_a_dead_channel_blows_up_only_in_the_lectures_order():
    x = torch.full((1, 1, 4, 4), 1.1)  # 10% past the training range
    lecture = one_dead_channel(False)
    norm = lecture[2]
    assert norm.running_var[1] < 1e-12  # 0.9 ** 300 of the starting 1
    # 0.099 / sqrt(eps): about 31 where training never saw anything
    with torch.no_grad():
        out = lecture(x)[0, 1]
    assert out.min().item() == pytest.approx(0.099 / (1e-5 ** 0.5), rel=1e-3)
    # normalised before the ReLU: (0.099 - mean) / std of x - 1.001 with
    # x ~ U(0, 1), about (0.099 + 0.501) / 0.289 = 2.08
    with torch.no_grad():
        out = one_dead_channel(True)(x)[0, 1]
    assert out.max().item() == pytest.approx(0.6 / (1 / 12) ** 0.5, rel=0.05)
