# MMDetection's runtime (hooks, logging, visualizer) with a checkpoint after
# every epoch, the last two kept.
_base_ = ['mmdet::_base_/default_runtime.py']

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),
    # num_classes, head in_channels and anchor grids against the data,
    # before the first iteration (mmdet_fastssd/engine/hooks)
    config_check=dict(type='ConfigCheckHook'),
    # a NaN/inf loss term stops training before the optimizer step
    finite_loss=dict(type='FiniteLossHook'),
    # generator states in the checkpoints: --resume continues the same draws
    rng_state=dict(type='RNGStateHook'))
