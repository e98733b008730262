#!/usr/bin/env bash
# The one prepared command for a borrowed GPU (README: "GPU benchmark").
#   here:       benchmarks/gpu_session.sh --prepare [DATA_DIR]   copies the data sets into .gpu_data/ (git-ignored)
#   on the GPU: benchmarks/gpu_session.sh [bench_gpu.py options]  results in $OUT (or /tmp/gpu-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--prepare" ]]; then
  src="${2:-../shared/data}"
  rm -rf .gpu_data && mkdir -p .gpu_data && cp -r "$src/mnist" "$src/cifar10" .gpu_data/
  du -sh .gpu_data
  exit 0
fi
OUT="${OUT:-/tmp/gpu-bench}"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1
# The GPU image brings torch, torchvision, numpy, pytest, tqdm and matplotlib; the engine itself needs
# only to be importable, also by `python -I` (the sandbox supervisor), which honours .pth files.
if ! (cd / && "$PY" -I -c "import autograder" 2>/dev/null); then
  echo "$PWD" > "$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/week2_autograder_dev.pth"
fi
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true; } > "$OUT/nvidia-smi.txt" 2>&1
"$PY" benchmarks/bench_gpu.py --data-dir .gpu_data --out "$OUT" "$@" 2>&1 | tee "$OUT/log.txt"
