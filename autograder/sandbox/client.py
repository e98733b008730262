"""The grader's side of the sandbox: start a supervisor for one submission and send it ops.

Every op names the submission names it needs; only the closure of those names is defined in the
child that runs it. Training results may be memoised on disk (ResultCache), keyed by everything
that can change them, so the same code with the same seed is trained once: the code counts by its
normalised syntax trees (extract/normal.py), so cosmetic variants of a class share one training.
"""
from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from autograder import __file__ as _package_file
from autograder.extract import Extracted, code_key
from autograder.sandbox import protocol
from autograder.sandbox.isolation import Policy

# The code that decides what a training op returns; a change here invalidates cached results.
_RUNTIME_FILES = ("sandbox/ops.py", "training/loop.py", "training/specs.py", "training/subsets.py")


class GraderError(Exception):
    """The grader itself failed (not the submission): reported as such, never as a zero."""


@dataclass(frozen=True)
class Reply:
    """The outcome of one op."""

    ok: bool
    result: dict | None = None
    error: dict | None = None
    """kind: 'exception' | 'timeout' | 'died' | 'missing'; phase: 'load' | 'op'; type, message,
    traceback (student frames only), unit (where a definition failed), seconds (time limit)."""
    output: str = ""
    """What the submission printed (head and tail, capped)."""
    cached: bool = False
    usage: dict | None = None
    """The child's cpu_seconds, wall_seconds and waited (share of wall time spent waiting for a CPU)."""


def runtime_version() -> str:
    """Hash of the code that runs inside the sandbox: results cached by another version are ignored."""
    root = Path(_package_file).parent
    h = hashlib.sha256()
    for rel in _RUNTIME_FILES:
        h.update((root / rel).read_bytes())
    return h.hexdigest()[:16]


class ResultCache:
    """Training results on disk, one file per key; safe to share between processes and machines.

    An entry is a header line (format, key, length and SHA-256 of the payload) and the payload
    (protocol JSON). It is written to a unique temporary file in the same folder, flushed to disk,
    then renamed over the entry, so a reader sees a whole entry or none. An entry that does not
    verify (torn, truncated, corrupt, another key's, an older format) is a miss: the result is
    computed again and the entry replaced. Submission code never reaches the folder (the sandbox
    masks the cache directory)."""

    FORMAT = b"ag-result/2"

    def __init__(self, folder: Path, *, read: bool = True):
        self.folder = Path(folder)
        self.read = read
        """False: write results, never serve them (the canary must time every training it runs)."""

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        if not self.read:
            return None
        try:
            entry = self._path(key).read_bytes()
        except OSError:
            return None
        header, _, payload = entry.partition(b"\n")
        expected = b" ".join((self.FORMAT, key.encode(), str(len(payload)).encode(),
                              hashlib.sha256(payload).hexdigest().encode()))
        if header != expected:
            return None
        try:
            value = protocol.decode(zlib.decompress(payload))
        except (protocol.ProtocolError, zlib.error):
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = zlib.compress(protocol.encode(value)[4:], 1)
        header = b" ".join((self.FORMAT, key.encode(), str(len(payload)).encode(),
                            hashlib.sha256(payload).hexdigest().encode()))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{key[:16]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(header + b"\n" + payload)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def supervisor_launch(threads: int) -> tuple[list[str], dict]:
    """The command line and environment of a sandbox supervisor whose children get threads threads."""
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "CUDA_VISIBLE_DEVICES") if k in os.environ}
    # PASSIVE: OpenMP threads that wait for each other sleep instead of spinning. Spinning burns
    # the CPU time that limits count, and on a loaded machine it made one small MNIST training
    # take 48 CPU seconds instead of 3.7 (and 10x the wall time).
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), OMP_WAIT_POLICY="PASSIVE",
               MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    return [sys.executable, "-I", "-m", "autograder.sandbox.supervisor"], env


def launch_key(argv: list[str], env: dict) -> tuple:
    """What a supervisor was started with, comparable: only an equal launch may reuse it."""
    return tuple(argv), tuple(sorted(env.items()))


@dataclass
class _Supervisor:
    """A running supervisor process: its pipes, its home folder and its log (stderr)."""

    proc: subprocess.Popen
    home: str
    log: object
    launch: tuple
    """What it was started with (interpreter, environment): only an equal launch may reuse it."""

    @classmethod
    def start(cls, argv: list[str], env: dict) -> "_Supervisor":
        """Start one; it imports torch, then waits for a submission's init."""
        home = tempfile.mkdtemp(prefix="ag-supervisor-")
        log = tempfile.NamedTemporaryFile(prefix="ag-supervisor-", suffix=".log", delete=False)
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, cwd=home,
                                env={**env, "HOME": home})
        return cls(proc, home, log, launch_key(argv, env))

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            self.proc.stdout.close()
            self.log.close()
            os.unlink(self.log.name)
            shutil.rmtree(self.home, ignore_errors=True)


