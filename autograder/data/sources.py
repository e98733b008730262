"""Find MNIST and CIFAR-10 on disk and decode them into numpy arrays.

Accepted layouts under a data directory:
- the course's offline copy: ``mnist/*-idx?-ubyte.gz`` and ``cifar10/cifar10-jpeg.tar.gz``
  (or that archive already unpacked as ``cifar10-jpeg/{train,test}/<class>/*.jpg``);
- torchvision's: ``MNIST/raw/*-ubyte[.gz]`` and ``cifar-10-batches-py/``.
Images come back as uint8 arrays, MNIST (N, 28, 28), CIFAR-10 (N, 3, 32, 32); labels as uint8 (N,).
"""

from __future__ import annotations

import gzip
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

MNIST_FILES = {
    "train_x": "train-images-idx3-ubyte",
    "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte",
    "test_y": "t10k-labels-idx1-ubyte",
}
CIFAR_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


def find_mnist(root: Path) -> dict[str, Path] | None:
    """Paths of the four IDX files (gzipped or not), or None if this root has no MNIST."""
    for folder in (root / "mnist", root / "MNIST" / "raw", root):
        found = {}
        for key, stem in MNIST_FILES.items():
            for name in (stem + ".gz", stem):
                if (folder / name).is_file():
                    found[key] = folder / name
                    break
        if len(found) == len(MNIST_FILES):
            return found
    return None


def find_cifar10(root: Path) -> Path | None:
    """The CIFAR-10 source under root: JPEG archive, unpacked JPEG folder or python batches."""
    for candidate in (
        root / "cifar10" / "cifar10-jpeg.tar.gz",
        root / "cifar10-jpeg.tar.gz",
        root / "cifar10" / "cifar10-jpeg",
        root / "cifar10-jpeg",
        root / "cifar-10-batches-py",
    ):
        if candidate.exists():
            return candidate
    return None


def read_idx(path: Path) -> np.ndarray:
    """One IDX file (optionally gzipped) as a uint8 array."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = np.frombuffer(raw[4 : 4 + 4 * ndim], dtype=">u4").astype(int)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims).copy()


def decode_mnist(files: dict[str, Path]) -> dict[str, np.ndarray]:
    return {key: read_idx(path) for key, path in files.items()}


def _decode_jpeg(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8).transpose(2, 0, 1)


def _jpeg_members(source: Path):
    """Yield (split, class name, file name, bytes) from the JPEG archive or folder, sorted."""
    if source.is_dir():
        for path in sorted(source.glob("*/*/*.jpg")):
            yield path.parts[-3], path.parts[-2], path.name, path.read_bytes()
        return
    with tarfile.open(source) as archive:
        members = sorted(
            (m for m in archive.getmembers() if m.isfile() and m.name.endswith(".jpg")),
            key=lambda m: m.name,
        )
        for member in members:
            split, cls, name = Path(member.name).parts[-3:]
            yield split, cls, name, archive.extractfile(member).read()


def decode_cifar10(source: Path) -> dict[str, np.ndarray]:
    if source.name == "cifar-10-batches-py":
        return _decode_cifar_batches(source)
    images: dict[str, list] = {"train": [], "test": []}
    labels: dict[str, list] = {"train": [], "test": []}
    for split, cls, _, data in _jpeg_members(source):
        images[split].append(_decode_jpeg(data))
        labels[split].append(CIFAR_CLASSES.index(cls))
    return {
        "train_x": np.stack(images["train"]),
        "train_y": np.asarray(labels["train"], np.uint8),
        "test_x": np.stack(images["test"]),
        "test_y": np.asarray(labels["test"], np.uint8),
    }


def _decode_cifar_batches(folder: Path) -> dict[str, np.ndarray]:
    def load(names):
        xs, ys = [], []
        for name in names:
            with open(folder / name, "rb") as f:
                batch = pickle.load(
                    f, encoding="latin1"
                )  # the official files, as torchvision reads them
            xs.append(np.asarray(batch["data"], np.uint8).reshape(-1, 3, 32, 32))
            ys.append(np.asarray(batch["labels"], np.uint8))
        return np.concatenate(xs), np.concatenate(ys)

    train_x, train_y = load([f"data_batch_{i}" for i in range(1, 6)])
    test_x, test_y = load(["test_batch"])
    return {"train_x": train_x, "train_y": train_y, "test_x": test_x, "test_y": test_y}


def download(name: str, root: Path) -> Path:
    """Fetch a data set with torchvision into root (needs a network); returns root."""
    from torchvision import datasets

    root.mkdir(parents=True, exist_ok=True)
    if name == "mnist":
        datasets.MNIST(str(root), train=True, download=True)
        datasets.MNIST(str(root), train=False, download=True)
    else:
        datasets.CIFAR10(str(root), train=True, download=True)
    return root
