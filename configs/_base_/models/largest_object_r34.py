# The lecture's largest-object localizer: ResNet-34 (last stage, 512x7x7 at
# 224 px) + the fully connected C+4 head (L1 in pixels + 20 x cross entropy).
_base_ = ['./resnet34_last_stage.py']

model = dict(
    bbox_head=dict(
        type='LargestObjectHead',
        num_classes=20,
        in_channels=512,
        feat_size=(7, 7),
        feat_channels=256,
        dropout=(0.5, 0.5),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0),
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=20.0)),
    train_cfg=None,
    test_cfg=None)
