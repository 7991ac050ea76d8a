"""Run a detector on a folder, glob, image or video (``tools/infer.py``).

The model comes from ``mmdet.apis.init_detector``; images go through the
config's test pipeline (without ``LoadAnnotations``), ``batch_size`` at a
time, and each one gives a picture (``OUT/vis/``) and one JSON line in
``OUT/predictions.jsonl``: the file (or ``video.mp4#frame``), boxes in
original-image pixels (x1, y1, x2, y2), scores, label ids and class names of
the detections scoring above ``score_thr``.
"""
import copy
import glob
import json
import os
import os.path as osp
import sys
import time
from typing import Iterator, List, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.utils import ProgressBar

from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample
from mmdet.utils import get_test_pipeline_cfg

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v',
                    '.mpg', '.mpeg')
Frame = Tuple[str, np.ndarray]  # (name, BGR image [H, W, 3])


def list_images(source: str) -> List[str]:
    """Image files of a folder (sorted, not recursive), a glob or one file.

    Raises:
        FileNotFoundError: naming ``source`` when nothing matches.
    """
    if osp.isdir(source):
        files = [osp.join(source, f) for f in sorted(os.listdir(source))]
    elif glob.has_magic(source):
        files = sorted(glob.glob(source, recursive=True))
    elif osp.isfile(source):
        return [source]
    else:
        raise FileNotFoundError(f'input not found: {source}')
    images = [f for f in files
              if osp.isfile(f) and f.lower().endswith(IMAGE_EXTENSIONS)]
    if not images:
        raise FileNotFoundError(
            f'no images ({", ".join(IMAGE_EXTENSIONS)}) in {source}')
    return images


def is_video(source: str) -> bool:
    """Whether ``source`` is a single file with a video extension."""
    return osp.isfile(source) and source.lower().endswith(VIDEO_EXTENSIONS)


def video_frames(path: str) -> Tuple[Iterator[Frame], int]:
    """Frames of a video as ``('<path>#<index>', BGR image)``.

    Returns:
        tuple: the frame iterator and OpenCV's frame count (0: unknown).

    Raises:
        ValueError: OpenCV cannot open the file.
    """
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        raise ValueError(f'OpenCV cannot read the video {path}')
    total = max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), 0)

    def frames() -> Iterator[Frame]:
        index = 0
        try:
            while True:
                ok, image = capture.read()
                if not ok:
                    return
                yield f'{path}#{index}', image
                index += 1
        finally:
            capture.release()

    return frames(), total


def read_image(path: str) -> np.ndarray:
    """A BGR image, or None when the file is not a readable image.

    ``mmcv.imread`` raises OpenCV's error on an empty file (a failed copy)
    and returns None on other undecodable bytes; both mean "skip it".
    """
    try:
        return mmcv.imread(path, channel_order='bgr')
    except (OSError, ValueError, cv2.error):
        return None


def image_frames(files: Sequence[str],
                 skipped: Optional[List[str]] = None) -> Iterator[Frame]:
    """``(path, BGR image)``; unreadable files are skipped with a message.

    Args:
        files (Sequence[str]): image paths.
        skipped (list[str], optional): gets the path of every skipped
            file. Defaults to None.
    """
    for path in files:
        image = read_image(path)
        if image is None:
            size = osp.getsize(path) if osp.isfile(path) else 0
            print(f'infer: skipped {path}: not a readable image '
                  f'({size} bytes)', file=sys.stderr)
            if skipped is not None:
                skipped.append(path)
            continue
        yield path, image


def open_source(source: str, skipped: Optional[List[str]] = None
                ) -> Tuple[Iterator[Frame], int]:
    """Frames of ``source`` (video file, folder, glob or image) and count.

    Args:
        source (str): video file, folder, glob or image.
        skipped (list[str], optional): gets unreadable image paths.
            Defaults to None.
    """
    if is_video(source):
        return video_frames(source)
    files = list_images(source)
    return image_frames(files, skipped), len(files)


