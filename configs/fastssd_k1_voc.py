# The lecture's first SSD: one 4x4 grid, one anchor per cell (k = 1, 16
# anchors), class bias -3, Dropout(0.25) on the input and 0.1 in the
# StdConvs, trained with the BCE loss (focal loss came later, with the
# 189-anchor model); everything else as configs/fastssd_voc.py.
#   python tools/train.py configs/fastssd_k1_voc.py
_base_ = './fastssd_voc.py'

model = dict(
    bbox_head=dict(
        anchor_generator=dict(
            type='FastSSDAnchorGenerator',
            grid_sizes=(4, ),
            zooms=(1.0, ),
            ratios=((1.0, 1.0), )),
        cls_bias_init=-3.0,
        input_dropout=0.25,
        conv_dropout=0.1,
        loss_cls=dict(_delete_=True, type='FastSSDBCELoss')))
