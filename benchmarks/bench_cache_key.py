"""A whole class with cosmetic variation: the result cache keyed on normalised code against the
exact text, cold cache, measured side by side.

    python benchmarks/bench_cache_key.py --data-dir ../shared/data [--students 40] [--grade 40]
        [--parts FC2Layer CNN perm_pixel] [--wrong 5] [--seed 0] [--out benchmarks/results/cache_key.json]

1. A class of --students submissions is generated, deterministically from --seed, out of the
   correct corpus (solutions/ as most students start from the handout, tests/corpus/correct/*)
   and --wrong overlays of tests/corpus/wrong/* for the graded parts, with the variation seen in
   real submissions: comments removed/added, blank lines, quote style, docstrings rewritten or
   dropped, spacing, locals renamed, top-level definitions reordered, and the format (folder of
   files, one file, a notebook with its cells split anywhere between statements).
2. Key statistics for the whole class (no grading, instant): per part, distinct texts of its
   closure, distinct exact keys and distinct normalised keys; per training check, the trainings
   each key needs.
3. The first --grade students are graded twice, in-process (grade_submission, 1 job, every core),
   each time from a cold result cache: once keyed on the normalised code, once on the exact text
   (the key before the cache normalised code). The two runs alternate student by student, so load from other
   processes on a shared machine falls on both alike. Reported: wall seconds per student,
   trainings run (new cache entries), scores (must be equal in both runs).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import io
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import tokenize
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.extract import code_key, extract_submission  # noqa: E402
from autograder.extract.units import Extracted  # noqa: E402

CORRECT = {
    "handout": ROOT / "solutions",
    "functional": ROOT / "tests/corpus/correct/functional_style.py",
    "sequential": ROOT / "tests/corpus/correct/sequential_style",
    "notebook": ROOT / "tests/corpus/correct/notebook_style.ipynb",
}
BASE_WEIGHTS = {"handout": 0.7, "functional": 0.1, "sequential": 0.1, "notebook": 0.1}
PART_OF_PREFIX = {
    "lenet": "LeNet5",
    "fc2layer": "FC2Layer",
    "get_n_params": "FC2Layer",
    "cnn": "CNN",
    "perm_pixel": "perm_pixel",
    "vgg": "VGG",
}
TRAINING = {
    "FC2Layer": [["FC2Layer"], ["FC2Layer", "perm_pixel"]],
    "CNN": [["CNN"], ["CNN", "perm_pixel"]],
    "LeNet5": [["LeNet5"]],
    "VGG": [["VGG"]],
    "perm_pixel": [],
}
"""The closures each part's training checks are keyed on (the permuted-pixel checks use perm_pixel)."""
RENAMES = [("data_new", "out"), ("n_params", "total"), ("out", "output")]
COMMENTS = [
    "# TODO: 再检查一下",
    "# 参考讲义 4.2",
    "# fixed",
    "# shape: (N, C, H, W)",
    "# 这里容易错",
]
DOCS = ["网络结构见讲义。", "My implementation.", "Forward pass.", "作业 2"]


# -- cosmetic variation -------------------------------------------------------------------------


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
        return True
    except SyntaxError:
        return False


def _offsets(text: str) -> list[int]:
    starts, total = [0], 0
    for line in text.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _docstrings(text: str, rng: random.Random) -> str:
    """Rewrite or drop docstrings (dropped only where the body has other statements)."""
    tree, starts, edits = ast.parse(text), _offsets(text), []
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.FunctionDef, ast.ClassDef))
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
            and isinstance(node.body[0].value.value, str)
        ):
            doc = node.body[0]
            start, end = (
                starts[doc.lineno - 1] + doc.col_offset,
                starts[doc.end_lineno - 1] + doc.end_col_offset,
            )
            if len(node.body) > 1 and rng.random() < 0.5:
                line_start = starts[doc.lineno - 1]
                edits.append((line_start, starts[doc.end_lineno], ""))
            else:
                edits.append((start, end, repr(rng.choice(DOCS))))
    return _apply(text, edits)


