# The backbone every lecture model shares: torchvision's ImageNet ResNet-34
# cut after its last stage (the 512x7x7 map at 224 px), ImageNet
# normalisation, no neck. fastssd_r34.py, largest_object_r34.py and
# multilabel_r34.py add their heads.
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
    neck=None)
