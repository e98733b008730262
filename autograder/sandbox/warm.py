"""Supervisor processes: how one is launched, and the one kept warm between submissions.

A grader process grades one submission at a time, so it keeps at most one idle supervisor: torch,
what it imports lazily and the data are then loaded once per grader process, not per submission.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass


def supervisor_launch(threads: int) -> tuple[list[str], dict]:
    """The command line and environment of a sandbox supervisor whose children get threads threads."""
    env = {
        k: os.environ[k]
        for k in ("PATH", "LANG", "LC_ALL", "CUDA_VISIBLE_DEVICES")
        if k in os.environ
    }
    # PASSIVE: OpenMP threads that wait for each other sleep instead of spinning, which would burn
    # the CPU time that limits count (docs/grading.md).
    env.update(
        OMP_NUM_THREADS=str(threads),
        MKL_NUM_THREADS=str(threads),
        OMP_WAIT_POLICY="PASSIVE",
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return [sys.executable, "-I", "-m", "autograder.sandbox.server"], env


def launch_key(argv: list[str], env: dict) -> tuple:
    """What a supervisor was started with, comparable: only an equal launch may reuse it."""
    return tuple(argv), tuple(sorted(env.items()))


@dataclass
class SupervisorProcess:
    """A running supervisor process: its pipes, its home folder and its log (stderr)."""

    proc: subprocess.Popen
    home: str
    log: object
    launch: tuple
    """What it was started with (interpreter, environment): only an equal launch may reuse it."""

    @classmethod
    def start(cls, argv: list[str], env: dict) -> SupervisorProcess:
        """Start one; it imports torch, then waits for a submission's init."""
        home = tempfile.mkdtemp(prefix="ag-supervisor-")
        log = tempfile.NamedTemporaryFile(prefix="ag-supervisor-", suffix=".log", delete=False)
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=home,
            env={**env, "HOME": home},
        )
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


class WarmSupervisor:
    """The supervisor kept between the submissions one grader process grades in turn. It is kept
    only when it shut its submission down cleanly (every child killed and reaped); one that failed
    in any way is stopped. It exits by itself when the grader process ends (end of file on stdin)."""

    def __init__(self):
        self._idle: SupervisorProcess | None = None
        atexit.register(self.close)

    def prestart(self, threads: int) -> None:
        """Start a supervisor for the next submission now, before this process has anything to
        give it: torch loads there while this process imports the grader."""
        self.give(SupervisorProcess.start(*supervisor_launch(threads)))

    def take(self, launch: tuple) -> SupervisorProcess | None:
        sup = self._idle
        if sup is None or sup.launch != launch or sup.proc.poll() is not None:
            return None
        self._idle = None
        return sup

    def give(self, sup: SupervisorProcess) -> None:
        self.close()
        self._idle = sup

    def close(self) -> None:
        if self._idle is not None:
            self._idle.stop()
            self._idle = None
