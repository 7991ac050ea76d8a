# adam_onecycle.py as the shapes configs train it on a CPU: bf16 autocast
# (BF16AutocastOptimWrapper: 1.2x faster per step here, with AMX/AVX512-BF16),
# Adam fused into one kernel and NHWC weights, oneDNN's native convolution
# layout (ChannelsLastHook); the last two together 1.2x per step here.
# Children still set lr, max_epochs and the whole param_scheduler: config
# variables resolve per file.
_base_ = ['./adam_onecycle.py']

optim_wrapper = dict(
    type='BF16AutocastOptimWrapper', optimizer=dict(fused=True))
custom_hooks = [dict(type='ChannelsLastHook')]
