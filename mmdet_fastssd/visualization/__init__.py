from .upscaled_visualizer import UpscaledDetLocalVisualizer

__all__ = ['UpscaledDetLocalVisualizer']
