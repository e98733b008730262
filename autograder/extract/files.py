"""The files of a submission, wherever they lie: a file, a folder, or an archive of either.

Course systems hand submissions over as files, folders (a Classroom clone, Gradescope's unpacked
upload) and archives (bulk downloads, a student's zipped folder). Each becomes the same list of
SubmissionFile: a relative path, a size and a way to open its bytes. Archives are read in memory,
member by member: nothing is extracted to disk, so no member can be written outside a target.
What a hostile or broken archive still tries is caught before any member is read:

* names that would leave a target folder (`..`, absolute names, drive letters) are skipped;
* links (symlinks, hard links) and special files are skipped;
* archives inside the archive are not followed;
* more than MAX_MEMBERS members, more than MAX_TOTAL_BYTES uncompressed, or a member that expands
  more than MAX_RATIO times (a zip bomb) refuse the whole archive, before it is decompressed.
"""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

CODE_SUFFIXES = (".py", ".ipynb")
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
OTHER_ARCHIVES = (".rar", ".7z", ".gz", ".bz2", ".xz")
MAX_FILE_BYTES = {".py": 8_000_000, ".ipynb": 300_000_000}
"""Files larger than this are not read: a .py is all code (collect's limit is on its characters),
a notebook is mostly outputs (Gradescope's upload limit is 100 MB)."""
MAX_MEMBERS = 5_000
MAX_TOTAL_BYTES = 1 << 30
MAX_RATIO = 200
RATIO_FLOOR = 1 << 20
"""Members smaller than this are never called bombs, whatever their ratio (a file of spaces)."""


@dataclass(frozen=True)
class SubmissionFile:
    path: PurePosixPath
    """Relative to the submission (an archive's single top-level folder removed)."""
    size: int
    open: Callable[[], BinaryIO]


@dataclass
class Listing:
    files: list[SubmissionFile]
    """The code files (.py, .ipynb), in a fixed order (sorted by relative path)."""
    notes: list[str]
    """What was skipped and why, for the student."""
    refused: str | None = None
    """Why nothing was read (an archive refused whole), for the student."""


class ArchiveRefused(ValueError):
    """An archive that is refused whole (too many members, too large, a bomb, corrupt)."""


def archive_suffix(name: str) -> str | None:
    lower = name.lower()
    return next((s for s in ARCHIVE_SUFFIXES if lower.endswith(s)), None)


def is_archive(path: Path) -> bool:
    return archive_suffix(path.name) is not None


def stem(path: Path) -> str:
    """The name of a submission file without its suffix ('a.tar.gz' -> 'a')."""
    suffix = archive_suffix(path.name)
    return path.name[: -len(suffix)] if suffix else path.stem


def _ignored(parts) -> bool:
    """Hidden files and folders (.git, .ipynb_checkpoints), caches, macOS's resource forks."""
    return any(p.startswith(".") or p in ("__pycache__", "__MACOSX") for p in parts)


def _sorted(files: list[SubmissionFile]) -> list[SubmissionFile]:
    return sorted(files, key=lambda f: f.path.as_posix())


def folder(path: Path) -> Listing:
    """Every .py and .ipynb below a folder (hidden folders and caches skipped). Archives inside
    a folder are not opened: a note says so."""
    files, notes = [], []
    root = path.resolve()
    for p in path.rglob("*"):
        rel = PurePosixPath(p.relative_to(path).as_posix())
        if _ignored(rel.parts) or not p.is_file():
            continue
        if p.is_symlink() and not p.resolve().is_relative_to(root):
            notes.append(
                f"{rel}: 指向目录之外的链接，已跳过 (link to a file outside the folder: skipped)"
            )
            continue
        if p.suffix in CODE_SUFFIXES:
            files.append(SubmissionFile(rel, p.stat().st_size, lambda p=p: p.open("rb")))
        elif is_archive(p):
            notes.append(
                f"{rel}: 目录中的压缩包不会被解压 (archives inside a folder are not opened)"
            )
    return Listing(_sorted(files), notes)


def single(path: Path) -> Listing:
    return Listing(
        [SubmissionFile(PurePosixPath(path.name), path.stat().st_size, lambda: path.open("rb"))], []
    )


# -- archives ---------------------------------------------------------------------------------------
def _safe_name(name: str) -> PurePosixPath | None:
    """The member's relative path, or None where it would leave the folder it is extracted to."""
    name = name.replace("\\", "/")
    path = PurePosixPath(name)
    if (
        not name
        or path.is_absolute()
        or ".." in path.parts
        or (path.parts and ":" in path.parts[0])
    ):
        return None
    return PurePosixPath(*[p for p in path.parts if p not in ("", ".")])


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Names in UTF-8 where the archive says so; without the flag, Windows' zip writes them in the
    system's code page (GBK on a Chinese system), which zipfile has read as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


@dataclass(frozen=True)
class _Member:
    name: str
    size: int
    packed: int
    kind: str
    """'file', 'dir', 'link' or 'special'."""
    open: Callable[[], BinaryIO]


