# The largest-object localizer on the embedded synthetic shapes data (VOC
# layout, made by `make demo` or tools/make_shapes.py; the README's figures
# are on the demo's 12,800 images). No pretrained weights exist offline, so
# the backbone is trained from scratch: the shapes detector's narrow
# ResNet-18 (base_channels=32) cut after stage 3 (stride 16) at 112 px, a
# 128x7x7 map, so the head keeps the lecture's 7x7 geometry. bf16 autocast,
# batch 32, fused Adam and NHWC weights as in configs/fastssd_shapes.py.
_base_ = [
    './_base_/models/largest_object_r34.py',
    './_base_/datasets/shapes_112.py',
    './_base_/schedules/shapes_adam_onecycle.py',
    'mmdet::_base_/default_runtime.py',
]

max_epochs = 8
lr = 3e-3

model = dict(
    backbone={{_base_.shapes_backbone}},  # the detector's: base 32, 3 stages
    bbox_head=dict(num_classes=5, in_channels=128, feat_size=(7, 7)))

val_evaluator = [
    dict(type='VOCMetric', metric='mAP', eval_mode='11points'),
    dict(type='LargestObjectMetric'),
]
test_evaluator = val_evaluator

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
