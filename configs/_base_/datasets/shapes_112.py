# The embedded synthetic shapes data (VOC layout in data/shapes/SHAPES, made
# by tools/misc/make_shapes.py or `make demo`), squished to 112 px: with the
# narrow ResNet-18 of ../models/resnet18_narrow_stage3.py (stride 16) that
# keeps the lecture's 7x7 map.
_base_ = ['./voc07_224.py']

data_root = 'data/shapes/'
classes = ('circle', 'rectangle', 'triangle', 'cross', 'ring')
metainfo = dict(classes=classes)
img_scale = (112, 112)

train_pipeline = [
    # each image decoded once, then kept in memory (12,800 images of
    # 112 x 112 x 3 bytes): after epoch 1 no step waits on JPEG decoding
    dict(type='CachedLoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    # all five shapes keep their class when flipped either way
    dict(
        type='RandomFlip',
        prob=[0.25, 0.25, 0.25],
        direction=['horizontal', 'vertical', 'diagonal']),
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
# Images load in the training process (no workers): tools/demo.py draws them
# at 112 px, cheap to decode, and on a 2-core CPU worker processes take cores
# from the training step (timings in docs/results.md).
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
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
