# Stock MMDetection SSDLite (MobileNetV2 from scratch, 320 px, its own
# pipeline, anchors and SGD) with only the data set swapped: the raccoon
# photos in the VOC2007 layout written by
#   python tools/dataset_converters/labelimg_to_voc.py IMAGES XMLS data/raccoon
# evaluated like configs/fastssd_custom_voc.py (VOCMetric, 11-point mAP at
# IoU 0.5 on test.txt). It is the baseline of
# tools/analysis_tools/raccoon_compare.py, which sets the epochs, batch size
# and LR schedule length for a CPU-time budget and works around the stock
# SSDHead's missing `loss_cls` at prediction (open-mmlab/mmdetection#11063);
# plain tools/train.py with this config stops at the first validation.
_base_ = ['mmdet::ssd/ssdlite_mobilenetv2-scratch_8xb24-600e_coco.py']
# only for CheckedVOCDataset (VOCDataset that names bad files and prints the
# set's class names); the model, pipeline and schedule stay MMDetection's
custom_imports = dict(imports=['mmdet_fastssd'], allow_failed_imports=False)

data_root = 'data/raccoon/'
classes = ('raccoon', )
metainfo = dict(classes=classes)

train_dataloader = dict(
    # no RepeatDataset (the base repeats COCO 5 times per epoch): one epoch
    # is one pass over trainval.txt
    dataset=dict(
        _delete_=True,
        type='CheckedVOCDataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='VOC2007/ImageSets/Main/trainval.txt',
        data_prefix=dict(sub_data_root='VOC2007/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=_base_.train_pipeline))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CheckedVOCDataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='VOC2007/ImageSets/Main/test.txt',
        data_prefix=dict(sub_data_root='VOC2007/'),
        test_mode=True,
        pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True, type='VOCMetric', metric='mAP', eval_mode='11points')
test_evaluator = val_evaluator

model = dict(bbox_head=dict(num_classes=len(classes)))

# The stock schedule (500 warm-up iterations, cosine over 120 epochs of
# COCO x 5) shrunk to a CPU-time budget of a few epochs of 7 iterations
# (batch 24): warm-up over 3 iterations, cosine to 0 at max_epochs; LR,
# momentum and weight decay stay the config's (lr 0.015, not scaled to one
# process).
max_epochs = 3
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=3),
    dict(
        type='CosineAnnealingLR',
        begin=0,
        T_max=max_epochs,
        end=max_epochs,
        by_epoch=True,
        eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
