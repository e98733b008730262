#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image; the zip is unpacked in
# /autograder/source (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
# It installs Python packages into a virtual environment, then downloads and decodes MNIST and
# CIFAR-10 into /autograder/cache, so that no graded run downloads anything.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
export AUTOGRADER_CACHE_DIR="${AUTOGRADER_CACHE_DIR:-$ROOT/cache}"

python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || { echo "error: Python 3.10+ needed; pick an Ubuntu 22.04 (or newer) base image" >&2; exit 1; }
if ! python3 -m venv "$VENV" >/dev/null 2>&1; then  # Ubuntu ships venv's pip separately
    rm -rf "$VENV"
    apt-get update && apt-get install -y python3-venv
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# CPU builds of torch/torchvision (the calibrated versions), then the engine and its other dependencies.
"$VENV/bin/python" -m pip install --no-cache-dir -r "$SOURCE/requirements-torch.txt" \
    --index-url https://download.pytorch.org/whl/cpu
"$VENV/bin/python" -m pip install --no-cache-dir -e "$SOURCE"
"$VENV/bin/python" -m autograder.data.fetch
# Submission code runs as an unprivileged user. When the container refuses namespaces (Docker's
# default), file modes are what separate it from the grader: it must read the Python installation
# (torch imports modules lazily) but not the hidden suites or the decoded test labels.
chmod 755 "$ROOT"
chmod -R a+rX "$VENV"
chmod 700 "$SOURCE"/autograder/assignments/*/hidden "$SOURCE/solutions" "$AUTOGRADER_CACHE_DIR"
# The canary: the reference must get full marks on this image before any student is graded. Run it
# now, so that a submission graded on a machine like this one finds the verdict memoised (another
# kind of machine runs it again, once, before its first submission).
"$VENV/bin/python" -m autograder.verbs.gradescope_run --canary-only || echo "warning: the canary failed at build time; each run will try again and report it" >&2
