"""Decode a data set once and keep it as .npy files in the cache directory.

Layout: ``<cache>/data/<name>-<source key>/`` with ``public/{train_x,train_y,test_x}.npy`` (what the
sandbox may read) and ``answers/test_y.npy`` (test labels: read by the grader only, hidden from
student code), plus ``meta.json`` with a content fingerprint used in result-cache keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.data import sources

PUBLIC_KEYS = ("train_x", "train_y", "test_x")
ANSWER_KEYS = ("test_y",)
DATASETS = ("mnist", "cifar10")


class DataNotFound(Exception):
    """The data set is not in the data directory and could not be downloaded."""


@dataclass(frozen=True)
class DatasetArrays:
    """A decoded data set on disk."""

    name: str
    """'mnist' or 'cifar10'."""
    folder: Path
    """The cache folder holding public/, answers/ and meta.json."""
    fingerprint: str
    """sha256 over the decoded arrays: identical data, identical fingerprint."""

    @property
    def public_dir(self) -> Path:
        return self.folder / "public"

    @property
    def answers_dir(self) -> Path:
        return self.folder / "answers"

    def path(self, key: str) -> Path:
        return (self.answers_dir if key in ANSWER_KEYS else self.public_dir) / f"{key}.npy"

    def load(self, key: str) -> np.ndarray:
        return np.load(self.path(key))


def _source_key(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        stat = path.stat()
        h.update(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _locate(name: str, data_dir: Path | None) -> tuple[list[Path], object] | None:
    if data_dir is None:
        return None
    if name == "mnist":
        files = sources.find_mnist(data_dir)
        return (list(files.values()), files) if files else None
    source = sources.find_cifar10(data_dir)
    return ([source], source) if source else None


def _decode(name: str, located) -> dict[str, np.ndarray]:
    return sources.decode_mnist(located) if name == "mnist" else sources.decode_cifar10(located)


def _write(folder: Path, arrays: dict[str, np.ndarray], origin: str) -> str:
    h = hashlib.sha256()
    for key in PUBLIC_KEYS + ANSWER_KEYS:
        sub = folder / ("answers" if key in ANSWER_KEYS else "public")
        sub.mkdir(parents=True, exist_ok=True)
        np.save(sub / f"{key}.npy", np.ascontiguousarray(arrays[key]))
        h.update(key.encode() + str(arrays[key].shape).encode() + arrays[key].tobytes())
    fingerprint = h.hexdigest()
    counts = {key: int(arrays[key].shape[0]) for key in arrays}
    (folder / "meta.json").write_text(
        json.dumps({"fingerprint": fingerprint, "source": origin, "counts": counts})
    )
    return fingerprint


def load_arrays(
    name: str, *, data_dir: Path | None, cache_dir: Path, download: bool = True
) -> DatasetArrays:
    """Return the decoded data set, decoding (or downloading) it on first use.

    Raises DataNotFound with a message for students and instructors when the data set is
    neither under data_dir nor downloadable.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}")
    located = _locate(name, data_dir)
    if located is None and data_dir is None and download:
        downloads = cache_dir / "downloads"
        try:
            sources.download(name, downloads)
        except Exception as exc:  # no network, or a proxy error: all mean the same here
            raise DataNotFound(
                _not_found_message(name, data_dir, f"download failed: {exc}")
            ) from None
        located = _locate(name, downloads)
    if located is None:
        raise DataNotFound(_not_found_message(name, data_dir, None))
    paths, handle = located
    folder = cache_dir / "data" / f"{name}-{_source_key(paths)}"
    meta = folder / "meta.json"
    if not meta.is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=folder.parent))
        try:
            _write(staging, _decode(name, handle), origin=str(paths[0].parent))
            try:
                os.rename(staging, folder)
            except OSError:  # another process finished first; its copy is identical
                shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return DatasetArrays(name, folder, json.loads(meta.read_text())["fingerprint"])


def _not_found_message(name: str, data_dir: Path | None, detail: str | None) -> str:
    where = f"under {data_dir}" if data_dir else "(no --data-dir or COURSE_DATA_DIR given)"
    text = (
        f"data not found: {name} {where}. Give --data-dir or set COURSE_DATA_DIR to a folder "
        f"holding mnist/ and cifar10/ (the course's offline copy) or torchvision's MNIST/raw/ and "
        f"cifar-10-batches-py/; see README."
    )
    return f"{text} ({detail})" if detail else text
