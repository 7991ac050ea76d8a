# The lecture's multi-anchor SSD: ResNet-34 (last stage) + FastSSDHead.
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
        type='FastSSDHead',
        num_classes=20,
        in_channels=512,
        feat_channels=256,
        input_dropout=0.4,
        conv_dropout=0.4,
        cls_bias_init=-4.0,
        anchor_generator=dict(
            type='FastSSDAnchorGenerator',
            grid_sizes=(4, 2, 1),
            zooms=(0.75, 1.0, 1.3),
            ratios=((1.0, 1.0), (1.0, 0.5), (0.5, 1.0))),
        bbox_coder=dict(type='TanhOffsetCoder'),
        loss_cls=dict(type='FastSSDFocalLoss', alpha=0.25, gamma=2.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    train_cfg=dict(assigner=dict(type='MaxOverlapAssigner', pos_iou_thr=0.5)),
    test_cfg=dict(
        score_thr=0.02,
        nms_pre=1000,
        nms=dict(type='nms', iou_threshold=0.45),
        max_per_img=100))
