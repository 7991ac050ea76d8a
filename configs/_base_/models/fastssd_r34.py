# The lecture's multi-anchor SSD: ResNet-34 (last stage) + FastSSDHead.
_base_ = ['./resnet34_last_stage.py']

model = dict(
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