def _zip_members(path: Path) -> list[_Member]:
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveRefused(
            f"不是有效的 zip 文件 (not a valid zip file: {str(exc)[:120]})"
        ) from None
    members = []
    for info in infos:
        mode = info.external_attr >> 16
        kind = (
            "dir"
            if info.is_dir()
            else "link"
            if stat.S_ISLNK(mode)
            else "special"
            if mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG)
            else "file"
        )
        members.append(
            _Member(
                _zip_name(info),
                info.file_size,
                info.compress_size,
                kind,
                lambda info=info: archive.open(info),
            )
        )
    return members


def _tar_members(path: Path) -> list[_Member]:
    """A tar's members, decompressed once and held in memory (they passed the caps as read)."""
    members, total = [], 0
    packed = max(path.stat().st_size, 1)
    try:
        with tarfile.open(path, "r:*") as archive:
            for info in archive:
                if len(members) >= MAX_MEMBERS:
                    raise ArchiveRefused(_too_many())
                total += info.size
                if total > MAX_TOTAL_BYTES or (total > RATIO_FLOOR and total > MAX_RATIO * packed):
                    raise ArchiveRefused(_bomb(total))
                kind = (
                    "dir"
                    if info.isdir()
                    else "link"
                    if info.issym() or info.islnk()
                    else "file"
                    if info.isfile()
                    else "special"
                )
                data = b""
                suffix = PurePosixPath(info.name).suffix
                if (
                    kind == "file"
                    and suffix in CODE_SUFFIXES
                    and info.size <= MAX_FILE_BYTES[suffix]
                ):
                    data = archive.extractfile(info).read()  # larger ones are refused by their size
                members.append(
                    _Member(
                        info.name, info.size, info.size, kind, lambda data=data: io.BytesIO(data)
                    )
                )
    except (
        tarfile.TarError,
        OSError,
        EOFError,
        ValueError,
    ) as exc:  # gzip.BadGzipFile is an OSError
        raise ArchiveRefused(
            f"不是有效的 tar 文件 (not a valid tar file: {str(exc)[:120]})"
        ) from None
    return members


def _too_many() -> str:
    return f"压缩包中的文件超过 {MAX_MEMBERS:,} 个，未解压 (more than {MAX_MEMBERS:,} members: not opened)"


def _bomb(size: int) -> str:
    return (
        f"压缩包解压后过大（至少 {size:,} 字节，或压缩比超过 {MAX_RATIO}:1），疑似 zip 炸弹，未解压 "
        f"(archive expands to {size:,} bytes or more than {MAX_RATIO}x: refused as a zip bomb)"
    )


def _check_caps(members: list[_Member]) -> None:
    if len(members) > MAX_MEMBERS:
        raise ArchiveRefused(_too_many())
    total = sum(m.size for m in members)
    if total > MAX_TOTAL_BYTES:
        raise ArchiveRefused(_bomb(total))
    for m in members:
        if m.size > RATIO_FLOOR and m.size > MAX_RATIO * max(m.packed, 1):
            raise ArchiveRefused(_bomb(m.size))


def _strip_top_folder(paths: list[PurePosixPath]) -> int:
    """1 when every member lies in one top-level folder (a zipped folder), else 0."""
    tops = {p.parts[0] for p in paths if len(p.parts) > 1}
    return 1 if len(tops) == 1 and all(len(p.parts) > 1 for p in paths) else 0


def archive(path: Path) -> Listing:
    """The code files of a .zip or .tar(.gz) submission, graded as the folder it holds."""
    try:
        members = _zip_members(path) if path.name.lower().endswith(".zip") else _tar_members(path)
        _check_caps(members)
    except ArchiveRefused as exc:
        return Listing([], [f"{path.name}: {exc}"], refused=str(exc))
    notes, kept = [], []
    for m in members:
        rel = _safe_name(m.name)
        if m.kind == "dir" or (rel is not None and _ignored(rel.parts)):
            continue
        if rel is None:
            notes.append(
                f"{m.name}: 路径指向压缩包之外，已跳过 (member path leaves the archive's folder: skipped)"
            )
        elif m.kind in ("link", "special"):
            notes.append(
                f"{rel}: 链接或特殊文件，已跳过 (link or special file in the archive: skipped)"
            )
        elif archive_suffix(rel.name) or rel.suffix.lower() in OTHER_ARCHIVES:
            notes.append(
                f"{rel}: 压缩包中的压缩包不会被解压 (archives inside an archive are not opened)"
            )
        elif rel.suffix in CODE_SUFFIXES:
            kept.append((rel, m))
    depth = _strip_top_folder([rel for rel, _ in kept])
    files = [SubmissionFile(PurePosixPath(*rel.parts[depth:]), m.size, m.open) for rel, m in kept]
    return Listing(_sorted(files), notes)


def listing(path: Path) -> Listing:
    """The code files of any submission path (see the module's docstring). A folder that holds no
    code but one archive (an upload folder with the student's zip in it) is that archive."""
    if path.is_dir():
        found = folder(path)
        archives = [
            p for p in path.iterdir() if p.is_file() and is_archive(p) and not _ignored([p.name])
        ]
        if not found.files and len(archives) == 1:
            inner = archive(archives[0])
            return Listing(
                inner.files,
                [
                    f"{archives[0].name}: 目录中只有这个压缩包，按压缩包评分 "
                    f"(the folder holds only this archive: graded as the archive)"
                ]
                + inner.notes,
                inner.refused,
            )
        return found
    if is_archive(path):
        return archive(path)
    return single(path)
