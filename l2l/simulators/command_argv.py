"""The command simulator's argv template: the placeholders it may hold (checked where the simulator is made) and
how a value is filled in, quoted for the shell where an argument is a shell's script: the one place a value
reaches a shell."""

from __future__ import annotations

import os
import re
import shlex
import string
from typing import Any

import numpy as np

from l2l.errors import ConfigError

BUILTIN = {"seed", "workdir", "generation", "individual", "config_dir"}
FIDELITY_BUILTIN = {"budget", "checkpoint_dir"}
#: What each built-in placeholder is, for the message refusing a parameter of the same name.
BUILTIN_MEANING = {"seed": "evaluation seed", "workdir": "working directory of the evaluation",
                    "generation": "generation number", "individual": "individual number",
                    "config_dir": "folder of the config file", "budget": "budget of the segment (multi_fidelity)",
                    "checkpoint_dir": "checkpoint folder of the candidate (multi_fidelity)"}


def format_value(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return ",".join(repr(float(v)) for v in value.reshape(-1))
    if isinstance(value, float):
        return repr(value)
    return str(value)


#: Programs whose ``-c`` argument is a shell script: a value put into it is quoted for the shell (:func:`fill`).
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"})
#: The long options of those shells that take the next argument as their value (bash's ``--rcfile F`` and
#: ``--init-file F``, zsh's ``--emulate sh``): the script's ``-c`` may come after them.
LONG_OPTIONS_WITH_VALUE = frozenset({"--rcfile", "--init-file", "--emulate"})
#: The characters after which a ``#`` starts a shell comment (it must begin a word): blanks and the metacharacters.
_WORD_ENDS = frozenset(" \t\n;&|()<>")


def shell_scripts(argv: tuple) -> set[int]:
    """The indices of the arguments of ``argv`` that a shell reads as its script: the one after ``-c`` (or an option
    cluster with ``c``: ``-ec``, ``-lc``) following a shell (``bash``, ``/bin/sh``; also after ``srun ...``), its
    other options (``-e``, ``-o pipefail``) before it."""
    scripts = set()
    for index, arg in enumerate(argv):
        if os.path.basename(arg) not in SHELLS:
            continue
        option = index + 1
        while option < len(argv) and argv[option][:1] in ("-", "+") and argv[option] not in ("-", "--"):
            # each o or O of a cluster takes the next argument as its option's name: '-eo pipefail' (read as one
            # option before, its script was not seen and its values were not quoted); so does a long option with
            # a value: 'bash --rcfile F -c ...' (F was taken for the script, which was then not seen)
            names = int(argv[option] in LONG_OPTIONS_WITH_VALUE) if argv[option].startswith("--") else \
                sum(char in "oO" for char in argv[option][1:])
            if argv[option][0] == "-" and not argv[option].startswith("--") and "c" in argv[option][1:]:
                script = option + 1 + names
                script += script < len(argv) - 1 and argv[script] == "--"  # 'sh -c -- "..."': the script after it
                if script < len(argv):
                    scripts.add(script)
                break
            option += 1 + names
    return scripts


def fill(template: str, values: dict[str, str], shell: bool) -> str:
    """``template`` with its placeholders replaced by ``values``; in a shell script (``bash -c "..."``) each value
    quoted for where it stands (bare, in double or in single quotes, also inside ``$(...)``), so that the shell reads
    it as the text it is.

    A path or a categorical value with a blank, a quote or a ``$`` was split or run by the shell: a
    ``{checkpoint_dir}`` under an output folder with a blank (``runs/my sweep``) reached the program as two words,
    its state went nowhere, and every segment restarted from scratch without a failure. A value of letters, digits
    and ``_@%+=:,./-`` (every number) is passed as before.
    """
    if not shell:
        return template.format_map(values)
    parts, quoting, previous = [], [""], "\n"  # (the script's start, as a line's, may start a comment)
    for literal, field, _, _ in placeholders(template):
        parts.append(literal)
        quoting = _quoting_after(literal, quoting, previous)
        previous = literal[-1:] or previous
        if field is None:
            continue
        value, previous = values[field], "x"  # (a value is a word, or part of one: no '#' after it starts a comment)
        if quoting[-1] == "#":  # in a comment the shell reads no quote; a line break would end it early
            parts.append(value.replace("\n", " "))
            continue
        if quoting[-1] == "'":
            value = value.replace("'", "'\\''")
        elif quoting[-1] == '"':
            value = re.sub(r'([\\"$`])', r"\\\1", value)
        else:
            value = shlex.quote(value)
        for _ in range(quoting.count("`")):  # the shell takes a backslash off '\\', '\`' and '\$' in `...` first
            value = re.sub(r"([\\`$])", r"\\\1", value)
        parts.append(value)
    return "".join(parts)


def _quoting_after(text: str, quoting: list[str], previous: str = "") -> list[str]:
    """The shell's quoting after ``text``, from the quoting before it: a stack whose top is ``"'"`` or ``'"'``
    inside quotes, ``"#"`` inside a comment (to the line's end), else ``""`` (bare) or ``"("``, ``"`"`` (inside a
    command substitution or parentheses, where quotes start afresh: ``"$(cat "{x}")"``). ``previous``: the
    character before ``text`` ('' for none), by which a ``#`` at its start begins a word (a comment) or not.

    A comment is skipped as the shell skips it: an apostrophe there (``# it's the model``) was taken for an open
    quote, and every value after it was quoted for inside single quotes while the shell read it bare."""
    quoting, escaped = list(quoting), False
    for char in text:
        top = quoting[-1]
        if top == "#":
            if char == "\n":
                quoting.pop()
        elif top == "'":
            if char == "'":
                quoting.pop()
        elif escaped:
            escaped, char = False, "x"  # an escaped '$' starts no '$(', an escaped blank ends no word
        elif char == "\\":
            escaped = True
        elif top == '"':
            if char == '"':
                quoting.pop()
            elif char == "(" and previous == "$":
                quoting.append("(")
            elif char == "`":
                quoting.append("`")
        elif char == "#" and top in ("", "(") and previous in _WORD_ENDS:
            quoting.append("#")
        elif char in "'\"":
            quoting.append(char)
        elif char == "(":
            quoting.append("(")
        elif char == ")" and top == "(":
            quoting.pop()
        elif char == "`":
            if top == "`":
                quoting.pop()
            else:
                quoting.append("`")
        previous = char
    return quoting


def placeholders(arg: str) -> list[tuple[str, str | None, str | None, str | None]]:
    """The parts of one argv template as :meth:`string.Formatter.parse` gives them; ConfigError naming ``arg`` for
    an unpaired brace, where Python's words ("expected '}' before end of string", "Single '}' encountered in format
    string") named neither the argument nor how to write a brace the program should get."""
    try:
        return list(string.Formatter().parse(arg))
    except ValueError:
        raise ConfigError(f"simulator 'command': argument {arg!r} of argv has a brace without its pair: write a "
                          f"placeholder as {{budget}}, and a brace the program should get as {{{{ or }}}}") from None
