# The largest-object localizer on the embedded synthetic shapes data (VOC
# layout, made by tools/make_shapes.py). No pretrained weights exist offline,
# so the backbone is trained from scratch; to fit a 2-core CPU it is a
# ResNet-18 at quarter width (base_channels=16) cut after stage 3 (stride
# 16) at 112 px: a 64x7x7 map, so the head keeps the lecture's 7x7 geometry.
_base_ = './largest_object_voc.py'

data_root = 'data/shapes/'
classes = ('circle', 'rectangle', 'triangle', 'cross', 'ring')
metainfo = dict(classes=classes)
max_epochs = 20
img_scale = (112, 112)
lr = 3e-3

model = dict(
    backbone=dict(
        depth=18,
        base_channels=16,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, ),
        init_cfg=None),
    bbox_head=dict(
        num_classes=len(classes),
        in_channels=64,
        feat_size=(7, 7)))

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
