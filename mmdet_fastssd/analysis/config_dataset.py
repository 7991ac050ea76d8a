"""A config's data split, built as its dataloader would, and its ground truths
as 0-1 fractions of the network input."""
import copy
from typing import Tuple

import torch
from mmengine.config import Config, ConfigDict
from mmengine.dataset import ClassBalancedDataset, RepeatDataset
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings
from torch import Tensor

from mmdet.registry import DATASETS

SPLITS = ('train', 'val', 'test')
# Transforms that draw random numbers; show_matching leaves them out.
RANDOM_TRANSFORMS = ('Expand', 'BorderFillExpand', 'MinIoURandomCrop',
                     'BatchedMinIoURandomCrop',
                     'PhotoMetricDistortion',
                     'Mosaic', 'MixUp', 'CutOut', 'Rotate', 'ShearX',
                     'ShearY', 'TranslateX', 'TranslateY', 'AutoAugment',
                     'RandAugment', 'Albu')


def dataset_cfg(cfg: Config, split: str = 'train') -> ConfigDict:
    """A copy of ``{split}_dataloader.dataset``.

    Raises:
        ValueError: the split is unknown or the config has no such key.
    """
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    key = f'{split}_dataloader'
    if 'dataset' not in cfg.get(key, {}):
        raise ValueError(f'{cfg.filename}: the config has no '
                         f'{key}.dataset to read the {split} split from')
    return copy.deepcopy(cfg[key].dataset)


def is_random(transform: dict) -> bool:
    """Whether a pipeline step draws random numbers (flips, crops, ...)."""
    name = str(transform.get('type', ''))
    return name.startswith('Random') or name in RANDOM_TRANSFORMS


def build_split(cfg: Config, split: str = 'train',
                deterministic: bool = False):
    """Build the split's dataset with the plugin registered.

    Args:
        cfg (Config): the config.
        split (str): 'train', 'val' or 'test'. Defaults to 'train'.
        deterministic (bool): drop random pipeline steps (``is_random``).
            Defaults to False.

    Returns:
        BaseDataset: the dataset (wrappers such as RepeatDataset included).
    """
    ds_cfg = dataset_cfg(cfg, split)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if deterministic:
        inner = ds_cfg
        while 'pipeline' not in inner and 'dataset' in inner:
            inner = inner.dataset  # [RepeatDataset ->] the real dataset
        inner.pipeline = [t for t in inner.get('pipeline', [])
                          if not is_random(t)]
    return DATASETS.build(ds_cfg)


def unwrap(dataset):
    """The dataset under RepeatDataset/ClassBalancedDataset (no repeats)."""
    while isinstance(dataset, (RepeatDataset, ClassBalancedDataset)):
        dataset = dataset.dataset
    return dataset


def gt_fractions(dataset) -> Tuple[Tensor, Tensor, Tensor]:
    """Every training ground truth as a 0-1 fraction of its image.

    That is what the network sees after the plugin's squishing ``Resize``
    (``keep_ratio=False``). Ignored (``difficult``) boxes are left out as
    ``PackDetInputs`` leaves them out of ``gt_instances``; boxes without
    width or height are left out as the head masks them.

    Args:
        dataset (BaseDataset): a detection dataset (or a wrapper).

    Returns:
        tuple[Tensor, Tensor, Tensor]: boxes [N, 4] x1y1x2y2 fractions,
        labels [N] long and image indices [N] long.
    """
    dataset = unwrap(dataset)
    boxes, sizes, labels, images = [], [], [], []
    for idx in range(len(dataset)):  # annotations only: no image decoding
        info = dataset.get_data_info(idx)
        if 'width' not in info or 'height' not in info:
            raise ValueError(f'{info.get("img_path", idx)}: the dataset '
                             'gives no image width/height')
        for inst in info.get('instances', []):
            if inst.get('ignore_flag', 0):
                continue
            boxes.append(inst['bbox'])
            sizes.append((info['width'], info['height']) * 2)
            labels.append(inst['bbox_label'])
            images.append(idx)
    if not boxes:
        return (torch.zeros((0, 4)), torch.zeros(0, dtype=torch.long),
                torch.zeros(0, dtype=torch.long))
    frac = torch.tensor(boxes, dtype=torch.float32) / torch.tensor(
        sizes, dtype=torch.float32)  # [N, 4]
    keep = (frac[:, 2:] > frac[:, :2]).all(-1)  # [N] w, h > 0
    return (frac[keep], torch.tensor(labels)[keep],
            torch.tensor(images)[keep])


def class_names(dataset) -> Tuple[str, ...]:
    """The dataset's class names (``metainfo['classes']``)."""
    return tuple(unwrap(dataset).metainfo.get('classes', ()))


def keeps_ratio(dataset) -> bool:
    """Whether the pipeline has a ``Resize`` that keeps the aspect ratio
    (then batches pad, and annotation fractions differ from the input's)."""
    steps = getattr(unwrap(dataset).pipeline, 'transforms', [])
    return any(type(t).__name__ == 'Resize' and getattr(t, 'keep_ratio', 0)
               for t in steps)
