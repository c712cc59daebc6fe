"""How a message names what the user gave: the command line's option, or the Python call's argument.

``l2l.run``, ``l2l.resume``, ``l2l.reevaluate.reevaluate``, the figures of :mod:`l2l.plot` and the writers of
:mod:`l2l.analysis` are the code the commands run too. Their refusals used to speak to the command line alone: a
Python caller read "choose another --out" or "add --force", and a run of a Python function was told to go on with
``l2l resume FILE``, which cannot pass a function. A message names an option through :func:`option` and suggests
a command through :func:`call`; both look the words up in the tables below. The command line says it is the one
speaking (:func:`command_line`, around every command :func:`l2l.cli.main` runs); any other caller is Python::

    option("out")                    # '--out'            | 'out='
    option("force")                  # '--force'          | 'force=True'
    option("format", "csv")          # '--format csv'     | 'format="csv"'
    call("resume", "run.h5", compute=Placeholder("N"))
    # 'l2l resume run.h5 --compute N' | 'l2l.resume("run.h5", compute=N)'
"""

from __future__ import annotations

import contextlib
import keyword
from typing import Any, Iterator, Mapping

from l2l.errors import command

#: A message's name of an argument -> (the Python call's argument, the command line's option), where the option
#: is not the argument's name after ``--`` with ``-`` for ``_`` (``max_time``: ``--max-time``). ``output`` is
#: the file the analysis commands write: ``-o`` there, ``out=`` in :func:`l2l.analysis.export.export`,
#: :func:`l2l.analysis.report.report`; ``figure_path`` and ``overwrite``: :func:`l2l.plot.save`'s, the
#: ``plot`` and ``compare`` commands' ``-o`` and ``--force``; ``objectives``: :func:`l2l.plot.compare`'s list, the
#: ``compare`` command's ``--objective`` (one name).
OPTIONS: dict[str, tuple[str, str]] = {"output": ("out", "-o"), "figure_path": ("path", "-o"),
                                       "overwrite": ("overwrite", "--force"),
                                       "objectives": ("objectives", "--objective")}

#: Arguments that are switches: ``--force`` on the command line, ``force=True`` from Python.
SWITCHES = frozenset({"force", "overwrite", "drop_unreadable", "segments", "once"})

#: How a value of an option reads from Python where ``name=value`` would not say it: a plot kind is a function
#: of :mod:`l2l.plot` (``--kind fitness``: ``l2l.plot.fitness``); the objective ``l2l compare --objective NAME``
#: draws is a list of one (``objectives=["NAME"]``).
PYTHON_VALUES = {"kind": "l2l.plot.{value}", "objectives": 'objectives=["{value}"]'}

#: A command -> the Python function that does what it does.
CALLS = {"run": "l2l.run", "resume": "l2l.resume", "reevaluate": "l2l.reevaluate.reevaluate",
         "validate": "l2l.validate", "export": "l2l.analysis.export.export",
         "report": "l2l.analysis.report.report", "plot": "l2l.plot.figure"}

_said_on_command_line = False


class Placeholder(str):
    """A value a message leaves to the user (``N``, ``G``): written as it is, neither quoted nor repr'd."""


@contextlib.contextmanager
def command_line() -> Iterator[None]:
    """Messages made inside name the command line's options and commands (``l2l COMMAND``), not Python's."""
    global _said_on_command_line
    before, _said_on_command_line = _said_on_command_line, True
    try:
        yield
    finally:
        _said_on_command_line = before


def on_command_line() -> bool:
    """True inside :func:`command_line`: the user typed a command, not a Python call."""
    return _said_on_command_line


def _python_value(value: Any) -> str:
    """``value`` as Python code: a text (or path) in double quotes, so that a message may put the call in single
    quotes as it does a command (``'l2l.resume("run.h5")'``)."""
    if isinstance(value, Placeholder):
        return str(value)
    text = str(value) if hasattr(value, "__fspath__") else value
    if isinstance(text, str) and '"' not in text and "\\" not in text and text.isprintable():
        return f'"{text}"'
    return repr(text)


def option(name: str, *value: Any) -> str:
    """The argument ``name`` (its Python name) as the user gave it, with its ``value`` if one is given:
    ``--max-time`` or ``max_time=``, ``--format csv`` or ``format="csv"``, ``--force`` or ``force=True``."""
    python, flag = OPTIONS.get(name, (name, "--" + name.replace("_", "-")))
    if _said_on_command_line:
        return " ".join([flag, *(command(v) for v in value)])
    if value and name in PYTHON_VALUES:
        return PYTHON_VALUES[name].format(value=value[0])
    if name in SWITCHES:
        return f"{python}=True"
    return f"{python}={_python_value(value[0])}" if value else f"{python}="


def named(name: str) -> str:
    """The command ``name`` as the user ran it: ``l2l reevaluate``, or from Python ``l2l.reevaluate.reevaluate``."""
    return f"l2l {name}" if _said_on_command_line else CALLS[name]


def passed_as(simulator: Any) -> str:
    """What a Python call passes again as ``simulator=`` for a run whose simulator was a function given to l2l.run
    (``simulator``: the stored simulator table, or its options): the function's name as the run stored it
    (``bowl`` of ``__main__:bowl``), so that the call pastes into the notebook that defined it; ``function`` where
    it has no name of its own (a lambda) or its name is not what the notebook calls it: a method (``Sim.evaluate``
    of ``sim.evaluate``: the object's name is not stored), a functools.partial or a callable object (stored by its
    type's name, :func:`l2l.simulators.python.describe_callable`; ``simulator=partial`` pasted passed
    functools.partial itself, ``simulator=Sim`` the class); '' for any other simulator. A function defined inside
    another (``main.<locals>.bowl``) keeps its name, which the function that defined it knows it by."""
    if not isinstance(simulator, Mapping) or not simulator.get("callable"):
        return ""
    module, _, qualname = str(simulator.get("function") or "").rpartition(":")
    *outer, name = qualname.split(".")
    if outer and outer[-1] != "<locals>":  # a method (of a class, or of an object the file does not name)
        return "function"
    if (module, qualname) == ("functools", "partial"):  # a partial, as runs before session 43 stored it
        return "function"
    return name if name.isidentifier() and not keyword.iskeyword(name) else "function"


def call(name: str, *arguments: Any, function: bool | str = False, python: bool = False, **options: Any) -> str:
    """What to run for the command ``name`` on ``arguments`` with ``options`` (Python names; True: a switch):
    ``l2l resume run.h5 --compute 40``, or from Python ``l2l.resume("run.h5", compute=40)``; ``function``: the
    run's simulator was a Python function, which its Python call must pass again (``simulator=bowl``: its name,
    :func:`passed_as`; True: ``simulator=function``); ``python``: the Python call, even where the command line
    speaks (what ``l2l resume`` of a function's run says to run from Python instead)."""
    if _said_on_command_line and not python:
        words: list[Any] = ["l2l", name, *arguments]
        for key, value in options.items():
            words += [OPTIONS.get(key, (key, "--" + key.replace("_", "-")))[1]] + ([] if value is True else [value])
        return " ".join(word if isinstance(word, Placeholder) else command(word) for word in words)
    given = [_python_value(a) for a in arguments]
    given += [f"{OPTIONS.get(key, (key,))[0]}={_python_value(value)}" for key, value in options.items()]
    if function:
        given.append(f"simulator={function if isinstance(function, str) else 'function'}")
    return f"{CALLS[name]}({', '.join(given)})"
