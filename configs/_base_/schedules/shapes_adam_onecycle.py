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
# the base's one cycle, warming up over 15% of this length
param_scheduler = [
    dict(_base_.param_scheduler[0], eta_max=lr, pct_start=0.15,
         end=max_epochs)
]
custom_hooks = [dict(type='ChannelsLastHook')]
