"""The supervisor's process: requests on stdin, replies on stdout (protocol.py framing).

Run as ``python -I -m autograder.sandbox.server``. A grader that grades several submissions keeps
its supervisor: a shutdown with ``keep`` kills every child, forgets the submission and waits for
the next one's init, so torch and the data are imported once per grader process, not once per
submission. Nothing of a submission lives here: its code runs only in children, gone by then.
"""

from __future__ import annotations

import os
import signal
import sys


def _claim_protocol_pipes() -> tuple[int, int]:
    """Keep stdin/stdout for the protocol and point fd 1 at stderr: a stray print (ours or a
    library's, torch's import included) must never reach the protocol pipe. Called first in main()."""
    proto_in, proto_out = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return proto_in, proto_out


def serve(supervisor, proto_in: int, proto_out: int) -> bool:
    """Answer one submission's requests until its shutdown. True: the grader keeps this process
    for its next submission (every child is gone by then)."""
    from autograder.sandbox import protocol
    from autograder.sandbox.wire import OpRequest

    try:
        while True:
            try:
                request = protocol.recv(proto_in)
            except protocol.ProtocolError:
                return False
            command = request.get("cmd")
            if command in ("op", "ops"):
                if command == "op":
                    replies = [supervisor.handle_op(OpRequest.from_wire(request))]
                else:
                    ops = [OpRequest.from_wire(r) for r in request["requests"]]
                    replies = supervisor.handle_ops(ops, request.get("capacity"))
                protocol.send(
                    proto_out,
                    {
                        "replies": [r.to_wire() for r in replies],
                        "isolation_notes": supervisor.isolation_notes,
                        "peak_rss_mb": supervisor.peak_rss_mb,
                    },
                )
            elif command == "release":
                supervisor.release(request["units"])
                protocol.send(proto_out, {"ok": True})
            else:
                supervisor.shutdown()
                protocol.send(proto_out, {"peak_rss_mb": supervisor.peak_rss_mb})
                return bool(request.get("keep"))
    finally:
        supervisor.shutdown()


def main() -> None:
    proto_in, proto_out = _claim_protocol_pipes()
    import torch  # after the claim: see _claim_protocol_pipes

    from autograder.sandbox import isolation, protocol
    from autograder.sandbox.supervisor import Supervisor
    from autograder.sandbox.wire import SupervisorInit

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    arrays: dict[str, dict] = {}
    while True:
        try:
            init = SupervisorInit.from_wire(protocol.recv(proto_in))
        except protocol.ProtocolError:  # the grader is gone (or never sent an init)
            break
        supervisor = Supervisor(init, arrays)
        protocol.send(
            proto_out,
            {
                "ready": True,
                "torch": torch.__version__,
                "namespaces": isolation.can_use_namespaces() and supervisor.policy.namespaces,
            },
        )
        if not serve(supervisor, proto_in, proto_out):
            break
    # Every child is reaped; nothing is left to write but the log. Skip the interpreter's teardown
    # of torch and the data (slow: docs/speed.md).
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
