# The largest-object localizer on shapes with its backbone started from the
# trained shapes detector, the offline counterpart of the lecture's ImageNet
# weights: its published weights, shipped in weights/ (no `make demo`
# needed; your own: --cfg-options model.backbone.init_cfg.checkpoint=
# work_dirs/fastssd_shapes/epoch_8.pth). Both models share the narrow ResNet-18
# (base 32, 3 stages), so the detector's `backbone.*` weights load as they
# are; the lecture's head starts from scratch. A missing checkpoint stops
# training with "... can not be found", naming the path.
_base_ = ['./largest_object_shapes.py']

# configs/fastssd_shapes.py's detector after its 8 epochs, published
# (configs/metafile.yml); found in a clone and when installed
detector_checkpoint = ('{{ fileDirname }}/../weights/'
                       'fastssd_shapes_8e-93b505fe.pth')
model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,
            type='Pretrained',
            prefix='backbone.',
            checkpoint=detector_checkpoint)))
