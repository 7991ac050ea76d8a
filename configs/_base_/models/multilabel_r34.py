# The lecture's multilabel classifier: ResNet-34 (last stage) + fastai's
# default head (concat pool -> BN/Dropout 0.25/Linear 512 -> ReLU ->
# BN/Dropout 0.5/Linear C), sigmoid + binary cross entropy per class.
_base_ = ['./resnet34_last_stage.py']

model = dict(
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
