# MMDetection's runtime (hooks, logging, visualizer) with a checkpoint after
# every epoch, the last two kept plus the best one by the held-out metric:
# save_best='auto' takes the first metric validation returns, which is
# 'pascal_voc/mAP' for VOCMetric ('largest/accuracy', 'multilabel/...' for
# the lesson's classifiers), rule 'greater' for each of them, so detectors
# keep `best_pascal_voc_mAP_epoch_N.pth`. Also a summary line per epoch and
# a picture of the run (WORK_DIR/curves.png).
_base_ = ['mmdet::_base_/default_runtime.py']

default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=2,
        save_best='auto'),
    # num_classes, head in_channels and anchor grids against the data,
    # before the first iteration (mmdet_fastssd/engine/hooks)
    config_check=dict(type='ConfigCheckHook'),
    # a NaN/inf loss term stops training before the optimizer step
    finite_loss=dict(type='FiniteLossHook'),
    # generator states in the checkpoints: --resume continues the same draws
    rng_state=dict(type='RNGStateHook'),
    # `epoch 3/40: loss ..., pascal_voc/mAP ... (best ...), 4.1 s, ETA ...`
    # and, on a terminal, a progress bar
    epoch_summary=dict(type='EpochSummaryHook'),
    # WORK_DIR/curves.png after each validation and at the end
    curves=dict(type='TrainingCurvesHook'))

# Stop when the held-out metric has not improved for `patience` validations
# (MMEngine's EarlyStoppingHook); one line in a config switches it on:
#   default_hooks = dict(early_stopping=dict(
#       type='EarlyStoppingHook', monitor='pascal_voc/mAP', patience=5))
