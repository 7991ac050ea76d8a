from .tanh_offset_coder import TanhOffsetCoder

__all__ = ['TanhOffsetCoder']
