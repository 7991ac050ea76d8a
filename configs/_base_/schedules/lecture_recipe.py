# The lecture's training recipe (lesson 9): Adam with differential learning
# rates over three layer groups, the backbone unfrozen in two steps, and one
# fastai-style cyclical LR, use_clr=(20, 10), over the whole run.
#
# Layer groups (fastai 0.7 splits torchvision's ResNet at child 6):
#   early = stem (conv1/bn1, or `stem`) + layer1 + layer2    lr / 100
#   late  = the rest of the backbone (layer3 + layer4)       lr / 10
#   head  = everything else (bbox_head, neck)                lr
# MMEngine gives a parameter the lr_mult of the LONGEST custom key contained
# in its name, so 'backbone' only catches what the early keys do not.
# FreezeScheduleHook uses the same keys and the same rule.
#
# The cyclical schedule is mmdet_fastssd.engine.fastai_clr(div, cut_div,
# max_epochs) written out (configs cannot import at parse time): LR rises
# linearly from lr/div to lr over the first 1/cut_div of the run, then falls
# linearly back to lr/div. A child that changes max_epochs, lr, div or the
# freeze epochs must rewrite param_scheduler / custom_hooks too.
#
# The loops, Adam and auto_scale_lr are adam_onecycle.py's; the one cycle is
# replaced by the cyclical LR.
_base_ = ['./adam_onecycle.py']

max_epochs = 20
lr = 1e-2  # the head's LR; the lecture's value
clr_div = 20
clr_cut_div = 10
unfreeze_epochs = (5, 10)  # freeze_to(-2) at epoch 5, unfreeze at epoch 10

early_keys = ('backbone.conv1', 'backbone.bn1', 'backbone.stem',
              'backbone.layer1', 'backbone.layer2')
late_keys = ('backbone', )

train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(
    optimizer=dict(lr=lr),
    paramwise_cfg=dict(custom_keys={
        'backbone.conv1': dict(lr_mult=0.01),
        'backbone.bn1': dict(lr_mult=0.01),
        'backbone.stem': dict(lr_mult=0.01),
        'backbone.layer1': dict(lr_mult=0.01),
        'backbone.layer2': dict(lr_mult=0.01),
        'backbone': dict(lr_mult=0.1),
    }))

# == fastai_clr(clr_div, clr_cut_div, max_epochs), in place of the one cycle
param_scheduler = [
    dict(type='LinearLR', start_factor=1. / clr_div, end_factor=1.,
         begin=0, end=max_epochs / clr_cut_div, by_epoch=True,
         convert_to_iter_based=True),
    dict(type='LinearLR', start_factor=1., end_factor=1. / clr_div,
         begin=max_epochs / clr_cut_div, end=max_epochs, by_epoch=True,
         convert_to_iter_based=True),
]

custom_hooks = [
    dict(type='FreezeScheduleHook', unfreeze_epochs=unfreeze_epochs,
         layer_groups=(early_keys, late_keys)),
]

# frozen parameters get no gradient: DDP must look for unused parameters
model_wrapper_cfg = dict(type='MMDistributedDataParallel',
                         find_unused_parameters=True)
