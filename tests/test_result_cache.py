"""The on-disk result cache: entries are verified, written atomically, shared safely, unreachable
from submission code, and hit by cosmetic variants of the same code."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.config import GradingConfig
from autograder.extract import extract_submission
from autograder.sandbox import isolation
from autograder.sandbox.client import ResultCache, Sandbox
from autograder.suites.runner import private_paths
from tests.helpers import ROOT, grade, statuses

KEY = "ab" + "0" * 62


def value(tag: int, size: int = 10_000) -> dict:
    predictions = np.random.default_rng(tag).integers(0, 10, size, dtype=np.int64)
    return {"predictions": predictions, "losses": [float(tag)] * 50, "tag": tag}


def same(a: dict | None, b: dict) -> bool:
    return (
        a is not None
        and a["tag"] == b["tag"]
        and np.array_equal(a["predictions"], b["predictions"])
    )


def test_an_entry_round_trips_and_nothing_is_left_beside_it(tmp_path):
    cache = ResultCache(tmp_path)
    assert cache.get(KEY) is None
    cache.put(KEY, value(3))
    assert same(cache.get(KEY), value(3))
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{KEY}.json"]


CORRUPTIONS = {
    "empty": lambda b: b"",
    "truncated": lambda b: b[: len(b) // 2],
    "header only": lambda b: b.partition(b"\n")[0],
    "one byte flipped in the payload": lambda b: b[:-10] + bytes([b[-10] ^ 1]) + b[-9:],
    "garbage": lambda b: os.urandom(len(b)),
    "older format (bare JSON)": lambda b: b'{"predictions": [1, 2, 3], "losses": []}',
}


@pytest.mark.parametrize("damage", CORRUPTIONS, ids=list(CORRUPTIONS))
def test_a_damaged_entry_is_a_miss_and_is_replaced(tmp_path, damage):
    cache = ResultCache(tmp_path)
    cache.put(KEY, value(1))
    path = next(tmp_path.rglob("*.json"))
    path.write_bytes(CORRUPTIONS[damage](path.read_bytes()))
    assert cache.get(KEY) is None
    cache.put(KEY, value(2))  # what the sandbox does after recomputing
    assert same(cache.get(KEY), value(2))


def test_an_entry_filed_under_another_key_is_a_miss(tmp_path):
    cache = ResultCache(tmp_path)
    other = "ab" + "1" * 62
    cache.put(other, value(1))
    shutil.copy(next(tmp_path.rglob("*.json")), tmp_path / "ab" / f"{KEY}.json")
    assert cache.get(KEY) is None and same(cache.get(other), value(1))


SIZE = 200_000


def _writer(folder: str, tag: int, until: float) -> None:
    cache, entry = ResultCache(Path(folder)), value(tag, size=SIZE)
    while time.monotonic() < until:
        cache.put(KEY, entry)


def test_concurrent_writers_never_show_a_torn_entry(tmp_path):
    """Four processes rewrite one key with ~0.5 MB entries while this one reads it: every read is
    one whole entry of one writer (or nothing yet), never a mixture or a partial file."""
    context = multiprocessing.get_context("fork")
    until = time.monotonic() + 4
    writers = [
        context.Process(target=_writer, args=(str(tmp_path), tag, until)) for tag in range(4)
    ]
    for w in writers:
        w.start()
    cache, reads, entries = ResultCache(tmp_path), [], [value(tag, size=SIZE) for tag in range(4)]
    while time.monotonic() < until:
        got = cache.get(KEY)
        if got is not None:
            assert same(got, entries[got["tag"]])
            reads.append(got["tag"])
    for w in writers:
        w.join()
        assert w.exitcode == 0
    assert len(set(reads)) > 1, "the reader must actually have raced several writers"
    assert [p.suffix for p in tmp_path.rglob("*") if p.is_file()] == [
        ".json"
    ]  # no temporary file left


SUBMISSION = '''import os
import torch


def double(x):
    """Twice x."""
    return 2 * x  # the answer


def probe():
    """What submission code can see of the grader's cache folder (the test fills in the path)."""
    folder, seen = CACHE_DIR, 0
    for root, _, files in os.walk(folder):
        seen += len(files)
        for name in files:
            try:
                with open(os.path.join(root, name), "wb") as f:
                    f.write(b"forged")
            except OSError:
                pass
    try:
        os.makedirs(os.path.join(folder, "results", "zz"), exist_ok=True)
        with open(os.path.join(folder, "results", "zz", "forged.json"), "w") as f:
            f.write("forged")
    except OSError:
        pass
    return seen
