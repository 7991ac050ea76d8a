from .fastssd_cls_loss import FastSSDBCELoss, FastSSDFocalLoss

__all__ = ['FastSSDBCELoss', 'FastSSDFocalLoss']
