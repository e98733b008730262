"""The autograder's tests, a package so that test modules import their helpers like any module.

Import convention (no `sys.path` edits, no `from conftest import`):
* shared helpers: `from tests.helpers import ROOT, run_cli, grade, statuses, ...`;
* a corpus manifest: `from tests.corpus.manifest import CASES, build` (each corpus folder is a
  package with an `__init__.py`);
* another helper module of this folder: `from tests.sharded_class import ...`;
* fixtures (`data_dir`, `cache_dir`, `corpus`) stay in conftest.py, where pytest finds them.
"""
