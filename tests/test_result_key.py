"""The result cache's code key: cosmetic variants share it, any behavioural change does not.

Pure computation over extracted units (no sandbox, no torch): code_key(closure) is the "code"
part of Sandbox.cache_key, whose other parts (seed, spec, device, ...) are unchanged.
"""

from __future__ import annotations

import textwrap

import nbformat
import pytest

from autograder.extract import code_key, extract_submission
from autograder.extract.collect import Source
from autograder.extract.normal import normal_text
from autograder.extract.units import extract

BASE = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

HIDDEN = 50


def get_n_params(model):
    """Number of parameters."""
    return sum(p.nelement() for p in model.parameters())


class FC2Layer(nn.Module):
    def __init__(self, input_size, n_hidden, output_size):
        super(FC2Layer, self).__init__()
        self.input_size = input_size
        self.network = nn.Sequential(nn.Linear(input_size, n_hidden), nn.ReLU(),
                                     nn.Linear(n_hidden, output_size), nn.LogSoftmax(dim=1))

    def forward(self, x):
        x = x.view(-1, self.input_size)
        return self.network(x)


class CNN(nn.Module):
    """A small CNN."""

    def __init__(self, input_size, n_feature, output_size):
        super(CNN, self).__init__()
        self.n_feature = n_feature
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=n_feature, kernel_size=5)
        self.conv2 = nn.Conv2d(n_feature, n_feature, kernel_size=5)
        self.fc1 = nn.Linear(n_feature * 4 * 4, HIDDEN)
        self.fc2 = nn.Linear(HIDDEN, output_size)

    def forward(self, x, verbose=False):
        x = F.max_pool2d(F.relu(self.conv1(x)), kernel_size=2)
        x = F.max_pool2d(F.relu(self.conv2(x)), kernel_size=2)
        x = x.view(-1, self.n_feature * 4 * 4)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def perm_pixel(data, perm):
    data_new = data.view(-1, 28 * 28)
    data_new = data_new[:, perm]
    return data_new.view(-1, 1, 28, 28)
