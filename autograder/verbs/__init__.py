"""One module per CLI verb, each with main(*, ...) taking keyword-only options. A verb imports no
other verb: what two verbs share lives in a lower module (e.g. reports/outputs.py)."""

EXIT_OK, EXIT_GRADER_ERROR = 0, 2
"""A verb's exit status: 0 when it did its job (whatever the scores), 2 when the grader could not
(cli.py adds 2 for usage errors and 3 for a bug in the grader)."""
