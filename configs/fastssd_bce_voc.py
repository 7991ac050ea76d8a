# fastssd_voc.py with the lecture's plain BCE (background column dropped).
_base_ = './fastssd_voc.py'

model = dict(
    bbox_head=dict(loss_cls=dict(_delete_=True, type='FastSSDBCELoss')))
