"""The README and docs/*.md stay true to the repository: links, paths and command lines.
Fast: no data, no grading, no network.

What is checked in README.md and every docs/*.md (code blocks included where said):

1. Markdown links `[text](target)` outside code: a relative target must exist, relative to the
   page's own folder (as GitHub resolves it); a `#anchor`, alone or after a `.md` target, must be
   a heading of that page (GitHub's slug: lower case, punctuation dropped, spaces -> `-`).
   Links with a scheme (`https:`, `mailto:`) and links out of the repository (`../shared/...`
   from the README) are not checked.
2. Repository paths named in inline code and in fenced code blocks (comments included): a
   whitespace-separated token is taken for a repository path when it contains a `/` and its
   first segment is a top-level entry of this repository (`autograder/...`, `tests/...`,
   `benchmarks/...`, `examples/slurm/submit.sh`, ...). It is relative to the repository root
   (on every page), must exist, and a glob (`*`) must match something. Not taken for paths, by
   that rule or by `SKIPPED_ROOTS`:
   - placeholders and variables: anything with `<...>`, `$` or `…`;
   - build outputs and run-time state, even when they exist here: `out/`, `build/`, nbgrader's
     `submitted/`, ... (`SKIPPED_ROOTS`);
   - paths outside the repository: `../shared/...`, absolute paths (`/autograder/submission`);
   - paths inside derived trees, whose first segment is no top-level entry here: the Classroom
     template's `.autograder/` and `.github/`, the bundle's `hidden/...`, the data's `mnist/...`.
3. Command lines `python -m autograder <verb> ...` (in code blocks and inline code; a line
   continued with `\\` is joined): with placeholders filled (`<Part>` -> `LeNet5`, any other
   `<...>` -> `x`), split with shlex (comments dropped), they must parse with the CLI's own
   parser, `autograder.cli.build_parser()`. In a fenced line, the command ends at a backtick.
   A line whose verb is itself a placeholder (`<verb>`) or absent (`python -m autograder ...`)
   is skipped; a bare `python -m autograder grade` names a verb, which must exist.

The checker is tested on a made-up page with one fault of each kind (it must find them all).
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from autograder import cli

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Top-level names that are build outputs or run-time state (see .gitignore), never checked.
SKIPPED_ROOTS = {
    "out",
    "build",
    "dist",
    "data",
    "downloaded",
    "submitted",
    "autograded",
    "feedback",
    ".venv",
    ".git",
    ".gpu_data",
    ".course_data",
    ".pytest_cache",
    "__pycache__",
}
TOP_LEVEL = {
    p.name
    for p in ROOT.iterdir()
    if p.name not in SKIPPED_ROOTS and not p.name.endswith(".egg-info")
}
PLACEHOLDERS = {"<Part>": "LeNet5"}

FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$", re.S | re.M)
INLINE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
COMMAND = re.compile(r"python -m autograder\s+([^`]*)")
VERBS = set(cli.build_parser()._subparsers._group_actions[0].choices)


def _fenced(text: str) -> list[str]:
    return [m.group(0) for m in FENCE.finditer(text)]


def _prose(text: str) -> str:
    """The page without fenced blocks and inline code (where links and headings live)."""
    return INLINE.sub("", FENCE.sub("", text))


def slugs(text: str) -> set[str]:
    """GitHub's anchors for the headings of a page (a repeated heading gets -1, -2, ...)."""
    seen: dict[str, int] = {}
    out = set()
    for heading in HEADING.findall(FENCE.sub("", text)):
        heading = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading)
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def link_errors(text: str, page: Path) -> list[str]:
    errors = []
    for target in LINK.findall(_prose(text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve()
        if not dest.is_relative_to(ROOT):
            continue  # outside the repository, e.g. ../shared/course/
        if path_part and not dest.exists():
            errors.append(f"{page.name}: link to a missing file: {target}")
            continue
        headings = slugs(dest.read_text(encoding="utf-8") if path_part else text)
        if anchor and (dest.suffix == ".md" or not path_part) and anchor not in headings:
            errors.append(f"{page.name}: link to a missing heading: {target}")
    return errors


def _tokens(text: str) -> list[str]:
    chunks = INLINE.findall(FENCE.sub("", text)) + _fenced(text)
    return [tok.strip("()[]{},;:'\"`|.") for chunk in chunks for tok in chunk.split()]


def path_errors(text: str, page: Path) -> list[str]:
    errors = []
    for tok in _tokens(text):
        if "/" not in tok or re.search(r"[<>$…]", tok) or tok.split("/")[0] not in TOP_LEVEL:
            continue
        found = list(ROOT.glob(tok.rstrip("/"))) if "*" in tok else [ROOT / tok]
        if not found or not all(p.exists() for p in found):
            errors.append(f"{page.name}: names a missing path: {tok}")
    return errors


def command_lines(text: str) -> list[str]:
    lines = []
    for block in _fenced(text):
        lines += block.replace("\\\n", " ").splitlines()[1:-1]
    lines += INLINE.findall(FENCE.sub("", text))
    return [m.group(1) for line in lines if (m := COMMAND.search(line))]


def command_error(args: str) -> str | None:
    """None if `python -m autograder <args>` parses with the CLI's parser, else why not."""
    for placeholder, value in PLACEHOLDERS.items():
        args = args.replace(placeholder, value)
    if args.startswith("<"):
        return None  # `python -m autograder <verb> ...`: names no verb
    args = re.sub(r"<[^<>\s]+>", "x", args)
    argv = [a for a in shlex.split(args, comments=True) if a not in ("...", "…")]
    if (
        len(argv) <= 1
    ):  # `python -m autograder ...` or `python -m autograder grade` in prose: a name
        return None if not argv or argv[0] in VERBS else f"no verb {argv[0]!r}"
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            cli.build_parser().parse_args(argv)
    except SystemExit as exc:
        if exc.code:
            return stderr.getvalue().strip().splitlines()[-1]
    return None


def command_errors(text: str, page: Path) -> list[str]:
    return [
        f"{page.name}: `python -m autograder {c}`: {err}"
        for c in command_lines(text)
        if (err := command_error(c))
    ]


def all_errors(text: str, page: Path) -> list[str]:
    return link_errors(text, page) + path_errors(text, page) + command_errors(text, page)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_paths_and_commands_are_true(page):
    assert all_errors(page.read_text(encoding="utf-8"), page) == []


def test_the_checker_finds_each_kind_of_fault():
    fake = ROOT / "docs" / "fake.md"
    text = "\n".join(
        [
            "# A page",
            "",
            "[fine](../README.md#three-commands) [fine](#a-page) [web](https://example.org/x)",
            "[outside](../../shared/nope.md)",
            "[gone](nope.md) [no heading](../README.md#no-such-heading) [here](#nowhere)",
            "`autograder/cli.py` `autograder/nope.py` `out/grades.csv` `../shared/data` `<name>/x.py`",
            "```bash",
            "examples/slurm/submit.sh tests/test_nope.py  # benchmarks/results/*.json, benchmarks/*.nope",
            "python -m autograder check . --parts <Part> --train",
            "python -m autograder grade a b \\",
            "    --out o --shard 5/3",
            "```",
            "`python -m autograder gradle x` `python -m autograder <verb> --help` `python -m autograder ...`",
            "`python -m autograder grade` `python -m autograder gradle`",
        ]
    )
    errors = all_errors(text, fake)
    expected = [
        "missing file: nope.md",
        "missing heading: ../README.md#no-such-heading",
        "missing heading: #nowhere",
        "missing path: autograder/nope.py",
        "missing path: tests/test_nope.py",
        "missing path: benchmarks/*.nope",
        "autograder grade a b",
        "autograder gradle x",
        "no verb 'gradle'",
    ]
    for fault in expected:
        assert sum(fault in e for e in errors) == 1, (fault, errors)
    assert len(errors) == len(expected), errors


def test_every_docs_page_is_reachable_from_the_readme():
    linked = set()
    for page in (ROOT / "README.md", ROOT / "docs" / "README.md"):
        linked |= {
            (page.parent / t.partition("#")[0]).resolve()
            for t in LINK.findall(_prose(page.read_text(encoding="utf-8")))
        }
    assert {p.resolve() for p in PAGES} - linked - {(ROOT / "README.md").resolve()} == set()


def test_the_readme_fits_about_one_screen():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 150
