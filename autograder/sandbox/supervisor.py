"""The supervisor: imports torch and the data once, then forks one isolated child per part.

It never runs submission code. It relays ops from the grader to the right child with a deadline,
captures (and caps) what the child prints, kills children that overrun, and remembers which unit
hung or crashed while being defined, so that every later closure holding that unit fails at once:
a hang at import costs one time limit, not one per test.

Run as ``python -I -m autograder.sandbox.supervisor``; requests on stdin, replies on stdout.
A grader that grades several submissions keeps its supervisor: a shutdown with ``keep`` kills every
child, forgets the submission and waits for the next one's init, so torch and the data are imported
once per grader process, not once per submission (~6 s on a 2-core machine). Nothing of a
submission lives in the supervisor itself: its code runs only in children, which are gone by then.
"""
from __future__ import annotations

import fcntl
import os
import select
import shutil
import signal
import struct
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

PROTO_IN, PROTO_OUT = os.dup(0), os.dup(1)
os.dup2(2, 1)  # stray prints (ours or a library's) must never reach the protocol pipe
sys.stdout = sys.stderr

import numpy as np  # noqa: E402
import torch  # noqa: E402,F401  (imported once here, shared by every forked child)

from autograder.sandbox import cgroup, child as child_main, isolation, ops, protocol  # noqa: E402,F401
from autograder.sandbox.usage import OpUsage  # noqa: E402
from autograder.training import loop  # noqa: E402

HEAD_BYTES, TAIL_BYTES = 3000, 1000
SUPERVISOR_STATS = {"peak_rss_mb": 0.0}  # largest resident set of any child reaped so far
MAX_LIVE_CHILDREN = 2


class Capture:
    """What a child printed during one request: the head and tail, and how much was dropped."""

    def __init__(self):
        self.head, self.tail, self.total = bytearray(), bytearray(), 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = HEAD_BYTES - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail = (self.tail + data)[-TAIL_BYTES:]

    def text(self) -> str:
        dropped = self.total - len(self.head) - len(self.tail)
        middle = f"\n… [{dropped} bytes of output omitted] …\n" if dropped > 0 else ""
        return (bytes(self.head) + middle.encode() + bytes(self.tail)).decode("utf-8", "replace")


class ChildGone(Exception):
    pass


class Started(NamedTuple):
    """An op sent to its child, awaiting the reply."""

    key: tuple
    child: "Child"
    nonce: str
    load_output: str
    usage: OpUsage
    """The child's CPU time and waiting since the op began; decides when the op is over time."""


