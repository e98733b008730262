"""Reading a notebook saved with its outputs: the grader's streaming reader against a whole-file
parse, measured side by side on the same file.

    python benchmarks/bench_notebook_read.py [--mb 100] [--rounds 3] [--out benchmarks/results/notebook_read.json]

A notebook of --mb MB is written (the reference labs as cells, each followed by base64 PNG
outputs, as a student's notebook after a run). Each reader runs in a fresh process, alternating,
--rounds times; each process reports its wall seconds and its peak resident memory (VmHWM) above
the same process's high-water mark after its imports:

* stream: autograder.extract.collect (ijson events: only cells' type and source are kept);
* json: json.load of the file (the whole text and every output held as Python objects);
* nbformat: nbformat.reads of the file's text (what the grader did before: text, objects, a copy
  for validation).

Each reader must find the same code cells. Medians are reported.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
READERS = {
    "stream": "from autograder.extract.collect import collect\ncells = len(collect(PATH).sources)",
    "json": "import json\n"
    "cells = sum(c['cell_type'] == 'code' for c in json.load(open(PATH, 'rb'))['cells'])",
    "nbformat": "import nbformat\n"
    "cells = sum(c.cell_type == 'code' for c in nbformat.reads(PATH.read_text(), as_version=4).cells)",
}
# Peak memory is VmHWM (this process image's high-water mark): ru_maxrss would carry the parent's
# peak across fork and exec, and the parent has just written the notebook.
PROBE = """
import json, sys, time
from pathlib import Path
PATH = Path(sys.argv[1])
import autograder.extract.collect, ijson, nbformat  # every reader pays the same imports
def high_water_mb():
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
base = high_water_mb()
start = time.perf_counter()
{code}
seconds = time.perf_counter() - start
peak = high_water_mb()
print(json.dumps({{"seconds": seconds, "peak_mb": peak, "above_baseline_mb": peak - base, "cells": cells}}))
"""


def write_notebook(path: Path, mb: int) -> None:
    labs = sorted((ROOT / "solutions").glob("*.py"))
    image = base64.b64encode(os.urandom(1_500_000)).decode()
    per_cell = max(1, round(mb * 10**6 / (len(image) * len(labs))))
    cells = []
    for lab in labs:
        cell = nbformat.v4.new_code_cell(lab.read_text())
        cell.outputs = [
            nbformat.v4.new_output(
                "display_data", data={"image/png": image, "text/plain": "<Figure>"}
            )
            for _ in range(per_cell)
        ]
        cells.append(cell)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


def measure(reader: str, path: Path) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=READERS[reader]), str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "notebook_read.json"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "week2_with_outputs.ipynb"
        write_notebook(path, args.mb)
        size = path.stat().st_size
        runs = {name: [] for name in READERS}
        for _ in range(args.rounds):
            for name in READERS:
                runs[name].append(measure(name, path))
    cells = {name: {r["cells"] for r in rs} for name, rs in runs.items()}
    assert all(c == cells["stream"] for c in cells.values()), cells
    summary = {
        name: {
            key: round(statistics.median(r[key] for r in rs), 3)
            for key in ("seconds", "peak_mb", "above_baseline_mb")
        }
        for name, rs in runs.items()
    }
    report = {
        "file_mb": round(size / 10**6, 1),
        "rounds": args.rounds,
        "code_cells": cells["stream"].pop(),
        "median": summary,
        "runs": runs,
        "machine": {"cpu": _cpu(), "python": platform.python_version()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    for name, s in summary.items():
        print(
            f"{name:9s} {s['seconds']:7.2f} s   peak {s['peak_mb']:7.1f} MB   above imports {s['above_baseline_mb']:7.1f} MB"
        )


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                flags = Path("/proc/cpuinfo").read_text()
                kind = (
                    "native bf16" if ("avx512_bf16" in flags or "amx_bf16" in flags) else "no bf16"
                )
                return f"{line.split(':', 1)[1].strip()} ({os.cpu_count()} cores, {kind})"
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
