"""The Python API given bad arguments: one l2l error line naming the argument, before any file is made or changed;
numpy's numbers taken where a number is meant.

Found by fuzzing every public function (scripts/fuzz_python_api.py): ``l2l.run(config, out, on_generation=3)`` or
``control=3`` created the run's file, ran its first generation and left the file behind with ``TypeError: 'int'
object is not callable`` from inside the loop; ``l2l.load(3)``, ``l2l.resume(None)`` and the like raised pathlib's
TypeError, which names no argument, and a bytes path was refused; ``l2l.run(config, bogus=1)`` raised Python's
TypeError; ``generations=np.int64(3)``, a ``np.int64`` bound or a numpy count in a config mapping were refused as no
integer; an array as run.mode raised numpy's "truth value of an array is ambiguous"; ``l2l.Space(3)`` raised
``TypeError: 'int' object is not iterable``; ``workers=`` on a serial run said "use --backend local".
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from folder_copies import copy_as_working_directory, file_hashes

import l2l
import l2l.plot
from l2l.analysis.export import export


def _bowl(params, seed):
    return float(params["x"]) ** 2


def _config(**run) -> dict:
    return {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
            "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1, **run},
            "backend": {"name": "serial"}}


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    return l2l.run(_config(), tmp_path_factory.mktemp("made") / "run.h5", simulator=_bowl)


@pytest.fixture
def folder(made, tmp_path, monkeypatch) -> Path:
    """A folder holding a copy of the finished run as run.h5, the working directory of the call."""
    return copy_as_working_directory(made, tmp_path, monkeypatch)


#: (call on the run file "run.h5" in the working directory, words the one-line refusal holds). Each raised
#: Python's own error from inside the call before (or created out.h5 and left it: the on_generation and control
#: cases).
REFUSED = {
    "load(3)": (lambda: l2l.load(3), "path must be a file's path (a str or pathlib.Path), got int 3"),
    "load(None)": (lambda: l2l.load(None), "path must be a file's path (a str or pathlib.Path), got NoneType None"),
    "validate([path])": (lambda: l2l.validate(["run.h5"]), "path must be a file's path"),
    "Trajectory(1.5)": (lambda: l2l.Trajectory(1.5), "path must be a file's path"),
    "load_config(None)": (lambda: l2l.load_config(None), "path must be a file's path"),
    "load_config(run.h5)": (lambda: l2l.load_config("run.h5"), "run.h5 is an HDF5 file (a run's trajectory?), not a "
                                                               "TOML config file; l2l.resume(\"run.h5\") continues"),
    "resume(3)": (lambda: l2l.resume(3), "path must be a file's path"),
    "resume('')": (lambda: l2l.resume(""), "path must name a file, got ''"),
    "resume(bogus=)": (lambda: l2l.resume("run.h5", bogus=1), "l2l.resume has no argument 'bogus'; it takes "
                                                               "generations, evaluations,"),
    "resume(nothing_to_do=3)": (lambda: l2l.resume("run.h5", nothing_to_do=3, simulator=_bowl),
                                "nothing_to_do must be a function (or None), got int 3"),
    "resume(backend=[])": (lambda: l2l.resume("run.h5", backend=["local"], simulator=_bowl),
                           "backend= must be a backend's name, e.g. 'local', got list ['local']"),
    "resume(workers=) serial": (lambda: l2l.resume("run.h5", generations=2, workers=2, simulator=_bowl),
                                "workers= does not apply to backend 'serial': it runs one evaluation at a time in "
                                "this process; use backend=\"local\" for parallel workers"),
    "run(bogus=)": (lambda: l2l.run(_config(), "out.h5", simulator=_bowl, bogus=1),
                    "l2l.run has no argument 'bogus'; it takes progress, on_generation, on_evaluation, control, "
                    "simulator"),
    "run(progres=)": (lambda: l2l.run(_config(), "out.h5", simulator=_bowl, progres=True),
                      "l2l.run has no argument 'progres' (did you mean 'progress'?)"),
    "run(on_generation=3)": (lambda: l2l.run(_config(), "out.h5", simulator=_bowl, on_generation=3),
                             "on_generation must be a function (or None), got int 3"),
    "run(control=3)": (lambda: l2l.run(_config(), "out.h5", simulator=_bowl, control=3),
                       "control must be an l2l.RunControl() (or None), got int 3"),
    "run(progress=array)": (lambda: l2l.run(_config(), "out.h5", simulator=_bowl, progress=np.array([1, 2])),
                            "progress must be True or False, got list [1, 2]"),
    "run(out=3)": (lambda: l2l.run(_config(), 3, simulator=_bowl), "out must be a file's path"),
    "from_mapping(base_dir=3)": (lambda: l2l.from_mapping(_config(), 3), "base_dir must be a file's path"),
    "from_mapping(run.mode=array)": (lambda: l2l.from_mapping(_config(mode=np.array([1, 2]))),
                                     "run.mode must be one of ('generational', 'async'), got [1, 2]"),
    "Space(3)": (lambda: l2l.Space(3), "Space takes a list of parameters (l2l.Float, l2l.Int, l2l.Categorical), "
                                       "got int 3"),
    "Space(['x'])": (lambda: l2l.Space(["x"]), "Space takes a list of parameters (l2l.Float, l2l.Int, "
                                               "l2l.Categorical), got str 'x'"),
    "Int(low=None)": (lambda: l2l.Int("n", low=None, high=3), "parameter 'n': low must be an integer, got None"),
    "export(out=3)": (lambda: export("run.h5", "csv", 3), "out must be a file's path (a str or pathlib.Path), "
                                                           "got int 3"),
    "best(3)": (lambda: l2l.best(3), "l2l.best and l2l.front take a run's file"),
    "plot.overview(None)": (lambda: l2l.plot.overview(None), "cannot plot a NoneType"),
}

#: Refusals of a wrong type or an argument the function does not take: TypeErrors too, as Python's were.
WRONG_TYPES = {"load(3)", "load(None)", "resume(bogus=)", "run(bogus=)", "run(on_generation=3)", "Space(3)",
               "best(3)", "plot.overview(None)", "resume(backend=[])", "from_mapping(base_dir=3)"}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_bad_argument_is_refused_in_one_line_naming_it_and_nothing_is_made_or_changed(folder, name):
    call, words = REFUSED[name]
    before = file_hashes(folder)
    with pytest.raises(l2l.ConfigError) as raised:
        call()
    text = str(raised.value)
    assert words in text, text
    assert "\n" not in text and not re.search(r"(^|[ '(])--?[a-z]", text), text  # Python's words, one line
    assert file_hashes(folder) == before  # out.h5 was left behind by on_generation=3 and control=3
    if name in WRONG_TYPES:  # what Python code catches for a wrong type stays caught
        assert isinstance(raised.value, TypeError)


def test_bytes_and_path_like_paths_name_the_file(folder):
    raw = os.fsencode(folder / "run.h5")
    assert len(l2l.load(raw)) == len(l2l.load(Path("run.h5"))) == len(l2l.load(np.str_("run.h5"))) == 2
    assert l2l.validate(raw) == [] and l2l.best(raw).params == l2l.best("run.h5").params
    assert export(raw, "csv", os.fsencode(folder / "evaluations.csv")) == folder / "evaluations.csv"


def test_numpy_numbers_are_taken_where_a_number_is_meant(folder):
    config = _config(generations=np.int64(3), seed=np.uint32(7), reevaluate={"top": np.int8(1), "seeds": np.int64(2)})
    config["optimizer"]["population_size"] = np.int64(3)
    config["space"]["x"] = {"low": np.float32(-1.0), "high": np.int64(1)}
    config["space"]["n"] = {"type": "int", "low": np.int16(0), "high": np.int64(4)}
    config["space"]["c"] = {"type": "categorical", "choices": np.array(["a", "b"])}
    config["space"]["w"] = {"low": 0.0, "high": 1.0, "shape": np.array([2])}
    read = l2l.from_mapping(config)
    assert (read.generations, read.seed, read.reevaluate) == (3, 7, {"top": 1, "seeds": 2})
    assert read.space["c"].choices == ("a", "b") and read.space["w"].shape == (2,)
    json.dumps(read.to_json())  # plain numbers, as the run's file stores them
    space = l2l.Space([l2l.Float("x", low=np.int64(0), high=np.int64(2), log=np.bool_(False)),
                       l2l.Int("n", low=np.int64(1), high=np.float64(3.0))])
    assert space["x"].high == 2.0 and space["n"].high == 3

    path = l2l.resume(b"run.h5", generations=np.int64(3), simulator=_bowl, progress=np.bool_(False))
    assert path == Path("run.h5") and l2l.load(path)["generation"].max() == 2
