import pytest

from autograder import cli
from conftest import run_cli


@pytest.mark.parametrize("verb", ["grade", "calibrate", "stubs"])
def test_every_verb_has_help(verb):
    result = run_cli(verb, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


def test_bad_arguments_exit_2_with_a_message(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.run(["grade", "x.py", "--out", "o", "--shard", "5/2"])
    assert exc.value.code == 2
    assert "1 <= I <= N" in capsys.readouterr().err