def array_test_pipeline(cfg) -> Compose:
    """The config's test pipeline for in-memory BGR arrays, no annotations.

    Args:
        cfg (Config): the model's config (``model.cfg``).

    Returns:
        Compose: maps ``dict(img=..., img_id=..., img_path=...)`` to the
        model's inputs.
    """
    pipeline = copy.deepcopy(get_test_pipeline_cfg(cfg))
    pipeline = [t for t in pipeline
                if 'LoadAnnotations' not in str(t.get('type', ''))]
    if not pipeline or 'LoadImage' not in str(pipeline[0].get('type', '')):
        raise ValueError('test_dataloader.dataset.pipeline must start with an '
                         f'image loading transform, got {pipeline[:1]}')
    pipeline[0] = dict(type='mmdet.LoadImageFromNDArray')
    return Compose(pipeline)


def predict_frames(model: torch.nn.Module, pipeline: Compose,
                   frames: Sequence[Frame]) -> List[DetDataSample]:
    """One ``test_step`` on a batch of frames.

    Returns:
        list[DetDataSample]: predictions in original-image pixels.
    """
    data = [pipeline(dict(img=image, img_id=i, img_path=name))
            for i, (name, image) in enumerate(frames)]
    with torch.no_grad():
        return model.test_step(pseudo_collate(data))


def prediction_record(name: str, sample: DetDataSample,
                      classes: Sequence[str], score_thr: float) -> dict:
    """The JSON line of one image: detections scoring above ``score_thr``.

    Returns:
        dict: ``file``, ``boxes`` ([n, 4] x1y1x2y2 original pixels, 2
        decimals), ``scores`` (4 decimals), ``labels``, ``classes``.
    """
    pred = sample.pred_instances
    pred = pred[pred.scores > score_thr]
    labels = pred.labels.tolist()
    return dict(
        file=name,
        boxes=[[round(v, 2) for v in box] for box in pred.bboxes.tolist()],
        scores=[round(s, 4) for s in pred.scores.tolist()],
        labels=labels,
        classes=[str(classes[i]) if i < len(classes) else str(i)
                 for i in labels])


def picture_name(name: str, used: set) -> str:
    """A unique picture file name for ``name`` (``video.mp4#12`` included)."""
    path, _, frame = name.partition('#')
    stem, ext = osp.splitext(osp.basename(path))
    if frame:
        stem, ext = f'{stem}_{int(frame):06d}', '.jpg'
    ext = ext.lower() if ext.lower() in ('.jpg', '.jpeg', '.png') else '.jpg'
    candidate, n = stem + ext, 1
    while candidate in used:
        candidate, n = f'{stem}_{n}{ext}', n + 1
    used.add(candidate)
    return candidate


def check_dataset_meta(model: torch.nn.Module) -> None:
    """Take the classes from the config when the checkpoint had none.

    ``init_detector`` falls back to COCO's 80 names for a checkpoint without
    ``meta.dataset_meta``; when their count differs from the head's, the
    config's ``test_dataloader.dataset.metainfo`` classes are used instead.
    """
    classes = (model.dataset_meta or {}).get('classes', ())
    num_classes = getattr(getattr(model, 'bbox_head', None), 'num_classes',
                          len(classes))
    if len(classes) == num_classes:
        return
    metainfo = model.cfg.test_dataloader.dataset.get('metainfo') or {}
    if len(metainfo.get('classes', ())) == num_classes:
        model.dataset_meta = dict(classes=tuple(metainfo['classes']))


def build_visualizer(model: torch.nn.Module):
    """The config's visualizer with the model's classes and palette."""
    cfg = copy.deepcopy(model.cfg.visualizer)
    cfg['name'] = f'fastssd_infer_{id(model)}_{time.monotonic_ns()}'
    visualizer = VISUALIZERS.build(cfg)
    visualizer.dataset_meta = model.dataset_meta
    return visualizer


