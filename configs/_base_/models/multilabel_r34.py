# The lecture's multi-label classifier: ResNet-34 (last stage) + fastai's
# default head (concat pool -> BN/Dropout 0.25/Linear 512 -> ReLU ->
# BN/Dropout 0.5/Linear C), sigmoid + binary cross entropy per class.
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
        type='MultiLabelHead',
        num_classes=20,
        in_channels=512,
        feat_channels=512,
        dropout=(0.25, 0.5),
        loss_cls=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    train_cfg=None,
    test_cfg=None)
