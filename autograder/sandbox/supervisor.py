"""The supervisor: imports torch and the data once, then forks one isolated child per part.

It never runs submission code. It relays ops from the grader to the right child with a deadline,
captures (and caps) what the child prints, kills children that overrun, and remembers which unit
hung or crashed while being defined, so that every later closure holding that unit fails at once:
a hang at import costs one time limit, not one per test. Its process is run by server.py.
"""

from __future__ import annotations

import fcntl
import os
import select
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import NamedTuple

import numpy as np
import torch  # noqa: F401  (imported once here, shared by every forked child)

from autograder.sandbox import (  # noqa: F401  (isolation: loaded here once, used by every forked child)
    cgroup,
    isolation,
    protocol,
)
from autograder.sandbox import child as child_main
from autograder.sandbox.child_messages import (
    Isolated,
    Loaded,
    LoadError,
    OpDone,
    OpOrder,
    Progress,
    SetupError,
)
from autograder.sandbox.children import Capture, Child, ChildGone, died
from autograder.sandbox.errors import SandboxError
from autograder.sandbox.usage import OpUsage
from autograder.sandbox.wire import OpRequest, Reply, SupervisorInit, failed
from autograder.training import loop

MAX_LIVE_CHILDREN = 2


class Started(NamedTuple):
    """An op sent to its child, awaiting the reply."""

    key: tuple
    child: Child
    nonce: str
    load_output: str
    usage: OpUsage
    """The child's CPU time and waiting since the op began; decides when the op is over time."""


class LoadFailed(Exception):
    """The op's code could not be defined (now or before): reply says why."""

    def __init__(self, reply: Reply):
        super().__init__(reply)
        self.reply = reply


def _load_arrays(name: str, folder: str) -> dict:
    arrays = {
        k: np.load(os.path.join(folder, f"{k}.npy")) for k in ("train_x", "train_y", "test_x")
    }
    return loop.normalize_ahead(arrays, name)


