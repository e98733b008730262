"""CPU benchmark: our grading against the handout's pipeline, measured side by side in one run.

    python benchmarks/bench_cpu.py --data-dir ../shared/data [--out benchmarks/results/cpu.json]

A. One whole submission (the reference) graded by the CLI with the result cache off: wall time
   and time per check, in fp32 (every CPU) and, side by side, in bf16 where the CPU runs it natively
   and a bf16 table exists, alternating over --rounds (the median is reported). The canary (one
   grading of the reference per machine and settings, memoised) runs first and is timed on its own.
B. One MNIST epoch of LeNet-5: the handout's DataLoader loop (ToTensor + Normalize per image,
   batch 64, .item() each step) against the grader's loop (tensors in memory), same threads.
C. Executing the handout's three labs as written (nbgrader/otter style: every epoch the handout
   asks for, DataLoader pipelines, per-epoch test passes). Measured on a reduced number of batches
   and scaled to the handout's epochs (stated in the output); compared with A.
D. --jobs 2 against --jobs 1 on two submissions (2 cores: threads are divided, not oversubscribed).
E. A batch of six (three copies of the reference, three of the stubs) with the result cache on, as
   a class with equal models is graded: the first submission starts the worker's sandbox
   supervisor (torch, its lazy imports, the data), the next five reuse it. Side by side: the first
   submission's seconds against the median of the others.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "solutions"))


def grade_cli(paths, out: Path, data_dir: Path, cache: Path, *extra) -> tuple[float, dict]:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            *map(str, paths),
            "--out",
            str(out),
            "--data-dir",
            str(data_dir),
            "--cache-dir",
            str(cache),
            "--no-cache",
            "--quiet",
            "--no-feedback",
            *extra,
        ],
        check=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - started
    results = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/result.full.json")}
    return wall, results


def bench_batch(out: Path, data_dir: Path, cache: Path) -> dict:
    """E: six submissions in one run (jobs 1, result cache on: A's trainings are already cached)."""
    subs = out / "submissions"
    for i in range(3):
        shutil.copytree(ROOT / "solutions", subs / f"reference{i}")
        shutil.copytree(ROOT / "assignments", subs / f"stubs{i}")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            *map(str, sorted(subs.iterdir())),
            "--out",
            str(out / "out"),
            "--data-dir",
            str(data_dir),
            "--cache-dir",
            str(cache),
            "--jobs",
            "1",
            "--quiet",
            "--no-feedback",
        ],
        check=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - started
    results = [json.loads(p.read_text()) for p in sorted((out / "out").glob("*/result.full.json"))]
    order = json.loads((out / "out" / "summary.json").read_text())["submissions"]
    seconds = {r["submission"]: r["seconds"] for r in results}
    rest = sorted(seconds[n] for n in order[1:])
    return {
        "wall_s": round(wall, 1),
        "submissions": len(order),
        "seconds_in_order": [seconds[n] for n in order],
        "first_s": seconds[order[0]],
        "median_of_the_rest_s": rest[len(rest) // 2],
        "scores": {r["submission"]: sum(t["score"] for t in r["tests"]) for r in results},
    }


def per_check_seconds(result: dict) -> dict:
    """Seconds per part (its tests' wall time; the first training test waits for every training,
    which run ahead of their tests, packed onto the cores) and each training's own seconds."""
    out = {}
    for t in result["tests"]:
        out[t["part"]] = round(out.get(t["part"], 0.0) + t["seconds"], 2)
        for check, record in t["data"].items():
            if isinstance(record, dict) and record.get("train_seconds") is not None:
                out[f"{check}_train_s"] = round(record["train_seconds"], 2)
    return out


def handout_mnist_loaders(data_dir: Path, batch_size=64):
    from torch.utils.data import DataLoader
    from torchvision import transforms

    os.environ["COURSE_DATA_DIR"] = str(data_dir)
    from course_data import mnist

    t = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    return (
        DataLoader(mnist(train=True, transform=t), batch_size=batch_size, shuffle=True),
        DataLoader(mnist(train=False, transform=t), batch_size=1000, shuffle=False),
    )


def handout_epoch(model, loader, optimizer, loss_fn, max_batches=None) -> tuple[float, int]:
    """The handout's train(): per-batch .to(device), loss, step, and its running statistics."""
    model.train()
    started, n, correct, running = time.perf_counter(), 0, 0, 0.0
    for batch_idx, (images, labels) in enumerate(loader):
        if max_batches is not None and batch_idx >= max_batches:
            break
        outputs = model(images)
        loss = loss_fn(outputs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item()
        _, predicted = torch.max(outputs.data, 1)
        correct += (predicted == labels).sum().item()
        n += 1
    return time.perf_counter() - started, n


def handout_test(model, loader, max_batches=None) -> float:
    model.eval()
    started = time.perf_counter()
    with torch.no_grad():
        for i, (images, labels) in enumerate(loader):
            if max_batches is not None and i >= max_batches:
                break
            model(images).argmax(1).eq(labels).sum().item()
    return time.perf_counter() - started


def bench_epoch_ratio(data_dir: Path, cache: Path) -> dict:
    """B: the handout's LeNet-5 epoch against ours, same process, same threads."""
    from lab1_lenet5 import LeNet5

    from autograder.data import load_arrays
    from autograder.training import loop
    from autograder.training.specs import TRAINING_CHECKS

    train_loader, test_loader = handout_mnist_loaders(data_dir)
    torch.manual_seed(0)
    model = LeNet5()
    handout_s, _ = handout_epoch(
        model, train_loader, torch.optim.Adam(model.parameters(), 1e-3), nn.CrossEntropyLoss()
    )
    handout_eval_s = handout_test(model, test_loader)
    arrays = load_arrays("mnist", data_dir=data_dir, cache_dir=cache)
    started = time.perf_counter()
    data = loop.to_device(
        {k: arrays.load(k) for k in ("train_x", "train_y", "test_x")}, "mnist", torch.device("cpu")
    )
    load_s = time.perf_counter() - started
    # The same work as the handout's epoch: every image, its constant Adam 1e-3, the same threads (the
    # grading check itself trains a 15,000-image subset under a one-cycle schedule on one thread,
    # two checks at a time; that is not what is compared).
    spec = replace(
        TRAINING_CHECKS["cpu"]["LeNet5"][2],
        train_subset=None,
        schedule="constant",
        lr=1e-3,
        threads=None,
    )
    torch.manual_seed(0)
    outcome = loop.train_and_predict(LeNet5(), data, spec, seed=0, device=torch.device("cpu"))
    return {
        "handout_epoch_s": round(handout_s, 2),
        "handout_test_s": round(handout_eval_s, 2),
        "ours_epoch_s": round(outcome.train_seconds, 2),
        "ours_test_s": round(outcome.eval_seconds, 2),
        "ours_data_to_tensors_s": round(load_s, 2),
        "epoch_speedup": round(handout_s / outcome.train_seconds, 2),
    }


class PermutedInput(nn.Module):
    """The handout's train_perm/test_perm: perm_pixel applied to every batch before the model."""

    def __init__(self, model, perm):
        super().__init__()
        self.model, self.perm = model, perm

    def forward(self, x):
        from lab2_mlp_vs_cnn import perm_pixel

        return self.model(perm_pixel(x, self.perm))


def bench_notebooks(data_dir: Path, b: dict, cifar_batches: int = 12) -> dict:
    """C: the handout's labs as written, scaled from measured batches to the handout's epochs."""
    from course_data import cifar10
    from lab2_mlp_vs_cnn import CNN, FC2Layer
    from lab3_vgg import VGG
    from torch.utils.data import DataLoader
    from torchvision import transforms

    train_loader, test_loader = handout_mnist_loaders(data_dir)
    lab1 = 10 * (b["handout_epoch_s"] + b["handout_test_s"])  # 10 epochs, a test pass after each
    lab2, perm = 0.0, torch.randperm(784)
    for make in (lambda: FC2Layer(784, 8, 10), lambda: CNN(784, 6, 10)):
        for permuted in (False, True):  # the handout's train()/test() and train_perm()/test_perm()
            torch.manual_seed(0)
            model = make()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
            run = PermutedInput(model, perm) if permuted else model
            seconds, _ = handout_epoch(run, train_loader, optimizer, F.nll_loss)
            lab2 += seconds + handout_test(run, test_loader)
    normalize = transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))
    t_train = transforms.Compose(
        [
            transforms.RandomCrop(32, padding=4),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            normalize,
        ]
    )
    t_test = transforms.Compose([transforms.ToTensor(), normalize])
    cifar_train = DataLoader(
        cifar10(train=True, transform=t_train), batch_size=128, shuffle=True, num_workers=2
    )
    cifar_test = DataLoader(
        cifar10(train=False, transform=t_test), batch_size=128, shuffle=False, num_workers=2
    )
    torch.manual_seed(0)
    vgg = VGG()
    optimizer = torch.optim.Adam(vgg.parameters(), lr=0.001)
    handout_epoch(vgg, cifar_train, optimizer, nn.CrossEntropyLoss(), max_batches=2)  # warm-up
    seconds, n = handout_epoch(
        vgg, cifar_train, optimizer, nn.CrossEntropyLoss(), max_batches=cifar_batches
    )
    vgg_epoch = seconds / n * len(cifar_train)
    test_seconds = handout_test(vgg, cifar_test, max_batches=4) / 4 * len(cifar_test)
    lab3 = (
        10 * (vgg_epoch + test_seconds) + 2 * test_seconds
    )  # + reload-best test and the per-class pass
    return {
        "lab1_s": round(lab1),
        "lab2_s": round(lab2),
        "lab3_s": round(lab3),
        "total_s": round(lab1 + lab2 + lab3),
        "method": f"lab1 and lab2 measured whole epochs; lab3 measured {cifar_batches} training and 4 test "
        f"batches of 128 and scaled to 10 epochs of {len(cifar_train)} batches (fp32, DataLoader, "
        f"PIL transforms, num_workers=2)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=os.environ.get("COURSE_DATA_DIR", ROOT.parent / "shared" / "data"),
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cpu.json")
    parser.add_argument(
        "--rounds", type=int, default=3, help="A: gradings per precision, alternating (median)"
    )
    parser.add_argument("--skip-jobs", action="store_true", help="skip D (four more gradings)")
    parser.add_argument(
        "--skip-notebooks", action="store_true", help="skip C (executing the handout's labs)"
    )
    parser.add_argument(
        "--skip-batch", action="store_true", help="skip E (a batch of six, result cache on)"
    )
    args = parser.parse_args()
    threads = len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    cache = Path(
        os.environ.get("AUTOGRADER_CACHE_DIR", Path.home() / ".cache" / "week2-autograder")
    )
    from autograder import machine
    from autograder.calibrate.table import calibrated_precisions
    from autograder.training.precision import native_bf16

    native = native_bf16("cpu")
    report = {"machine": {**machine.describe(), "native_bf16": native}, "torch": torch.__version__}
    precisions = ["fp32"] + (["bf16"] if native and "bf16" in calibrated_precisions("cpu") else [])
    report["precisions_measured"] = precisions
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        report["A_one_submission"] = {}
        canary_s = {}
        for (
            precision
        ) in precisions:  # each precision's canary first, so that the gradings below compare alike
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "autograder",
                    "canary",
                    "--data-dir",
                    str(args.data_dir),
                    "--cache-dir",
                    str(cache),
                    "--precision",
                    precision,
                    "--quiet",
                ],
                check=True,
                cwd=ROOT,
            )
            canary_s[precision] = round(time.perf_counter() - started, 1)
        runs = {precision: [] for precision in precisions}
        for round_ in range(
            args.rounds
        ):  # alternating: this machine's speed drifts from hour to hour
            for precision in precisions:
                wall, results = grade_cli(
                    [ROOT / "solutions"],
                    tmp / f"a-{precision}-{round_}",
                    args.data_dir,
                    cache,
                    "--precision",
                    precision,
                )
                runs[precision].append((wall, results["solutions"]))
        for precision, done in runs.items():
            walls = sorted(wall for wall, _ in done)
            result = done[-1][1]
            report["A_one_submission"][precision] = {
                "wall_s": round(walls[(len(walls) - 1) // 2], 1),
                "runs_s": [round(wall, 1) for wall, _ in done],
                "scores": [sum(t["score"] for t in r["tests"]) for _, r in done],
                "per_check_s": per_check_seconds(result),
                "canary_s": canary_s[precision],
                "train_cpu_seconds": result["environment"].get("train_cpu_seconds"),
            }
            print(
                json.dumps({precision: report["A_one_submission"][precision]}, indent=1), flush=True
            )
        wall = report["A_one_submission"]["fp32"]["wall_s"]
        report["B_mnist_epoch"] = bench_epoch_ratio(args.data_dir, cache)
        print(json.dumps(report["B_mnist_epoch"], indent=1), flush=True)
        if not args.skip_notebooks:
            report["C_handout_notebooks"] = notebooks = bench_notebooks(
                args.data_dir, report["B_mnist_epoch"]
            )
            notebooks["speedup_vs_one_submission"] = round(notebooks["total_s"] / wall, 1)
            print(json.dumps(notebooks, indent=1), flush=True)
        if not args.skip_jobs:
            pair = [ROOT / "solutions", ROOT / "tests" / "corpus" / "correct" / "sequential_style"]
            # --jobs 2 gives each grader half the threads: other settings, so its own canary, run
            # (and memoised) first so that it is not timed as part of the gradings.
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "autograder",
                    "canary",
                    "--data-dir",
                    str(args.data_dir),
                    "--cache-dir",
                    str(cache),
                    "--jobs",
                    "2",
                    "--quiet",
                ],
                check=True,
                cwd=ROOT,
            )
            one, _ = grade_cli(pair, tmp / "d1", args.data_dir, cache, "--jobs", "1")
            two, _ = grade_cli(pair, tmp / "d2", args.data_dir, cache, "--jobs", "2")
            report["D_jobs"] = {
                "two_submissions_jobs1_s": round(one, 1),
                "two_submissions_jobs2_s": round(two, 1),
                "jobs2_over_jobs1": round(two / one, 2),
            }
            print(json.dumps(report["D_jobs"], indent=1), flush=True)
        if not args.skip_batch:
            report["E_batch"] = bench_batch(tmp / "e", args.data_dir, cache)
            print(json.dumps(report["E_batch"], indent=1), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
