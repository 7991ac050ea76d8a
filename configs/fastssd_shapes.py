# The lecture's SSD on the embedded synthetic shapes data (VOC layout, made by
# tools/make_shapes.py or `make demo`). No pretrained weights exist offline,
# so the backbone is trained from scratch; to fit a 2-core CPU it is a narrow
# ResNet-18 cut after stage 3 (stride 16) at 112 px, which keeps the lecture's
# geometry: a 7x7 map, grids 4/2/1, 189 anchors. Trained from scratch, it
# overfits a small set (1,600 images x 40 epochs: train mAP 0.66, held-out 0.21),
# so the demo uses 6,400 images x 10 epochs (tools/demo.py makes them).
_base_ = './fastssd_voc.py'

data_root = 'data/shapes/'
classes = ('circle', 'rectangle', 'triangle', 'cross', 'ring')
metainfo = dict(classes=classes)
max_epochs = 10
img_scale = (112, 112)
lr = 4e-3

model = dict(
    backbone=dict(
        depth=18,
        base_channels=32,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, ),
        init_cfg=None),
    bbox_head=dict(
        num_classes=len(classes),
        in_channels=128,
        input_dropout=0.1,
        conv_dropout=0.1),
    # the lecture notebook's matching threshold: more positives per object
    train_cfg=dict(assigner=dict(pos_iou_thr=0.4)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]

train_dataloader = dict(
    batch_size=16,
    dataset=dict(
        pipeline=train_pipeline,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='SHAPES/ImageSets/Main/trainval.txt',
        data_prefix=dict(sub_data_root='SHAPES/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=0)))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        pipeline=test_pipeline,
        ann_file='SHAPES/ImageSets/Main/test.txt',
        data_prefix=dict(sub_data_root='SHAPES/')))
test_dataloader = val_dataloader

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
default_hooks = dict(logger=dict(interval=50))