class Supervisor:
    """One submission's children, keyed by the units (a closure) each one defines."""

    def __init__(self, init: SupervisorInit, arrays: dict[str, dict]):
        """arrays: data folder -> its arrays, kept between submissions (read-only, shared by fork)."""
        self.units = init.units
        self.policy = init.policy
        self.device = init.device
        self.load_timeout = init.load_timeout
        self.wall_factor = init.wall_factor
        self.children: dict[tuple, Child] = {}
        self.broken: dict[int, SandboxError] = {}
        self.serial = 0
        self.isolation_notes: list[str] = []
        self.peak_rss_mb = 0.0
        """The largest resident set of any child of this submission reaped so far."""
        self.cgroup_base = cgroup.base() if self.policy.cgroup_memory_bytes else None
        # Before any fork: the data (in a thread, overlapping the lazy imports; numpy lets go of the
        # GIL) and what torch imports lazily. The thread has ended before anything forks.
        folders = {
            folder: name for name, folder in init.data.items() if folder and folder not in arrays
        }
        with ThreadPoolExecutor(max_workers=1) as pool:
            loading = {
                folder: pool.submit(_load_arrays, name, folder) for folder, name in folders.items()
            }
            loop.import_lazy_modules(optimizers=init.training)
        arrays.update({folder: future.result() for folder, future in loading.items()})
        self.data = {name: arrays[folder] for name, folder in init.data.items() if folder}

    def _discard(self, key: tuple, child: Child | None = None) -> None:
        """Kill the child under key (or child, the one known to be there) and forget it."""
        child = child or self.children.get(key)
        self.children.pop(key, None)
        if child is not None:
            child.kill()
            self.peak_rss_mb = max(self.peak_rss_mb, child.peak_rss_kb / 1024)

    def evict(self, keep=(), limit: int = MAX_LIVE_CHILDREN) -> None:
        """Stop the least recently used children (never those in keep) until at most limit remain."""
        for key in [k for k in self.children if k not in keep]:
            if len(self.children) < limit:
                break
            self._discard(key)

    def spawn(self, key: tuple, keep=()) -> Child:
        self.evict(keep)
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        out_r, out_w = os.pipe()
        self.serial += 1
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: fixed descriptors 0-4, nothing else of ours stays open
            try:
                devnull = os.open(os.devnull, os.O_RDONLY)
                moved = [
                    fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in (devnull, out_w, req_r, resp_w)
                ]
                for target, fd in zip(
                    (0, 1, 2, 3, 4), (moved[0], moved[1], moved[1], moved[2], moved[3])
                ):
                    os.dup2(fd, target)
                os.closerange(5, 65536)
                units = [self.units[i] for i in key]
                child_main.main(3, 4, units, self.policy, self.serial, self.data, self.device)
            finally:
                os._exit(4)
        for fd in (req_r, resp_w, out_w):
            os.close(fd)
        child = Child(pid, req_w, resp_r, out_r)
        if self.cgroup_base:
            child.cgroup = cgroup.path_for(pid, self.cgroup_base)
        self.children[key] = child
        return child

    def _unit_label(self, index) -> str:
        unit = self.units[index]
        return f"{unit['names'][0]} ({unit['origin']}:{unit['lineno']})"

    def _load(self, key: tuple, keep=()) -> Child:
        """Spawn a child and define the units in it; raises LoadFailed."""
        child = self.spawn(key, keep)
        usage = OpUsage(child.pid, self.load_timeout, self.wall_factor)
        try:
            while True:
                match child.pump(usage.next_look()):
                    case None:
                        if (overrun := usage.overrun()) is None:
                            continue
                        starved = overrun.kind == "starved"
                        failure = (
                            replace(overrun, phase="load")
                            if starved
                            else SandboxError("timeout", "load", seconds=self.load_timeout)
                        )
                        break
                    case Isolated() as isolated if (
                        child.current_unit is None and child.work is None
                    ):
                        child.uid, child.work = (
                            isolated.uid,
                            isolated.work,
                        )  # sent before any student code
                        self.isolation_notes = isolated.notes
                    case SetupError(text=text):
                        self._discard(key, child)
                        raise LoadFailed(Reply(False, grader_error=f"sandbox setup failed: {text}"))
                    case Progress(index=index) if 0 <= index < len(key):
                        child.current_unit = key[index]
                    case LoadError(index=index, error=error):
                        failure = SandboxError.from_child(error, "load")
                        if 0 <= index < len(key):
                            child.current_unit = key[index]
                        break
                    case Loaded():
                        return child
        except ChildGone:
            failure = died(child, "load")
        self._discard(key, child)
        if (
            child.current_unit is not None and failure.kind != "starved"
        ):  # starved: the machine's fault
            failure = replace(failure, unit=self._unit_label(child.current_unit))
            self.broken[child.current_unit] = failure
        raise LoadFailed(failed(failure, child.capture.text()))

    def _start(self, request: OpRequest, keep=()) -> Started:
        """Send one op to its child (loading it first); raises LoadFailed."""
        key = request.units
        broken = [self.broken[u] for u in key if u in self.broken]
        if broken:
            raise LoadFailed(failed(replace(broken[0], repeated=True)))
        child = self.children.get(key)
        if child is not None and child.reap() is not None:
            self._discard(key, child)
            child = None
        load_output = ""
        if child is None:
            child = self._load(key, keep)
            load_output = child.capture.text()
        self.children[key] = self.children.pop(key)  # most recently used last
        child.capture = Capture()
        nonce = uuid.uuid4().hex
        protocol.send(
            child.req_w, OpOrder(nonce, request.op, request.args, request.threads).to_wire()
        )
        usage = OpUsage(child.pid, request.timeout, self.wall_factor)
        return Started(key, child, nonce, load_output, usage)

    def _end(
        self, started: Started, done: OpDone | None, error: SandboxError | None = None
    ) -> Reply:
        """The reply of a started op: the child's answer, or error (the child is then stopped)."""
        key, child, _, load_output, usage = started
        if done is not None:
            error = SandboxError.from_child(done.error, "op") if done.error else None
            return Reply(
                done.ok,
                done.result,
                error,
                load_output + child.capture.text(),
                usage=usage.summary(),
            )
        error = error or SandboxError("timeout", "op", seconds=usage.limit)
        self._discard(key, child)
        return failed(error, load_output + child.capture.text())

    def handle_op(self, request: OpRequest) -> Reply:
        try:
            started = self._start(request)
        except LoadFailed as failure:
            return failure.reply
        child = started.child
        try:
            while True:
                message = child.pump(started.usage.next_look())
                if isinstance(message, OpDone) and message.id == started.nonce:
                    return self._end(started, message)
                if message is None and (overrun := started.usage.overrun()):
                    return self._end(started, None, overrun)
        except ChildGone:
            return self._end(started, None, died(child, "op"))

    def handle_ops(self, requests: list[OpRequest], capacity: int | None = None) -> list[Reply]:
        """Several ops, each in its own child, running together. capacity None: all at once (the
        training checks on a GPU). Otherwise as many at a time as their threads fit in capacity (a
        CPU's cores), taken in request order, a later one going first where an earlier one does not
        fit yet. One child runs one op at a time. Each op keeps its own time limit, counted from its
        own start. Replies in request order."""
        keys = [r.units for r in requests]
        replies: dict[int, Reply] = {}
        running: dict[int, Started] = {}
        waiting = list(range(len(requests)))

        def fits(i: int) -> bool:
            if keys[i] in {keys[j] for j in running}:
                return False
            if capacity is None or not running:
                return True
            need = [requests[j].threads or self.policy.threads for j in (*running, i)]
            return sum(need) <= capacity

        while waiting or running:
            for i in list(waiting):
                if fits(i):
                    waiting.remove(i)
                    try:
                        running[i] = self._start(
                            requests[i], keep={keys[j] for j in (*waiting, *running, i)}
                        )
                    except LoadFailed as failure:
                        replies[i] = failure.reply
            for i, op in list(running.items()):
                if overrun := op.usage.overrun():
                    replies[i] = self._end(running.pop(i), None, overrun)
            owners = {fd: i for i, op in running.items() for fd in op.child.fds()}
            if not owners:
                continue
            wait = max(0.0, min(op.usage.next_look() for op in running.values()) - time.monotonic())
            for fd in select.select(list(owners), [], [], wait)[0]:
                i = owners[fd]
                if i not in running:
                    continue
                started = running[i]
                try:
                    started.child.feed(fd)
                    message = started.child.reply_to(started.nonce)
                except ChildGone:
                    running.pop(i)
                    replies[i] = self._end(started, None, died(started.child, "op"))
                    continue
                if message is not None:
                    replies[i] = self._end(running.pop(i), message)
        self.evict()
        return [replies[i] for i in range(len(requests))]

    def release(self, units) -> None:
        self._discard(tuple(units))

    def shutdown(self) -> None:
        for key in list(self.children):
            self._discard(key)
