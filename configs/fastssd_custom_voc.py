# Your own photos: the lecture's SSD on a one-class (or few-class) set of
# labelled photographs in the VOC2007 layout, worked on the raccoon photos.
# Make the layout from a LabelImg folder (images + Pascal VOC XML files):
#   python tools/dataset_converters/labelimg_to_voc.py IMAGES XMLS data/raccoon
# which writes data/raccoon/VOC2007/{JPEGImages,Annotations,
# ImageSets/Main/{trainval,test}.txt}; then
#   python tools/train.py configs/fastssd_custom_voc.py
#
# For your own set: set `data_root` and `classes` (the XML <name> tags; the
# head's num_classes follows; more classes need more images, not other
# settings), keep only the flips your objects allow (photos: horizontal),
# and check the anchors with tools/analysis_tools/anchor_coverage.py.
#
# The model is the shapes demo detector (configs/fastssd_shapes.py: narrow
# ResNet-18 cut after stage 3, 112 px squish) with the lecture's 189
# anchors (grids 4/2/1; the demo's extra 7x7 grid is for its many small
# shapes, and raccoons fill much of a photo), which trains on a CPU. No
# ImageNet weights exist offline, so its backbone starts from the demo's
# trained detector: its published weights ship in the repository's weights/
# (and in the installed package's .mim/weights), so no `make demo` is needed;
# configs/largest_object_shapes_transfer.py starts from them too. Other
# starts:
# - from scratch: --cfg-options model.backbone.init_cfg=None
# - from your own `make demo`: --cfg-options
#   model.backbone.init_cfg.checkpoint=work_dirs/fastssd_shapes/epoch_8.pth
# - with internet, the lecture's ImageNet ResNet-34 at 224 px (better
#   features, several times the compute per image):
#   _base_ = ['./fastssd_voc.py'], img_scale = (224, 224), and no
#   `backbone` in `model` below (its torchvision init stays).
_base_ = ['./fastssd_shapes.py']

data_root = 'data/raccoon/'
classes = ('raccoon', )
metainfo = dict(classes=classes)
img_scale = (112, 112)
# configs/fastssd_shapes.py's detector after its 8 epochs, as published by
# tools/model_converters/publish_model.py --fp16 (configs/metafile.yml);
# found next to this file's folder, in a clone and when installed
detector_checkpoint = ('{{ fileDirname }}/../weights/'
                       'fastssd_shapes_8e-93b505fe.pth')
max_epochs = 40
lr = 4e-3

# The lecture's augmentation for photos: horizontal flip, up to 3 degrees
# of rotation (p=0.5) and fastai lighting. Vertical flips suit few photos.
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Rotate', prob=0.5, level=None, min_mag=0.0, max_mag=3.0,
         reversal_prob=0.5, img_border_value=(103.53, 116.28, 123.675)),
    dict(type='RandomLighting', b=0.05, c=0.05),
    dict(type='PackDetInputs')
]
train_dataloader = dict(
    batch_size=16,  # a few hundred photos: more steps per epoch
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='VOC2007/ImageSets/Main/trainval.txt',
        data_prefix=dict(sub_data_root='VOC2007/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='VOC2007/ImageSets/Main/test.txt',
        data_prefix=dict(sub_data_root='VOC2007/')))
test_dataloader = val_dataloader

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,
            type='Pretrained',
            prefix='backbone.',
            checkpoint=detector_checkpoint)),
    bbox_head=dict(
        num_classes=len(classes),
        stem_grid=False,
        anchor_generator=dict(grid_sizes=(4, 2, 1))))

# the base's schedule with this config's length and LR; a held-out mAP
# after every epoch (a few hundred photos validate in seconds), the best
# checkpoint kept (best_pascal_voc_mAP_epoch_N.pth) beside the last two
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(_base_.param_scheduler[0], eta_max=lr, end=max_epochs)
]
# --auto-scale-lr: lr was chosen at this batch size
auto_scale_lr = dict(base_batch_size=16)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=2))
