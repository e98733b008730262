"""A correct submission gets full marks wherever it is graded: in either precision the machine runs
natively, beside a CPU hog, under a 0.5-CPU quota, with --jobs 2 on 2 cores. And a run whose
reference does not get full marks (the canary) grades nobody.

The slow tests grade the reference for real (result cache off) in each setting; the canary's memo
and this machine's speed profile are shared through the session's cache folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from autograder import canary, machine
from autograder.calibrate.build import build_table
from autograder.calibrate.table import NotCalibrated, calibrated_precisions, load, table_path
from autograder.config import GradingConfig
from autograder.suites import run_settings
from autograder.suites.run_settings import SetupProblem
from autograder.training import precision
from tests.helpers import ROOT, WEEK2, read_results, run_cli

NATIVE_BF16 = precision.native_bf16("cpu")
CPU_CGROUP = Path("/sys/fs/cgroup/cpu")


def full_marks(result: dict) -> bool:
    return result["grader_error"] is None and all(t["status"] == "passed" for t in result["tests"])


def failed(result: dict) -> list[str]:
    return [f"{t['name']}: {t['output'][:200]}" for t in result["tests"] if t["status"] != "passed"]


# -- precision: chosen by capability, recorded, calibrated per precision ------------------------------


def test_auto_precision_is_bf16_only_where_native_and_calibrated(monkeypatch):
    monkeypatch.setattr(precision, "native_bf16", lambda device: False)
    assert precision.resolve("auto", "cpu", ("fp32", "bf16")) == "fp32"
    with pytest.raises(precision.PrecisionUnavailable, match="no native bf16"):
        precision.resolve("bf16", "cpu", ("fp32", "bf16"))
    monkeypatch.setattr(precision, "native_bf16", lambda device: True)
    assert precision.resolve("auto", "cpu", ("fp32", "bf16")) == "bf16"
    assert precision.resolve("auto", "cpu", ("fp32",)) == "fp32"  # native but not calibrated: fp32
    assert precision.resolve("fp32", "cpu", ("fp32", "bf16")) == "fp32"


def cpu_with(monkeypatch, *flags):
    """Pretend to be an x86 CPU with these flags."""
    monkeypatch.setattr(
        machine,
        "cpu_info",
        lambda: {"model": "test", "flags": sorted(flags), "flags_digest": "x", "arch": "x86_64"},
    )


def test_native_bf16_means_bf16_instructions_not_torchs_answer(monkeypatch):
    """torch's test says bf16 is supported on any AVX-512 CPU, where oneDNN emulates it (Skylake to
    Ice Lake: common cloud VMs). Native means avx512_bf16 or AMX in the CPU's flags."""
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    for name in ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"):
        monkeypatch.delenv(name, raising=False)
    cpu_with(monkeypatch, "avx2", "avx512f", "fma")
    assert not precision.native_bf16("cpu")
    assert precision.resolve("auto", "cpu", ("fp32", "bf16")) == "fp32"
    cpu_with(monkeypatch, "avx2", "avx512f", "avx512_bf16", "fma")
    assert precision.native_bf16("cpu")
    cpu_with(monkeypatch, "avx2", "avx512f", "amx_bf16", "amx_tile")
    assert precision.native_bf16("cpu")


def test_this_cpus_answer_agrees_with_torch_where_torch_is_right():
    """On this machine, whichever kind it is: with bf16 instructions torch says supported too, and
    where torch says unsupported the flags say so as well (the two differ only on AVX-512 CPUs
    without bf16 instructions). The answer costs no torch import."""
    code = (
        "import sys; from autograder.training import precision; "
        "print(precision.native_bf16('cpu'), 'torch' in sys.modules)"
    )
    env = {
        k: v for k, v in os.environ.items() if k not in ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA")
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    )
    native, imported = out.stdout.split()
    assert imported == "False"
    if native == "True":
        assert torch.ops.mkldnn._is_mkldnn_bf16_supported()
    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        assert native == "False"


