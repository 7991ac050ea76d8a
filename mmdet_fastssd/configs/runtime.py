# The plugin's MMEngine fixes (mmdet_fastssd/runtime.py; what each is for:
# docs/reliability.md) for a pure-Python config, which MMEngine reads
# without acting on `custom_imports`:
#     with read_base():
#         from mmdet_fastssd.configs.fastssd_shapes import *
#         from mmdet_fastssd.configs.runtime import *
# turns them on while MMEngine reads the config, and records them in its
# custom_imports, the entry a text config writes to turn them on.
__import__('mmdet_fastssd.runtime')

custom_imports = dict(
    imports=['mmdet_fastssd', 'mmdet_fastssd.runtime'],
    allow_failed_imports=False)
