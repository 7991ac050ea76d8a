#!/usr/bin/env bash
# Idempotent set-up of the project's environment in .venv/ at the repository root.
#
# Installs the pinned stack (torch 2.14.1, torchvision 0.29.1, mmengine 0.10.7, mmcv 2.1.0 with ops,
# mmdet 3.3.0), the linter (ruff 0.17.5, `make lint`), the `deploy` extra (onnx, onnxscript,
# onnxruntime: ONNX export and its tests) and the plugin in editable mode with
# --no-deps (setup.cfg states only version ranges; the pins here are the versions tested).
# mmcv 2.1.0 exists on PyPI only as source, so it is compiled once (C++20 for torch 2.14's
# headers) and the wheel is kept in a cache outside the repo, keyed by the Python and torch
# versions: later fresh clones install it in seconds. On a GPU machine (nvcc, a CUDA build of
# torch and a visible GPU) or with FORCE_CUDA=1, mmcv is compiled with its CUDA ops; otherwise
# its ops are CPU-only (a GPU user can install one of MMCV's own CUDA wheels instead, README).
#
# Environment:
#   FASTSSD_CACHE   wheel cache folder. Defaults to ~/.cache/mmdet_fastssd.
#   PYTHON          interpreter that creates the venv. Defaults to python3.11, else python3.
#   FORCE_CUDA      1: compile mmcv's CUDA ops, 0: CPU-only ops. Defaults to auto (on a GPU machine).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
CACHE="${FASTSSD_CACHE:-$HOME/.cache/mmdet_fastssd}"
TORCH_VER=2.14.1
TV_VER=0.29.1
MMCV_VER=2.1.0
MMENGINE_VER=0.10.7
MMDET_VER=3.3.0
RUFF_VER=0.17.5
DEPLOY_PKGS=(onnx==1.23.2 onnxscript==0.7.2 onnxruntime==1.31.1)
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '[setup] %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
  PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
  log "creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
PIP=("$VPY" -m pip)

# Fast path: everything already imports at the pinned versions.
if "$VPY" - "$TORCH_VER" "$MMCV_VER" "$MMENGINE_VER" "$MMDET_VER" "$RUFF_VER" "$ROOT" "${DEPLOY_PKGS[@]}" <<'PY' 2>/dev/null; then
import sys, os
from importlib.metadata import version
t, c, e, d, r, root = sys.argv[1:7]
for pin in sys.argv[7:]:
    name, ver = pin.split('==')
    assert version(name) == ver, (name, version(name))
import torch, mmcv, mmcv.ops, mmengine, mmdet, pytest, mmdet_fastssd
assert torch.__version__.split('+')[0] == t, torch.__version__
assert (mmcv.__version__, mmengine.__version__, mmdet.__version__) == (c, e, d)
assert version('ruff') == r, version('ruff')
assert os.path.realpath(os.path.dirname(mmdet_fastssd.__file__)).startswith(os.path.realpath(root))
if os.environ.get('FORCE_CUDA', 'auto') == '1' or (os.environ.get('FORCE_CUDA', 'auto') == 'auto'
        and __import__('shutil').which('nvcc') and torch.cuda.is_available()):
    assert mmcv.ops.get_compiling_cuda_version() != 'not available'  # mmcv's CUDA ops
PY
  log "environment is up to date ($VENV)"
  exit 0
fi

log "installing torch==$TORCH_VER torchvision==$TV_VER"
"${PIP[@]}" install -q "torch==$TORCH_VER" "torchvision==$TV_VER"
# mmcv's setup.py imports pkg_resources (gone from setuptools >= 81); torch wants >= 77.
"${PIP[@]}" install -q "setuptools==80.9.0" wheel ninja "mmengine==$MMENGINE_VER" pytest "ruff==$RUFF_VER"

# FORCE_CUDA: 1 compiles mmcv's CUDA ops, 0 not; by default (auto) on a GPU machine, i.e. with
# nvcc, a CUDA build of torch and a visible GPU (nvcc alone, on a CPU machine, is not enough).
cuda_ops() {
  case "${FORCE_CUDA:-auto}" in
    1) return 0 ;;
    auto) command -v nvcc >/dev/null 2>&1 && \
      "$VPY" -c 'import sys, torch; sys.exit(not (torch.version.cuda and torch.cuda.is_available()))' 2>/dev/null ;;
    *) return 1 ;;
  esac
}

mmcv_ok() {  # with its CUDA ops where cuda_ops says so
  "$VPY" - "$MMCV_VER" "$(cuda_ops && echo 1 || echo 0)" <<'PY' 2>/dev/null
import sys, mmcv, mmcv.ops
assert mmcv.__version__ == sys.argv[1]
if sys.argv[2] == '1':
    assert mmcv.ops.get_compiling_cuda_version() != 'not available'
PY
}

if mmcv_ok; then
  log "mmcv $MMCV_VER with ops already imports"
else
  key="$("$VPY" -c 'import sys, torch; print(f"py{sys.version_info[0]}{sys.version_info[1]}-torch{torch.__version__}")')"
  # A GPU machine: mmcv's ops with their CUDA kernels, cached apart from the CPU-only build.
  force_cuda=0
  if cuda_ops; then
    force_cuda=1
    key="$key-cudaops"
  fi
  wheel_dir="$CACHE/wheels/$key"
  wheel="$(ls "$wheel_dir"/mmcv-"$MMCV_VER"-*.whl 2>/dev/null | head -n 1 || true)"
  if [ -z "$wheel" ]; then
    log "compiling mmcv $MMCV_VER with ops for $key (FORCE_CUDA=$force_cuda; about 7 minutes on 2 cores without CUDA)"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-cache-dir -d "$tmp" "mmcv==$MMCV_VER"
    tar -xzf "$tmp"/mmcv-"$MMCV_VER".tar.gz -C "$tmp"
    src="$tmp/mmcv-$MMCV_VER"
    sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "$src/setup.py"
    (cd "$src" && MMCV_WITH_OPS=1 FORCE_CUDA="$force_cuda" MAX_JOBS="${MAX_JOBS:-2}" \
      "${PIP[@]}" wheel -q --no-deps --no-build-isolation --no-cache-dir -w "$tmp/dist" .)
    mkdir -p "$wheel_dir"
    built="$(ls "$tmp"/dist/mmcv-*.whl)"
    cp "$built" "$wheel_dir/.partial.whl"
    mv "$wheel_dir/.partial.whl" "$wheel_dir/$(basename "$built")"
    wheel="$wheel_dir/$(basename "$built")"
  else
    log "using cached mmcv wheel $wheel"
  fi
  "${PIP[@]}" install -q --no-cache-dir "$wheel"
  mmcv_ok || { log "mmcv $MMCV_VER failed to import after install"; exit 1; }
fi

log "installing mmdet==$MMDET_VER and the plugin (editable)"
"${PIP[@]}" install -q "mmdet==$MMDET_VER"
"${PIP[@]}" install -q --no-build-isolation --no-deps -e "$ROOT"
log "installing the deploy extra: ${DEPLOY_PKGS[*]}"
"${PIP[@]}" install -q "${DEPLOY_PKGS[@]}"
"$VPY" -c "import mmdet_fastssd, mmcv.ops; print('[setup] ok: torch', __import__('torch').__version__, 'mmcv', __import__('mmcv').__version__, 'mmdet', __import__('mmdet').__version__)"
