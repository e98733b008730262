"""The readers behind the forms corpus (tests/test_forms.py), case by case, without grading: what
each form yields as code and notes."""

from __future__ import annotations

import base64
import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from autograder.extract import collect, exported, extract_submission, files, text
from autograder.extract.notebook_cells import MAX_CODE_CHARS, NotANotebook, code_cells

CODE = "import torch.nn as nn\n\n\nclass LeNet5(nn.Module):\n    pass\n"


# -- encodings ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (("# 中文\n" + CODE).encode("utf-8"), None),
        (("# 中文\n" + CODE).encode("utf-8-sig"), None),
        (("# -*- coding: gbk -*-\n# 中文\n" + CODE).encode("gbk"), "GBK"),
        (
            ("#!/usr/bin/env python\n# vim: set fileencoding=gb2312 :\n# 中文\n" + CODE).encode(
                "gb2312"
            ),
            "GB2312",
        ),
        (("# 中文 张三\n" + CODE).encode("gbk"), "GB18030"),
        (("# 中文\n" + CODE).encode("utf-16"), "UTF-16"),
        (("# 中文\n" + CODE).encode("utf-16-be").join([b"\xfe\xff", b""]), "UTF-16"),
        # a coding line that lies (the file is GBK): the fallback still reads it, and says so
        (("# -*- coding: utf-8 -*-\n# 中文\n" + CODE).encode("gbk"), "GB18030"),
    ],
)
def test_text_is_read_in_the_encoding_it_was_saved_in(raw, encoding):
    decoded = text.decode(raw)
    assert decoded.text is not None and "class LeNet5" in decoded.text and "中文" in decoded.text
    assert decoded.encoding == encoding


def test_bytes_that_are_no_text_get_a_reason():
    assert text.decode(b"\x00\x01binary").problem == ("不是文本文件", "binary file")
    assert "not UTF-8" in text.decode(b"# \x80\x80 \xff\n").problem[1]


# -- notebooks ------------------------------------------------------------------------------------
def notebook(cells, **top) -> bytes:
    return json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **top}
    ).encode()


def test_only_code_cells_sources_are_kept_whatever_the_outputs():
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": ["source = 1\n", "class X: pass\n"]},
        {
            "output_type": "display_data",
            "data": {"image/png": "A" * 100_000, "text/plain": ["<Figure>"]},
        },
    ]
    cells = [
        {"cell_type": "markdown", "source": "# title", "metadata": {"source": "x"}},
        {
            "cell_type": "code",
            "source": ["import torch\n", "x = 1\n"],
            "outputs": outputs,
            "metadata": {},
        },
        {"cell_type": "raw", "source": "not code"},
        {
            "cell_type": "code",
            "source": "y = 2",
            "outputs": [],
            "attachments": {"a.png": {"image/png": "B"}},
        },
    ]
    found = code_cells(io.BytesIO(notebook(cells)))
    assert [(c.index, c.source) for c in found] == [(2, "import torch\nx = 1\n"), (4, "y = 2")]


def test_an_nbformat_3_notebook_keeps_its_code_in_worksheets():
    raw = json.dumps(
        {
            "nbformat": 3,
            "worksheets": [
                {
                    "cells": [
                        {
                            "cell_type": "code",
                            "input": ["a = 1\n", "b = 2"],
                            "outputs": [{"text": "out"}],
                        },
                        {"cell_type": "markdown", "source": "md"},
                    ]
                }
            ],
        }
    ).encode()
    assert [c.source for c in code_cells(io.BytesIO(raw))] == ["a = 1\nb = 2"]


def test_the_limit_is_on_code_not_on_the_file():
    big_output = [{"output_type": "stream", "text": "x" * (3 * MAX_CODE_CHARS)}]
    assert code_cells(
        io.BytesIO(notebook([{"cell_type": "code", "source": "a = 1", "outputs": big_output}]))
    )
    with pytest.raises(NotANotebook.__mro__[1]):  # Unreadable
        code_cells(
            io.BytesIO(notebook([{"cell_type": "code", "source": "a" * (MAX_CODE_CHARS + 1)}]))
        )


@pytest.mark.parametrize("raw", [b"not json", b'{"metadata": {}}', b"[1, 2", b'{"cells": [}'])
def test_what_is_not_a_notebook_says_so(raw):
    with pytest.raises(NotANotebook):
        code_cells(io.BytesIO(raw))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_notebook_with_a_bom_is_read(tmp_path, encoding):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(notebook([{"cell_type": "code", "source": CODE}]).decode().encode(encoding))
    assert extract_submission(path).defines("LeNet5")


