# adam_onecycle.py as the shapes configs train it on a CPU: bf16 autocast
# (BF16AutocastOptimWrapper), Adam fused into one kernel, NHWC weights
# (ChannelsLastHook: oneDNN's native convolution layout) and a one-cycle LR
# warming up over 15% of the run.
# Config variables resolve per file, so a child that changes max_epochs or
# lr sets them again where they are used:
#   train_cfg = dict(max_epochs=max_epochs, val_interval=2)
#   optim_wrapper = dict(optimizer=dict(lr=lr))
#   param_scheduler = [dict(_base_.param_scheduler[0], eta_max=lr,
#                           end=max_epochs)]
_base_ = ['./adam_onecycle.py']

max_epochs = 8
lr = 3e-3

train_cfg = dict(max_epochs=max_epochs, val_interval=2)
optim_wrapper = dict(
    type='BF16AutocastOptimWrapper', optimizer=dict(lr=lr, fused=True))
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=lr,
        pct_start=0.15,
        div_factor=20,
        final_div_factor=100,
        anneal_strategy='linear',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
custom_hooks = [dict(type='ChannelsLastHook')]