'''
NAMES = ("FC2Layer", "CNN", "perm_pixel", "get_n_params")


def key(*texts: str, name: str) -> str:
    """Key of `name`'s closure in a submission made of these snippets (files or cells)."""
    sources = [Source(f"s{i}.py", textwrap.dedent(t), f"s{i}") for i, t in enumerate(texts)]
    return code_key(extract(sources).closure([name]))


def keys(*texts: str) -> dict[str, str]:
    return {name: key(*texts, name=name) for name in NAMES}


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# -- one token apart: never the same key ----------------------------------------------------------

ONE_TOKEN = {
    "kernel size": (
        "CNN",
        "out_channels=n_feature, kernel_size=5",
        "out_channels=n_feature, kernel_size=3",
    ),
    "padding": (
        "CNN",
        "out_channels=n_feature, kernel_size=5)",
        "out_channels=n_feature, kernel_size=5, padding=1)",
    ),
    "activation": ("CNN", "x = F.relu(self.fc1(x))", "x = torch.tanh(self.fc1(x))"),
    "module-level constant used by the class": ("CNN", "HIDDEN = 50", "HIDDEN = 51"),
    "dim of log_softmax": ("CNN", "self.fc2(x), dim=1)", "self.fc2(x), dim=0)"),
    "int against float": ("perm_pixel", "data.view(-1, 28 * 28)", "data.view(-1, 28 * 28.0)"),
    "True against 1": ("CNN", "verbose=False", "verbose=0"),
    "order of statements in a body": (
        "CNN",
        "        self.fc1 = nn.Linear(n_feature * 4 * 4, HIDDEN)\n        self.fc2 = nn.Linear(HIDDEN, output_size)\n",
        "        self.fc2 = nn.Linear(HIDDEN, output_size)\n        self.fc1 = nn.Linear(n_feature * 4 * 4, HIDDEN)\n",
    ),
    "a method call added": (
        "perm_pixel",
        "    return data_new.view",
        "    return data_new.clone().view",
    ),
    "bias": (
        "FC2Layer",
        "nn.Linear(n_hidden, output_size)",
        "nn.Linear(n_hidden, output_size, bias=False)",
    ),
}


@pytest.mark.parametrize("case", ONE_TOKEN, ids=list(ONE_TOKEN))
def test_one_token_apart_never_shares_a_key(case):
    name, old, new = ONE_TOKEN[case]
    assert key(BASE, name=name) != key(edit(old, new), name=name)


def test_renaming_a_local_or_a_parameter_changes_the_key():
    """Identifiers are not normalised (see autograder/extract/normal.py): a parameter's name is
    part of the interface (FC2Layer(output_size=10)), a local's could be seen by locals()."""
    assert key(BASE.replace("data_new", "out"), name="perm_pixel") != key(BASE, name="perm_pixel")
    assert key(BASE.replace("output_size", "out_size"), name="FC2Layer") != key(
        BASE, name="FC2Layer"
    )


def test_the_order_of_methods_in_a_class_body_counts():
    init, _, forward = (
        BASE.partition("class FC2Layer(nn.Module):\n")[2]
        .partition("class CNN")[0]
        .rstrip()
        .partition("\n\n    def forward")
    )
    swapped = BASE.replace(
        init + "\n\n    def forward" + forward, "    def forward" + forward + "\n\n" + init
    )
    assert swapped != BASE
    assert key(swapped, name="FC2Layer") != key(BASE, name="FC2Layer")


def test_strings_other_than_docstrings_count():
    first_in_if = (
        "def perm_pixel(data, perm):\n    if perm is None:\n        'a'\n    return data[:, perm]\n"
    )
    assert key(first_in_if, name="perm_pixel") != key(
        first_in_if.replace("'a'", "'b'"), name="perm_pixel"
    )
    second = "def f():\n    x = 1\n    'a'\n    return x\n"
    assert key(second, name="f") != key(second.replace("'a'", "'b'"), name="f")
    fstring_first = "def f(x):\n    f'{x}'\n    return x\n"  # an f-string is never a docstring
    assert key(fstring_first, name="f") != key(
        fstring_first.replace("f'{x}'", "f'{x!r}'"), name="f"
    )
    assert key("X = 'a'\ndef f():\n    return X\n", name="f") != key(
        "X = 'b'\ndef f():\n    return X\n", name="f"
    )
    assert key("def f():\n    return b'a'\n", name="f") != key(
        "def f():\n    return 'a'\n", name="f"
    )


def test_a_helper_outside_the_closure_does_not_count_and_one_inside_does():
    helper = BASE + "\ndef unused():\n    return 1\n"
    assert keys(helper) == keys(helper.replace("return 1", "return 2"))
    used = (
        edit("self.n_feature = n_feature", "self.n_feature = scale(n_feature)")
        + "\ndef scale(n):\n    return n\n"
    )
    assert key(used, name="CNN") != key(used.replace("return n\n", "return n * 2\n"), name="CNN")


def test_future_annotations_count():
    text = "def f(x: int) -> int:\n    return x\n"
    assert key(text, name="f") != key("from __future__ import annotations\n" + text, name="f")


# -- cosmetic variants: one key ------------------------------------------------------------------


def cosmetic_variants() -> dict[str, str]:
    return {
        "comments": BASE.replace(
            "    def forward(self, x):\n",
            "    # the forward pass\n    def forward(self, x):  # x: N,1,28,28\n",
        ).replace("HIDDEN = 50", "HIDDEN = 50  # hidden units of fc1"),
        "blank lines": BASE.replace("\n\n\n", "\n").replace(
            "        super(CNN, self).__init__()\n", "\n        super(CNN, self).__init__()\n\n"
        ),
        "quote style": BASE.replace('"""Number of parameters."""', "'''Number of parameters.'''"),
        "docstrings": edit('    """A small CNN."""\n', "")
        .replace(
            "    def forward(self, x, verbose=False):\n",
            '    def forward(self, x, verbose=False):\n        """Log-probabilities, (N, 10).\n\n        Any text."""\n',
        )
        .replace(
            "def perm_pixel(data, perm):\n",
            'def perm_pixel(data, perm):\n    "Permute the pixels."\n',
        ),
        "spacing and line breaks": BASE.replace("kernel_size=5)", "kernel_size = 5 )")
        .replace(
            "x = x.view(-1, self.n_feature * 4 * 4)",
            "x = x.view(\n            -1,\n            self.n_feature*4*4,\n        )",
        )
        .replace("data_new[:, perm]", "(data_new[ : , perm ])"),
        "order of top-level definitions": _reordered(),
        "imports reordered and repeated": edit(
            "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n",
            "import torch.nn.functional as F\nimport torch.nn as nn\nimport torch\nimport torch.nn as nn\n",
        ),
        "u prefix and escapes": BASE.replace(
            "HIDDEN = 50", "HIDDEN = 50\nNAME = u'cnn\\x21'"
        ).replace("    return data_new.view", "    NAME\n    return data_new.view"),
    }


def _reordered() -> str:
    head, _, rest = BASE.partition("\nHIDDEN = 50\n")
    blocks = rest.strip().split("\n\n\n")
    return "HIDDEN = 50\n" + head + "\n" + "\n\n\n".join(reversed(blocks)) + "\n"


@pytest.mark.parametrize("variant", list(cosmetic_variants()))
def test_cosmetic_variants_share_every_key(variant):
    text = cosmetic_variants()[variant]
    if (
        variant == "u prefix and escapes"
    ):  # NAME only exists in the variant: compare with its plain spelling
        assert keys(text) == keys(text.replace("u'cnn\\x21'", '"cnn!"'))
        return
    assert text != BASE
    assert keys(text) == keys(BASE)


def test_notebook_cell_splits_and_files_share_the_key(tmp_path):
    blocks = BASE.strip().split("\n\n\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = (
        [nbformat.v4.new_markdown_cell("# 第2周")]
        + [nbformat.v4.new_code_cell(b) for b in blocks]
        + [nbformat.v4.new_code_cell("model = CNN(784, 6, 10)\nprint(get_n_params(model))")]
    )
    nbformat.write(nb, tmp_path / "week2.ipynb")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "models.py").write_text("\n\n\n".join(blocks[:3]))
    (tmp_path / "folder" / "more.py").write_text(
        "from models import *\n" + "\n\n\n".join(blocks[3:])
    )
    (tmp_path / "one.py").write_text(BASE)
    closures = {p: extract_submission(tmp_path / p) for p in ("week2.ipynb", "folder", "one.py")}
    for name in NAMES:
        assert len({code_key(e.closure([name])) for e in closures.values()}) == 1, name


def test_docstring_is_dropped_only_as_first_statement():
    unit = extract([Source("s.py", 'def f():\n    "doc"\n    "kept"\n    return 1\n', "s")]).units[
        0
    ]
    assert "kept" in normal_text(unit) and "doc" not in normal_text(unit)


# -- what stays ordered or exact -----------------------------------------------------------------


def test_definitions_with_effects_keep_their_order():
    """The closure lists C's dependencies in file order: A before B or B before A. Independent
    definitions may swap; two that run code when defined (seed, then draw) may not."""
    user = "class C:\n    def f(self):\n        return A, B\n"
    pure = ("class A:\n    size = 1\n", "class B:\n    size = 2\n")
    effects = ("class A:\n    torch.manual_seed(0)\n", "class B:\n    w = torch.rand(1)\n")
    for (a, b), same in ((pure, True), (effects, False)):
        one = key("import torch\n" + a + b + user, name="C")
        other = key("import torch\n" + b + a + user, name="C")
        assert (one == other) is same


def test_units_binding_the_same_name_keep_their_order():
    f = "def f():\n    return a + b + c\n"  # b is 3, then 2: both units stay (each is last for a name)
    assert key("a, b = 1, 2\nb, c = 3, 4\n" + f, name="f") != key(
        "b, c = 3, 4\na, b = 1, 2\n" + f, name="f"
    )


def test_code_that_can_see_docstrings_or_lines_is_keyed_by_its_exact_text():
    doc = BASE.replace(
        "self.n_feature = n_feature", "self.n_feature = n_feature if self.__doc__ else 1"
    )
    assert key(doc, name="CNN") != key(doc.replace("A small CNN.", "A CNN."), name="CNN")
    src = "import inspect\n\ndef f():\n    return len(inspect.getsource(f))\n"
    assert key(src, name="f") != key(
        src.replace("    return", "    # a comment\n    return"), name="f"
    )
    computed = "def f(self, name):\n    return getattr(self, name)\n"
    assert key(computed, name="f") != key(
        computed.replace("    return", "    # a comment\n    return"), name="f"
    )
    literal = "def f(self):\n    return getattr(self, 'conv1')\n"
    assert key(literal, name="f") == key(literal.replace("def f", "\n# layer\ndef f"), name="f")