class WarmSupervisors:
    """Supervisors kept between the submissions one grader process grades in turn: torch, what it
    imports lazily and the data are loaded once per grader process instead of once per submission
    (~6 s each on a 2-core machine). A supervisor is kept only when it shut its submission down
    cleanly (every child killed and reaped); one that failed in any way is stopped. It exits by
    itself when the grader process ends (end of file on its stdin)."""

    def __init__(self):
        self._idle: _Supervisor | None = None  # one is enough: a grader process grades one submission at a time
        atexit.register(self.close)

    def prestart(self, threads: int) -> None:
        """Start a supervisor for the next submission now, before this process has anything to
        give it: torch loads there while this process imports the grader (a grader worker's first
        submission, ~1 s on a 2-core machine)."""
        self.give(_Supervisor.start(*supervisor_launch(threads)))

    def take(self, launch: tuple) -> _Supervisor | None:
        sup = self._idle
        if sup is None or sup.launch != launch or sup.proc.poll() is not None:
            return None
        self._idle = None
        return sup

    def give(self, sup: _Supervisor) -> None:
        self.close()
        self._idle = sup

    def close(self) -> None:
        if self._idle is not None:
            self._idle.stop()
            self._idle = None


@dataclass
class Sandbox:
    """One submission's supervisor. Use as a context manager."""

    extracted: Extracted
    policy: Policy
    data_dirs: dict[str, str | None]
    """Data set name -> folder of its public .npy arrays (None where the data set is missing)."""
    data_fingerprints: dict[str, str] = field(default_factory=dict)
    device: str = "cpu"
    load_timeout: float = 20.0
    wall_factor: float = 1.0
    """How far past its limit (a multiple) an op of a child starved of CPU may run (usage.py)."""
    cache: ResultCache | None = None
    training: bool = True
    """False: no op will train, so the supervisor skips importing what optimizers need (~2 s)."""
    warm: WarmSupervisors | None = None
    """Take the supervisor from here and give it back at close, for the next submission."""
    isolation_notes: list[str] = field(default_factory=list)
    namespaces: bool = False
    torch_version: str = ""

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        argv, env = supervisor_launch(self.policy.threads)
        kept = self.warm.take(launch_key(argv, env)) if self.warm else None
        if kept is not None:
            try:
                self._init(kept)
                return
            except GraderError:  # a kept supervisor that cannot take this submission: start afresh
                kept.stop(kill=True)
        sup = _Supervisor.start(argv, env)
        try:
            self._init(sup)
        except BaseException:
            sup.stop(kill=True)
            raise

    def _init(self, sup: _Supervisor) -> None:
        """Send this submission's init to sup and wait until it is ready."""
        self._sup = sup
        self._log_start = os.path.getsize(sup.log.name)  # this submission's part of a kept supervisor's log
        policy = {k: v for k, v in self.policy.__dict__.items()}
        policy["mask_paths"] = list(self.policy.mask_paths)
        init = {"units": [u.to_dict() for u in self.extracted.units], "policy": policy, "data": self.data_dirs,
                "device": self.device, "load_timeout": self.load_timeout, "wall_factor": self.wall_factor,
                "training": self.training}
        try:
            ready = self._exchange(init, timeout=300)
            if not ready.get("ready"):
                raise GraderError(f"sandbox did not start: {ready}")
        except GraderError:
            self._sup = None
            raise
        self.namespaces, self.torch_version = bool(ready.get("namespaces")), ready.get("torch", "")
        self._version = runtime_version()
        self._hung: dict[tuple, dict] = {}
        self.peak_rss_mb = 0.0

    def _exchange(self, message: dict, timeout: float) -> dict:
        try:
            protocol.send(self._sup.proc.stdin.fileno(), message)
            return protocol.recv(self._sup.proc.stdout.fileno(), timeout=timeout)
        except (OSError, protocol.ProtocolError, TimeoutError) as exc:
            raise GraderError(f"sandbox supervisor failed ({type(exc).__name__}: {exc}); log:\n{self.log_tail()}") from None

    def log_tail(self, n: int = 3000) -> str:
        if getattr(self, "_sup", None) is None:
            return ""
        try:
            with open(self._sup.log.name, "rb") as f:
                f.seek(self._log_start)
                return f.read().decode(errors="replace")[-n:]
        except OSError:
            return ""

    def _indices(self, names) -> list[int]:
        closure = self.extracted.closure(names)
        position = {id(u): i for i, u in enumerate(self.extracted.units)}
        return [position[id(u)] for u in closure]

    def cache_key(self, names, op: str, args: dict, threads: int | None = None) -> str:
        """Key of an op's result: the normalised code of the closure of names (cosmetic variants
        share it, one-token changes do not), the op and its arguments (seed, training spec with its
        precision), device, threads, Python and torch versions, grader runtime and data."""
        parts = {"code": code_key(self.extracted.closure(names)), "op": op, "args": args,
                 "device": self.device, "threads": threads or self.policy.threads, "torch": self.torch_version,
                 "python": sys.version_info[:2], "runtime": self._version, "data": self.data_fingerprints}
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def _before(self, names, op: str, args: dict, cacheable: bool,
                threads: int | None = None) -> tuple[Reply | None, str | None, list[int]]:
        """(an answer without running: missing name, cached result or known hang; cache key; units)."""
        missing = [n for n in names if not self.extracted.defines(n)]
        if missing:
            return Reply(False, error={"kind": "missing", "missing": missing[0], "phase": "load"}), None, []
        key = self.cache_key(names, op, args, threads) if cacheable and self.cache else None
        if key and (hit := self.cache.get(key)) is not None:
            return Reply(True, result=hit, cached=True), key, []
        units = self._indices(names)
        if tuple(units) in self._hung:  # same code hung before: fail fast instead of waiting again
            return Reply(False, error={**self._hung[tuple(units)], "repeated": True}), key, units
        return None, key, units

    def _after(self, reply: dict, key: str | None, units: list[int]) -> Reply:
        if reply.get("grader_error"):
            raise GraderError(reply["grader_error"])
        result = Reply(bool(reply.get("ok")), reply.get("result"), reply.get("error"), reply.get("output") or "",
                       usage=reply.get("usage"))
        if result.error and result.error.get("kind") == "timeout":
            self._hung[tuple(units)] = result.error
        if key and result.ok:
            self.cache.put(key, result.result)
        return result

    def _note(self, reply: dict) -> None:
        self.isolation_notes = reply.get("isolation_notes") or self.isolation_notes
        self.peak_rss_mb = max(self.peak_rss_mb, float(reply.get("peak_rss_mb") or 0))

    def run(self, names, op: str, args: dict | None = None, *, timeout: float, cacheable: bool = False,
            threads: int | None = None) -> Reply:
        """Run op in the child that holds the closure of names (with threads torch threads, fewer than
        the policy's; None: the policy's). Never raises for student faults."""
        args = args or {}
        answer, key, units = self._before(names, op, args, cacheable, threads)
        if answer is not None:
            return answer
        reply = self._exchange({"cmd": "op", "units": units, "op": op, "args": args, "timeout": timeout,
                                "threads": threads},
                               timeout=(timeout + self.load_timeout) * self.wall_factor + 60)
        self._note(reply)
        return self._after(reply, key, units)

    def run_many(self, requests: list[dict], capacity: int | None = None) -> list[Reply]:
        """Several ops, each in its own child, running together; requests are run()'s keyword
        arguments (names, op, args, timeout, cacheable, threads). capacity None: all at once (give
        each fewer threads than the policy's, so that they share the cores); otherwise as many at a
        time as their threads fit in capacity (supervisor.py). Replies in request order."""
        answers, pending = [], []
        for i, r in enumerate(requests):
            answer, key, units = self._before(r["names"], r["op"], r.get("args") or {}, r.get("cacheable", False),
                                              r.get("threads"))
            answers.append(answer)
            if answer is None:
                pending.append((i, key, units, r))
        if pending:
            limits = [r["timeout"] + self.load_timeout for *_, r in pending]
            # Queued ops run one after another at worst; ops started together, side by side.
            limit = (sum(limits) if capacity else max(limits) + self.load_timeout * len(pending)) * self.wall_factor + 60
            reply = self._exchange({"cmd": "ops", "capacity": capacity, "requests": [
                {"units": units, "op": r["op"], "args": r.get("args") or {}, "timeout": r["timeout"],
                 "threads": r.get("threads")}
                for _, _, units, r in pending]}, timeout=limit)
            self._note(reply)
            for (i, key, units, _), one in zip(pending, reply["replies"]):
                answers[i] = self._after(one, key, units)
        return answers

    def release(self, names) -> None:
        """Stop the child holding names (its memory is freed; a later op starts a new one)."""
        self._exchange({"cmd": "release", "units": self._indices(names)}, timeout=60)

    def close(self) -> None:
        sup = getattr(self, "_sup", None)
        if sup is None:
            return
        self._sup = None
        keep = self.warm is not None
        try:
            protocol.send(sup.proc.stdin.fileno(), {"cmd": "shutdown", "keep": keep})
            stats = protocol.recv(sup.proc.stdout.fileno(), timeout=60)
            self.peak_rss_mb = max(self.peak_rss_mb, float(stats.get("peak_rss_mb") or 0))
        except (OSError, protocol.ProtocolError, TimeoutError):
            sup.stop(kill=True)
            return
        if keep:
            self.warm.give(sup)
        else:
            sup.stop()
