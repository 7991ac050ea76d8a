# The multilabel classifier on the embedded synthetic shapes data (VOC
# layout, made by `make demo` or tools/misc/make_shapes.py). No pretrained
# weights exist offline, so the backbone is trained from scratch: the shapes
# detector's narrow ResNet-18 (base_channels=32) cut after stage 3 (stride
# 16) at 112 px, a 128x7x7 map, pooled by the head as ResNet-34's 512x7x7 is.
# Trained with the shapes schedule base (bf16 autocast, batch 32, fused Adam,
# NHWC weights) for 12 epochs at the schedule base's lr 3e-3.
_base_ = [
    './_base_/models/multilabel_r34.py',
    './_base_/models/resnet18_narrow_stage3.py',
    './_base_/datasets/shapes_112.py',
    './_base_/schedules/shapes_adam_onecycle.py',
    './_base_/default_runtime.py',
]

max_epochs = 12

model = dict(
    backbone={{_base_.shapes_backbone}},  # the detector's: base 32, 3 stages
    bbox_head=dict(num_classes=5, in_channels=128))

val_evaluator = dict(_delete_=True, type='MultiLabelMetric', thresh=0.5)
test_evaluator = val_evaluator

# the base's schedule with this config's length
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [dict(_base_.param_scheduler[0], end=max_epochs)]

# --auto-scale-lr: lr was chosen at this batch size (shapes_112.py: 32)
auto_scale_lr = dict(base_batch_size=32)
