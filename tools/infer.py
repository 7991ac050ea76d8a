"""Run a trained detector on your own pictures (or a video).

Example::

    python tools/infer.py configs/fastssd_shapes.py \
        work_dirs/fastssd_shapes/epoch_8.pth my_photos/ --out-dir predictions

INPUT is a folder (its images, sorted), a glob in quotes ('shots/*.png'), one
image, or a video file (frame by frame, where OpenCV reads it). Writes one
picture per image to OUT_DIR/vis/ and one JSON line per image to
OUT_DIR/predictions.jsonl (file, boxes in original pixels x1 y1 x2 y2,
scores, labels, class names), then prints a summary with images per second.
The flags are mmdet's demo/image_demo.py's (--pred-score-thr, --no-save-vis,
--no-save-pred, --print-result); --score-thr and --no-vis still work. An
unreadable image (an empty file, say) is skipped with one line naming it;
the exit status is non-zero only when no image could be read.
CHECKPOINT may be an http(s) URL (downloaded once, hash in its name checked).
"""
import argparse
import os.path as osp
from typing import List, Optional

from mmdet.apis import init_detector

from mmdet_fastssd.apis.cli import load_config
from mmdet_fastssd.apis.inference import infer_source, summary_line
from mmdet_fastssd.utils import exit_on_user_errors


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Detect objects in a folder, glob, image or video')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file or http(s) URL')
    parser.add_argument('input', help='folder, glob, image or video file')
    parser.add_argument('--out-dir', default='outputs',
                        help='where vis/ and predictions.jsonl go '
                        '(default: outputs)')
    parser.add_argument('--pred-score-thr', '--score-thr', type=float,
                        default=0.3, dest='pred_score_thr',
                        help='keep detections scoring above this '
                        '(default: 0.3)')
    parser.add_argument('--device', default='cpu',
                        help='cpu, cuda or cuda:N (default: cpu)')
    parser.add_argument('--batch-size', type=int, default=1,
                        help='images per forward pass (default: 1)')
    parser.add_argument('--no-save-vis', '--no-vis', action='store_true',
                        dest='no_save_vis',
                        help='write no pictures (vis/)')
    parser.add_argument('--no-save-pred', action='store_true',
                        help='write no predictions.jsonl')
    parser.add_argument('--print-result', action='store_true',
                        help="print each image's JSON line")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    """Load the model, run it on INPUT, print the summary."""
    args = parse_args(argv)
    if args.batch_size < 1:
        raise SystemExit(f'--batch-size must be >= 1, got {args.batch_size}')
    is_url = args.checkpoint.startswith(('http://', 'https://'))
    if not is_url and not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint file not found: {args.checkpoint}')
    with exit_on_user_errors():  # a refused checkpoint: message only
        model = init_detector(load_config(args.config), args.checkpoint,
                              device=args.device)
    try:
        summary = infer_source(model, args.input, args.out_dir,
                               score_thr=args.pred_score_thr,
                               batch_size=args.batch_size,
                               draw=not args.no_save_vis,
                               save_pred=not args.no_save_pred,
                               print_result=args.print_result)
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(f'infer: {exc}') from exc
    print(summary_line(summary))
    if summary['images'] == 0:
        raise SystemExit(f'infer: no readable image in {args.input}')


if __name__ == '__main__':
    main()