class Child:
    def __init__(self, pid, req_w, resp_r, out_r):
        self.pid, self.req_w, self.resp_r, self.out_r = pid, req_w, resp_r, out_r
        self.buffer, self.messages, self.capture = bytearray(), [], Capture()
        self.uid, self.work, self.current_unit, self.status, self.peak_rss_kb = None, None, None, None, 0
        self.cgroup: str | None = None
        """The child's own memory cgroup (CUDA children), removed once the child is gone."""

    def fds(self) -> list[int]:
        return [self.resp_r] + ([self.out_r] if self.out_r is not None else [])

    def feed(self, fd: int) -> None:
        """Read what is ready on one of fds(): output is captured, messages are queued."""
        data = os.read(fd, 1 << 16)
        if fd == self.out_r:
            if data:
                self.capture.add(data)
            else:
                self.out_r = None
        elif not data:
            raise ChildGone
        else:
            self.buffer += data
            self._parse()

    def pump(self, deadline: float) -> dict | None:
        """Next message from the child, or None at the deadline. Output is captured meanwhile."""
        while not self.messages:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            for fd in select.select(self.fds(), [], [], left)[0]:
                self.feed(fd)
        return self.messages.pop(0)

    def reply_to(self, nonce: str) -> dict | None:
        """The queued reply with this id, if it came (other messages are dropped)."""
        while self.messages:
            message = self.messages.pop(0)
            if message.get("id") == nonce:
                return message
        return None

    def _parse(self):
        while len(self.buffer) >= 4:
            (length,) = struct.unpack(">I", self.buffer[:4])
            if length > protocol.MAX_MESSAGE_BYTES:
                raise ChildGone
            if len(self.buffer) < 4 + length:
                return
            body, self.buffer = bytes(self.buffer[4:4 + length]), self.buffer[4 + length:]
            try:
                message = protocol.decode(body)
            except protocol.ProtocolError:
                raise ChildGone from None
            if isinstance(message, dict):
                self.messages.append(message)

    def kill(self):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        if self.uid is not None:
            isolation.kill_uid(self.uid)
        self.reap(block=True)
        for fd in (self.req_w, self.resp_r, self.out_r):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        if self.work and os.path.basename(self.work).startswith("ag-work-"):  # not in a private tmpfs
            shutil.rmtree(self.work, ignore_errors=True)
        if self.cgroup:
            cgroup.remove(self.cgroup)
        SUPERVISOR_STATS["peak_rss_mb"] = max(SUPERVISOR_STATS["peak_rss_mb"], self.peak_rss_kb / 1024)

    def reap(self, block=False):
        if self.status is None:
            try:
                pid, status, usage = os.wait4(self.pid, 0 if block else os.WNOHANG)
                if pid:
                    self.status, self.peak_rss_kb = status, usage.ru_maxrss
            except ChildProcessError:
                self.status = 0
        return self.status


def _load_arrays(name: str, folder: str) -> dict:
    arrays = {k: np.load(os.path.join(folder, f"{k}.npy")) for k in ("train_x", "train_y", "test_x")}
    return loop.normalize_ahead(arrays, name)


def _died(child: Child, phase: str) -> dict:
    """The error for a child that ended on its own or was killed by the kernel."""
    error = {"kind": "died", "phase": phase, "message": _exit_text(child.reap(block=True))}
    if child.cgroup and cgroup.oom_killed(child.cgroup):
        error["memory_limit"] = True
    return error


def _exit_text(status) -> str:
    if status is None:
        return "the process ended"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"the process was killed by signal {signal.Signals(sig).name}"
    return f"the process exited with code {os.WEXITSTATUS(status)}"


