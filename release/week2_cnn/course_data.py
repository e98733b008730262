"""数据集加载：联网时用 torchvision 下载；离线时读取课程提供的副本（设置 COURSE_DATA_DIR）。

Data sets for the labs. Online (e.g. Colab) torchvision downloads MNIST / CIFAR-10 into ./data.
Offline, set COURSE_DATA_DIR to a folder holding the course's copy (mnist/*.gz and
cifar10/cifar10-jpeg.tar.gz) or torchvision's layout; files are unpacked once into ./data.
"""
import gzip
import os
import shutil
import tarfile
from pathlib import Path

from torchvision import datasets


def data_root():
    """COURSE_DATA_DIR if set, else ./data (where torchvision downloads)."""
    return Path(os.environ.get("COURSE_DATA_DIR", "./data"))


def _local_copy():
    """A writable folder for unpacked files (./data, or COURSE_CACHE_DIR)."""
    path = Path(os.environ.get("COURSE_CACHE_DIR", "./data"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def mnist(train=True, transform=None):
    """torchvision MNIST: 60,000 training or 10,000 test images of shape (1, 28, 28)."""
    root = data_root()
    offline = root / "mnist"
    if (offline / "train-images-idx3-ubyte.gz").exists():
        local = _local_copy()
        raw = local / "MNIST" / "raw"
        raw.mkdir(parents=True, exist_ok=True)
        for archive in offline.glob("*-ubyte.gz"):
            target = raw / archive.stem
            if not target.exists():
                with gzip.open(archive) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        return datasets.MNIST(str(local), train=train, transform=transform, download=False)
    return datasets.MNIST(str(root), train=train, transform=transform, download=True)


def cifar10(train=True, transform=None):
    """CIFAR-10: 50,000 training or 10,000 test images of shape (3, 32, 32), labels airplane=0 … truck=9."""
    root = data_root()
    archive = root / "cifar10" / "cifar10-jpeg.tar.gz"
    if archive.exists():
        local = _local_copy()
        folder = local / "cifar10-jpeg"
        if not (folder / "test").is_dir():
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            with tarfile.open(archive) as tar:
                tar.extractall(local, **safe)
        # The class folders sort into the official label order, so ImageFolder's labels are CIFAR-10's.
        return datasets.ImageFolder(str(folder / ("train" if train else "test")), transform=transform)
    return datasets.CIFAR10(str(root), train=train, transform=transform, download=True)
