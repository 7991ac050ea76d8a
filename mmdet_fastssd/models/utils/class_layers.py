"""Fine-tuning with another class count: keep the new class layers' init."""
import logging
from typing import Dict, List

import torch.nn as nn
from mmengine.logging import print_log
from torch import Tensor


def mismatched_class_layers(module: nn.Module, state_dict: Dict[str, Tensor],
                            prefix: str,
                            layer_names: List[str]) -> Dict[str, tuple]:
    """Class layers of ``module`` whose checkpoint tensors differ in shape.

    Args:
        module (nn.Module): the head.
        state_dict (dict[str, Tensor]): checkpoint tensors (full keys).
        prefix (str): the head's key prefix, e.g. ``'bbox_head.'``.
        layer_names (list[str]): the head's class layers, e.g.
            ``['outs.0.conv_cls']``.

    Returns:
        dict[str, tuple]: full layer name -> (checkpoint shape, model shape)
        of its first mismatching tensor.
    """
    found = {}
    for name in layer_names:
        for key, own in module.get_submodule(name).state_dict().items():
            theirs = state_dict.get(f'{prefix}{name}.{key}')
            if theirs is not None and theirs.shape != own.shape:
                found[prefix + name] = (tuple(theirs.shape), tuple(own.shape))
                break
    return found


def keep_init_of_mismatched_class_layers(module: nn.Module,
                                         state_dict: Dict[str, Tensor],
                                         prefix: str,
                                         layer_names: List[str]) -> List[str]:
    """Put the head's own tensors in ``state_dict`` for mismatched layers.

    Used from a head's ``_load_from_state_dict``: a checkpoint trained with
    another class count then loads without size-mismatch errors or missing
    keys, those layers keep their initialisation and one log line names
    them. Layers whose shapes match are loaded as usual.

    Args:
        module (nn.Module): the head.
        state_dict (dict[str, Tensor]): checkpoint tensors; modified in
            place (only the mismatched layers' entries).
        prefix (str): the head's key prefix.
        layer_names (list[str]): the head's class layers.

    Returns:
        list[str]: the re-initialised layers (full names).
    """
    found = mismatched_class_layers(module, state_dict, prefix, layer_names)
    for full_name in found:
        layer = module.get_submodule(full_name[len(prefix):])
        for key, own in layer.state_dict().items():
            state_dict[f'{full_name}.{key}'] = own.detach().clone()
    if found:
        shapes = '; '.join(f'{n} {c} -> {m}' for n, (c, m) in found.items())
        print_log(
            f'{type(module).__name__}: checkpoint trained with another class '
            f'count: re-initialised the class layers (checkpoint -> model '
            f'shape) {shapes}', logger='current', level=logging.WARNING)
    return list(found)


class ClassLayersMixin:
    """Loads checkpoints with another class count (fine-tuning).

    Put it before ``BaseDenseHead`` in a head's bases and implement
    ``class_layer_names``: the layers whose shapes follow ``num_classes``
    then keep their initialisation when the checkpoint's shapes differ, with
    one log line naming them; every other tensor loads as usual.
    """

    def class_layer_names(self) -> List[str]:
        """Names (relative to the head) of the layers sized by the classes."""
        raise NotImplementedError

    def _load_from_state_dict(self, state_dict: Dict[str, Tensor],
                              prefix: str, *args, **kwargs) -> None:
        """``nn.Module`` hook; runs before the children load theirs."""
        keep_init_of_mismatched_class_layers(self, state_dict, prefix,
                                             self.class_layer_names())
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