class Supervisor:
    def __init__(self, init: dict, arrays: dict[str, dict]):
        """arrays: data folder -> its arrays, kept between submissions (read-only, shared by fork)."""
        self.units = init["units"]
        self.policy = isolation.Policy(**{**init["policy"], "mask_paths": tuple(init["policy"]["mask_paths"])})
        self.device = init["device"]
        self.load_timeout = init["load_timeout"]
        self.wall_factor = init.get("wall_factor") or 1.0
        self.children: dict[tuple, Child] = {}
        self.broken: dict[int, dict] = {}
        self.serial = 0
        self.isolation_notes: list[str] = []
        self.cgroup_base = cgroup.base() if self.policy.cgroup_memory_bytes else None
        # Once, before any fork: the data (read and normalised in a thread: numpy lets go of the GIL,
        # so it overlaps the imports, ~0.8 s on a 2-core machine) and what torch imports lazily.
        # The thread has ended before anything forks.
        todo = {folder: name for name, folder in init["data"].items() if folder and folder not in arrays}
        with ThreadPoolExecutor(max_workers=1) as pool:
            loading = {folder: pool.submit(_load_arrays, name, folder) for folder, name in todo.items()}
            loop.import_lazy_modules(optimizers=init.get("training", True))
        arrays.update({folder: future.result() for folder, future in loading.items()})
        self.data = {name: arrays[folder] for name, folder in init["data"].items() if folder}

    def evict(self, keep=(), limit: int = MAX_LIVE_CHILDREN) -> None:
        """Stop the least recently used children (never those in keep) until at most limit remain."""
        for key in [k for k in self.children if k not in keep]:
            if len(self.children) < limit:
                break
            self.children.pop(key).kill()

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
                high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in (os.open(os.devnull, os.O_RDONLY), out_w, req_r, resp_w)]
                for target, fd in zip((0, 1, 2, 3, 4), (high[0], high[1], high[1], high[2], high[3])):
                    os.dup2(fd, target)
                os.closerange(5, 65536)
                child_main.main(3, 4, [self.units[i] for i in key], self.policy, self.serial, self.data, self.device)
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

    def _load(self, key: tuple, keep=()) -> tuple[Child | None, dict | None]:
        """Spawn and define the units; (child, None) or (None, failure reply)."""
        child = self.spawn(key, keep)
        usage = OpUsage(child.pid, self.load_timeout, self.wall_factor)
        try:
            while True:
                message = child.pump(usage.next_look())
                if message is None:
                    failure = usage.overrun()
                    if failure is None:
                        continue
                    failure = ({**failure, "phase": "load"} if failure["kind"] == "starved"
                               else {"kind": "timeout", "phase": "load", "seconds": self.load_timeout})
                    break
                if "isolated" in message:
                    child.uid, child.work = message["isolated"]["uid"], message["isolated"]["work"]
                    self.isolation_notes = message["isolated"]["notes"]
                elif "setup_error" in message:
                    child.kill()
                    self.children.pop(key, None)
                    return None, {"ok": False, "grader_error": f"sandbox setup failed: {message['setup_error']}"}
                elif "progress" in message:
                    child.current_unit = key[int(message["progress"])]
                elif "load_error" in message:
                    error = message["load_error"]
                    failure = {"kind": "exception", "phase": "load", **{k: error.get(k) for k in
                                                                        ("type", "message", "traceback", "missing")}}
                    child.current_unit = key[int(error["unit"])]
                    break
                elif message.get("loaded"):
                    return child, None
        except ChildGone:
            failure = _died(child, "load")
        child.kill()
        self.children.pop(key, None)
        if child.current_unit is not None and failure["kind"] != "starved":  # starved: the machine's fault
            failure["unit"] = self._unit_label(child.current_unit)
            self.broken[child.current_unit] = failure
        return None, {"ok": False, "error": failure, "output": child.capture.text()}

    def _start(self, request: dict, keep=()) -> dict | Started:
        """Send one op to its child (loading it first): a failure reply, or the op under way."""
        key = tuple(request["units"])
        broken = [self.broken[u] for u in key if u in self.broken]
        if broken:
            return {"ok": False, "error": {**broken[0], "repeated": True}, "output": ""}
        child = self.children.get(key)
        if child is not None and child.reap() is not None:
            child.kill()
            self.children.pop(key)
            child = None
        load_output = ""
        if child is None:
            child, failure = self._load(key, keep)
            if failure:
                return failure
            load_output = child.capture.text()
        self.children[key] = self.children.pop(key)  # most recently used last
        child.capture = Capture()
        nonce = uuid.uuid4().hex
        protocol.send(child.req_w, {"id": nonce, "op": request["op"], "args": request.get("args", {}),
                                    "threads": request.get("threads")})
        usage = OpUsage(child.pid, request["timeout"], self.wall_factor)
        return Started(key, child, nonce, load_output, usage)

    def _end(self, started: Started, message: dict | None, error: dict | None = None) -> dict:
        """The reply of a started op: its message, or error (the child is then stopped)."""
        key, child, _, load_output, usage = started
        if message is not None:
            reply = {k: message.get(k) for k in ("ok", "result", "error")}
            if reply["error"]:
                reply["error"] = {"kind": "exception", "phase": "op", **reply["error"]}
            reply["output"] = load_output + child.capture.text()
            reply["usage"] = usage.summary()
            return reply
        error = error or {"kind": "timeout", "phase": "op", "seconds": usage.limit}
        child.kill()
        self.children.pop(key, None)
        return {"ok": False, "error": error, "output": load_output + child.capture.text()}

    def handle_op(self, request: dict) -> dict:
        started = self._start(request)
        if isinstance(started, dict):
            return started
        child = started.child
        try:
            while True:
                message = child.pump(started.usage.next_look())
                if message is not None and message.get("id") == started.nonce:
                    return self._end(started, message)
                if message is None and (overrun := started.usage.overrun()):
                    return self._end(started, None, overrun)
        except ChildGone:
            return self._end(started, None, _died(child, "op"))

    def handle_ops(self, requests: list[dict], capacity: int | None = None) -> list[dict]:
        """Several ops, each in its own child, running together. capacity None: all at once (the
        training checks on a GPU). Otherwise as many at a time as their threads fit in capacity (a
        CPU's cores), taken in request order, a later one going first where an earlier one does not
        fit yet. One child runs one op at a time. Each op keeps its own time limit, counted from its
        own start. Replies in request order."""
        keys = [tuple(r["units"]) for r in requests]
        replies: dict[int, dict] = {}
        running: dict[int, Started] = {}
        waiting = list(range(len(requests)))

        def fits(i: int) -> bool:
            if keys[i] in {keys[j] for j in running}:
                return False
            if capacity is None or not running:
                return True
            need = [requests[j].get("threads") or self.policy.threads for j in (*running, i)]
            return sum(need) <= capacity

        while waiting or running:
            for i in list(waiting):
                if fits(i):
                    waiting.remove(i)
                    started = self._start(requests[i], keep={keys[j] for j in (*waiting, *running, i)})
                    if isinstance(started, dict):
                        replies[i] = started
                    else:
                        running[i] = started
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
                    replies[i] = self._end(started, None, _died(started.child, "op"))
                    continue
                if message is not None:
                    replies[i] = self._end(running.pop(i), message)
        self.evict()
        return [replies[i] for i in range(len(requests))]

    def release(self, units) -> None:
        child = self.children.pop(tuple(units), None)
        if child:
            child.kill()

    def shutdown(self) -> None:
        for child in list(self.children.values()):
            child.kill()
        self.children.clear()


