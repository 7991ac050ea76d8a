"""What limits a trained detector: per-class and class-agnostic mAP per split.

    python tools/analysis_tools/photo_diagnosis.py CONFIG CHECKPOINT \
        [--splits train test] [--out FILE.json] [--cfg-options ...]

Runs the config's test pipeline (no augmentation) over each split's image
list (``train`` reads ``train_dataloader``'s list, ``test`` the test one)
and prints, per split, VOC mAP@0.5 (11 points, as ``VOCMetric``), the
class-agnostic mAP (every class one, class-agnostic NMS) and AP per class.
Training far above held-out: over-fitting; class-agnostic far above
per-class: objects found, classes confused. See
``mmdet_fastssd.analysis.photo_diagnosis``.
"""
import argparse
import json

from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

from mmdet.apis import init_detector
from mmdet.registry import DATASETS

from mmdet_fastssd.analysis.photo_diagnosis import (
    SPLITS,
    eval_dataset_cfg,
    format_table,
    predict_split,
    summarise,
)
from mmdet_fastssd.apis.cli import add_cfg_options, load_config


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='trained detector checkpoint')
    parser.add_argument('--splits', nargs='+', default=['train', 'test'],
                        choices=SPLITS)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--out', help='write the results as JSON here')
    add_cfg_options(parser)
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    """Evaluate each split; print the table; return {split: summary}."""
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    # the trained weights replace the start: no pretrained download/read
    cfg.model.get('backbone', {}).pop('init_cfg', None)
    model = init_detector(cfg, args.checkpoint, device='cpu')
    results = {}
    for split in args.splits:
        dataset = DATASETS.build(eval_dataset_cfg(cfg, split))
        anns, dets = predict_split(model, dataset, args.batch_size)
        results[split] = summarise(anns, dets,
                                   dataset.metainfo['classes'])
    print(format_table(results))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == '__main__':
    main()
