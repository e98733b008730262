"""How much CPU a child used, and whether it was starved of CPU, while one op ran.

Time limits count the child's CPU seconds, not the wall clock: another process hogging the cores,
`--jobs 2` on 2 cores or a container's CPU quota slow the wall clock but leave the CPU time a
model needs unchanged. The wall clock stays as a backstop against hangs. When it runs out, the
kernel's scheduler statistics (/proc/<pid>/task/*/schedstat: nanoseconds on a CPU, nanoseconds
runnable but waiting for one) tell a child that waited for the CPU (the machine was starved: the
result is not final) from one that slept or blocked (a hang: a timeout like any other).
"""

from __future__ import annotations

import os
import time

from autograder.sandbox.errors import SandboxError
from autograder.sandbox.wire import Usage

TICK = 0.5
"""Seconds between two looks at a running op's CPU time."""
STARVED = 0.2
"""A child whose busiest thread waited at least this share of the wall time for a CPU was starved."""
BUSY = 0.8
"""A child whose CPU time is at least this share of the wall time was computing, not sleeping."""
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of the process (all its threads, live and ended), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def run_delays(pid: int) -> dict[int, float]:
    """Thread id -> seconds it spent runnable but waiting for a CPU (empty where unreadable)."""
    delays = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return delays
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                delays[int(tid)] = int(f.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            continue
    return delays


class OpUsage:
    """CPU time and waiting of one child from the start of an op."""

    def __init__(self, pid: int, limit: float, wall_factor: float):
        self.pid, self.limit, self.wall_factor = pid, float(limit), max(1.0, float(wall_factor))
        self.started = time.monotonic()
        self.cpu0 = cpu_seconds(pid) or 0.0
        self.delays0 = run_delays(pid)
        self.measurable = cpu_seconds(pid) is not None

    def cpu(self) -> float:
        now = cpu_seconds(self.pid)
        return max(0.0, now - self.cpu0) if now is not None else 0.0

    def wall(self) -> float:
        return time.monotonic() - self.started

    def waited(self) -> float:
        """Largest share of the wall time that one thread spent waiting for a CPU."""
        wall = self.wall()
        if wall <= 0:
            return 0.0
        delays = run_delays(self.pid)
        return (
            max((d - self.delays0.get(tid, 0.0) for tid, d in delays.items()), default=0.0) / wall
        )

    @property
    def backstop(self) -> float:
        """The wall-clock deadline (monotonic) after which the op ends whatever happened."""
        return self.started + self.limit * self.wall_factor

    def next_look(self) -> float:
        return min(time.monotonic() + TICK, self.backstop)

    def summary(self) -> Usage:
        return Usage(round(self.cpu(), 3), round(self.wall(), 3), round(self.waited(), 3))

    def overrun(self) -> SandboxError | None:
        """The error that ends the op now, or None while it may go on.

        - CPU time past the limit: a timeout (the code is too slow, whatever the machine's load).
        - Wall time past the limit, the child not starved: a timeout (it slept, blocked or hung), unless
          it was busy all along (a one-thread loop's CPU time trails the wall clock by its start-up):
          then its CPU time reaches the limit a moment later and decides.
        - Wall time past the backstop, the child starved: 'starved' (not final; regrade).
        Where the CPU time cannot be read, the wall clock alone decides."""
        wall = self.wall()
        if not self.measurable:
            return self._timeout(wall, "wall") if wall >= self.limit else None
        cpu = self.cpu()
        if cpu >= self.limit:
            return self._timeout(cpu, "cpu")
        if wall < self.limit:
            return None
        waited = self.waited()
        if waited < STARVED:
            if cpu >= BUSY * wall and wall < self.limit / BUSY:
                return None  # computing all along: its CPU time, a moment behind the wall clock, decides
            return self._timeout(wall, "wall", waited)
        if wall >= self.limit * self.wall_factor:
            return SandboxError(
                "starved",
                "op",
                seconds=self.limit,
                wall_seconds=round(wall, 1),
                cpu_seconds=round(cpu, 1),
                waited=round(waited, 3),
            )
        return None

    def _timeout(self, used: float, measure: str, waited: float | None = None) -> SandboxError:
        return SandboxError(
            "timeout",
            "op",
            seconds=self.limit,
            measure=measure,
            used=round(used, 1),
            waited=None if waited is None else round(waited, 3),
        )
