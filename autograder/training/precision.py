"""Which arithmetic a grading run trains in: bf16 autocast only where the hardware runs it natively.

On a CPU without native bf16 (no avx512_bf16 / AMX: most laptops, many cloud VMs and CI runners),
oneDNN emulates bf16, about 20x slower than fp32: too slow for a correct convolutional network to train inside its
time limit (docs/grading.md#verdicts-that-hold-on-any-machine). Each precision has
its own calibration table (thresholds_<kind>-<precision>.json); 'auto' picks bf16 only where it is
native *and* calibrated, fp32 otherwise. The spec sent to the sandbox carries the resolved choice,
so cached results of one precision are never read for the other.
"""

from __future__ import annotations

from dataclasses import replace

from autograder import machine
from autograder.training.specs import TrainSpec

PRECISIONS = ("fp32", "bf16")
CHOICES = ("auto",) + PRECISIONS


class PrecisionUnavailable(Exception):
    """A precision was asked for that this machine cannot run natively (a setup fault)."""


# oneDNN's instruction-set caps (ONEDNN_MAX_CPU_ISA) under which it has no native bf16 kernels.
_ISA_CAPS_WITHOUT_BF16 = {
    "SSE41",
    "AVX",
    "AVX2",
    "AVX2_VNNI",
    "AVX2_VNNI_2",
    "AVX512_CORE",
    "AVX512_CORE_VNNI",
}
_X86 = ("x86_64", "AMD64", "i386", "i686")


def native_bf16(device: str) -> bool:
    """Does this device run bf16 matrix products natively? CUDA: compute capability 8.0 or newer.
    x86 CPUs: avx512_bf16 or AMX in the CPU's flags, and no ONEDNN_MAX_CPU_ISA cap below them.

    Not torch's own test (torch.ops.mkldnn._is_mkldnn_bf16_supported): it asks oneDNN whether bf16
    is *supported*, which it is on any AVX-512 CPU (Skylake to Ice Lake included), in emulation,
    slower than fp32 (the measurements: docs/grading.md#verdicts-that-hold-on-any-machine).
    Reading the flags also keeps torch out of the CLI (its import costs seconds before any worker
    starts). Other CPUs (ARM, where the flags differ) ask torch."""
    if device.startswith("cuda"):
        import torch

        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    info = machine.cpu_info()
    if info["arch"] in _X86 and info["flags"]:
        native = bool({"avx512_bf16", "amx_bf16"} & set(info["flags"]))
    else:
        import torch

        native = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return native and machine.onednn_isa_cap() not in _ISA_CAPS_WITHOUT_BF16


def resolve(
    requested: str, device: str, calibrated: tuple[str, ...], *, emulated: bool = False
) -> str:
    """The precision to train in: 'fp32' or 'bf16'.

    requested: 'auto', 'fp32' or 'bf16'; calibrated: the precisions that have a table for this
    device kind. 'auto' is bf16 where native and calibrated, else fp32. An explicit 'bf16' on a
    device without native bf16 raises PrecisionUnavailable (it would be ~20x slower, and its time
    limits would not hold), unless emulated: `calibrate --emulated-bf16` measures bf16's
    accuracies on such a CPU (never its speed, and never to grade)."""
    if requested not in CHOICES:
        raise ValueError(f"precision {requested!r}: use one of {', '.join(CHOICES)}")
    if requested == "bf16" and not emulated and not native_bf16(device):
        raise PrecisionUnavailable(
            f"--precision bf16: this {'GPU' if device.startswith('cuda') else 'CPU'} has no native bf16 "
            "(no avx512_bf16/AMX, or ONEDNN_MAX_CPU_ISA caps oneDNN below them); bf16 would be emulated "
            "and 2-20x slower. Use --precision fp32 or auto."
        )
    if requested != "auto":
        return requested
    return "bf16" if "bf16" in calibrated and native_bf16(device) else "fp32"


def apply(spec: TrainSpec, precision: str) -> TrainSpec:
    """The spec as trained at this precision: bf16 autocast only for specs that allow it."""
    return replace(spec, bf16=spec.bf16 and precision == "bf16")
