"""Hostile and broken submissions, graded in one batch with the reference and an honest student.

Each case gets exactly the verdict in the manifest; the batch finishes within a stated bound;
children stay under the memory cap; nothing forged, leaked or left behind survives.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.results.redact import leaks
from autograder.suites.plugin import MAX_OUTPUT_CHARS
from tests.corpus.manifest import CASES, HOSTILE_CASES, build
from tests.helpers import ROOT, failing, read_results, run_cli, statuses

pytestmark = pytest.mark.slow
TIMEOUT = 10  # --timeout for this batch: each hang costs at most this much
BATCH_BOUND_S = 420  # the whole batch (18 submissions, 3 hangs) on 2 CPU cores
MEMORY_CAP_MB = 6 * 1024
GRADER_SECRET = "GRADER_SECRET_5f1c2b"
OTHER_SECRET = "OTHER_STUDENT_SECRET_9e4d"


@dataclass
class Batch:
    returncode: int
    stderr: str
    seconds: float
    out: Path
    results: dict
    received: list
    new_in_tmp: set


def sandbox_leftovers() -> set:
    return {
        p.name
        for p in Path("/tmp").iterdir()
        if p.name.startswith(("ag-work-", "ag-stage-", "ag_snoop"))
    }


def _listen():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    received, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            received.append(conn.recv(100))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    return server, received, stop


@pytest.fixture(scope="session")
def batch(tmp_path_factory, data_dir, cache_dir) -> Batch:
    root = tmp_path_factory.mktemp("hostile")
    subs = root / "submissions"
    subs.mkdir()
    server, received, stop = _listen()
    paths = []
    for case in HOSTILE_CASES:
        path = build(case, subs)
        if case.name == "network_probe":
            probe = path / "zz_network_probe.py"
            probe.write_text(
                probe.read_text().replace("PORT = 0", f"PORT = {server.getsockname()[1]}")
            )
        paths.append(path)
    paths.append(build(CASES[0], subs))  # the reference
    other = subs / "other_student"
    shutil.copytree(ROOT / "solutions", other, ignore=shutil.ignore_patterns("__pycache__"))
    (other / "notes.py").write_text(f'SECRET = "{OTHER_SECRET}"\n')
    paths.append(other)
    before = sandbox_leftovers()
    started = time.monotonic()
    result = run_cli(
        "grade",
        *paths,
        "--out",
        root / "out",
        "--data-dir",
        data_dir,
        "--cache-dir",
        cache_dir,
        "--timeout",
        TIMEOUT,
        "--quiet",
        env_extra={"GRADER_SECRET": GRADER_SECRET},
    )
    seconds = time.monotonic() - started
    stop.set()
    server.close()
    return Batch(
        result.returncode,
        result.stderr,
        seconds,
        root / "out",
        read_results(root / "out"),
        received,
        sandbox_leftovers() - before,
    )


def output(batch, case, test):
    return next(t["output"] for t in batch.results[case]["tests"] if t["name"] == test)


def test_batch_completes_within_its_bound(batch):
    assert batch.returncode == 0, batch.stderr[-3000:]
    # The canary runs once per machine and settings, inside this batch only when the module runs alone
    # (in the whole suite the corpus run did it): it is not part of the batch's bound.
    canary = json.loads((batch.out / "summary.json").read_text()).get("canary", {})
    assert batch.seconds - (canary["seconds"] if canary.get("ran") else 0.0) < BATCH_BOUND_S
    assert all(r["grader_error"] is None for r in batch.results.values())


def test_reference_and_honest_student_keep_full_marks(batch):
    for name in ("reference", "other_student"):
        assert failing(batch.results[name]) == set(), name


@pytest.mark.parametrize("case", HOSTILE_CASES, ids=lambda c: c.name)
def test_verdict_matches_the_manifest(batch, case):
    result = batch.results[case.name]
    expected = set(statuses(result)) if case.fails is None else set(case.fails)
    assert failing(result) == expected, {
        t["name"]: t["output"][:300]
        for t in result["tests"]
        if t["name"] in failing(result) ^ expected
    }


def test_a_hang_at_definition_costs_one_time_limit(batch):
    result = batch.results["hang_shared_base"]
    assert result["seconds"] < 2 * TIMEOUT + 30
    assert all("超出时间限制" in t["output"] and "Base" in t["output"] for t in result["tests"])
    assert "超出时间限制" in output(batch, "hang_in_init", "LeNet5_trains_on_mnist")
    assert batch.results["hang_in_forward"]["seconds"] < 2 * TIMEOUT + 60


def test_memory_is_capped(batch):
    assert "MemoryError" in output(batch, "memory_hog", "CNN_output_shape")
    for name, result in batch.results.items():  # 0 where no child ever ran (nothing to define)
        assert result["environment"]["peak_child_rss_mb"] < MEMORY_CAP_MB, name
    assert batch.results["reference"]["environment"]["peak_child_rss_mb"] > 500


def test_exits_are_failures_with_a_reason(batch):
    assert "SystemExit" in output(batch, "exits", "LeNet5_output_shape")
    assert "意外结束" in output(batch, "exits", "FC2Layer_output_shape")
    assert "SIGKILL" in output(batch, "exits", "perm_pixel_matches_handout_formula")


def test_forged_results_change_nothing(batch):
    forged = batch.results["forge_results"]
    assert sum(t["score"] for t in forged["tests"] if t["part"] == "LeNet5") == 0
    for path in batch.out.rglob("*"):
        if path.is_file():
            assert "FORGED" not in path.read_text(errors="replace"), path
    grades = (batch.out / "grades.csv").read_text()
    assert "forge_results,0," in grades
    gradescope = json.loads((batch.out / "forge_results" / "results.json").read_text())
    assert gradescope["score"] == sum(t["score"] for t in forged["tests"]) == 75


def test_monkeypatching_changes_no_count(batch):
    text = output(batch, "monkeypatch", "LeNet5_parameter_count")
    assert "44,426" in text and "61,706" in text


def test_no_hidden_test_code_anywhere_in_the_output(batch):
    for path in batch.out.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert leaks(text) == [], path
            assert "test_lenet5.py" not in text and "MLP_TRUSTED_WHEN" not in text, path


def test_captured_output_is_capped(batch):
    for test in batch.results["print_flood"]["tests"]:
        assert len(test["output"]) <= MAX_OUTPUT_CHARS
    assert "omitted" in output(batch, "print_flood", "FC2Layer_parameter_count_handout_sizes")
    assert (batch.out / "print_flood" / "results.json").stat().st_size < 200_000


def test_no_network_not_even_loopback(batch):
    summary = json.loads((batch.out / "summary.json").read_text())
    if not summary["environment"]["namespaces"]:
        assert summary["environment"]["isolation_notes"], "the results must say isolation is off"
        pytest.skip("not root: no network namespace on this machine")
    assert batch.received == []
    assert failing(batch.results["network_probe"]) == set()


def test_no_secrets_no_other_students_nothing_left_behind(batch):
    for path in batch.out.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert GRADER_SECRET not in text and OTHER_SECRET not in text, path
    assert "found nothing" in output(batch, "snoop", "FC2Layer_get_n_params_counts_every_parameter")
    assert batch.new_in_tmp == set()  # no work or staging folder, no file the snoop left behind


def test_malformed_files_get_a_clear_note(batch):
    notes = {
        name: "\n".join(batch.results[name]["notes"])
        for name in ("binary", "not_a_notebook", "empty")
    }
    assert "binary" in notes["binary"] and "not a valid notebook" in notes["not_a_notebook"]
    assert "no code cells" in notes["empty"]
    # A near-miss name gets the handout's name and the one it found, not a bare NameError.
    wrong_name = output(batch, "wrong_names", "LeNet5_output_shape")
    assert "LeNet5" in wrong_name and "lenet5" in wrong_name and "讲义" in wrong_name
    assert "SyntaxError" in "\n".join(batch.results["vgg_cell_syntax_error"]["notes"])


def test_a_grader_failure_exits_non_zero_and_says_so(tmp_path, data_dir):
    not_a_folder = tmp_path / "cache-is-a-file"
    not_a_folder.write_text("")
    result = run_cli(
        "grade",
        ROOT / "solutions",
        "--out",
        tmp_path / "out",
        "--data-dir",
        data_dir,
        "--cache-dir",
        not_a_folder,
        "--quiet",
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
