"""Time and memory of one Gradescope run, to compare with Gradescope's limits (README, Gradescope).

    python benchmarks/bench_gradescope.py --data-dir ../shared/data [--quota 0.5] [--cpus 0] [--out result.json]

Builds the bundle, lays out a temporary /autograder (source, submission = the reference,
results), decodes the data sets into its cache and runs the canary as setup.sh does, then times
run_autograder with no memoised training (every check trains) while sampling, every 0.2 s, the
memory of the whole process tree: the sum of PSS (shared pages split) and the sum of RSS (an
upper bound).

--quota runs the canary and the graded run inside a cgroup v1 CPU quota (cpu.cfs_quota_us, as
Docker's --cpus and Gradescope set it; needs root) and a memory cgroup whose peak
(memory.max_usage_in_bytes, what a container's memory limit counts, page cache included) is
reported too. --cpus pins the run to those cores (taskset) instead, e.g. "0" for one.
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


CGROUP = Path("/sys/fs/cgroup")


class QuotaCgroup:
    """A cgroup v1 pair (cpu, memory) for the run: a CPU quota and a memory peak; removed on exit."""

    def __init__(self, cpus: float):
        name = f"bench-gradescope-{os.getpid()}"
        self.cpu, self.memory = CGROUP / "cpu" / name, CGROUP / "memory" / name
        self.cpu.mkdir()
        self.memory.mkdir()
        (self.cpu / "cpu.cfs_period_us").write_text("100000")
        (self.cpu / "cpu.cfs_quota_us").write_text(str(int(cpus * 100000)))

    def prefix(self) -> list[str]:
        """A command prefix that enters both cgroups, then runs the command."""
        return [
            "sh",
            "-c",
            f'echo $$ > {self.cpu}/tasks && echo $$ > {self.memory}/tasks && exec "$@"',
            "sh",
        ]

    def reset_peak(self) -> None:
        (self.memory / "memory.max_usage_in_bytes").write_text("0")

    def peak_mib(self) -> int:
        return round(int((self.memory / "memory.max_usage_in_bytes").read_text()) / 2**20)

    def remove(self) -> None:
        for folder in (self.cpu, self.memory):
            for pid in (
                (folder / "tasks").read_text().split()
            ):  # none should be left; never leave one
                subprocess.run(["kill", "-9", pid], check=False)
            folder.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument(
        "--quota",
        type=float,
        help="CPUs of a cgroup CPU quota, e.g. 0.5 (Gradescope's default; needs root)",
    )
    parser.add_argument("--cpus", help="taskset CPU list, e.g. 0 (default: all)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-gradescope-"))
    quota = QuotaCgroup(args.quota) if args.quota else None
    try:
        root = base / "autograder"
        (root / "submission").mkdir(parents=True)
        subprocess.run(
            [sys.executable, "-m", "autograder", "gradescope-bundle", str(base / "a.zip")],
            check=True,
            cwd=ROOT,
        )
        shutil.unpack_archive(base / "a.zip", root / "source")
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
        os.chmod(root / "run_autograder", 0o755)
        for path in (ROOT / "solutions").glob("*.py"):
            shutil.copy(path, root / "submission")
        env = {
            **os.environ,
            "AUTOGRADER_ROOT": str(root),
            "AUTOGRADER_PYTHON": sys.executable,
            "COURSE_DATA_DIR": str(args.data_dir.resolve()),
            "AUTOGRADER_CACHE_DIR": str(root / "cache"),
        }
        subprocess.run(
            [sys.executable, "-m", "autograder.data.fetch"], check=True, env=env
        )  # setup.sh's step
        prefix = quota.prefix() if quota else ["taskset", "-c", args.cpus] if args.cpus else []
        # setup.sh's last step, on the same CPUs: the run then finds the canary memoised, as a
        # Gradescope run on a machine like the image's would.
        started = time.perf_counter()
        subprocess.run(
            [*prefix, sys.executable, "-m", "autograder.verbs.gradescope_run", "--canary-only"],
            check=True,
            cwd=root,
            env=env,
        )
        canary_s = time.perf_counter() - started
        shutil.rmtree(
            root / "cache" / "results", ignore_errors=True
        )  # the canary's trainings: the run trains anew
        if quota:
            quota.reset_peak()
        command = [*prefix, str(root / "run_autograder")]
        peak = [0, 0]
        started = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

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
        report = {
            "wall_s": round(wall, 1),
            "canary_s": round(canary_s, 1),
            "peak_pss_mib": round(peak[0] / 1024),
            "peak_rss_sum_mib": round(peak[1] / 1024),
            "peak_cgroup_mib": quota.peak_mib() if quota else None,
            "score": results["score"],
            "exit": proc.returncode,
            "cpus": f"quota {args.quota}" if quota else args.cpus or f"all ({os.cpu_count()})",
            "failed": {
                t["name"]: t["output"].splitlines()[0]
                for t in results["tests"]
                if t["status"] != "passed"
            },
        }
        print(output[-2000:])
        print(json.dumps(report, indent=1))
        if args.out:
            args.out.write_text(json.dumps(report, indent=1))
    finally:
        if quota:
            quota.remove()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
