# Your own photos: the lecture's SSD on a set of labelled photographs (one
# class or several) in the VOC2007 layout, worked on the raccoon photos.
# Make the layout from a LabelImg folder (images + Pascal VOC XML files):
#   python tools/dataset_converters/labelimg_to_voc.py IMAGES XMLS data/raccoon
# which writes data/raccoon/VOC2007/{JPEGImages,Annotations,
# ImageSets/Main/{trainval,test}.txt}; then
#   python tools/train.py configs/fastssd_custom_voc.py
#
# For your own set change only the data keys: `data_root`, `classes` (the
# XML <name> tags; the head's num_classes follows) and, for another layout,
# `sub_data_root` and the two list files. Keep only the flips your objects
# allow (photos: horizontal) and check the anchors with
# tools/analysis_tools/anchor_coverage.py.
#
# The model is the shapes demo detector's backbone (configs/fastssd_shapes.py:
# narrow ResNet-18 cut after stage 3) at 224 px, its stride-8 and stride-16
# maps (28x28, 14x14) through mmdet's FPN. The head's grids follow from the
# input size (`grid_sizes` below: both maps themselves, then halved per
# level: 28/14/7/4/2/1 at 224 px), with the anchor search's five zooms
# (15,750 anchors). Training uses the SSD paper's augmentation (mmdet's
# Expand and MinIoURandomCrop as the plugin's faster BorderFillExpand and
# BatchedMinIoURandomCrop, mmdet's PhotoMetricDistortion)
# and runs a fixed number of iterations, not epochs, so its length and time
# do not grow with the set (1,800 iterations of 16 photos), validating
# every 200. What each setting bought on three photo sets:
# docs/results.md, "Several-class photographs".
# No ImageNet weights exist offline, so the backbone starts from the demo's
# trained detector (_base_/models/demo_detector_backbone.py: its published
# weights, shipped, so no `make demo` is needed; other starts are listed
# there); configs/largest_object_shapes_transfer.py starts from them too.
# With internet, the lecture's ImageNet ResNet-34 at 224 px (better
# features, several times the compute per image): _base_ =
# ['./fastssd_voc.py'] and no `backbone` in `model` below (its torchvision
# init stays).
_base_ = [
    './fastssd_shapes.py',
    './_base_/models/demo_detector_backbone.py',
]

data_root = 'data/raccoon/'
classes = ('raccoon', )
sub_data_root = 'VOC2007/'
train_list = 'ImageSets/Main/trainval.txt'
test_list = 'ImageSets/Main/test.txt'
metainfo = dict(classes=classes)
img_scale = (224, 224)
# head grids from the input size: the FPN's stride-8 map, the stride-16 map
# itself (stem_grid, as in the demo's head), then halved per level down to
# 1x1 (ceil(n / 2)): 224 px -> 28/14/7/4/2/1
grid_sizes = tuple(
    sorted({-(-img_scale[0] // (8 << k)) for k in range(8)}, reverse=True))
max_iters = 1800
val_interval = 200
neck_channels = 64  # the FPN's maps, read by the head
lr = 4e-3

# The SSD paper's augmentation: zoom out (the photo on a canvas up to twice
# its size, filled with the mean pixel: mmdet's Expand, as the plugin's
# BorderFillExpand, which fills only the border around the photo), crop so
# that at least one box overlaps the crop by a random minimum IoU (the
# paper's rule; mmdet's MinIoURandomCrop asks it of every box, which a
# crowded photo never meets, and tries its crops one at a time: the
# plugin's BatchedMinIoURandomCrop checks them at once), squish to
# img_scale, flip, then jitter brightness, contrast, saturation and hue.
# Keep only the flips your objects allow (photos: horizontal).
# Decoded photos are kept in memory (up to 2 GiB): later passes skip JPEG
# decoding.
train_pipeline = [
    dict(type='CachedLoadImageFromFile', backend_args=None),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='BorderFillExpand',
        mean=[123.675, 116.28, 103.53],
        to_rgb=True,
        ratio_range=(1, 2)),
    dict(
        type='BatchedMinIoURandomCrop',
        min_ious=(0.1, 0.3, 0.5, 0.7, 0.9),
        min_crop_size=0.3,
        iou_rule='any'),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='PhotoMetricDistortion',
        brightness_delta=32,
        contrast_range=(0.5, 1.5),
        saturation_range=(0.5, 1.5),
        hue_delta=18),
    dict(type='PackDetInputs')
]
# the base's test pipeline (load, squish, annotations, pack) at img_scale
test_pipeline = [
    dict(step, scale=img_scale) if step['type'] == 'Resize' else step
    for step in _base_.test_pipeline
]
# one loader worker: the augmentation of the next batch overlaps the step
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file=sub_data_root + train_list,
        data_prefix=dict(sub_data_root=sub_data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file=sub_data_root + test_list,
        data_prefix=dict(sub_data_root=sub_data_root),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# The backbone's stride-8 (64 channels) and stride-16 (128) maps through
# mmdet's FPN (neck_channels out each, the head's in_channels): the stride-8
# map predicts on its own 28x28 grid (fine_levels) ahead of the stem's, for
# objects a few pixels wide; the head's StdConvs normalise before their ReLU
# (bn_before_relu), so a channel that training never lit cannot blow up on a
# new photo. No dropout in the head: on photos the SSD augmentation
# regularises, and torch's per-activation random draws slow a CPU step.
model = dict(
    backbone=dict(
        out_indices=(1, 2),
        init_cfg=dict(_delete_=True, **_base_.detector_backbone_init)),
    neck=dict(
        _delete_=True,
        type='FPN',
        in_channels=[64, 128],
        out_channels=neck_channels,
        num_outs=2),
    bbox_head=dict(
        num_classes=len(classes),
        in_channels=neck_channels,
        fine_levels=1,
        bn_before_relu=True,
        input_dropout=0.0,
        conv_dropout=0.0,
        anchor_generator=dict(
            grid_sizes=grid_sizes, zooms=(0.5, 0.7, 1.0, 1.4, 2.0))))

# the base's one-cycle schedule over max_iters iterations; a held-out mAP
# every val_interval iterations (the summary line and curves.png show it),
# the best checkpoint kept (best_pascal_voc_mAP_iter_N.pth) beside the last
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=val_interval)
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(
        _base_.param_scheduler[0],
        eta_max=lr,
        end=max_iters,
        by_epoch=False,
        convert_to_iter_based=False)
]
log_processor = dict(by_epoch=False)
# --auto-scale-lr: lr was chosen at this batch size
auto_scale_lr = dict(base_batch_size=16)
default_hooks = dict(
    # held-out metrics logged at their iteration (MMEngine logs them at
    # the epoch by default, which an iteration-based run never leaves)
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=max_iters // 4,
        max_keep_ckpts=2))
