import os

import numpy as np
import pytest

from autograder.sandbox import protocol


def test_arrays_round_trip_without_pickle():
    message = {"a": np.arange(6, dtype=np.int64).reshape(2, 3), "b": np.float32(1.5), "c": [1, "x", None]}
    out = protocol.decode(protocol.encode(message)[4:])
    assert out["a"].dtype == np.int64 and out["a"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert out["b"] == 1.5 and out["c"] == [1, "x", None]


@pytest.mark.parametrize("body", [
    b'{"__nd__": ["object", [1], "AA=="]}',
    b'{"__nd__": ["float32", [4], "AA=="]}',
    b"not json",
])
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
