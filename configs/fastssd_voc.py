# fast.ai lesson 9 SSD (189 anchors, focal loss) on VOC2007, 224x224 squish.
#   python tools/train.py configs/fastssd_voc.py
_base_ = [
    './_base_/models/fastssd_r34.py',
    './_base_/datasets/voc07_224.py',
    './_base_/schedules/adam_onecycle.py',
    './_base_/default_runtime.py',
]

default_hooks = dict(logger=dict(interval=20))
