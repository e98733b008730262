"""Training results memoised on disk, keyed by everything that can change them (client.cache_key).

The same code with the same seed is trained once: the code counts by its normalised syntax trees
(extract/normal.py), so cosmetic variants of a class share one training.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zlib
from pathlib import Path

from autograder import __file__ as _package_file
from autograder.sandbox import protocol

# The code that decides what a training op returns; a change here invalidates cached results.
_RUNTIME_FILES = ("sandbox/ops.py", "training/loop.py", "training/specs.py", "training/subsets.py")


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

    def _header(self, key: str, payload: bytes) -> bytes:
        digest = hashlib.sha256(payload).hexdigest()
        return b" ".join((self.FORMAT, key.encode(), str(len(payload)).encode(), digest.encode()))

    def get(self, key: str) -> dict | None:
        if not self.read:
            return None
        try:
            entry = self._path(key).read_bytes()
        except OSError:
            return None
        header, _, payload = entry.partition(b"\n")
        if header != self._header(key, payload):
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
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{key[:16]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(self._header(key, payload) + b"\n" + payload)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