def _tokens_pass(text: str, rng: random.Random, rename: tuple[str, str] | None) -> str:
    """Comments, quotes, blank lines, spacing and (optionally) one local renamed, token by token."""
    starts, edits = _offsets(text), []
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    names = {t.string for t in tokens if t.type == tokenize.NAME}
    drop_comments, add_comments = rng.random() < 0.5, rng.random() < 0.5
    for i, tok in enumerate(tokens):
        start = starts[tok.start[0] - 1] + tok.start[1]
        end = starts[tok.end[0] - 1] + tok.end[1]
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.type == tokenize.COMMENT and drop_comments and rng.random() < 0.7:
            edits.append((start, end, ""))
        elif tok.type == tokenize.NEWLINE and add_comments and rng.random() < 0.08:
            edits.append((start, start, "  " + rng.choice(COMMENTS)))
        elif tok.type == tokenize.NEWLINE and rng.random() < 0.05:
            edits.append((end, end, "\n"))  # a blank line after a statement
        elif tok.type == tokenize.NL and tok.line.strip() == "" and rng.random() < 0.3:
            edits.append((start, end, ""))  # a blank line removed (its newline only)
        elif (
            tok.type == tokenize.STRING
            and tok.string[:1] in "'\""
            and tok.string[:3] not in ("'''", '"""')
        ):
            body = tok.string[1:-1]
            if "'" not in body and '"' not in body and "\\" not in body and rng.random() < 0.6:
                quote = "'" if tok.string[0] == '"' else '"'
                edits.append((start, end, quote + body + quote))
        elif (
            tok.type == tokenize.OP
            and tok.string == ","
            and nxt is not None
            and nxt.start == tok.end
            and nxt.type not in (tokenize.NL, tokenize.NEWLINE)
            and rng.random() < 0.2
        ):
            edits.append((end, end, " "))
        elif (
            tok.type == tokenize.OP
            and tok.string in ("*", "+")
            and prev is not None
            and prev.end != tok.start
            and rng.random() < 0.3
        ):
            edits.append((starts[prev.end[0] - 1] + prev.end[1], start, ""))  # "a * b" -> "a* b"
        elif (
            rename
            and tok.type == tokenize.NAME
            and tok.string == rename[0]
            and rename[1] not in names
            and not (prev is not None and prev.string == ".")
            and not (
                nxt is not None
                and nxt.string == "="
                and prev is not None
                and prev.string in ("(", ",")
            )
        ):
            edits.append((start, end, rename[1]))
    return _apply(text, edits)


def _reorder(text: str, rng: random.Random) -> str:
    """Shuffle runs of consecutive top-level defs/classes (none a base of another)."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    runs, run = [], []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            run.append(node)
        else:
            runs.append(run)
            run = []
    runs.append(run)
    edits, starts = [], _offsets(text)
    for run in (r for r in runs if len(r) > 1):
        defined = {n.name for n in run}
        if any(
            isinstance(b, ast.Name) and b.id in defined
            for n in run
            if isinstance(n, ast.ClassDef)
            for b in n.bases
        ):
            continue
        chunks = [
            "".join(
                lines[
                    (n.decorator_list[0].lineno if n.decorator_list else n.lineno)
                    - 1 : n.end_lineno
                ]
            )
            for n in run
        ]
        order = list(range(len(run)))
        rng.shuffle(order)
        for slot, node in enumerate(run):
            first = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
            edits.append((starts[first], starts[node.end_lineno], chunks[order[slot]]))
    return _apply(text, edits)


def vary(text: str, rng: random.Random, rename: tuple[str, str] | None) -> str:
    """A cosmetic variant of a Python text (the same text when a step would not parse)."""
    if not _parses(text) or rng.random() < 0.15:  # some files are handed in as they were
        return text
    for step in (
        lambda t: _docstrings(t, rng) if rng.random() < 0.5 else t,
        lambda t: _tokens_pass(t, rng, rename),
        lambda t: _reorder(t, rng) if rng.random() < 0.4 else t,
    ):
        new = step(text)
        text = new if _parses(new) else text
    return text


def _cells_of(text: str, rng: random.Random) -> list[str]:
    """Split a Python text into notebook cells at random top-level statement boundaries."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    cuts = sorted(
        {node.lineno - 1 for node in tree.body[1:] if rng.random() < 0.5}
        | {
            (
                node.decorator_list[0].lineno
                if getattr(node, "decorator_list", None)
                else node.lineno
            )
            - 1
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and rng.random() < 0.7
        }
    )
    cells, prev = [], 0
    for cut in cuts + [len(lines)]:
        if cut > prev:
            cells.append("".join(lines[prev:cut]).strip("\n"))
        prev = cut
    return [c for c in cells if c.strip()]


def _write_notebook(cells: list[str], target: Path, rng: random.Random) -> None:
    nb = nbformat.v4.new_notebook()
    for cell in cells:
        if rng.random() < 0.2:
            nb.cells.append(nbformat.v4.new_markdown_cell(rng.choice(DOCS)))
        nb.cells.append(nbformat.v4.new_code_cell(cell))
    nb.cells.append(
        nbformat.v4.new_code_cell("model = CNN(28 * 28, 6, 10)\nprint(get_n_params(model))")
    )
    nbformat.write(nb, target)


