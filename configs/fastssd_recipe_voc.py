# configs/fastssd_voc.py trained with the lecture's full recipe: flip, up to
# 3 degree rotation (p=0.5) and fastai lighting augmentation; Adam with
# lr/100, lr/10, lr over (early backbone, late backbone, head); head-only
# training, then freeze_to(-2), then everything; one cyclical LR
# use_clr=(20, 10). Same bases as fastssd_voc.py with the schedule base
# swapped (MMEngine forbids two bases defining the same keys).
#   python tools/train.py configs/fastssd_recipe_voc.py
_base_ = [
    './_base_/models/fastssd_r34.py',
    './_base_/datasets/voc07_224.py',
    './_base_/schedules/lecture_recipe.py',
    './_base_/default_runtime.py',
]

img_scale = (224, 224)
# mmdet's Rotate: |angle| = U(min_mag, max_mag) (rounded to 0.1 degree),
# sign flipped with probability 1 - reversal_prob, applied with prob; boxes
# are rotated as 4 corners and replaced by their enclosing box, then clipped.
# The uncovered corners get the ImageNet mean (BGR), i.e. 0 after
# normalisation (fastai reflected the border instead).
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Rotate', prob=0.5, level=None, min_mag=0.0, max_mag=3.0,
         reversal_prob=0.5, img_border_value=(103.53, 116.28, 123.675)),
    dict(type='RandomLighting', b=0.05, c=0.05),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

default_hooks = dict(logger=dict(interval=20))
