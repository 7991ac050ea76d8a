# The backbone of the shapes models (no pretrained weights offline): a
# from-scratch ResNet-18 of half width (base 32 channels) cut after stage 3,
# stride 16: the lecture's 7x7 map at 112 px, 128 channels. A variable, not
# a `model`, so that it sits beside a head's model base (MMEngine forbids
# two bases defining the same key): children set
#   model = dict(backbone={{_base_.shapes_backbone}},
#                bbox_head=dict(in_channels=128, ...))
shapes_backbone = dict(
    depth=18,
    base_channels=32,
    num_stages=3,
    strides=(1, 2, 2),
    dilations=(1, 1, 1),
    out_indices=(2, ),
    init_cfg=None)
