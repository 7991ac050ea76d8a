# Adam with a one-cycle LR: linear warm-up from lr/div over pct_start of the
# run, then annealing, stepped every iteration.
max_epochs = 10
lr = 1e-3

# held-out mAP every 2 epochs and after the last: on VOC2007 (test about
# the size of trainval) a validation costs about a third of a training
# epoch on a CPU (docs/results.md), so every 2 epochs adds about a sixth
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=2)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=lr, betas=(0.9, 0.99), weight_decay=1e-5))

param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=lr,
        pct_start=0.1,
        div_factor=20,
        final_div_factor=100,
        anneal_strategy='linear',
        begin=0,
        end=max_epochs,  # re-set when a child changes max_epochs
        by_epoch=True,
        convert_to_iter_based=True)
]

auto_scale_lr = dict(enable=False, base_batch_size=64)
