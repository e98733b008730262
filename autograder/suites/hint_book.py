"""The assignment's hints module, as the hints read it.

What is particular to an assignment (its names, and the texts for mistakes that only its parts
invite) is in the assignment's hints module (`Assignment.hints`, autograder/assignment.py), which
this module reads through `_book()`: the current assignment's, unless `use(module)` chose another
(the self-check file registers its vendored copy so). That module is standard library only (the
self-check file ships it) and may define, each optional:

* `PARAMS`: dict, a handout name -> tuple of its parameter names (a constructor's without self):
  the definitions the grader looks for. A class with another name whose constructor takes these
  parameters is taken for the handout's class.
* `SIGNATURES`: dict, a handout name -> its signature as shown, e.g. 'Net(input_size, n_hidden,
  output_size)'; derived from PARAMS where absent. A definition named here is never taken for
  a misnamed other one.
* `CLASSES`: tuple of the names in PARAMS that are classes (the others are functions).
* `ALIASES`: dict, a handout name -> tuple of other names students give it (spelling variants
  are found without it, by similarity).
* Hooks, each returning its text or None (then this module's generic text is used):
  - `matmul(name, got, want) -> str | None`: a Linear of the model `name` (None: unknown) got
    `got` input features per sample but takes `want`;
  - `flatten_size(name, what, want) -> str | None`: the model's flattened size is wrong; `what`
    says how (already worded), `want` is the Linear's in_features where known (else None);
  - `not_defined(missing_name, facts) -> str | None`: a NameError for `missing_name`, checked
    before the generic explanations (facts: extract/facts.py's, {} where none);
  - `parameters(name, params) -> str | None`: a known mistake visible in the parameter shapes of
    the built model `name` ([name, shape, ...] rows); there is no generic text for this.

An assignment without a hints module (`hints=None`) has no names and no hooks: every hint is the
generic one.
"""

from __future__ import annotations

from types import ModuleType

_UNSET = object()
_chosen: object = _UNSET
"""The hints module chosen by use(), or None for none; _UNSET: the current assignment's."""


def use(module: ModuleType | None | object = _UNSET) -> None:
    """Read names and hooks from `module` (None: no hints module) instead of the current
    assignment's; `use()` goes back to the current assignment's."""
    global _chosen
    _chosen = module


def current() -> ModuleType | None:
    """The assignment's hints module (or None): the one use() chose, else the current assignment's."""
    if _chosen is not _UNSET:
        return _chosen
    # Imported here: the declaration imports the assignment's grader-side modules, which the
    # self-check file does not carry (it registers its hints module with use() instead).
    from autograder.assignment import load

    return load().hints


def params() -> dict:
    return getattr(current(), "PARAMS", None) or {}


def signatures() -> dict:
    book = current()
    declared = getattr(book, "SIGNATURES", None)
    if declared is not None:
        return declared
    return {name: f"{name}({', '.join(args)})" for name, args in params().items()}


def classes() -> tuple:
    return tuple(getattr(current(), "CLASSES", None) or ())


def aliases() -> dict:
    return getattr(current(), "ALIASES", None) or {}


def hook(name: str, *args) -> str | None:
    """The assignment's hook `name` called on args, or None where it defines none."""
    hook = getattr(current(), name, None)
    return hook(*args) if callable(hook) else None


def at(info: dict | None) -> str:
    """'（lab2.py 第 12 行）' for a place in the submission."""
    if not info or not info.get("origin"):
        return ""
    line = f" 第 {info['line']} 行" if info.get("line") else ""
    return f"（{info['origin']}{line}）"


def facts_of(facts: dict | None) -> dict:
    return facts or {}