def batches(frames: Iterator[Frame], size: int) -> Iterator[List[Frame]]:
    """Consecutive lists of ``size`` frames (the last may be shorter)."""
    batch: List[Frame] = []
    for frame in frames:
        batch.append(frame)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class ResultWriter:
    """Where each image's result goes: JSON lines, stdout, pictures.

    Args:
        model (nn.Module): the detector (its config, classes and palette).
        out_dir (str): gets ``predictions.jsonl`` and ``vis/``.
        score_thr (float): detections above it are written and drawn.
        save_pred (bool): write ``predictions.jsonl``.
        print_result (bool): print each JSON line to standard output.
        draw (bool): write one picture per image to ``vis/``.
    """

    def __init__(self, model: torch.nn.Module, out_dir: str,
                 score_thr: float, save_pred: bool, print_result: bool,
                 draw: bool) -> None:
        check_dataset_meta(model)
        self.classes = tuple((model.dataset_meta or {}).get('classes', ()))
        self.score_thr, self.print_result = score_thr, print_result
        self.visualizer = build_visualizer(model) if draw else None
        self.vis_dir = osp.join(out_dir, 'vis') if draw else None
        self.jsonl = osp.join(out_dir, 'predictions.jsonl') \
            if save_pred else None
        os.makedirs(self.vis_dir or out_dir, exist_ok=True)
        self._out = open(self.jsonl, 'w') if self.jsonl else None
        self._used: set = set()

    def write(self, name: str, image: np.ndarray,
              sample: DetDataSample) -> None:
        """The JSON line and the picture of one image."""
        if self._out is not None or self.print_result:
            line = json.dumps(prediction_record(name, sample, self.classes,
                                                self.score_thr))
            if self._out is not None:
                self._out.write(line + '\n')
            if self.print_result:
                print(line)
        if self.visualizer is not None:
            self.visualizer.add_datasample(
                name, mmcv.bgr2rgb(image), sample, draw_gt=False,
                pred_score_thr=self.score_thr,
                out_file=osp.join(self.vis_dir,
                                  picture_name(name, self._used)))

    def close(self) -> None:
        """Close ``predictions.jsonl``."""
        if self._out is not None:
            self._out.close()


def infer_source(model: torch.nn.Module,
                 source: str,
                 out_dir: str,
                 score_thr: float = 0.3,
                 batch_size: int = 1,
                 progress: bool = True,
                 draw: bool = True,
                 save_pred: bool = True,
                 print_result: bool = False) -> dict:
    """Predict every image (or video frame) of ``source``; write the results.

    Unreadable images (an empty file from a failed copy, a truncated one)
    are skipped with one line each on standard error; the rest go on.

    Args:
        model (nn.Module): from ``mmdet.apis.init_detector``.
        source (str): folder, glob, image file or video file.
        out_dir (str): gets ``vis/<name>`` pictures and
            ``predictions.jsonl`` (one line per image, in input order).
        score_thr (float): detections above it are drawn and written.
            Defaults to 0.3.
        batch_size (int): images per forward pass. Defaults to 1.
        progress (bool): show a progress bar. Defaults to True.
        draw (bool): write the pictures. Defaults to True.
        save_pred (bool): write ``predictions.jsonl``. Defaults to True.
        print_result (bool): print each image's JSON line. Defaults to
            False.

    Returns:
        dict: ``images`` (predicted), ``skipped`` (unreadable paths),
        ``seconds`` (end to end), ``model_seconds`` (pipeline + forward +
        NMS), ``predictions`` (the jsonl path or None) and ``vis_dir``.
    """
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    skipped: List[str] = []
    frames, total = open_source(source, skipped)
    pipeline = array_test_pipeline(model.cfg)
    writer = ResultWriter(model, out_dir, score_thr, save_pred,
                          print_result, draw)
    bar = ProgressBar(total) if progress else None
    count, model_seconds, start = 0, 0.0, time.perf_counter()
    try:
        for batch in batches(frames, batch_size):
            tick = time.perf_counter()
            samples = predict_frames(model, pipeline, batch)
            model_seconds += time.perf_counter() - tick
            for (name, image), sample in zip(batch, samples):
                writer.write(name, image, sample)
                count += 1
                if bar is not None:
                    bar.update()
    finally:
        writer.close()
    if bar is not None:
        bar.file.write('\n')
    return dict(images=count, skipped=skipped,
                seconds=time.perf_counter() - start,
                model_seconds=model_seconds, predictions=writer.jsonl,
                vis_dir=writer.vis_dir)


def summary_line(summary: dict) -> str:
    """``infer: N images in S s (R images/s; ...); K skipped; ...``."""
    n, seconds = summary['images'], max(summary['seconds'], 1e-9)
    model = max(summary['model_seconds'], 1e-9)
    where = [f'pictures {summary["vis_dir"]}/'] if summary['vis_dir'] \
        else []
    if summary['predictions']:
        where.append(f'predictions {summary["predictions"]}')
    skipped = len(summary.get('skipped', ()))
    text = (f'infer: {n} images in {seconds:.1f} s ({n / seconds:.1f} '
            f'images/s; model only {n / model:.1f} images/s)')
    if skipped:
        text += f'; {skipped} unreadable skipped'
    return '; '.join([text] + where)
