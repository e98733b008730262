"""The child: a process forked from the supervisor that runs one part's submission code.

Sequence: isolate (isolation.enter) -> define the units of the closure, reporting each unit before
running it (so a hang or crash is pinned to that unit) -> serve ops until told to stop. Replies
echo the request id; the supervisor drops anything else.
"""

from __future__ import annotations

import linecache
import os
import sys
import traceback
import types

import torch

from autograder.sandbox import isolation, protocol
from autograder.sandbox.child_messages import (
    Isolated,
    Loaded,
    LoadError,
    OpDone,
    OpOrder,
    Progress,
    SetupError,
)
from autograder.sandbox.ops import MissingName, Ops

MAX_TRACEBACK_CHARS = 2000


def _register_sources(units: list[dict]) -> set[str]:
    """Make tracebacks show the student's lines (their files are not on disk in the sandbox)."""
    by_origin: dict[str, list[str]] = {}
    for unit in units:
        lines = by_origin.setdefault(unit["origin"], [])
        body = unit["source"].splitlines()
        start = unit["lineno"] - 1
        if len(lines) < start + len(body):
            lines.extend([""] * (start + len(body) - len(lines)))
        lines[start : start + len(body)] = body
    for origin, lines in by_origin.items():
        text = [line + "\n" for line in lines]
        linecache.cache[origin] = (sum(map(len, text)), None, text, origin)
    return set(by_origin)


def describe_exception(exc: BaseException, origins: set[str]) -> dict:
    """Type, message and the traceback frames that are in the student's code (ours are dropped)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in origins]
    text = "".join(traceback.format_list(frames[-6:]))
    message = str(exc) if not isinstance(exc, MissingName) else f"{exc.args[0]} is not defined"
    return {
        "type": type(exc).__name__ if not isinstance(exc, MissingName) else "MissingName",
        "message": message[:600],
        "traceback": text[-MAX_TRACEBACK_CHARS:],
        "missing": exc.args[0] if isinstance(exc, MissingName) else None,
    }


def _define(units: list[dict], resp_fd: int, origins: set[str]) -> dict | None:
    module = types.ModuleType("submission")
    sys.modules["submission"] = module
    ns = module.__dict__
    for index, unit in enumerate(units):
        protocol.send(resp_fd, Progress(index).to_wire())
        try:
            code = compile(
                "\n" * (unit["lineno"] - 1) + unit["source"],
                unit["origin"],
                "exec",
                flags=unit["flags"],
                dont_inherit=True,
            )
            exec(code, ns)
        except BaseException as exc:  # SystemExit included: defining code must not end the child
            _flush()
            protocol.send(resp_fd, LoadError(index, describe_exception(exc, origins)).to_wire())
            return None
    return ns


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def main(
    req_fd: int,
    resp_fd: int,
    units: list[dict],
    policy: isolation.Policy,
    serial: int,
    data: dict,
    device: str,
) -> None:
    """Never returns: the process ends with os._exit."""
    try:
        sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")
        sys.stderr = open(2, "w", buffering=1, closefd=False, errors="replace")
        work, uid, notes = isolation.enter(policy, serial)
        torch.set_num_threads(policy.threads)
        protocol.send(resp_fd, Isolated(uid, work, notes).to_wire())
    except BaseException as exc:  # isolation failed: nothing of the student's has run yet
        protocol.send(resp_fd, SetupError(f"{type(exc).__name__}: {exc}").to_wire())
        os._exit(3)
    origins = _register_sources(units)
    ns = _define(units, resp_fd, origins)
    if ns is None:
        os._exit(0)
    protocol.send(resp_fd, Loaded().to_wire())
    ops = Ops(ns, data, device)
    while True:
        try:
            order = OpOrder.from_wire(protocol.recv(req_fd))
        except protocol.ProtocolError:
            os._exit(0)
        nonce = order.id
        try:
            torch.set_num_threads(order.threads or policy.threads)
            reply = OpDone(nonce, True, result=ops.dispatch(order.op, order.args))
        except BaseException as exc:  # sys.exit() in student code is a failed check, not an exit
            reply = OpDone(nonce, False, error=describe_exception(exc, origins))
        finally:
            torch.set_num_threads(policy.threads)
        _flush()
        try:
            protocol.send(resp_fd, reply.to_wire())
        except (TypeError, ValueError, OverflowError) as exc:
            error = {
                "type": "BadResult",
                "message": f"result could not be sent: {exc}",
                "traceback": "",
                "missing": None,
            }
            protocol.send(resp_fd, OpDone(nonce, False, error=error).to_wire())
