"""GPU benchmark, end to end, as one prepared run on a borrowed GPU (README: "GPU benchmark").

    python benchmarks/bench_gpu.py --data-dir DATA --out OUT [--seeds 20] [--budget-s 330]
    python benchmarks/bench_gpu.py --data-dir ../shared/data --out /tmp/rehearsal --rehearse-on-cpu --seeds 2

Each step writes its file into OUT at once, so a run stopped at its time limit keeps what it measured:
  probe.json            start-up of a fresh CUDA process (import, context, data to the GPU); each training
                        check of the reference trained alone (train/eval seconds, steps/s, accuracy); then
                        all of them at once in parallel processes (what a concurrent grader could reach);
  thresholds_cuda.json  the CUDA calibration: full MNIST epochs, one full CIFAR-10 epoch for VGG with
                        batched augmentation, bf16 and channels_last, data resident on the GPU; as many
                        seeds as fit in --budget-s (commit it as autograder/assignments/week2/calibration/thresholds_cuda.json
                        once it holds >= 20 seeds);
  gpu.json              all of the above, plus one whole submission (the reference) graded by the CLI with
                        --device cuda and the result cache off, with its training checks all at once
                        (the CUDA default) and one by one: wall time, time per check, accuracies.
                        Target: <= 10 s on one H200.
--rehearse-on-cpu runs every step on this CPU with the CUDA specs (the probe on small subsets), so
that faults show up here, not in the few minutes of a borrowed GPU. Its table must not be committed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write(out: Path, name: str, report: dict) -> None:
    (out / name).write_text(json.dumps(report, indent=1) + "\n")


def probe_one(check: str, args) -> dict:
    """Train the reference for one CUDA-spec check in this (fresh) process; time every stage."""
    import_started = time.perf_counter()
    import numpy as np  # noqa: F401  (timed: the imports are part of what is measured)
    import torch

    from autograder.data import load_arrays
    from autograder.training import loop
    from autograder.training.specs import TRAINING_CHECKS
    from autograder.training.subsets import test_indices

    sys.path.insert(0, str(ROOT / "solutions"))
    import lab1_lenet5
    import lab2_mlp_vs_cnn
    import lab3_vgg

    torch.set_num_threads(args.threads)
    stages = {"import_s": time.perf_counter() - import_started}
    device = torch.device(args.device)
    started = time.perf_counter()
    torch.zeros(1, device=device)  # creates the CUDA context
    if device.type == "cuda":
        torch.cuda.synchronize()
    stages["context_s"] = time.perf_counter() - started
    ctor, ctor_args, spec = TRAINING_CHECKS["cuda"][check]
    if args.rehearse_on_cpu:
        spec = replace(spec, train_subset=2048, test_subset=1000)
    arrays = load_arrays(spec.dataset, data_dir=args.data_dir, cache_dir=args.cache_dir)
    started = time.perf_counter()
    data = loop.to_device(
        {k: arrays.load(k) for k in ("train_x", "train_y", "test_x")}, spec.dataset, device
    )
    if spec.permute_pixels:
        data = loop.permute(data, 0, lab2_mlp_vs_cnn.perm_pixel)
    stages["data_to_device_s"] = time.perf_counter() - started
    models = {
        "LeNet5": lab1_lenet5.LeNet5,
        "FC2Layer": lab2_mlp_vs_cnn.FC2Layer,
        "CNN": lab2_mlp_vs_cnn.CNN,
        "VGG": lab3_vgg.VGG,
    }
    torch.manual_seed(0)
    outcome = loop.train_and_predict(models[ctor](*ctor_args), data, spec, seed=0, device=device)
    labels = arrays.load("test_y")
    y = labels[test_indices(len(labels), spec.test_subset)]
    return {
        **{k: round(v, 3) for k, v in stages.items()},
        "train_s": round(outcome.train_seconds, 3),
        "eval_s": round(outcome.eval_seconds, 3),
        "steps": outcome.steps,
        "steps_per_s": round(outcome.steps / max(outcome.train_seconds, 1e-9), 1),
        "accuracy": round(float(100 * (outcome.predictions == y).mean()), 2),
        "process_s": round(time.perf_counter() - STARTED, 3),
    }


def probe(args, checks: list[str]) -> dict:
    """Every check alone (one fresh process after another), then all at once."""

    def command(check, threads):
        return [
            sys.executable,
            __file__,
            "--probe-one",
            check,
            "--data-dir",
            str(args.data_dir),
            "--cache-dir",
            str(args.cache_dir),
            "--device",
            args.device,
            "--threads",
            str(threads),
        ] + (["--rehearse-on-cpu"] if args.rehearse_on_cpu else [])

    cores = os.cpu_count() or 1
    alone, started = {}, time.perf_counter()
    for check in checks:
        done = subprocess.run(
            command(check, cores), capture_output=True, text=True, check=True, cwd=ROOT
        )
        alone[check] = json.loads(done.stdout.strip().splitlines()[-1])
    serial_s = time.perf_counter() - started
    started = time.perf_counter()
    procs = {
        c: subprocess.Popen(
            command(c, max(1, cores // len(checks))), stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        for c in checks
    }
    together = {
        c: json.loads(p.communicate()[0].strip().splitlines()[-1]) for c, p in procs.items()
    }
    parallel_s = time.perf_counter() - started
    if any(p.returncode for p in procs.values()):
        raise SystemExit("a parallel probe failed")
    return {
        "alone": alone,
        "serial_wall_s": round(serial_s, 2),
        "together": together,
        "parallel_wall_s": round(parallel_s, 2),
        "parallel_speedup": round(serial_s / parallel_s, 2),
    }


def calibrate(args, report: dict) -> Path:
    from autograder.config import GradingConfig
    from autograder.verbs import calibrate as calibration

    config = GradingConfig(
        data_dir=args.data_dir, cache_dir=args.cache_dir, device=args.device, spec_kind="cuda"
    )
    started = time.perf_counter()
    path = calibration.write_table(
        config=config,
        n_seeds=args.seeds,
        out=args.out / "thresholds_cuda.json",
        budget_s=args.budget_s,
    )
    table = json.loads(path.read_text())
    report["calibration_s"] = round(time.perf_counter() - started, 1)
    report["calibration_seeds"] = len(table["seeds"])
    report["calibration"] = {
        k: {
            m: v.get(m)
            for m in (
                "mean",
                "std",
                "min",
                "threshold",
                "false_fail_with_retry",
                "train_seconds_mean",
            )
        }
        for k, v in table["checks"].items()
    }
    return path


def grade_reference(args, concurrency: str) -> dict:
    """One whole submission (the reference) graded by the CLI, result cache off."""
    import tempfile

    out = Path(tempfile.mkdtemp(prefix="bench-gpu-grade-"))
    env = {**os.environ, "AUTOGRADER_THRESHOLDS_DIR": str(args.out), "AUTOGRADER_SPEC_KIND": "cuda"}
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            str(ROOT / "solutions"),
            "--out",
            str(out),
            "--data-dir",
            str(args.data_dir),
            "--cache-dir",
            str(args.cache_dir),
            "--device",
            args.device,
            "--training-concurrency",
            concurrency,
            "--no-cache",
            "--quiet",
            "--no-feedback",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    report = {"wall_s": round(time.perf_counter() - started, 2), "exit": done.returncode}
    if done.returncode:
        report["stderr"] = done.stderr[-3000:]
        return report
    result = json.loads((out / "solutions" / "result.full.json").read_text())
    report["grading_s"] = result["seconds"]  # inside the CLI: without interpreter start-up
    report["score"] = sum(t["score"] for t in result["tests"])
    report["environment"] = result["environment"]
    per_part: dict[str, float] = {}
    for t in result["tests"]:
        per_part[t["part"]] = round(per_part.get(t["part"], 0.0) + t["seconds"], 2)
    report["per_part_s"] = per_part
    report["per_test_s"] = {t["name"]: t["seconds"] for t in result["tests"]}
    trained = {
        k: v
        for t in result["tests"]
        for k, v in t["data"].items()
        if isinstance(v, dict) and "accuracy" in v
    }
    report["accuracies"] = {k: v["accuracy"] for k, v in trained.items()}
    report["train_s"] = {
        k: v.get("train_seconds") for k, v in trained.items() if v.get("train_seconds") is not None
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument(
        "--budget-s", type=float, default=330.0, help="time for calibration (seconds)"
    )
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/ag-gpu-cache"))
    parser.add_argument("--rehearse-on-cpu", action="store_true")
    parser.add_argument("--skip-probe", action="store_true")
    parser.add_argument("--probe-one", help=argparse.SUPPRESS)
    parser.add_argument("--device", default="cuda", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.data_dir, args.cache_dir = args.data_dir.resolve(), args.cache_dir.resolve()
    if args.probe_one:
        print(json.dumps(probe_one(args.probe_one, args)))
        return
    if args.out is None:
        parser.error("--out is required")
    import torch

    from autograder.training.specs import TRAINING_CHECKS

    if args.rehearse_on_cpu:
        args.device = "cpu"
    elif not torch.cuda.is_available():
        raise SystemExit("no CUDA device: this benchmark needs a GPU (or --rehearse-on-cpu)")
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    report = {
        "device": torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu (rehearsal)",
        "torch": torch.__version__,
        "cores": os.cpu_count(),
        "rehearsal": args.rehearse_on_cpu,
    }
    if not args.skip_probe:
        report["probe"] = probe(args, list(TRAINING_CHECKS["cuda"]))
        write(args.out, "probe.json", report["probe"])
        print(json.dumps(report["probe"], indent=1), flush=True)
    calibrate(args, report)
    write(args.out, "gpu.json", report)
    for concurrency in (
        "on",
        "off",
    ):  # all training checks at once (the CUDA default), then one by one
        report[f"one_submission_concurrency_{concurrency}"] = grade_reference(args, concurrency)
        write(args.out, "gpu.json", report)
    print(json.dumps({k: v for k, v in report.items() if k != "probe"}, indent=1))


if __name__ == "__main__":
    main()
