"""Extraction parses submissions; nothing of the student's runs here."""

import json
import textwrap

import nbformat

from autograder.extract import extract_submission
from autograder.extract.collect import Source
from autograder.extract.units import extract


def units_of(code: str):
    return extract([Source("s.py", textwrap.dedent(code), "s")])


def test_keeps_definitions_imports_and_simple_constants_only():
    e = units_of("""
        import torch
        import torch.nn as nn
        n_hidden = 8
        device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
        model = nn.Linear(3, 4)
        for i in range(10):
            print(i)
        class A(nn.Module):
            pass
        def f(x):
            return x
        if __name__ == '__main__':
            f(1)
    """)
    assert [u.names for u in e.units] == [
        ("torch",),
        ("nn",),
        ("n_hidden",),
        ("device",),
        ("A",),
        ("f",),
    ]
    assert e.skipped == {"model": "s.py:6"}
    assert any("不会被评分程序执行" in n for n in e.notes)


def test_last_definition_wins_and_closure_orders_dependencies_first():
    e = extract(
        [
            Source("a.py", "class Net(nn.Module):\n    pass\n", "a"),
            Source("b.py", "import torch.nn as nn\nclass Net(nn.Module):\n    x = 1\n", "b"),
        ]
    )
    closure = e.closure(["Net"])
    assert [u.names for u in closure] == [("nn",), ("Net",)]
    assert "x = 1" in closure[1].source


def test_closure_follows_references_and_includes_star_imports():
    e = units_of("""
        from torch.nn import *
        SIZE = 4
        def helper():
            return SIZE
        class Net:
            def f(self):
                return helper()
        class Other:
            pass
    """)
    assert [u.names[0] for u in e.closure(["Net"])] == ["*torch.nn", "SIZE", "helper", "Net"]
    assert Extracted_digest_equal(e)


def Extracted_digest_equal(e):
    """Identical code gives identical digests whatever the file names."""
    other = extract([Source("other.py", "\n".join(u.source for u in e.units), "other")])
    return e.digest(e.closure(["Net"])) == other.digest(other.closure(["Net"]))


def test_sibling_module_imports_are_dropped_in_a_folder(tmp_path):
    (tmp_path / "models.py").write_text("import torch\nclass LeNet5:\n    pass\n")
    (tmp_path / "main.py").write_text("from models import LeNet5\nimport models\n")
    e = extract_submission(tmp_path)
    assert [u.names for u in e.units] == [("torch",), ("LeNet5",)]


def test_notebook_magics_syntax_errors_and_cell_order(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\n!pip install x\nimport torch"),
        nbformat.v4.new_code_cell("def f(:\n    pass"),
        nbformat.v4.new_code_cell("%%time\ndef g():\n    pass"),
        nbformat.v4.new_markdown_cell("def h(): pass"),
        nbformat.v4.new_code_cell("def f():\n    return 1"),
    ]
    path = tmp_path / "w.ipynb"
    nbformat.write(nb, path)
    e = extract_submission(path)
    assert [u.names for u in e.units] == [("torch",), ("f",)]
    assert e.units[1].origin == "w.ipynb[cell 5]"
    assert any("cell 2" in n and "SyntaxError" in n for n in e.notes)


def test_malformed_inputs_give_notes_not_errors(tmp_path):
    (tmp_path / "bin.py").write_bytes(b"\x00\x01\x02")
    (tmp_path / "latin.py").write_bytes("x = 'é'".encode("latin-1"))
    (tmp_path / "bad.ipynb").write_text("{not json")
    (tmp_path / "empty.ipynb").write_text(
        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    (tmp_path / "syntax.py").write_text("def broken(:\n")
    e = extract_submission(tmp_path)
    assert e.units == ()
    text = "\n".join(e.notes)
    for expected in ("bin.py", "latin.py", "bad.ipynb", "empty.ipynb", "syntax.py"):
        assert expected in text
    assert extract_submission(tmp_path / "missing.txt").notes