def test_a_onednn_cap_below_bf16_means_no_native_bf16(monkeypatch):
    """With ONEDNN_MAX_CPU_ISA=AVX512_CORE on a CPU with avx512_bf16, oneDNN emulates bf16 (a
    convolution step 4.7x slower than native) while torch still says supported. The grader must
    then pick fp32 and refuse an explicit bf16."""
    cpu_with(monkeypatch, "avx2", "avx512f", "avx512_bf16", "fma")
    for name in ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"):
        monkeypatch.delenv(name, raising=False)
    assert precision.native_bf16("cpu")
    for cap, native in (
        ("ALL", True),
        ("AVX512_CORE_BF16", True),
        ("avx512_core_amx", True),
        ("AVX512_CORE", False),
        ("avx2", False),
        ("AVX512_CORE_VNNI", False),
    ):
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", cap)
        assert precision.native_bf16("cpu") is native, cap
    assert precision.resolve("auto", "cpu", ("fp32", "bf16")) == "fp32"
    with pytest.raises(precision.PrecisionUnavailable, match="ONEDNN_MAX_CPU_ISA"):
        precision.resolve("bf16", "cpu", ("fp32", "bf16"))
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA")
    monkeypatch.setenv("DNNL_MAX_CPU_ISA", "AVX2")  # oneDNN's older name for the same switch
    assert not precision.native_bf16("cpu")


def test_kernel_switches_are_part_of_the_fingerprint(monkeypatch):
    """ATEN_CPU_CAPABILITY and ONEDNN_MAX_CPU_ISA change how fast the reference trains (and, for the
    latter, in what arithmetic): a speed profile measured under one must not set another's limits.
    Results record them where they are set."""
    config = GradingConfig(precision="fp32")
    for name in machine.KERNEL_SWITCHES:
        monkeypatch.delenv(name, raising=False)
    plain = machine.fingerprint(config)
    assert "kernel_switches" not in plain and "kernel_switches" not in machine.describe()
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "default")
    switched = machine.fingerprint(config)
    assert machine.digest(switched) != machine.digest(plain)
    assert (
        switched["kernel_switches"]
        == machine.describe()["kernel_switches"]
        == {"ATEN_CPU_CAPABILITY": "default"}
    )


def test_emulated_bf16_is_for_calibration_only(monkeypatch):
    """`calibrate --emulated-bf16` may measure bf16's accuracies where the CPU only emulates it;
    grading never trains in emulated bf16, and an emulated table says so."""
    monkeypatch.setattr(precision, "native_bf16", lambda device: False)
    assert precision.resolve("bf16", "cpu", ("fp32",), emulated=True) == "bf16"
    assert precision.resolve("auto", "cpu", ("fp32", "bf16"), emulated=True) == "fp32"
    with pytest.raises(SetupProblem, match="no native bf16"):
        run_settings.setup(GradingConfig(precision="bf16", training=False))
    assert (
        run_settings.setup(
            GradingConfig(precision="bf16", training=False), emulated_bf16=True
        ).precision
        == "bf16"
    )
    run = {
        "accuracy": [30.0, 29.0, 31.0],
        "seconds": [150.0] * 3,
        "cpu_seconds": [],
        "losses": [[2.0, 1.9]] * 3,
        "per_class": [[30.0] * 10] * 3,
    }
    table = build_table(
        GradingConfig(precision="bf16"), [1, 2, 3], {"VGG": run}, emulated_bf16=True
    )
    assert table["emulated_bf16"] and table["checks"]["VGG"]["measured"]["emulated_bf16"]
    assert "emulated_bf16" not in build_table(
        GradingConfig(precision="fp32"), [1, 2, 3], {"VGG": run}
    )
    refused = run_cli("calibrate", "--precision", "fp32", "--emulated-bf16", "--seeds", "2")
    assert (
        refused.returncode != 0 and "--emulated-bf16 goes with --precision bf16" in refused.stderr
    )


def test_the_spec_sent_to_the_sandbox_carries_the_resolved_precision():
    vgg = WEEK2.checks("cpu")["VGG"].spec
    assert vgg.bf16, "VGG may use bf16 where it is native"
    assert not precision.apply(vgg, "fp32").bf16 and precision.apply(vgg, "bf16").bf16
    lenet = WEEK2.checks("cpu")["LeNet5"].spec
    assert not precision.apply(lenet, "bf16").bf16  # specs that never use bf16 stay fp32


def test_a_changed_training_recipe_gets_its_own_speed_profile(monkeypatch):
    """Time limits scale from the reference's measured CPU seconds per check; a profile measured for
    one recipe (say a full epoch) must not set the limits of another."""
    config = GradingConfig(precision="fp32")
    before = canary.fingerprint(config)
    lenet = WEEK2.checks("cpu")["LeNet5"]
    monkeypatch.setitem(
        WEEK2.training["cpu"],
        "LeNet5",
        replace(lenet, spec=replace(lenet.spec, train_subset=60000)),
    )
    after = canary.fingerprint(config)
    assert machine.digest(after) != machine.digest(before)
    assert {k: v for k, v in after.items() if k != "specs"} == {
        k: v for k, v in before.items() if k != "specs"
    }


