# `configs/<this file's name>` for MMEngine's pure-Python configs: inherit it
# with `with read_base(): from mmdet_fastssd.configs.NAME import *` (see
# mmdet_fastssd/configs/__init__.py). Reads the text config of the same name
# in the package's .mim/configs (the repository's configs/); MMEngine runs
# only builtin and mmengine.config imports while it reads a config.
from mmengine.config import Config as __Config

globals().update(__Config.fromfile('/.mim/configs/'.join(
    __file__.replace('\\', '/').rsplit('/configs/', 1))).to_dict())
