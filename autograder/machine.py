"""What this machine is, as far as a grading verdict can depend on it.

The fingerprint names everything that changes how fast (or in what arithmetic) the reference
trains here: CPU model and flags, cores and threads, torch, device and precision. The canary's
memo (canary.py) and the machine's speed profile, from which time limits are scaled, are keyed on it.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import platform

from autograder.config import GradingConfig, available_cores

_FLAGS_THAT_MATTER = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "fma", "asimd", "bf16")


@functools.lru_cache(maxsize=1)
def cpu_info() -> dict:
    """CPU model, the flags relevant to torch's kernels, and a digest of all flags."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "Model", "CPU part") and model in ("", platform.machine(), "x86_64"):
                    model = value.strip()
                elif key in ("flags", "Features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return {"model": model, "flags": sorted(flags & set(_FLAGS_THAT_MATTER)),
            "flags_digest": hashlib.sha256(" ".join(sorted(flags)).encode()).hexdigest()[:12],
            "arch": platform.machine()}


def describe() -> dict:
    """The machine, for results and summaries (no torch import needed)."""
    info = cpu_info()
    return {"cpu": info["model"], "cpu_flags": info["flags"], "cores": available_cores(), "arch": info["arch"],
            "cpu_quota": cpu_quota()}


def fingerprint(config: GradingConfig) -> dict:
    """Everything about this machine and run that sets the reference's speed and arithmetic. Not a
    CPU quota or other load: limits are in CPU seconds, which neither changes."""
    import torch

    gpu = torch.cuda.get_device_name() if config.device.startswith("cuda") and torch.cuda.is_available() else None
    return {**cpu_info(), "cores": available_cores(), "threads": config.threads, "torch": torch.__version__,
            "device": config.device, "gpu": gpu, "precision": config.precision, "spec_kind": config.device_kind}


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:20]


def cpu_quota() -> float | None:
    """CPUs allowed by this process's cgroup CPU quota (a container's --cpus), or None."""
    candidates = [("/sys/fs/cgroup/cpu.max", None)]
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, controllers, path = line.strip().split(":", 2)
                if "cpu" in controllers.split(","):
                    folder = os.path.join("/sys/fs/cgroup/cpu", path.lstrip("/"))
                    candidates.insert(0, (os.path.join(folder, "cpu.cfs_quota_us"),
                                          os.path.join(folder, "cpu.cfs_period_us")))
    except (OSError, ValueError):
        pass
    for quota_path, period_path in candidates:
        try:
            with open(quota_path) as f:
                text = f.read().split()
            if period_path is None:  # v2: "max 100000" or "50000 100000"
                quota, period = text[0], text[1]
            else:
                with open(period_path) as f:
                    quota, period = text[0], f.read().strip()
            if quota not in ("max", "-1"):
                return round(int(quota) / int(period), 3)
        except (OSError, ValueError, IndexError):
            continue
    return None