def make_student(
    index: int, kind: str, rng: random.Random, out: Path, wrong: Path | None = None
) -> Path:
    """One submission under out/; returns its path."""
    name = f"s{index:03d}_{kind}" + (f"_{wrong.stem}" if wrong else "")
    rename = rng.choice(RENAMES) if rng.random() < 0.25 else None
    source = CORRECT["handout" if wrong else kind]
    if source.suffix == ".ipynb":
        nb = nbformat.read(source, as_version=4)
        cells = []
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            text = vary(cell.source, rng, rename)
            cells += _cells_of(text, rng) if _parses(text) and rng.random() < 0.3 else [text]
        target = out / f"{name}.ipynb"
        _write_notebook(cells, target, rng)
        return target
    files = (
        {p.name: p.read_text() for p in sorted(source.glob("*.py"))}
        if source.is_dir()
        else {source.name: source.read_text()}
    )
    if wrong:
        files[f"zz_{wrong.stem}.py"] = wrong.read_text()
    files = {n: vary(t, rng, rename) for n, t in files.items()}
    form = (
        "folder"
        if wrong or len(files) == 1
        else rng.choices(["folder", "file", "notebook"], [0.5, 0.25, 0.25])[0]
    )
    if form == "folder" or (len(files) == 1 and rng.random() < 0.6):
        folder = out / name
        folder.mkdir()
        for n, t in files.items():
            (folder / n).write_text(t)
        return folder
    joined = "\n\n".join(files.values())
    if form == "file" or not _parses(joined):
        (out / f"{name}.py").write_text(joined)
        return out / f"{name}.py"
    _write_notebook(_cells_of(joined, rng), out / f"{name}.ipynb", rng)
    return out / f"{name}.ipynb"


def make_class(n: int, n_wrong: int, parts: list[str], seed: int, out: Path) -> list[Path]:
    rng = random.Random(seed)
    wrong_files = sorted(
        p
        for p in (ROOT / "tests/corpus/wrong").glob("*.py")
        if any(
            p.stem.startswith(prefix) and part in parts for prefix, part in PART_OF_PREFIX.items()
        )
    )
    # A few wrong solutions, each handed in by one or two students.
    wrong = [rng.choice(wrong_files) for _ in range(n_wrong)] if wrong_files else []
    kinds = rng.choices(list(BASE_WEIGHTS), list(BASE_WEIGHTS.values()), k=n - len(wrong))
    plan = [(k, None) for k in kinds] + [("wrong", w) for w in wrong]
    rng.shuffle(plan)
    return [make_student(i, kind, rng, out, w) for i, (kind, w) in enumerate(plan)]


# -- keys and grading ---------------------------------------------------------------------------


def key_statistics(paths: list[Path], parts: list[str]) -> dict:
    extracted = [extract_submission(p) for p in paths]
    stats = {}
    for part in parts:
        have = [e for e in extracted if e.defines(part)]
        closures = [e.closure([part]) for e in have]
        stats[part] = {
            "submissions": len(have),
            "texts": len({"\0".join(u.source for u in c) for c in closures}),
            "exact_keys": len({Extracted.digest(c) for c in closures}),
            "normalised_keys": len({code_key(c) for c in closures}),
        }
    trainings = {}
    for part in parts:
        for names in TRAINING[part]:
            have = [e for e in extracted if all(e.defines(n) for n in names)]
            trainings["+".join(names)] = {
                "exact": len({Extracted.digest(e.closure(names)) for e in have}),
                "normalised": len({code_key(e.closure(names)) for e in have}),
            }
    return {"closures": stats, "distinct_trainings_per_seed": trainings}


