"""The Python API's plotting, export, report and re-evaluation calls given bad arguments: one l2l error line naming
the argument, before anything is read, rendered or written; numpy's numbers and texts taken where they are meant.

Found by scripts/fuzz_python_api.py: ``l2l.plot.save(fig, "a.png", dpi=0)`` failed in matplotlib, ``fig=3`` with an
AttributeError, ``path=3`` with pathlib's TypeError; ``export``, ``report`` and ``reevaluate`` given a path of the
wrong type, ``''`` or a NUL byte raised pathlib's or os.stat's TypeError/ValueError; ``export(format=[...])`` said
"unhashable type"; ``plot.parameters(top=1.5)``, ``plot.fitness(objectives=3)``, ``plot.compare(3)`` and
``plot.figure(path, bogus=1)`` raised TypeErrors; an array as ``Objective(direction=)``, ``load(reevaluations=)``
or ``reevaluate(objective=)`` raised numpy's "truth value is ambiguous"; ``evaluation_seed(None, 0, 0)`` drew a
random seed and ``evaluation_seed(1, "3", 0)`` took the text; ``report(path, force="3")`` rendered the report (a
minute on a busy machine) as if ``force=True``; ``l2l.resume``, ``reevaluate`` and ``l2l.load_config`` of a path
with a NUL printed the raw NUL.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from folder_copies import copy_as_working_directory, file_hashes

import l2l
import l2l.plot
from l2l.analysis.export import export
from l2l.analysis.report import report
from l2l.errors import L2LError
from l2l.reevaluate import reevaluate


def _bowl(params, seed):
    return float(params["x"]) ** 2


def _config() -> dict:
    return {"space": {"x": {"low": -1.0, "high": 1.0}, "y": {"low": -1.0, "high": 1.0}}, "simulator": "python",
            "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1},
            "backend": {"name": "serial"}}


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    return l2l.run(_config(), tmp_path_factory.mktemp("made") / "run.h5", simulator=_bowl)


@pytest.fixture(scope="module")
def fig(made):
    return l2l.plot.failures(made)


@pytest.fixture
def folder(made, tmp_path, monkeypatch) -> Path:
    """A folder holding a copy of the finished run as run.h5, the working directory of the call."""
    return copy_as_working_directory(made, tmp_path, monkeypatch)


ARRAY = np.array([1, 2])
FILE_PATH = "path must be a file's path (a str or pathlib.Path), got"

#: (call, given the Figure ``fig``, in a folder holding run.h5; words its one-line refusal holds; a TypeError too,
#: as Python's was). Each raised Python's, numpy's or matplotlib's own error from inside the call before.
REFUSED = {
    "save(dpi=0)": (lambda fig: l2l.plot.save(fig, "a.png", dpi=0),
                    "dpi must be an integer from 20 to 1200 (dots per inch), got 0", False),
    "save(dpi=nan)": (lambda fig: l2l.plot.save(fig, "a.png", dpi=float("nan")),
                      "dpi must be an integer from 20 to 1200 (dots per inch), got float nan", True),
    "save(dpi='3')": (lambda fig: l2l.plot.save(fig, "a.svg", dpi="3"), "dpi must be an integer", True),
    "save(fig=3)": (lambda fig: l2l.plot.save(3, "a.png"), "fig must be a matplotlib Figure", True),
    "save(path=3)": (lambda fig: l2l.plot.save(fig, 3), f"{FILE_PATH} int 3", True),
    "save(overwrite='no')": (lambda fig: l2l.plot.save(fig, "a.png", overwrite="no"),
                             "overwrite must be True or False, got str 'no'", True),
    "report(dpi=0)": (lambda fig: report("run.h5", dpi=0), "dpi must be an integer from 20 to 1200", False),
    "report(force='3')": (lambda fig: report("run.h5", force="3"), "force must be True or False, got str '3'", True),
    "report(3)": (lambda fig: report(3), f"{FILE_PATH} int 3", True),
    "report('')": (lambda fig: report(""), "path must name a file, got ''", True),
    "report(NUL)": (lambda fig: report("ru\0n.h5"), r"'ru\x00n.h5' is no file name: it holds a NUL byte", False),
    "export(None)": (lambda fig: export(None, "csv"), f"{FILE_PATH} NoneType None", True),
    "export('')": (lambda fig: export("", "csv"), "path must name a file, got ''", True),
    "export(NUL)": (lambda fig: export("ru\0n.h5", "csv"), r"'ru\x00n.h5' is no file name", False),
    "export(format=[])": (lambda fig: export("run.h5", ["csv"]), "format= must be one of csv, parquet, got ['csv']",
                          False),
    "export(segments=array)": (lambda fig: export("run.h5", "csv", segments=ARRAY),
                               "segments must be True or False, got list [1, 2]", True),
    "reevaluate(3)": (lambda fig: reevaluate(3, 1, 1, simulator=_bowl), f"{FILE_PATH} int 3", True),
    "reevaluate(objective=array)": (lambda fig: reevaluate("run.h5", 1, 1, simulator=_bowl, objective=ARRAY),
                                    "reevaluate: objective must be an objective's name (or None), got list", True),
    "evaluation_seed(None)": (lambda fig: l2l.evaluation_seed(None, 0, 0),
                              "evaluation_seed: run_seed must be an integer >= 0, got NoneType None", True),
    "evaluation_seed(generation='3')": (lambda fig: l2l.evaluation_seed(1, "3", 0),
                                        "evaluation_seed: generation must be an integer >= 0, got str '3'", True),
    "evaluation_seed(individual=1.5)": (lambda fig: l2l.evaluation_seed(1, 0, 1.5), "individual must be an", True),
    "parameters(top=1.5)": (lambda fig: l2l.plot.parameters("run.h5", top=1.5),
                            "top must be an integer >= 1 (how many parameters to show), got float 1.5", True),
    "scatter(top='3')": (lambda fig: l2l.plot.scatter("run.h5", top="3"), "top must be an integer >= 1", True),
    "parameters(top=-1)": (lambda fig: l2l.plot.parameters("run.h5", top=-1), "top must be an integer >= 1", True),
    "fitness(objectives=3)": (lambda fig: l2l.plot.fitness("run.h5", objectives=3),
                              "objectives must be a list of objectives' names (or one name, or None), got int 3",
                              True),
    "overview(objective=array)": (lambda fig: l2l.plot.overview("run.h5", objective=ARRAY),
                                  "objective must be an objective's name (or None), got list [1, 2]", True),
    "compare(3)": (lambda fig: l2l.plot.compare(3), "sources must be a list of trajectories (their paths), got int 3",
                   True),
    "compare('run.h5')": (lambda fig: l2l.plot.compare("run.h5"), "sources must be a list of trajectories", True),
    "compare_table(3)": (lambda fig: l2l.plot.compare_table(3), "sources must be a list of trajectories", True),
    "figure(bogus=1)": (lambda fig: l2l.plot.figure("run.h5", "parameters", bogus=1),
                        "l2l.plot.figure(kind='parameters') has no option 'bogus'; it takes objective, top", True),
    "figure(kind=[])": (lambda fig: l2l.plot.figure("run.h5", kind=["fitness"]), "unknown plot kind ['fitness']",
                        False),
    "Objective(direction=array)": (lambda fig: l2l.Objective("x", direction=ARRAY),
                                   "objective 'x': direction must be one of ('minimize', 'maximize'), got array",
                                   False),
    "load(reevaluations=array)": (lambda fig: l2l.load("run.h5", reevaluations=ARRAY),
                                  "reevaluations must be True or False, got list [1, 2]", True),
    "resume(NUL)": (lambda fig: l2l.resume("ru\0n.h5", simulator=_bowl), r"ru\x00n.h5: no such file", False),
    "reevaluate(NUL)": (lambda fig: reevaluate("ru\0n.h5", 1, 1, simulator=_bowl), r"ru\x00n.h5: no such file",
                        False),
    "load_config(NUL)": (lambda fig: l2l.load_config("ru\0n.toml"), r"config file ru\x00n.toml does not exist",
                         False),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_bad_argument_is_refused_in_one_line_naming_it_and_nothing_is_made_or_changed(folder, fig, name):
    call, words, wrong_type = REFUSED[name]
    before = file_hashes(folder)
    with pytest.raises(L2LError) as raised:
        call(fig)
    text = str(raised.value)
    assert words in text, text
    assert text.isprintable(), text  # one line, no raw NUL
    assert not re.search(r"(^|[ '(])--?[a-z]", text), text  # Python's words, not the command line's
    assert file_hashes(folder) == before
    if wrong_type:  # what Python code catches for a wrong type is caught
        assert isinstance(raised.value, TypeError)


def test_numpy_values_are_taken_where_they_are_meant(folder, fig):
    assert l2l.plot.save(fig, "a.svg", dpi=np.int64(50), overwrite=np.bool_(True)) == Path("a.svg")
    assert l2l.evaluation_seed(np.int64(1), np.uint8(0), 0) == l2l.evaluation_seed(1, 0, 0)
    assert len(l2l.plot.figure("run.h5", "parameters", top=np.int64(1)).axes) == 2  # one panel and its colour bar
    assert l2l.plot.compare(np.array(["run.h5", "run.h5"])) is not None
    assert l2l.plot.fitness("run.h5", objectives=np.str_("value")) is not None  # one name, not letter by letter
    assert l2l.Objective("x", direction=np.str_("maximize")).sign == 1.0
    assert len(l2l.load("run.h5", segments=np.bool_(False))) == 2