# -- notebooks exported as .py -----------------------------------------------------------------------
def test_a_file_that_parses_is_read_as_it_is():
    source = 'x = ("a %s"\n     % 1)\ns = """\n!not a shell line\n"""\n'
    assert exported.split(source).snippets[0].text == source
    assert exported.split(source).skipped_lines == []


def test_ipython_lines_are_skipped_and_line_numbers_kept():
    source = (
        "!pip install x\n%matplotlib inline\nimport torch\nif True:\n    !ls\nfiles = !ls\nhelp?\n"
        + CODE
    )
    split = exported.split(source)
    assert split.skipped_lines == [0, 1, 4, 5, 6]
    (snippet,) = split.snippets
    assert snippet.text.splitlines()[3:5] == ["if True:", "    pass"]
    assert snippet.text.splitlines().index("class LeNet5(nn.Module):") == source.splitlines().index(
        "class LeNet5(nn.Module):"
    )


def test_a_syntax_error_costs_only_its_cell_where_there_are_markers(tmp_path):
    source = (
        "# %%\n!pip install x\n# %%\n%%bash\necho hi\n# %%\nfor i in range(3)\n    pass\n# %%\n"
        + CODE
    )
    path = tmp_path / "export.py"
    path.write_text(source)
    extracted = extract_submission(path)
    assert extracted.defines("LeNet5")
    assert any("SyntaxError line 7" in n for n in extracted.notes)
    assert any("第 2, 4, 5 行是 IPython 语法" in n for n in extracted.notes)  # a %% cell goes whole
    unit = next(u for u in extracted.units if "LeNet5" in u.names)
    assert unit.lineno == source.splitlines().index("class LeNet5(nn.Module):") + 1


def test_a_syntax_error_without_markers_costs_the_file_and_names_its_line(tmp_path):
    path = tmp_path / "plain.py"
    path.write_text(CODE + "for i in range(3)\n    pass\n")
    extracted = extract_submission(path)
    assert not extracted.defines("LeNet5") and any(
        "SyntaxError line 6" in n for n in extracted.unread
    )


# -- archives and folders ---------------------------------------------------------------------------
def test_a_tar_member_too_large_to_read_is_refused_by_its_size_not_read(tmp_path):
    path = tmp_path / "big.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("sub/huge.py")
        info.size = files.MAX_FILE_BYTES[".py"] + 1
        noise = base64.b64encode(os.urandom(info.size))[: info.size]  # incompressible: not a bomb
        archive.addfile(info, io.BytesIO(noise))
        data = CODE.encode()
        info = tarfile.TarInfo("sub/lab1.py")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    collected = collect(path)
    assert [s.origin for s in collected.sources] == ["lab1.py"]
    assert any(n.startswith("huge.py: 文件过大") for n in collected.unread)


def test_a_link_out_of_a_folder_is_not_followed(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "lab1.py").write_text(CODE)
    (tmp_path / "secret.py").write_text("SECRET = 1\n")
    os.symlink(tmp_path / "secret.py", tmp_path / "sub" / "lab2.py")
    os.symlink(tmp_path / "sub" / "lab1.py", tmp_path / "sub" / "same.py")  # inside: read
    collected = collect(tmp_path / "sub")
    assert sorted(s.origin for s in collected.sources) == ["lab1.py", "same.py"]
    assert any("lab2.py" in n and "outside the folder" in n for n in collected.notes)


def test_windows_zip_names_in_gbk_are_decoded(tmp_path):
    path = tmp_path / "a.zip"
    placeholder = "abcd1.py"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(placeholder, CODE)
    raw = path.read_bytes()
    gbk = "实验1.py".encode("gbk")
    assert len(gbk) == len(placeholder)  # names are not covered by the CRC: swap them in place
    path.write_bytes(raw.replace(placeholder.encode(), gbk))
    assert [s.origin for s in collect(path).sources] == ["实验1.py"]


def test_submission_names_drop_archive_suffixes():
    assert files.stem(Path("2021001 张三.tar.gz")) == "2021001 张三"
    assert files.stem(Path("a.ZIP")) == "a" and files.stem(Path("lab.py")) == "lab"
