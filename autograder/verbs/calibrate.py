"""`calibrate`: train the reference over >= 20 seeds and write the thresholds table.

The reference trains through the same sandbox path as grading; its broken variants
(the assignment's `broken`, calibrate/broken.py) train beside it, and its comparisons are calibrated
from the same runs. The table is written in the assignment's calibration/ folder, where
calibrate/table.py reads it.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from autograder.calibrate import broken
from autograder.calibrate.build import build_table
from autograder.calibrate.table import DEFAULT_PRECISION, table_path
from autograder.calibrate.thresholds import K_SIGMA
from autograder.config import GradingConfig
from autograder.extract import extract_submission
from autograder.sandbox.client import OpCall, ResultCache, Sandbox
from autograder.suites.run_settings import prepare_data, setup
from autograder.suites.runner import sandbox_policy
from autograder.training import precision
from autograder.training.subsets import test_indices


def measure(
    config: GradingConfig,
    seeds: list[int],
    solutions: Path | None = None,
    quiet: bool = False,
    budget_s: float | None = None,
    only: tuple[str, ...] | None = None,
) -> dict:
    """check -> {"accuracy": [...], "seconds": [...]} for every training check and seed.

    With budget_s, stops before a seed that would end past the budget (judged by the slowest seed
    so far), so a time-boxed run (a borrowed GPU) still returns every seed it finished."""
    started, slowest = time.monotonic(), 0.0
    data = prepare_data(config)
    dirs, prints, labels = data.dirs, data.prints, data.labels
    if data.errors:
        raise SystemExit("calibration needs every data set: " + "; ".join(data.errors.values()))
    extracted = extract_submission(solutions or config.spec.solutions_dir)
    policy = sandbox_policy(config, masks=())
    checks = {
        name: (c.model, c.args, precision.apply(c.spec, config.precision))
        for name, c in config.spec.checks(config.device_kind).items()
        if not only or name in only
    }
    out = {
        name: {"accuracy": [], "seconds": [], "cpu_seconds": [], "losses": [], "per_class": []}
        for name in checks
    }
    cache = ResultCache(config.cache_dir / "results") if config.result_cache else None
    with Sandbox(extracted, policy, dirs, prints, device=config.device, cache=cache) as sandbox:
        for seed in tqdm(seeds, desc="calibrating (seeds)", disable=quiet):
            if budget_s is not None and time.monotonic() - started + slowest > budget_s:
                tqdm.write(
                    f"time budget of {budget_s:g} s reached after {len(out[next(iter(out))]['accuracy'])} seeds"
                )
                break
            seed_started = time.monotonic()
            for name, (ctor, args, spec) in checks.items():
                reply, y, correct = _train(
                    sandbox, labels, ctor, args, spec, seed, config.spec.transform, cacheable=True
                )
                if not reply.ok:
                    raise SystemExit(f"the reference failed {name} (seed {seed}): {reply.error}")
                out[name]["accuracy"].append(float(100 * correct.mean()))
                out[name]["seconds"].append(float(reply.result["train_seconds"]))
                if (
                    reply.usage
                ):  # a cached result carries no usage: the table then says so by omission
                    out[name]["cpu_seconds"].append(float(reply.usage.cpu_seconds))
                out[name]["losses"].append([float(v) for v in reply.result["losses"]])
                out[name]["per_class"].append(
                    [float(100 * correct[y == c].mean()) for c in range(10)]
                )
            tqdm.write(
                " ".join(f"{k}={v['accuracy'][-1]:.2f}" for k, v in out.items())
            ) if not quiet else None
            slowest = max(slowest, time.monotonic() - seed_started)
    return out


def _train(
    sandbox: Sandbox,
    labels: dict,
    ctor: str,
    args,
    spec,
    seed: int,
    transform: str | None,
    cacheable: bool = False,
):
    """Train one check in the sandbox: (reply, test labels, which predictions were right or None).
    The permuted checks use the submission's own transform (the assignment's `transform`)."""
    perm_fn = transform if spec.permute_pixels else None
    call = OpCall.train(ctor, args, spec, seed, perm_fn, timeout=3600, cacheable=cacheable)
    reply = sandbox.run(call.names, call.op, call.args, timeout=call.timeout, cacheable=cacheable)
    y = labels[spec.dataset][test_indices(len(labels[spec.dataset]), spec.test_subset)]
    return reply, y, (np.asarray(reply.result["predictions"]) == y if reply.ok else None)


def measure_broken(
    config: GradingConfig,
    checks: list[str],
    seeds: list[int],
    solutions: Path | None = None,
    quiet: bool = False,
) -> dict:
    """check -> {variant label: [accuracy per seed]} for the broken variants of those checks."""
    data = prepare_data(config)
    dirs, prints, labels = data.dirs, data.prints, data.labels
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="ag-broken-") as tmp:
        for check in checks:
            declared = config.spec.checks(config.device_kind)[check]
            ctor, args = declared.model, declared.args
            spec = precision.apply(declared.spec, config.precision)
            for i, variant in enumerate(config.spec.broken.get(check, ())):
                folder = broken.write(
                    variant, solutions or config.spec.solutions_dir, Path(tmp) / f"{check}-{i}"
                )
                with Sandbox(
                    extract_submission(folder),
                    sandbox_policy(config, masks=()),
                    dirs,
                    prints,
                    device=config.device,
                ) as sandbox:
                    for seed in seeds:
                        reply, _, correct = _train(
                            sandbox, labels, ctor, args, spec, seed, config.spec.transform
                        )
                        accuracy = (
                            float(100 * correct.mean()) if reply.ok else None
                        )  # None: it could not even train
                        out.setdefault(check, {}).setdefault(variant.label, []).append(accuracy)
                        if not quiet:
                            tqdm.write(
                                f"broken {check} / {variant.label} (seed {seed}): {accuracy}"
                            )
    return out


def write_table(
    *,
    config: GradingConfig,
    n_seeds: int = 20,
    first_seed: int = 100,
    out: Path | None = None,
    quiet: bool = False,
    budget_s: float | None = None,
    checks: tuple[str, ...] | None = None,
    broken_seeds: int = 3,
    k_sigma: float = K_SIGMA,
    emulated_bf16: bool = False,
) -> Path:
    """Calibrate the training checks (all, or only `checks`, keeping the table's other entries) on
    config.device, measure the broken variants over broken_seeds seeds, and write the table."""
    import torch

    seeds = list(range(first_seed, first_seed + n_seeds))
    path = (
        Path(out)
        if out
        else table_path(config.device_kind, config.precision, config.spec.calibration_dir)
    )
    previous = None
    if checks:
        if not path.is_file():
            raise SystemExit(
                f"--checks updates an existing table, and {path} does not exist: calibrate every check"
            )
        previous = json.loads(path.read_text())
        if previous.get("precision", DEFAULT_PRECISION[config.device_kind]) != config.precision:
            raise SystemExit(
                f"{path} holds precision {previous.get('precision')}, not {config.precision}"
            )
    measured = measure(config, seeds, quiet=quiet, budget_s=budget_s, only=checks)
    done = seeds[: len(next(iter(measured.values()))["accuracy"])]
    if len(done) < 2:
        raise SystemExit(
            f"calibration finished {len(done)} seed(s) within the time budget; it needs at least 2"
        )
    wrong = (
        measure_broken(config, list(measured), seeds[:broken_seeds], quiet=quiet)
        if broken_seeds
        else {}
    )
    table = build_table(
        config, done, measured, torch.__version__, previous, wrong, k_sigma, emulated_bf16
    )
    path.write_text(json.dumps(table, indent=1) + "\n")
    return path


def main(
    *,
    config: GradingConfig = GradingConfig(),
    seeds: int = 20,
    first_seed: int = 100,
    out: Path | None = None,
    quiet: bool = False,
    budget_s: float | None = None,
    checks: tuple[str, ...] | None = None,
    broken_seeds: int = 3,
    k_sigma: float = 4.0,
    emulated_bf16: bool = False,
) -> int:
    if emulated_bf16 and config.precision != "bf16":
        raise SystemExit("--emulated-bf16 goes with --precision bf16")
    # no table needed: this writes it
    config = setup(config.with_(training=False), emulated_bf16=emulated_bf16).with_(training=True)
    path = write_table(
        config=config,
        n_seeds=seeds,
        first_seed=first_seed,
        out=out,
        quiet=quiet,
        budget_s=budget_s,
        checks=checks,
        broken_seeds=broken_seeds,
        k_sigma=k_sigma,
        emulated_bf16=emulated_bf16,
    )
    print(f"wrote {path}")
    return 0