def grade_both(
    paths: list[Path], parts: list[str], data_dir: Path, work: Path, on_student=None
) -> dict:
    """Grade paths in both runs, alternating; on_student(summary so far) after each student."""
    from autograder.config import GradingConfig
    from autograder.sandbox import client
    from autograder.suites.run_settings import resolve
    from autograder.suites.runner import grade_submission

    normalised = client.code_key
    # Both runs share one cache folder (decoded data warmed once); their keys never meet.
    modes = {
        "normalised": normalised,
        "exact": lambda units: "exact-text:" + Extracted.digest(units),
    }
    fields = {f.name for f in dataclasses.fields(GradingConfig)}
    # A shared machine must not turn slow trainings into "not final" results in either run.
    lenient = {
        k: v
        for k, v in {
            "training_min_timeout": 900.0,
            "timeout": 120.0,
            "starved_wall_factor": 20.0,
        }.items()
        if k in fields
    }
    config = GradingConfig(
        data_dir=data_dir, cache_dir=work / "cache", parts=tuple(parts), **lenient
    )
    grade_submission(
        ROOT / "solutions", "warmup", resolve(dataclasses.replace(config, training=False))
    )
    settings = resolve(config)
    results = work / "cache" / "results"
    shutil.rmtree(results, ignore_errors=True)  # cold: no training result of any key
    runs = {
        mode: {"seconds": [], "trainings": [], "scores": [], "grader_errors": 0} for mode in modes
    }
    for i, path in enumerate(paths):
        for mode in list(modes) if i % 2 == 0 else list(modes)[::-1]:
            client.code_key = modes[mode]
            before = len(list(results.rglob("*.json")))
            started = time.perf_counter()
            result = grade_submission(path, path.stem, settings)
            seconds = time.perf_counter() - started
            run = runs[mode]
            run["seconds"].append(round(seconds, 2))
            run["trainings"].append(len(list(results.rglob("*.json"))) - before)
            run["scores"].append(round(sum(t.score for t in result.tests), 2))
            run["grader_errors"] += bool(result.grader_error)
            print(
                f"{i + 1:3d}/{len(paths)} {mode:10s} {path.name:40s} {seconds:7.1f} s  "
                f"trainings {run['trainings'][-1]}  score {run['scores'][-1]}",
                flush=True,
            )
        if on_student:
            on_student(_summary(runs))
    client.code_key = normalised
    return _summary(runs)


def _summary(runs: dict) -> dict:
    summary = {"students_graded": len(runs["exact"]["seconds"])}
    for mode, run in runs.items():
        summary[mode] = {
            **run,
            "total_s": round(sum(run["seconds"]), 1),
            "mean_s_per_student": round(statistics.mean(run["seconds"]), 2),
            "median_s_per_student": round(statistics.median(run["seconds"]), 2),
            "trainings_total": sum(run["trainings"]),
        }
    summary["speedup_total"] = round(
        summary["exact"]["total_s"] / summary["normalised"]["total_s"], 3
    )
    summary["same_scores"] = runs["exact"]["scores"] == runs["normalised"]["scores"]
    return summary


def machine() -> dict:
    import torch

    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else ""
    )
    return {
        "cpu": model,
        "cores": len(os.sched_getaffinity(0)),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("COURSE_DATA_DIR"))
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument(
        "--grade", type=int, default=None, help="grade only the first N students (default: all)"
    )
    parser.add_argument("--parts", nargs="+", default=["FC2Layer", "CNN", "perm_pixel"])
    parser.add_argument(
        "--wrong", type=int, default=5, help="students with a wrong solution among them"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--work", type=Path, default=None, help="folder for the class and caches (default: temp)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/cache_key.json")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-cache-key-"))
    shutil.rmtree(work / "class", ignore_errors=True)
    (work / "class").mkdir(parents=True)
    paths = make_class(args.students, args.wrong, args.parts, args.seed, work / "class")
    report = {
        "command": " ".join(sys.argv),
        "machine": machine(),
        "students": args.students,
        "parts": args.parts,
        "seed": args.seed,
        "submissions": [p.name for p in paths],
        "keys": key_statistics(paths, args.parts),
    }
    print(json.dumps(report["keys"], indent=1), flush=True)
    if args.data_dir is None:
        raise SystemExit("--data-dir (or COURSE_DATA_DIR) is needed to grade")
    graded = paths[: args.grade] if args.grade else paths
    report["graded_students"] = len(graded)
    started = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def write(grading: dict) -> None:  # after every student, so a run cut short still reports
        report.update(grading=grading, wall_s=round(time.perf_counter() - started, 1))
        report["machine"]["load_average_at_end"] = os.getloadavg()
        args.out.write_text(json.dumps(report, indent=1) + "\n")

    write(grade_both(graded, args.parts, args.data_dir, work, on_student=write))
    g = report["grading"]
    print(
        f"normalised key: {g['normalised']['mean_s_per_student']} s/student, {g['normalised']['trainings_total']} "
        f"trainings; exact text: {g['exact']['mean_s_per_student']} s/student, {g['exact']['trainings_total']} "
        f"trainings; {g['speedup_total']}x; same scores: {g['same_scores']} -> {args.out}"
    )


if __name__ == "__main__":
    main()
