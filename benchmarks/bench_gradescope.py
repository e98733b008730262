"""Time and memory of one Gradescope run, to compare with Gradescope's limits (README, Gradescope).

    python benchmarks/bench_gradescope.py --data-dir ../shared/data [--cpus 0] [--out result.json]

Builds the bundle, lays out a temporary /autograder (source, submission = the reference,
results), decodes the data sets into its cache as setup.sh does, then times run_autograder with
no memoised training (every check trains) while sampling, every 0.2 s, the memory of the whole
process tree: the sum of PSS (what a container's memory limit counts, shared pages split) and
the sum of RSS (an upper bound). --cpus pins the run to those cores (taskset), e.g. "0" for one.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def memory_kib(pids: list[int]) -> tuple[int, int]:
    """(sum of Pss, sum of Rss) in KiB."""
    pss = rss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            continue
    return pss, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--cpus", help="taskset CPU list, e.g. 0 (default: all)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-gradescope-"))
    try:
        root = base / "autograder"
        (root / "submission").mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "autograder", "gradescope-bundle", str(base / "a.zip")], check=True, cwd=ROOT)
        shutil.unpack_archive(base / "a.zip", root / "source")
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
        os.chmod(root / "run_autograder", 0o755)
        for path in (ROOT / "solutions").glob("*.py"):
            shutil.copy(path, root / "submission")
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
               "COURSE_DATA_DIR": str(args.data_dir.resolve()), "AUTOGRADER_CACHE_DIR": str(root / "cache")}
        subprocess.run([sys.executable, "-m", "autograder.data.fetch"], check=True, env=env)  # setup.sh's step
        command = [str(root / "run_autograder")]
        if args.cpus:
            command = ["taskset", "-c", args.cpus, *command]
        peak = [0, 0]
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def sample():
            while proc.poll() is None:
                pss, rss = memory_kib(tree(proc.pid))
                peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        output = proc.communicate()[0]
        wall = time.perf_counter() - started
        sampler.join()
        results = json.loads((root / "results" / "results.json").read_text())
        report = {"wall_s": round(wall, 1), "peak_pss_mib": round(peak[0] / 1024), "peak_rss_sum_mib": round(peak[1] / 1024),
                  "score": results["score"], "exit": proc.returncode, "cpus": args.cpus or f"all ({os.cpu_count()})",
                  "failed": {t["name"]: t["output"].splitlines()[0] for t in results["tests"] if t["status"] != "passed"}}
        print(output[-2000:])
        print(json.dumps(report, indent=1))
        if args.out:
            args.out.write_text(json.dumps(report, indent=1))
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
