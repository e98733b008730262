"""`gradescope-bundle`: build the autograder zip that Gradescope's programming assignments take.

Gradescope needs setup.sh and run_autograder at the root of the zip
(https://gradescope-autograders.readthedocs.io/en/latest/specs/). Contents:

    setup.sh, run_autograder     gradescope/ (authored here; see their comments)
    requirements-torch.txt       pinned CPU torch/torchvision, as the calibration used
    pyproject.toml               installs the engine (`pip install -e /autograder/source`)
    autograder/                  the engine WITH the hidden suites and the calibration table

The zip holds the hidden suites: upload it to Gradescope only. Entries are sorted and time-stamped
1980-01-01, so the same sources always give the same bytes (and sha256).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from autograder import assignment
from autograder.release import vendor

ROOT = vendor.ROOT
SCRIPTS = ("setup.sh", "run_autograder")
EPOCH = (1980, 1, 1, 0, 0, 0)


def bundle_files(root: Path = ROOT) -> dict[str, bytes]:
    """Path inside the zip -> content (the engine with its built-in assignments)."""
    spec = assignment.load()
    files = {name: (root / "gradescope" / name).read_bytes() for name in SCRIPTS}
    files["requirements-torch.txt"] = vendor.torch_requirements(root).encode()
    files["pyproject.toml"] = vendor.engine_pyproject(root).encode()
    files.update(vendor.engine_files(hidden=True))
    # The reference solution: the canary grades it before any student (autograder/canary.py).
    files.update(
        {f"solutions/{p.name}": p.read_bytes() for p in sorted((root / "solutions").glob("*.py"))}
    )
    hidden = f"autograder/{spec.hidden_dir.relative_to(vendor.PACKAGE_DIR).as_posix()}/"
    if not any(name.startswith(f"{hidden}test_") for name in files):
        raise ValueError(f"{hidden} has no suites: the bundle would grade nothing")
    return files


def write_zip(files: dict[str, bytes], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if name in SCRIPTS else 0o644
            info.external_attr = (
                0o100000 | mode
            ) << 16  # a regular file with these permissions (as unzip reads them)
            archive.writestr(info, files[name])
    tmp.replace(out)


def main(*, out: Path, root: Path = ROOT, quiet: bool = False) -> int:
    """Write the bundle to out (.zip). Returns 0."""
    out = Path(out)
    if out.suffix != ".zip":
        raise ValueError(f"{out}: the bundle is a zip file; give a name ending in .zip")
    if out.is_dir():
        raise ValueError(f"{out} is a folder; give a file name ending in .zip")
    files = bundle_files(root)
    write_zip(files, out)
    if not quiet:
        digest = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
        print(
            f"wrote {out} ({len(files)} files, {out.stat().st_size / 1024:.0f} KiB, sha256 {digest}…)\n"
            f"it contains the hidden suites: upload it to Gradescope only. Settings: README, Gradescope."
        )
    return 0
