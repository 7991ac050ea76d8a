# The lecture's SSD on the embedded synthetic shapes data (VOC layout, made by
# tools/misc/make_shapes.py or `make demo`; the demo draws 12,800 training
# images). No pretrained weights exist offline, so the backbone is trained
# from scratch; to fit a 2-core CPU it is a narrow ResNet-18 cut after stage
# 3 (stride 16) at 112 px: a 7x7 map. The head is the lecture's with one
# more, finer anchor grid: the lecture's 4x4/2x2/1x1 grids plus the 7x7 map
# itself (stem_grid), 630 anchors, so that the many small shapes of this
# data each have an anchor near them. bf16 autocast, fused Adam and NHWC
# weights (configs/_base_/schedules/shapes_adam_onecycle.py), batch 64,
# flips both ways (configs/_base_/datasets/shapes_112.py). Measured results
# and the experiments behind these settings: docs/results.md.
_base_ = [
    './_base_/models/fastssd_r34.py',
    './_base_/models/resnet18_narrow_stage3.py',
    './_base_/datasets/shapes_112.py',
    './_base_/schedules/shapes_adam_onecycle.py',
    './_base_/default_runtime.py',
]

max_epochs = 8
lr = 1e-2

model = dict(
    backbone={{_base_.shapes_backbone}},
    bbox_head=dict(
        num_classes=5,
        in_channels=128,
        input_dropout=0.1,
        conv_dropout=0.1,
        stem_grid=True,
        anchor_generator=dict(grid_sizes=(7, 4, 2, 1))),
    # the lecture notebook's matching threshold: more positives per object
    train_cfg=dict(assigner=dict(pos_iou_thr=0.4)),
    # the plugin's one-call NMS over (image, class) groups: the same
    # detections as mmcv's batched_nms, faster on a CPU (docs/benchmarks.md)
    test_cfg=dict(nms=dict(type='grouped_nms', iou_threshold=0.45)))

train_dataloader = dict(batch_size=64)
# the base's schedule with this config's length and LR
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(_base_.param_scheduler[0], eta_max=lr, end=max_epochs)
]
