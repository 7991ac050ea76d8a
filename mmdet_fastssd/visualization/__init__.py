from .training_curves import TrainingRun, plot_run, read_run
from .upscaled_visualizer import UpscaledDetLocalVisualizer

__all__ = ['UpscaledDetLocalVisualizer', 'TrainingRun', 'plot_run', 'read_run']
