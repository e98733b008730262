import os

import numpy as np
import pytest

from autograder.sandbox import child_messages, protocol
from autograder.sandbox.errors import SandboxError
from autograder.sandbox.wire import OpRequest, Reply, Usage


def test_arrays_round_trip_without_pickle():
    message = {
        "a": np.arange(6, dtype=np.int64).reshape(2, 3),
        "b": np.float32(1.5),
        "c": [1, "x", None],
    }
    out = protocol.decode(protocol.encode(message)[4:])
    assert out["a"].dtype == np.int64 and out["a"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert out["b"] == 1.5 and out["c"] == [1, "x", None]


@pytest.mark.parametrize(
    "body",
    [
        b'{"__nd__": ["object", [1], "AA=="]}',
        b'{"__nd__": ["float32", [4], "AA=="]}',
        b"not json",
    ],
)
def test_malformed_messages_are_rejected(body):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(body)


def test_oversized_and_closed_pipes_are_protocol_errors():
    r, w = os.pipe()
    os.write(w, (protocol.MAX_MESSAGE_BYTES + 1).to_bytes(4, "big"))
    with pytest.raises(protocol.ProtocolError):
        protocol.recv(r, timeout=1)
    os.close(w)
    with pytest.raises(protocol.ProtocolError):
        protocol.recv(r, timeout=1)
    os.close(r)


def test_timeout():
    r, w = os.pipe()
    with pytest.raises(TimeoutError):
        protocol.recv(r, timeout=0.05)
    os.close(r), os.close(w)


@pytest.mark.parametrize(
    "message",
    [
        None,
        [],
        "loaded",
        {"loaded": True},
        {"type": 1},
        {"type": "nonsense"},
        {"type": "progress", "index": "0"},
        {"type": "progress", "index": True},
        {"type": "load_error", "index": None, "error": {}},
        {"type": "isolated", "uid": "0", "work": "/", "notes": []},
        {"type": "isolated", "uid": 0, "work": "/", "notes": "x"},
        {"type": "reply", "id": ["x"], "ok": True},
    ],
)
def test_a_child_message_that_is_not_well_formed_is_dropped(message):
    """Whatever JSON a child sends, parse gives a typed message or None; it never raises."""
    assert child_messages.parse(message) is None


def test_child_messages_round_trip_by_their_type_tag():
    for message in (
        child_messages.Isolated(200_001, "/tmp/ag-work-1", ["note"]),
        child_messages.Progress(3),
        child_messages.LoadError(0, {"type": "ValueError"}),
        child_messages.Loaded(),
        child_messages.SetupError("OSError: x"),
        child_messages.OpDone("ab", True, {"v": 1}),
    ):
        assert child_messages.parse(message.to_wire()) == message
    order = child_messages.OpOrder("ab", "call", {"name": "f"}, threads=1)
    assert child_messages.OpOrder.from_wire(order.to_wire()) == order


def test_a_child_cannot_choose_the_kind_or_phase_of_its_error():
    """A forged 'starved' would make a zero 'not final': kind and phase are the supervisor's."""
    error = SandboxError.from_child(
        {
            "kind": "starved",
            "phase": "load",
            "type": 7,
            "message": None,
            "traceback": ["x"],
            "unit": "forged",
        },
        "op",
    )
    assert (error.kind, error.phase, error.type, error.unit, error.traceback) == (
        "exception",
        "op",
        "7",
        None,
        "['x']",
    )
    assert SandboxError.from_child("not a dict", "load") == SandboxError("exception", "load")


def test_errors_replies_and_requests_round_trip_through_their_wire_form():
    error = SandboxError("timeout", "op", seconds=4, measure="cpu", used=4.1, waited=0.0)
    assert SandboxError.from_wire(error.to_wire()) == error
    assert error.to_wire() == {
        "kind": "timeout",
        "phase": "op",
        "seconds": 4,
        "measure": "cpu",
        "used": 4.1,
        "waited": 0.0,
    }
    reply = Reply(False, error=error, output="printed", usage=Usage(1.0, 2.0, 0.1))
    assert Reply.from_wire(protocol.decode(protocol.encode(reply.to_wire())[4:])) == reply
    request = OpRequest((0, 2), "call", {"name": "f"}, 3.0, threads=1)
    assert OpRequest.from_wire(request.to_wire()) == request
    for bad in ({"kind": "forged", "phase": "op"}, {"kind": "died"}, "died"):
        with pytest.raises(protocol.ProtocolError):
            SandboxError.from_wire(bad)