def test_the_fingerprint_names_torch_exactly_without_importing_it():
    """The CLI computes the fingerprint before any worker starts; importing torch for its version
    would put 3-5 s on every run's critical path. The version must still carry its local label
    (a CPU build and a CUDA build of one release are different machines here)."""
    import torch

    code = (
        "import sys; from autograder import machine; from autograder.config import GradingConfig; "
        "print(machine.fingerprint(GradingConfig(precision='fp32'))['torch']); print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    version, imported = out.stdout.split()
    assert (version, imported) == (torch.__version__, "False")


def test_each_precision_has_its_own_table(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_THRESHOLDS_DIR", str(tmp_path))
    assert table_path("cpu", "fp32").name == "thresholds_cpu.json"
    assert table_path("cpu", "bf16").name == "thresholds_cpu-bf16.json"
    shutil.copy(
        WEEK2.calibration_dir / "thresholds_cpu.json",
        tmp_path / "thresholds_cpu-bf16.json",
    )
    with pytest.raises(NotCalibrated, match="measured at precision fp32, not bf16"):
        load("cpu", "bf16")  # a table is only read for the precision it was measured at
    assert calibrated_precisions("cpu") == ("bf16",)


def test_the_committed_cpu_table_records_its_precision_and_machine():
    raw = json.loads((WEEK2.calibration_dir / "thresholds_cpu.json").read_text())
    assert raw["precision"] == "fp32" and raw["machine"]["cpu"] and raw["threads"] >= 1
    for name, check in raw[
        "checks"
    ].items():  # every entry says where, when and how it was measured
        measured = check["measured"]
        assert (
            measured["precision"] == "fp32" and measured["machine"]["cpu"] and measured["created"]
        ), name
        assert len(measured["seeds"]) == check["n"], name


@pytest.mark.skipif(NATIVE_BF16, reason="this CPU has native bf16: forcing it is allowed here")
def test_forcing_bf16_without_native_support_grades_nobody(tmp_path, data_dir, cache_dir):
    result = run_cli(
        "grade",
        ROOT / "solutions",
        "--out",
        tmp_path / "out",
        "--data-dir",
        data_dir,
        "--cache-dir",
        cache_dir,
        "--precision",
        "bf16",
        "--quiet",
    )
    assert result.returncode == 2 and "no native bf16" in result.stderr
    assert not (tmp_path / "out").exists()


# -- the reference gets full marks in every setting -----------------------------------------------------
# Under load the parts that train are what can time out; VGG is the one that did, and
# FC2Layer adds an MNIST training. Grading just those keeps each setting to a few minutes of CI.
LOADED_PARTS = ("--parts", "VGG", "FC2Layer")


def grade_reference(tmp_path, data_dir, cache_dir, *extra, copies: int = 1, prefix=(), env=None):
    subs = tmp_path / "subs"
    subs.mkdir()
    paths = []
    for i in range(copies):
        shutil.copytree(
            ROOT / "solutions", subs / f"reference{i}", ignore=shutil.ignore_patterns("__pycache__")
        )
        paths.append(subs / f"reference{i}")
    cmd = [
        *prefix,
        sys.executable,
        "-m",
        "autograder",
        "grade",
        *map(str, paths),
        "--out",
        str(tmp_path / "out"),
        "--data-dir",
        str(data_dir),
        "--cache-dir",
        str(cache_dir),
        "--no-cache",
        "--quiet",
        "--no-feedback",
        *extra,
    ]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=3600,
    )
    results = read_results(tmp_path / "out")
    summary = (
        json.loads((tmp_path / "out" / "summary.json").read_text())
        if (tmp_path / "out" / "summary.json").exists()
        else {}
    )
    return proc, results, summary


@pytest.mark.slow
def test_full_marks_in_the_precision_chosen_here(corpus):
    """The corpus run (every part, default settings) is the plain grading on this machine."""
    results, summary = corpus.results, json.loads((corpus.out / "summary.json").read_text())
    assert full_marks(results["reference"]), failed(results["reference"])
    expected = "bf16" if NATIVE_BF16 and "bf16" in calibrated_precisions("cpu") else "fp32"
    assert summary["precision"] == expected == results["reference"]["environment"]["precision"]
    assert (
        summary["machine"]["cores"] >= 1
        and summary["canary"]["score"] == summary["canary"]["max_score"]
    )
    assert set(summary["canary"]["reference_seconds"]) >= {"LeNet5", "VGG", "CNN_perm"}


@pytest.mark.slow
@pytest.mark.skipif(
    not NATIVE_BF16, reason="this CPU has no native bf16: fp32 is already what it runs"
)
def test_full_marks_with_fp32_forced_on_a_bf16_machine(tmp_path, data_dir, cache_dir):
    proc, results, summary = grade_reference(tmp_path, data_dir, cache_dir, "--precision", "fp32")
    assert proc.returncode == 0 and full_marks(results["reference0"]), proc.stderr[-3000:]
    assert summary["precision"] == "fp32"


@pytest.mark.slow
@pytest.mark.skipif(
    not NATIVE_BF16 or "bf16" not in calibrated_precisions("cpu"),
    reason="needs a CPU with native bf16 and a committed bf16 table (thresholds_cpu-bf16.json)",
)
def test_full_marks_with_bf16_where_the_cpu_has_it(tmp_path, data_dir, cache_dir):
    proc, results, summary = grade_reference(tmp_path, data_dir, cache_dir, "--precision", "bf16")
    assert proc.returncode == 0 and full_marks(results["reference0"]), proc.stderr[-3000:]
    assert summary["precision"] == "bf16"


@pytest.mark.slow
def test_full_marks_beside_a_cpu_hog(tmp_path, data_dir, cache_dir):
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        proc, results, _ = grade_reference(tmp_path, data_dir, cache_dir, *LOADED_PARTS)
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert full_marks(results["reference0"]), failed(results["reference0"])


def _cpu_quota_cgroup(tmp_name: str, cpus: float) -> Path:
    """A cgroup v1 CPU folder limited to `cpus` CPUs (this machine mounts v1 at /sys/fs/cgroup/cpu)."""
    if os.geteuid() != 0 or not (CPU_CGROUP / "cpu.cfs_quota_us").exists():
        pytest.skip("needs root and the cgroup v1 cpu controller at /sys/fs/cgroup/cpu")
    folder = CPU_CGROUP / tmp_name
    try:
        folder.mkdir(exist_ok=True)
        (folder / "cpu.cfs_period_us").write_text("100000")
        (folder / "cpu.cfs_quota_us").write_text(str(int(cpus * 100000)))
    except OSError as exc:
        pytest.skip(f"cannot create a CPU-quota cgroup here: {exc}")
    return folder


@pytest.mark.slow
def test_full_marks_under_a_half_cpu_quota(tmp_path, data_dir, cache_dir):
    """Gradescope's default container has 0.5 CPU: wall time quadruples for 2 threads, CPU time does not."""
    folder = _cpu_quota_cgroup(f"ag-test-{os.getpid()}", 0.5)
    try:
        enter = ["sh", "-c", f'echo $$ > {folder}/tasks && exec "$@"', "sh"]
        proc, results, summary = grade_reference(
            tmp_path, data_dir, cache_dir, *LOADED_PARTS, prefix=enter
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert full_marks(results["reference0"]), failed(results["reference0"])
        assert summary["machine"]["cpu_quota"] == 0.5
    finally:
        for pid in (
            (folder / "tasks").read_text().split()
        ):  # none should be left; never leave one behind
            subprocess.run(["kill", "-9", pid], check=False)
        folder.rmdir()


@pytest.mark.slow
def test_full_marks_with_two_jobs_on_two_cores(tmp_path, data_dir, cache_dir):
    proc, results, summary = grade_reference(
        tmp_path, data_dir, cache_dir, "--jobs", "2", *LOADED_PARTS, copies=2
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert summary["threads"] == max(1, (os.cpu_count() or 2) // 2)
    for name in ("reference0", "reference1"):
        assert full_marks(results[name]), failed(results[name])


@pytest.mark.slow
def test_a_failing_canary_grades_nobody(tmp_path, data_dir, cache_dir, corpus):
    """A table whose VGG threshold the reference cannot reach (a table from another machine, say):
    the run stops before any student, exits 2 and names the check and what to do."""
    _ = corpus  # the reference's trainings are cached by the corpus run: this canary costs seconds
    table = json.loads((WEEK2.calibration_dir / "thresholds_cpu.json").read_text())
    table["checks"]["VGG"]["threshold"] = 99.0
    (tmp_path / "thresholds_cpu.json").write_text(json.dumps(table))
    result = run_cli(
        "grade",
        ROOT / "solutions",
        ROOT / "assignments",
        "--out",
        tmp_path / "out",
        "--data-dir",
        data_dir,
        "--cache-dir",
        cache_dir,
        "--quiet",
        env_extra={"AUTOGRADER_THRESHOLDS_DIR": str(tmp_path)},
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "VGG_trains_on_cifar10" in result.stderr and "nobody was graded" in result.stderr
    assert "calibrate" in result.stderr
    assert (
        not (tmp_path / "out" / "grades.csv").exists()
        and not (tmp_path / "out" / "solutions").exists()
    )
