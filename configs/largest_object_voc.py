# fast.ai lesson 9 largest-object localizer on VOC2007, 224x224 squish.
#   python tools/train.py configs/largest_object_voc.py
# Evaluated with VOCMetric (one box per image) and LargestObjectMetric (the
# lecture's class accuracy and box L1 in pixels of the 224 input).
_base_ = [
    './_base_/models/largest_object_r34.py',
    './_base_/datasets/voc07_224.py',
    './_base_/schedules/adam_onecycle.py',
    './_base_/default_runtime.py',
]

val_evaluator = [
    dict(type='VOCMetric', metric='mAP', eval_mode='11points'),
    dict(type='LargestObjectMetric'),
]
test_evaluator = val_evaluator

default_hooks = dict(logger=dict(interval=20))
