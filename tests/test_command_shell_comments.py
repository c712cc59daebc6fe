"""The ``command`` simulator's quoting of values put into a shell script of argv (``bash -c '...'``), found by
helper-137: an apostrophe in a ``#`` comment before a placeholder was taken for an open quote (the value was then
quoted for inside single quotes while the shell read it bare: split at its blanks, its ``$(...)`` run); and
``bash --rcfile F -c '...'`` was not seen as a shell script at all (its values were not quoted)."""

from __future__ import annotations

import pytest

from l2l.simulators.command import Command
from l2l.simulators.command_argv import fill

HOSTILE = "my sweep/it's \"q\" $(echo run) `x` \\ *"
# the raw value comes as $1, an argument of its own; the script prints 1.0 if the placeholder gave the same text
CHECK = 'got={mode}; [ "$got" = "$1" ] && echo 1.0 || echo 2.0'


def _value(tmp_path, argv: list[str]) -> float:
    command = Command(argv=tuple(argv), workdir=str(tmp_path))
    return float(command.run({"mode": HOSTILE}, seed=1).objectives)


@pytest.mark.parametrize("comment", ["# it's the model\n", "true  # don't touch\n", "(: # ' in a subshell\n)\n"])
def test_an_apostrophe_in_a_comment_opens_no_quote(tmp_path, comment):
    # before: 2.0 (the value went in as 'it'\''s ...' unquoted: split, globbed, $(echo run) run)
    assert _value(tmp_path, ["bash", "-c", comment + CHECK, "sh", HOSTILE]) == 1.0


def test_a_hash_inside_a_word_or_quotes_starts_no_comment(tmp_path):
    script = 'a=x#y\'z\'; b="#\'"; c=\\#\'w\'; [ "$a$b$c" = "x#yz#\'#w" ] || exit 3; ' + CHECK
    assert _value(tmp_path, ["bash", "-c", script, "sh", HOSTILE]) == 1.0


def test_a_value_in_a_comment_cannot_end_it():
    # a line break of a value in a comment would have ended it: what follows in the value would have run
    assert fill("# mode {mode}\necho ok", {"mode": "a'b\nrm -rf x"}, True) == "# mode a'b rm -rf x\necho ok"


@pytest.mark.parametrize("options", [["--rcfile", "/dev/null"], ["--init-file", "/dev/null", "--norc"]])
def test_a_shell_started_with_a_long_option_taking_a_value_has_its_script_quoted(tmp_path, options):
    # before: 2.0 (the option's value was taken for the script; the script's value went in unquoted)
    assert _value(tmp_path, ["bash", *options, "-c", CHECK, "sh", HOSTILE]) == 1.0
