# The largest-object localizer on shapes with its backbone started from the
# trained shapes detector, the offline counterpart of the lecture's ImageNet
# weights (_base_/models/demo_detector_backbone.py: the published weights,
# shipped in weights/). Both models share the narrow ResNet-18 (base 32, 3
# stages), so the detector's `backbone.*` weights load as they are; the
# lecture's head starts from scratch.
_base_ = [
    './largest_object_shapes.py',
    './_base_/models/demo_detector_backbone.py',
]

model = dict(
    backbone=dict(
        init_cfg=dict(_delete_=True, **_base_.detector_backbone_init)))
