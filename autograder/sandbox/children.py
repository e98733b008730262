"""The supervisor's handle on one forked child: its pipes, what it printed, its messages, its end.

Everything read from a child is untrusted: messages are framed, size-checked and parsed
(child_messages.parse); what does not parse is dropped, and a pipe that breaks framing ends the child.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import struct
import time
from dataclasses import dataclass, field

from autograder.sandbox import cgroup, child_messages, isolation, protocol
from autograder.sandbox.child_messages import ChildMessage, OpDone
from autograder.sandbox.errors import Phase, SandboxError

HEAD_BYTES, TAIL_BYTES = 3000, 1000


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
    """The child ended, or broke the framing of its messages."""


@dataclass
class Child:
    """One forked child and the supervisor's ends of its pipes."""

    pid: int
    req_w: int
    """Requests to the child."""
    resp_r: int
    """Its messages."""
    out_r: int | None
    """What it prints (stdout and stderr); None once closed."""
    buffer: bytearray = field(default_factory=bytearray)
    messages: list[ChildMessage] = field(default_factory=list)
    capture: Capture = field(default_factory=Capture)
    uid: int | None = None
    """Its dedicated uid, from its Isolated message."""
    work: str | None = None
    """Its private working directory, from its Isolated message."""
    current_unit: int | None = None
    """The unit it was defining last (an index into the submission's units)."""
    status: int | None = None
    """Its wait status, once reaped."""
    peak_rss_kb: int = 0
    cgroup: str | None = None
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

    def pump(self, deadline: float) -> ChildMessage | None:
        """Next message from the child, or None at the deadline. Output is captured meanwhile."""
        while not self.messages:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            for fd in select.select(self.fds(), [], [], left)[0]:
                self.feed(fd)
        return self.messages.pop(0)

    def reply_to(self, nonce: str) -> OpDone | None:
        """The queued reply with this id, if it came (other messages are dropped)."""
        while self.messages:
            message = self.messages.pop(0)
            if isinstance(message, OpDone) and message.id == nonce:
                return message
        return None

    def _parse(self) -> None:
        while len(self.buffer) >= 4:
            (length,) = struct.unpack(">I", self.buffer[:4])
            if length > protocol.MAX_MESSAGE_BYTES:
                raise ChildGone
            if len(self.buffer) < 4 + length:
                return
            body, self.buffer = bytes(self.buffer[4 : 4 + length]), self.buffer[4 + length :]
            try:
                message = child_messages.parse(protocol.decode(body))
            except protocol.ProtocolError:
                raise ChildGone from None
            if message is not None:
                self.messages.append(message)

    def kill(self) -> None:
        """Kill it (its process group and its uid's processes), reap it, close and remove what was its."""
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
        if self.work and os.path.basename(self.work).startswith(
            "ag-work-"
        ):  # not in a private tmpfs
            shutil.rmtree(self.work, ignore_errors=True)
        if self.cgroup:
            cgroup.remove(self.cgroup)

    def reap(self, block: bool = False) -> int | None:
        if self.status is None:
            try:
                pid, status, usage = os.wait4(self.pid, 0 if block else os.WNOHANG)
                if pid:
                    self.status, self.peak_rss_kb = status, usage.ru_maxrss
            except ChildProcessError:
                self.status = 0
        return self.status


def died(child: Child, phase: Phase) -> SandboxError:
    """The error for a child that ended on its own or was killed by the kernel."""
    message = _exit_text(child.reap(block=True))
    return SandboxError(
        "died",
        phase,
        message=message,
        memory_limit=bool(child.cgroup and cgroup.oom_killed(child.cgroup)),
    )


def _exit_text(status: int | None) -> str:
    if status is None:
        return "the process ended"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"the process was killed by signal {signal.Signals(sig).name}"
    return f"the process exited with code {os.WEXITSTATUS(status)}"
