from .fastssd_head import FastSSDHead

__all__ = ['FastSSDHead']
