"""A newcomer's misspelt word on the command line is answered with the word meant, as a misspelt option is.

``l2l shwo FILE``, ``l2l list optimizer`` and ``l2l plot --kind fitnes`` listed every choice but not the one meant
(an optimizer's or a simulator's misspelt name in a config was already answered 'did you mean'); ``l2l submit -o
run.h5`` (``l2l run`` has ``-o``; sbatch's ``-t``, ``-c``) said only 'unknown option'.
"""

from __future__ import annotations

import pytest

from l2l.cli import main


def _refusal(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and out == "", (argv, out, err)
    assert err.count("\n") == 1 and err.startswith("l2l: error: "), (argv, err)
    return err.rstrip("\n")


@pytest.mark.parametrize("argv, word, meant, prog", [
    (["shwo", "x.h5"], "shwo", "show", "l2l"),
    (["reevalute", "x.h5"], "reevalute", "reevaluate", "l2l"),
    (["list", "optimizer"], "optimizer", "optimizers", "l2l list"),
    (["list", "simulator"], "simulator", "simulators", "l2l list"),
    (["plot", "x.h5", "--kind", "fitnes"], "fitnes", "fitness", "l2l plot"),
    (["export", "x.h5", "--format", "parket"], "parket", "parquet", "l2l export"),
])
def test_a_misspelt_choice_names_the_one_meant(argv, word, meant, prog, capsys):
    line = _refusal(argv, capsys)
    assert f"invalid choice: '{word}' (choose from " in line, line
    assert line.endswith(f"; did you mean '{meant}'? (see '{prog} --help')"), line


def test_a_word_close_to_no_choice_or_to_several_names_none(capsys):
    assert "did you mean" not in _refusal(["xyz", "x.h5"], capsys)
    assert "did you mean" not in _refusal(["re", "x.h5"], capsys)  # resume, report, reevaluate


@pytest.mark.parametrize("command, short, meant", [
    (["submit", "x.toml"], "-o", "--out"),
    (["submit", "x.toml"], "-t", "--time"),
    (["run", "x.toml"], "-w", "--workers"),
    (["show", "x.h5"], "-t", "--top"),
])
def test_a_short_option_the_command_lacks_names_its_long_one(command, short, meant, capsys):
    line = _refusal([*command, short, "1"], capsys)
    assert line == f"l2l: error: unknown option '{short}' (did you mean '{meant}'?) (see 'l2l {command[0]} --help')"


def test_every_option_of_every_command_says_what_it_does():
    """``l2l resume --help`` listed --workers and --no-progress with nothing beside them."""
    import argparse

    from l2l.cli import parser

    commands = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    silent = [f"l2l {name} {action.option_strings[-1]}" for name, command in commands.items()
              for action in command._actions if action.option_strings and not action.help]
    assert silent == []


@pytest.mark.parametrize("given, seconds", [("2h", "7200"), ("90m", "5400"), ("1:30:00", "5400"), ("30:00", "1800"),
                                            ("1-12", "129600"), ("1-2:30", "95400")])
@pytest.mark.parametrize("command", [["run", "x.toml"], ["resume", "x.h5"]])
def test_a_max_time_with_a_unit_or_slurms_clock_says_its_seconds(command, given, seconds, capsys):
    """``--max-time 2h`` (or SLURM's ``--time`` format, which l2l submit takes) said "invalid float value" only."""
    line = _refusal([*command, "--max-time", given], capsys)
    assert line == (f"l2l: error: argument --max-time: is in seconds: '{given}' is {seconds} "
                    f"(see 'l2l {command[0]} --help')"), line


def test_a_max_time_in_seconds_is_taken_and_a_word_refused_as_before(capsys):
    from l2l.cli import _seconds

    assert _seconds("3600") == 3600.0 and _seconds("1e3") == 1000.0
    assert _refusal(["run", "x.toml", "--max-time", "abc"], capsys) == \
        "l2l: error: argument --max-time: invalid float value: 'abc' (see 'l2l run --help')"
