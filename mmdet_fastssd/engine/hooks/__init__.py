from .channels_last_hook import ChannelsLastHook
from .freeze_schedule_hook import (LECTURE_LAYER_GROUPS, FreezeScheduleHook,
                                   layer_group_index)

__all__ = [
    'ChannelsLastHook', 'FreezeScheduleHook', 'LECTURE_LAYER_GROUPS',
    'layer_group_index'
]
