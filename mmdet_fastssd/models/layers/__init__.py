from .fastssd_convs import OutConv, StdConv

__all__ = ['OutConv', 'StdConv']
