# MMDetection's stock SSD300 on VOC (3.3.0), the benchmark's baseline.
# Random init: no pretrained VGG is downloaded offline.
_base_ = ['mmdet::pascal_voc/ssd300_voc0712.py']

model = dict(backbone=dict(init_cfg=None))