'''


def start(folder: Path, cache: ResultCache, masks=()) -> Sandbox:
    policy = isolation.Policy(mask_paths=tuple(str(m) for m in masks))
    return Sandbox(
        extract_submission(folder), policy, {"mnist": None, "cifar10": None}, {}, cache=cache
    )


@pytest.fixture
def shared_folder():
    """A world-readable folder outside /tmp (children have a private /tmp), as a cache shared by
    graders would be: without the mask, submission code could read it."""
    folder = Path(
        tempfile.mkdtemp(
            prefix="ag-test-cache-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None
        )
    )
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_the_grader_masks_its_cache_folder(tmp_path):
    config = GradingConfig(cache_dir=tmp_path / "cache")
    assert str(config.cache_dir) in private_paths(config)


def test_the_sandbox_recomputes_damaged_entries_and_serves_cosmetic_variants(
    tmp_path, shared_folder
):
    """Real sandboxes: a result is stored, a damaged entry is recomputed (not trusted), and a
    cosmetic variant of the code is served from the cache (one-token changes: test_result_key.py).
    As root, the cache folder (masked as the grader masks it) is invisible and unwritable from
    submission code, which would otherwise see the entry."""
    cache_dir = shared_folder / "cache"
    cache = ResultCache(cache_dir / "results")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "lab.py").write_text(SUBMISSION.replace("CACHE_DIR", repr(str(cache_dir))))
    call = {"name": "double", "args": [21]}
    with start(tmp_path / "a", cache, masks=[cache_dir]) as sandbox:
        first = sandbox.run(["double"], "call", call, timeout=60, cacheable=True)
        assert first.ok and not first.cached and first.result["value"]["number"] == 42
        entries = sorted(cache_dir.rglob("*.json"))
        assert len(entries) == 1
        assert sandbox.run(["double"], "call", call, timeout=60, cacheable=True).cached
        entries[0].write_bytes(
            entries[0].read_bytes()[:-5] + b"00000"
        )  # same length, wrong checksum
        again = sandbox.run(["double"], "call", call, timeout=60, cacheable=True)
        assert again.ok and not again.cached and again.result["value"]["number"] == 42
        intact = entries[0].read_bytes()
        if sandbox.namespaces:
            seen = sandbox.run(["probe"], "call", {"name": "probe"}, timeout=60)
            assert seen.ok and seen.result["value"]["number"] == 0
            assert entries[0].read_bytes() == intact and not (cache_dir / "results" / "zz").exists()
    (tmp_path / "b").mkdir()
    variant = (
        SUBMISSION.replace('    """Twice x."""\n', "")
        .replace("  # the answer", "")
        .replace("return 2 * x", "return (2*x)")
    )
    (tmp_path / "b" / "cells.py").write_text(
        "import torch\n\n\n" + variant.replace("import torch\n", "# moved\n")
    )
    with start(tmp_path / "b", cache) as sandbox:
        assert sandbox.run(["double"], "call", call, timeout=60, cacheable=True).cached


def cosmetic_copy(source: Path, target: Path) -> Path:
    """The reference with comments removed and added, docstrings dropped, quotes swapped, blank
    lines changed and its lab-2 definitions in another order."""
    target.mkdir()
    for path in source.glob("*.py"):
        text = "\n".join(
            line for line in path.read_text().splitlines() if not line.strip().startswith("#")
        )
        text = text.replace('"""', "'''").replace("\n\n\n", "\n\n# ---\n\n")
        if path.name == "lab2_mlp_vs_cnn.py":
            head, _, rest = text.partition("\n\ndef get_n_params")
            body, _, tail = ("def get_n_params" + rest).partition("\n\ndef main(")
            blocks = body.split("\n\n# ---\n\n")
            text = head + "\n\n" + "\n\n".join(reversed(blocks)) + "\n\ndef main(" + tail
        (target / path.name).write_text(text)
    return target


@pytest.mark.slow
def test_a_cosmetic_copy_of_the_reference_is_graded_from_the_cache(
    corpus, tmp_path, data_dir, cache_dir
):
    """After the session's corpus (the reference among it) is graded, a cosmetic copy of the
    reference is graded without a single new training: the cache gains no entry."""
    assert corpus.results["reference"]["grader_error"] is None
    results = cache_dir / "results"
    before = {p.name for p in results.rglob("*.json")}
    copy = cosmetic_copy(ROOT / "solutions", tmp_path / "cosmetic_reference")
    assert (copy / "lab2_mlp_vs_cnn.py").read_text() != (
        ROOT / "solutions" / "lab2_mlp_vs_cnn.py"
    ).read_text()
    graded = grade(
        [copy], tmp_path / "out", data_dir, cache_dir, "--parts", "FC2Layer", "CNN", "perm_pixel"
    )
    assert graded.returncode == 0, graded.stderr[-2000:]
    result = graded.results["cosmetic_reference"]
    assert set(statuses(result).values()) == {"passed"}
    assert {p.name for p in results.rglob("*.json")} == before
