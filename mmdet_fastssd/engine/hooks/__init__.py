from .channels_last_hook import ChannelsLastHook
from .config_check_hook import ConfigCheckHook, ConfigMistake
from .epoch_summary_hook import EpochSummaryHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .freeze_schedule_hook import (
    LECTURE_LAYER_GROUPS,
    FreezeScheduleHook,
    layer_group_index,
)
from .rng_state_hook import RNGStateHook
from .sampled_visualization_hook import SampledDetVisualizationHook
from .training_curves_hook import TrainingCurvesHook

__all__ = [
    'ChannelsLastHook', 'ConfigCheckHook', 'ConfigMistake',
    'FreezeScheduleHook', 'LECTURE_LAYER_GROUPS',
    'layer_group_index', 'FiniteLossHook', 'NonFiniteLossError',
    'RNGStateHook', 'SampledDetVisualizationHook', 'EpochSummaryHook',
    'TrainingCurvesHook'
]
