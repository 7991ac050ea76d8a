from .fastssd_anchor_generator import FastSSDAnchorGenerator

__all__ = ['FastSSDAnchorGenerator']
