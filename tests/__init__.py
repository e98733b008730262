"""The autograder's tests, a package so that test modules import their helpers like any module.

Import convention (no `sys.path` edits, no `from conftest import`):
* shared helpers: `from tests.helpers import ROOT, run_cli, grade, statuses, ...`;
* a corpus manifest: `from tests.corpus.manifest import CASES, build`;
* another helper module of this folder: `from tests.sharded_class import ...`;
* fixtures (`data_dir`, `cache_dir`, `corpus`) stay in conftest.py, where pytest finds them.
A new folder of tests or test data with Python modules to import (tests/corpus_forms/) gets an
`__init__.py`, like tests/corpus/ and tests/corpus_mistakes/.
"""
