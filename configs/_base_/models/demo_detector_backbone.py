# A backbone started from the shapes demo detector: configs/fastssd_shapes.py
# after its 8 epochs, published by tools/model_converters/publish_model.py
# --fp16 (configs/metafile.yml) and shipped in the repository's weights/ (and
# in the installed package's .mim/weights), so no `make demo` is needed. Its
# `backbone.*` weights load into the same narrow ResNet-18
# (resnet18_narrow_stage3.py); the head starts from scratch. A missing file
# stops training with "... can not be found", naming the path. Variables, not
# a `model` (MMEngine forbids two bases defining the same key): a child adds
# this file to its bases and sets
#   model = dict(backbone=dict(
#       init_cfg=dict(_delete_=True, **_base_.detector_backbone_init)))
# Other starts: your own `make demo` with --cfg-options
#   model.backbone.init_cfg.checkpoint=work_dirs/fastssd_shapes/epoch_8.pth
# or from scratch with --cfg-options model.backbone.init_cfg=None.
detector_checkpoint = ('{{ fileDirname }}/../../../weights/'
                       'fastssd_shapes_8e-93b505fe.pth')
detector_backbone_init = dict(
    type='Pretrained', prefix='backbone.', checkpoint=detector_checkpoint)
