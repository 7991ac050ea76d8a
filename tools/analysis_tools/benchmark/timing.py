"""Timing and machine-description helpers of the benchmark."""
import os
import platform
import statistics
import time
from dataclasses import dataclass
from typing import Callable, Dict, List

import torch


@dataclass
class Timing:
    """Wall-clock statistics of one measured case, in milliseconds.

    Args:
        median (float): median of the repeats.
        low (float): fastest repeat.
        high (float): slowest repeat.
        repeats (int): number of timed repeats.
    """

    median: float
    low: float
    high: float
    repeats: int

    @property
    def spread(self) -> str:
        """str: ``low-high`` range, for the tables."""
        return f'{self.low:.3g}-{self.high:.3g}'


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels on ``device`` (no-op on the CPU).

    Args:
        device (torch.device): where the work runs.
    """
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_fn(fn: Callable[[], object], device: torch.device, warmup: int = 2,
            repeats: int = 5) -> Timing:
    """Median and spread of ``fn``'s wall-clock time.

    Args:
        fn (Callable): the work; its result is dropped.
        device (torch.device): synchronised around every call.
        warmup (int): untimed calls first. Defaults to 2.
        repeats (int): timed calls. Defaults to 5.

    Returns:
        Timing: milliseconds.
    """
    for _ in range(warmup):
        fn()
    synchronize(device)
    times: List[float] = []
    for _ in range(max(repeats, 1)):
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append((time.perf_counter() - start) * 1e3)
    return Timing(statistics.median(times), min(times), max(times),
                  len(times))


def time_fns(fns: Dict[str, Callable[[], object]], device: torch.device,
             warmup: int = 1, repeats: int = 5) -> Dict[str, Timing]:
    """Like ``time_fn`` for several functions, interleaved round-robin.

    Every repeat runs each function once in turn, so slow drifts of the
    machine (other load, memory state) hit all of them alike.

    Args:
        fns (dict[str, Callable]): the work, by name.
        device (torch.device): synchronised around every call.
        warmup (int): untimed rounds first. Defaults to 1.
        repeats (int): timed rounds. Defaults to 5.

    Returns:
        dict[str, Timing]: milliseconds, by name.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    synchronize(device)
    times: Dict[str, List[float]] = {name: [] for name in fns}
    for _ in range(max(repeats, 1)):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            synchronize(device)
            times[name].append((time.perf_counter() - start) * 1e3)
    return {name: Timing(statistics.median(t), min(t), max(t), len(t))
            for name, t in times.items()}


def cpu_model() -> str:
    """CPU model name from ``/proc/cpuinfo`` (``platform`` as a fallback).

    Returns:
        str: e.g. ``Intel(R) Xeon(R) Processor``.
    """
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def load_average() -> str:
    """The 1/5/15-minute load averages, as ``/proc/loadavg`` prints them.

    Returns:
        str: e.g. ``0.52 0.80 0.91``.
    """
    try:
        return ' '.join(f'{v:.2f}' for v in os.getloadavg())
    except OSError:
        return 'n/a'


def machine_info(device: torch.device) -> Dict[str, str]:
    """What the numbers were measured on.

    Args:
        device (torch.device): the benchmark's device.

    Returns:
        dict[str, str]: cpu, cores, torch, threads, device, gpu.
    """
    info = dict(cpu=cpu_model(), cores=str(os.cpu_count()),
                torch=torch.__version__, threads=str(torch.get_num_threads()),
                device=str(device),
                gpu='none (CUDA not available)')
    if torch.cuda.is_available():
        info['gpu'] = torch.cuda.get_device_name(0)
    return info
