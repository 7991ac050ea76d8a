# The largest-object localizer on shapes with its backbone started from the
# trained shapes detector, the offline counterpart of the lecture's ImageNet
# weights: run `make demo` (or train configs/fastssd_shapes.py into
# work_dirs/fastssd_shapes) first. Both models share the narrow ResNet-18
# (base 32, 3 stages), so the detector's `backbone.*` weights load as they
# are; the lecture's head starts from scratch. A missing checkpoint stops
# training with "... can not be found", naming the path.
_base_ = ['./largest_object_shapes.py']

# the last checkpoint of configs/fastssd_shapes.py (8 epochs)
detector_checkpoint = 'work_dirs/fastssd_shapes/epoch_8.pth'
model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,
            type='Pretrained',
            prefix='backbone.',
            checkpoint=detector_checkpoint)))
