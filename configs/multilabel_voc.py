# fast.ai lesson 9 multilabel classifier on VOC2007, 224x224 squish. Labels
# are the classes of each image's VOC annotations (gt_instances.labels).
#   python tools/train.py configs/multilabel_voc.py
_base_ = [
    './_base_/models/multilabel_r34.py',
    './_base_/datasets/voc07_224.py',
    './_base_/schedules/adam_onecycle.py',
    './_base_/default_runtime.py',
]

val_evaluator = dict(_delete_=True, type='MultiLabelMetric', thresh=0.5)
test_evaluator = val_evaluator

default_hooks = dict(logger=dict(interval=20))