def serve(supervisor: Supervisor) -> bool:
    """Answer one submission's requests until its shutdown. True: the grader keeps this process
    for its next submission (every child is gone by then)."""
    try:
        while True:
            try:
                request = protocol.recv(PROTO_IN)
            except protocol.ProtocolError:
                return False
            command = request.get("cmd")
            if command == "op":
                reply = supervisor.handle_op(request)
                reply["isolation_notes"] = supervisor.isolation_notes
                reply["peak_rss_mb"] = SUPERVISOR_STATS["peak_rss_mb"]
                protocol.send(PROTO_OUT, reply)
            elif command == "ops":
                protocol.send(PROTO_OUT, {"replies": supervisor.handle_ops(request["requests"], request.get("capacity")),
                                          "isolation_notes": supervisor.isolation_notes,
                                          "peak_rss_mb": SUPERVISOR_STATS["peak_rss_mb"]})
            elif command == "release":
                supervisor.release(request["units"])
                protocol.send(PROTO_OUT, {"ok": True})
            else:
                supervisor.shutdown()
                protocol.send(PROTO_OUT, {"peak_rss_mb": SUPERVISOR_STATS["peak_rss_mb"]})
                return bool(request.get("keep"))
    finally:
        supervisor.shutdown()


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    arrays: dict[str, dict] = {}
    while True:
        try:
            init = protocol.recv(PROTO_IN)
        except protocol.ProtocolError:  # the grader is gone (or never sent an init)
            break
        SUPERVISOR_STATS["peak_rss_mb"] = 0.0
        supervisor = Supervisor(init, arrays)
        protocol.send(PROTO_OUT, {"ready": True, "torch": torch.__version__,
                                  "namespaces": isolation.can_use_namespaces() and supervisor.policy.namespaces})
        if not serve(supervisor):
            break
    # Every child is reaped and nothing is left to write but the log. Skip the interpreter's
    # teardown of torch and the data: it took ~2 s per submission on a 2-core machine.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
