"""What this machine is, as far as a grading verdict can depend on it.

The fingerprint names everything about the machine and the run that changes how fast (or in what
arithmetic) the reference trains here: CPU model and flags, cores and threads, torch, device and
precision, and the environment switches that pick torch's CPU kernels where one is set. The
canary's memo (canary.py) and the machine's speed profile, from which time limits are scaled, are
keyed on it, together with what the training checks train (canary.fingerprint adds that).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import platform
import re
import sys
from pathlib import Path

from autograder.config import GradingConfig, available_cores

_FLAGS_THAT_MATTER = (
    "avx2",
    "avx512f",
    "avx512_bf16",
    "amx_bf16",
    "amx_tile",
    "fma",
    "asimd",
    "bf16",
)
# Environment switches that pick torch's CPU kernels: each changes the reference's speed, so a speed
# profile measured under one setting must not set the limits of another (docs/grading.md has the figures).
KERNEL_SWITCHES = ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY")


def kernel_switches() -> dict:
    """The kernel-selecting environment variables that are set (usually none)."""
    return {name: os.environ[name] for name in KERNEL_SWITCHES if os.environ.get(name)}


def onednn_isa_cap() -> str:
    """oneDNN's instruction-set cap (ONEDNN_MAX_CPU_ISA, or its older name), upper case; '' if none."""
    switches = kernel_switches()
    return (
        (switches.get("ONEDNN_MAX_CPU_ISA") or switches.get("DNNL_MAX_CPU_ISA") or "")
        .strip()
        .upper()
    )


def _kernel_switches_field() -> dict:
    """{'kernel_switches': {...}} where one is set, else nothing: unchanged records where none is."""
    return {"kernel_switches": switches} if (switches := kernel_switches()) else {}


@functools.lru_cache(maxsize=1)
def cpu_info() -> dict:
    """CPU model, the flags relevant to torch's kernels, and a digest of all flags."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "Model", "CPU part") and model in (
                    "",
                    platform.machine(),
                    "x86_64",
                ):
                    model = value.strip()
                elif key in ("flags", "Features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return {
        "model": model,
        "flags": sorted(flags & set(_FLAGS_THAT_MATTER)),
        "flags_digest": hashlib.sha256(" ".join(sorted(flags)).encode()).hexdigest()[:12],
        "arch": platform.machine(),
    }


def describe() -> dict:
    """The machine, for results and summaries (no torch import needed)."""
    info, quota = cpu_info(), cpu_quota()
    return {
        "cpu": info["model"],
        "cpu_flags": info["flags"],
        "cores": available_cores(),
        "arch": info["arch"],
        "cpu_quota": None if quota is None else round(quota, 3),
        **_kernel_switches_field(),
    }


def fingerprint(config: GradingConfig) -> dict:
    """Everything about this machine and run that sets the reference's speed and arithmetic. Not a
    CPU quota or other load: limits are in CPU seconds, which neither changes."""
    gpu = None
    if config.device.startswith("cuda"):
        import torch

        gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    return {
        **cpu_info(),
        "cores": available_cores(),
        "threads": config.threads,
        "torch": torch_version(),
        "device": config.device,
        "gpu": gpu,
        "precision": config.precision,
        "spec_kind": config.device_kind,
        **_kernel_switches_field(),
    }


def torch_version() -> str:
    """torch.__version__ (with its local label, e.g. '+cu130'), read without importing torch: the
    import costs the CLI 3-5 s on a 2-core machine before any worker starts, and the CLI needs torch
    for nothing else on a CPU. Imports it where the file cannot be read."""
    if "torch" not in sys.modules:
        spec = importlib.util.find_spec("torch")
        for folder in (spec and spec.submodule_search_locations) or ():
            try:
                text = (Path(folder) / "version.py").read_text()
            except OSError:
                continue
            if found := re.search(
                r"^__version__\s*(?::\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", text, re.M
            ):
                return found.group(1)
    import torch

    return torch.__version__


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:20]


def cpu_quota(
    proc_cgroup: Path = Path("/proc/self/cgroup"), mount: Path = Path("/sys/fs/cgroup")
) -> float | None:
    """CPUs this process's cgroup CFS quota grants (a container's --cpus; Gradescope gives 0.5 by
    default), as a fraction, or None where there is no quota. cgroup v1 or v2."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":  # cgroup v2: cpu.max is "max 100000" or "50000 100000"
            files = [(mount / path.lstrip("/") / "cpu.max",), (mount / "cpu.max",)]
        elif "cpu" in controllers.split(","):  # cgroup v1
            base = mount / "cpu"
            files = [
                (base / path.lstrip("/") / n for n in ("cpu.cfs_quota_us", "cpu.cfs_period_us")),
                (base / n for n in ("cpu.cfs_quota_us", "cpu.cfs_period_us")),
            ]
        else:
            continue
        for candidate in files:
            try:
                values = " ".join(p.read_text() for p in candidate).split()
            except OSError:
                continue
            if values[0] in ("max", "-1"):
                return None
            return int(values[0]) / int(values[1])
    return None
