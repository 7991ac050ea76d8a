# The lecture's largest-object localizer: ResNet-34 (last stage, 512x7x7 at
# 224 px) + the fully connected C+4 head (L1 in pixels + 20 x cross entropy).
custom_imports = dict(imports=['mmdet_fastssd'], allow_failed_imports=False)

model = dict(
    type='SingleStageDetector',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=1),
    backbone=dict(
        type='ResNet',
        depth=34,
        num_stages=4,
        out_indices=(3, ),  # the 512x7x7 map at 224 px
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet34')),
    neck=None,
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
