# The largest-object localizer on the embedded synthetic shapes data (VOC
# layout, made by `make demo` or tools/misc/make_shapes.py). No pretrained
# weights exist offline, so the backbone is trained from scratch: the shapes
# detector's narrow ResNet-18 (base_channels=32) cut after stage 3 (stride
# 16) at 112 px, a 128x7x7 map, so the head keeps the lecture's 7x7 geometry.
# Trained with the shapes schedule base (bf16 autocast, batch 32, fused Adam,
# NHWC weights) with the schedule base's 8 epochs at lr 3e-3.
_base_ = [
    './_base_/models/largest_object_r34.py',
    './_base_/models/resnet18_narrow_stage3.py',
    './_base_/datasets/shapes_112.py',
    './_base_/schedules/shapes_adam_onecycle.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.shapes_backbone}},  # the detector's: base 32, 3 stages
    bbox_head=dict(num_classes=5, in_channels=128, feat_size=(7, 7)))

val_evaluator = [
    dict(type='VOCMetric', metric='mAP', eval_mode='11points'),
    dict(type='LargestObjectMetric'),
]
test_evaluator = val_evaluator

# --auto-scale-lr: lr was chosen at this batch size (shapes_112.py: 32)
auto_scale_lr = dict(base_batch_size=32)
