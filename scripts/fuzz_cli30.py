"""Fuzz the inputs of sessions 26-29 from the command line and the Python API, each case in its own process.

The rule for bad input: one line naming the problem, exit status 2, nothing already computed lost; no traceback, no
hang. Cases: ``l2l checkpoint FILE [--trial N] [-o OUT] [--force]``, ``l2l export --reevaluations/--provenance``,
``l2l resume --stop-after-failures N``, ``run.stop_after_failures``, ``run.initial_points`` (wrong types, NaN, inf,
huge lists, nested tables, strings for numbers, booleans for ints, categorical values of other types, array-shaped
parameters), ``[[objectives]]`` naming a simulator's output with the other side or no side, every ``[policy]``
option of pbt (pb2 is its ``explore``) and model-based, ``l2l watch``, ``l2l submit --dry-run`` options,
``l2l reevaluate`` options, ``l2l plot --kind curves``, ``l2l compare``, ``l2l report``; ``l2l.run``, ``l2l.load``,
``l2l.checkpoint`` and ``l2l.resume`` with wrong types; and files: a trajectory truncated at random bytes, a folder
given as a file, another program's HDF5 (two: unrelated datasets, and one with l2l's group names). Permission
cases are left out when run as root (root reads any file).

Each case runs ``python -m l2l ...`` (or a short Python script that prints an ``L2LError`` as ``l2l: error: ...``
and exits 2) in a fresh folder holding copies of the input files it names, with a time limit, and is classified: ok
(exit 0), refused (exit 2, one line ``l2l: error: ...``), and the defects: traceback, hang, multiline (exit 2 in
several lines), other-exit (neither 0 nor 2; 1 from ``l2l validate`` is its answer), accepted (exit 0 where the
input must be refused), changed (an input file changed or removed, where the case may not change it: any refused
case, and every read-only command), unclear (a one-line refusal in Python's words, "'int' object is not iterable",
that names no problem of the input).
The random part (values drawn for options and keys) comes from ``--seed``. The session 26 harness this builds on is
tests/file_corruptions.py (its base run of every parameter kind and its random damage); scripts/fuzz_python_api.py
runs its cases at import and so cannot be imported. Usage::

    PYTHONPATH=. nice -n 19 python scripts/fuzz_cli30.py [--seed N] [--sample N] [--jobs N] [--only WORD,WORD]

Exit status 1 if any case is a defect; the last line is one JSON object of the counts.
Session 30 (helper-220), 08:05-08:20 at load ~20: ``--sample 250`` (seed 30) before the fixes of 7ef0614 (HEAD
4d47359) 5 defects (4 unclear: l2l.load(columns=0 / [1] / np.int64(-1) / object()) said 'FILE: cannot read the
evaluations: ...' or 'no column 1'; 1 accepted: run.initial_points x = ["0.5", "0"], strings for an array-shaped
parameter's numbers, l2l/initial_points.py), after: 1 (the latter, left to its owner); ``--only
columns=,--cpus,initial_points x=`` (49 cases) 15 -> 1 (l2l submit --cpus 99999999999999999999999 was written into the
script). The first full run (951 cases, about 23 minutes on two shared cores, an earlier draft of the
classification) found no traceback, hang, multi-line refusal, wrong exit status or changed input file: every file of
the list (truncated at 6 random bytes, damaged 4 ways by file_corruptions, a folder, another program's HDF5, empty,
text) is refused by every command in one line. All 959 cases take about an hour at load ~20: use --sample there.
Session 32 (helper-250) added session 31's options (76 cases, 1,035 in all): ``same_everywhere`` of every policy,
``learn_from_stopped`` of gp, tpe and random under asha/successive-halving/median-stopping, brian2's ``debug_log``
(a small Brian2 model), a time limit among slurm's ``job_extra_directives``, and ``l2l submit`` options given blank,
``--sbatch`` time limits, ``--python`` paths and ``--out`` under a file. At load 1-16: ``--seed 3201 --sample 150``
(2 jobs, about 3 minutes) 0 defects (18 ok, 132 refused); ``--only`` over the new cases and every submit option
(106 cases, about 4 minutes) 0 defects once the expectation of ``model-based same_everywhere = false`` (taken: the
default) was corrected.
Session 33 (helper-264) added sessions 31-32's options and commands (86 cases and 11 of sweep.h5, 1,164 in all):
``[backend] dashboard`` (local, slurm, and where it is no option), ``l2l show`` of sweeps with learning curves
(kind ``sweep``: the run, then its show, which must hold an early-stop line where expect is ``work``; NaN, inf,
flat, top-only, sparse, fractional, misnamed curves, 1-3 candidates, budgets 1..1, 1..2, 1..200, every evaluation
failed), ``l2l.agreement`` of a sweep, a config in a folder of its own run from its parent (kind ``sub``: relative
python path, brian2 cache_dir, dask scheduler_file, slurm log_directory, run.out), pbt beside an integer width
(``keep``, pb2, a width of one value, categorical and float widths, nested and list checkpoints), and ``l2l
validate`` of every file above and of a sparse 3 GB file, a run with a 2 GB hole or 1 MB of junk after it, a FIFO,
a link to itself, one byte, a folder, /dev/null and /dev/zero (made in the case's folder; snapshot reads no FIFO
and no file over 64 MiB). New classes: ``rejected`` (refused what must work), ``silent`` (no early-stop line).
``--seed 3300 --only dashboard,sweep,sub/,pbt width,validate,agreement`` (116 cases, about 12 minutes at load
16-27) before the fixes: 1 defect of the product (slurm log_directory inside a file: --dry-run said valid, the run
ended as its cluster started; refused as the config is read since 8f96ea0), 2 tracebacks of another helper's
half-written l2l/summary/table.py (NameError, gone a minute later), and fuzzer expectations corrected (sweep.h5
readable; an all-failed sweep's exit 1; dask's 'waiting up to N s' line; a model beside the working folder found
on sys.path, which python -m l2l starts with). ``--seed 3301``, same cases, after: 0 defects (ok 87, refused 29).
By hand from those sweeps: a flat sweep's early-stop line read '(rank correlation of all with 9: )' (fixed in
3a5c068). ``--seed 3302 --sample 120`` over all 1,164 cases (about 5 minutes at load ~20): 0 defects (ok 26,
refused 94).
Session 34 (helper-277) added session 33's options and calls (209 cases, 1,362 in all): run.inherit (values, and
functions that cannot continue: no checkpoint parameter, none returned, some or all failing, a 2.4 MB checkpoint;
beside ga, cmaes, async, a target, run.evaluations, initial_points, reevaluate, a policy, no fidelity), run.timeout,
run.target and run.max_time values, the slurm backend's walltime, lifetime, lifetime_stagger and lifetime_restart
(--dry-run), the python simulator's checkpoint_limit_mb (in a config and beside a function), l2l.lineage's members
and curves on a PBT run and of runs without lineage, and the figures l2l show (its best table's first row) and
l2l compare (its best value) print of runs whose values are of one magnitude (1e-300 to 1e300, offsets that leave
differences in the 9th digit, -0.0; minimized and maximized), against l2l.best's: a new class ``wrong``. Runs whose
every evaluation failed, or no candidate reached the top budget as segments failed (exit 1, documented), count as
their answer for ``toml`` cases too. ``--seed 3400 --sample 120`` over the 1,153 cases first (about 3 minutes at
load 1-9): 0 defects (ok 23, refused 97). ``--seed 3405 --only`` the new cases (about 14 minutes at load 13-22,
l2l.lineage already fixed): 6 flagged as accepted: run.inherit = 1e-300 (0.5, 1e-300 or 2.5 of whole epochs were
rounded unsaid; refused since 762d379), slurm lifetime = "00:00:00" and "0" (Dask reads 0 as no lifetime: refused
since 762d379), slurm walltime = "999999999999-00" (SLURM's own limit, which sbatch --test-only checks as a run
starts: expectation corrected) and 2 of the fuzzer's own model (a function reading a parameter the space lacked);
by hand before the fix, l2l.lineage(members=3 / ['a'] / [None] / object()) ended in TypeError, members=[999] gave
an empty frame and curves='no' the curves (fixed in 762d379). No figure of l2l show or l2l compare was wrong (38
runs of 19 magnitudes). ``--seed 3406``, same cases, after (about 25 minutes at load 13-23): ok 102, refused 106,
and the walltime case, flagged before its expectation was corrected; no other. ``--seed 3401 --sample 120`` over
all 1,362 after (about 11 minutes at load 17-20): 0 defects (ok 29, refused 91); ``--seed 3402 --sample 120``
(about 6 minutes): 0 defects (ok 24, refused 96).
Session 35 (helper-298, fuzz35): ``--seed 3500 --sample 30 --jobs 1`` and ``--seed 3504 --sample 30 --jobs 1`` at load
~35 (about 12 minutes each): 0 defects (ok 4, refused 26; ok 5, refused 25).
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import file_corruptions  # noqa: E402  (the session 26 file harness: base run and random damage)

BASE = """[run]
name = "base"
seed = 1
generations = 2
{run}
[space]
x = {{low = -1.0, high = 1.0, shape = [2]}}
y = {{type = "int", low = 0, high = 4}}
[optimizer]
name = "{optimizer}"
population_size = 4
[simulator]
name = "sphere"
[backend]
name = "serial"
{extra}
"""
CAT = """[run]
name = "cat"
seed = 1
generations = 2
{run}
[space]
x = {{low = -1.0, high = 1.0, shape = [2]}}
k = {{type = "int", low = 0, high = 4}}
c = {{type = "categorical", choices = ["a", "bb", 3]}}
[optimizer]
name = "random"
population_size = 4
[simulator]
name = "python"
function = "cat_model:f"
path = "."
[backend]
name = "serial"
"""
PBT = """[run]
name = "pbt"
seed = 0
compute = {compute}
{run}
[space]
learning_rate = {{ type = "float", low = 0.001, high = 0.3, log = true }}
momentum = {{ type = "float", low = 0.05, high = 0.95, log = true }}
[optimizer]
name = "random"
[policy]
name = "{policy}"
{policy_options}
[simulator]
name = "noisy-sgd"
max_budget = 20
[backend]
name = "serial"
{extra}
"""
BRIAN2 = """[run]
name = "brian"
seed = 1
generations = 1
[space]
rate = {{low = 5.0, high = 20.0}}
[optimizer]
name = "random"
population_size = 2
[simulator]
name = "brian2"
function = "brian_model:f"
path = "."
{options}
[backend]
name = "serial"
"""
BRIAN2_MODEL = ("def f(brian2, params, seed):\n    group = brian2.PoissonGroup(5, params['rate'] * brian2.Hz)\n"
                "    monitor = brian2.SpikeMonitor(group)\n    brian2.run(50 * brian2.ms)\n"
                "    return float(monitor.num_spikes)\n")
CAT_MODEL = "def f(params, seed):\n    return float(sum(params['x'] ** 2) + params['k'])\n"
#: Session 33: sweeps whose function declares a fidelity and returns its curve (l2l show's early-stop line and
#: l2l.agreement read them), each variant an odd curve; and a network whose width is an integer parameter (pbt's
#: keep and its width warning).
SWEEP_MODEL = """import math
import numpy as np
from l2l.simulators import SimulationResult
def _curve(x, budget, start=1):
    return [[e, (1 - x) + 27 * x / e ** 2] for e in range(start, int(budget) + 1)]
def plain(params, seed, budget, checkpoint=None):
    c = _curve(params["x"], budget)
    return SimulationResult(objectives={"loss": c[-1][1]}, curve={"loss": c})
def nan_curve(params, seed, budget, checkpoint=None):
    c = _curve(params["x"], budget)
    c[0][1] = float("nan")
    return SimulationResult(objectives={"loss": c[-1][1]}, curve={"loss": c})
def flat(params, seed, budget, checkpoint=None):
    return SimulationResult(objectives={"loss": 1.0}, curve={"loss": [[e, 1.0] for e in range(1, int(budget) + 1)]})
def top_only(params, seed, budget, checkpoint=None):
    c = _curve(params["x"], budget)
    return SimulationResult(objectives={"loss": c[-1][1]}, curve={"loss": c[-1:]})
def some_fail(params, seed, budget, checkpoint=None):
    if params["x"] > 0.5:
        raise ValueError("diverged")
    return plain(params, seed, budget)
def all_fail(params, seed, budget, checkpoint=None):
    raise ValueError("diverged")
def fractional(params, seed, budget, checkpoint=None):
    c = [[t, (1 - params["x"]) + params["x"] / t] for t in np.linspace(0.1, float(budget), 7)]
    return SimulationResult(objectives={"loss": c[-1][1]}, curve={"loss": c})
def other_name(params, seed, budget, checkpoint=None):
    c = _curve(params["x"], budget)
    return SimulationResult(objectives={"loss": c[-1][1]}, curve={"acc": c})
def inf_curve(params, seed, budget, checkpoint=None):
    c = _curve(params["x"], budget)
    c[0][1] = float("inf")
    return SimulationResult(objectives={"loss": c[-1][1]}, curve={"loss": c})
def sparse(params, seed, budget, checkpoint=None):
    c = [p for p in _curve(params["x"], budget) if p[0] in (1, int(budget))]
    return SimulationResult(objectives={"loss": c[-1][1]}, curve={"loss": c})
def width(params, seed, budget, checkpoint=None):
    hidden = int(params["hidden"])
    if checkpoint is None:
        done, w = 0, np.random.default_rng(seed).normal(size=(3, hidden))
    else:
        done, w = int(checkpoint["epoch"]), np.array(checkpoint["weights"])
    c = []
    for e in range(done + 1, int(budget) + 1):
        w = w * (1 - params["lr"])
        c.append([e, float(np.mean(w ** 2))])
    return SimulationResult(objectives={"loss": c[-1][1]}, curve={"loss": c},
                            checkpoint={"epoch": int(budget), "weights": w})
def width_nested(params, seed, budget, checkpoint=None):
    r = width(params, seed, budget, None if checkpoint is None else {"epoch": checkpoint["epoch"],
                                                                     "weights": checkpoint["net"]["layer"]})
    return SimulationResult(objectives=r.objectives, curve=r.curve,
                            checkpoint={"epoch": int(budget), "net": {"layer": r.checkpoint["weights"]}})
def no_param(params, seed, budget):
    return plain(params, seed, budget)
def big_checkpoint(params, seed, budget, checkpoint=None):
    r = width(params, seed, budget, None if checkpoint is None else {"epoch": checkpoint["epoch"],
                                                                     "weights": checkpoint["weights"]})
    return SimulationResult(objectives=r.objectives, curve=r.curve,
                            checkpoint={"epoch": int(budget), "weights": r.checkpoint["weights"],
                                        "pad": np.zeros(300_000)})
def sometimes_none(params, seed, budget, checkpoint=None):
    r = width(params, seed, budget, checkpoint)
    return r if params["lr"] < 0.2 else SimulationResult(objectives=r.objectives, curve=r.curve)
def width_list(params, seed, budget, checkpoint=None):
    r = width(params, seed, budget, None if checkpoint is None else {"epoch": checkpoint["epoch"],
                                                                     "weights": np.array(checkpoint["weights"])})
    return SimulationResult(objectives=r.objectives, curve=r.curve,
                            checkpoint={"epoch": int(budget), "weights": r.checkpoint["weights"].tolist()})
"""
SWEEP = """[run]
name = "sweep"
seed = {seed}
generations = 1
[space]
x = {{type = "float", low = 0.0, high = 1.0}}
[optimizer]
name = "random"
population_size = {n}
[simulator]
name = "python"
function = "sweep_model:{fn}"
path = "."
multi_fidelity = {{name = "epochs", minimum = {low}, maximum = {high}{integer}}}
[[objectives]]
name = "loss"
direction = "{direction}"
[backend]
name = "serial"
"""
WIDTH = """[run]
name = "width"
seed = {seed}
compute = 32
[space]
lr = {{type = "float", low = 0.01, high = 0.5, log = true}}
hidden = {hidden}
[optimizer]
name = "random"
population_size = 4
[policy]
name = "pbt"
interval = 2
{options}
[simulator]
name = "python"
function = "sweep_model:{fn}"
path = "."
multi_fidelity = {{name = "epochs", minimum = 1, maximum = 8}}
[[objectives]]
name = "loss"
direction = "minimize"
[backend]
name = "serial"
"""
WRAP = """import sys
import numpy as np
import l2l
from l2l.errors import L2LError
def f(params, seed):
    return float(np.sum(np.asarray(params['x'], dtype=float) ** 2))
def cfg(**run):
    return {{"space": {{"x": {{"low": -1.0, "high": 1.0, "shape": [2]}}, "y": {{"type": "int", "low": 0, "high": 4}},
                      "c": {{"type": "categorical", "choices": ["a", "b"]}}}},
            "simulator": "python", "optimizer": {{"name": "random", "population_size": 2}},
            "run": {{"generations": 1, "seed": 1, **run}}, "backend": {{"name": "serial"}}}}
try:
    {code}
except L2LError as exc:
    print("l2l: error: " + str(exc), file=sys.stderr)
    sys.exit(2)
"""


#: Session 34: run.inherit over a sweep model's functions (sweep_model.py), generations of 4.
INHERIT = """[run]
name = "inherit"
seed = {seed}
generations = 3
inherit = {inherit}
{run}
[space]
lr = {{type = "float", low = 0.01, high = 0.5, log = true}}
hidden = {{type = "int", low = 2, high = 8}}
x = {{type = "float", low = 0.0, high = 1.0}}
[optimizer]
name = "{optimizer}"
population_size = 4
[simulator]
name = "python"
function = "sweep_model:{fn}"
path = "."
multi_fidelity = {{name = "epochs", minimum = 1, maximum = 9}}
{simulator}
[[objectives]]
name = "loss"
direction = "minimize"
[backend]
name = "serial"
"""
#: Session 34: the figures l2l show and l2l compare print of a run whose values are of one magnitude (scale x
#: in [-1, 1] plus offset), against l2l.best's; ``main`` exits 3 with '(fuzzer) WRONG ...' where one differs.
NUMBERS_CHECK = """import subprocess, sys
import l2l
def main(scale, offset, direction="minimize"):
    config = l2l.from_mapping({"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
                               "optimizer": {"name": "random", "population_size": 4},
                               "run": {"generations": 2, "seed": 1}, "backend": {"name": "serial"},
                               "objectives": [{"name": "value", "direction": direction}]})
    path = l2l.run(config, "n.h5", simulator=lambda params, seed: offset + scale * float(params["x"]), progress=False)
    best = l2l.best(path).objectives["value"]
    said = {}
    show = subprocess.run([sys.executable, "-m", "l2l", "show", path], capture_output=True, text=True).stdout
    lines = show.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("best "))
    said["l2l show's first row"] = lines[head + 2].split()[2]
    compare = subprocess.run([sys.executable, "-m", "l2l", "compare", path, "-o", "o.png"], capture_output=True,
                             text=True).stdout.splitlines()
    header = next(line for line in compare if "best value" in line)
    end = header.index("best value") + len("best value")
    said["l2l compare's best value"] = compare[compare.index(header) + 1][:end].split()[-1]
    for where, text in said.items():
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not abs(value - best) <= 1e-5 * abs(best) + 1e-300:
            print(f"l2l: error: (fuzzer) WRONG {where} {text!r}, l2l.best's {best!r}", file=sys.stderr)
            sys.exit(3)
"""


def build_inputs(folder: Path) -> None:
    """The files every case starts from (a copy each): runs, a config, damaged and foreign files, a folder."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def l2l(*argv: str) -> None:
        subprocess.run([sys.executable, "-m", "l2l", *argv], cwd=folder, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (folder / "cfg.toml").write_text(BASE.format(run="", optimizer="random", extra=""))
    (folder / "sub.toml").write_text(BASE.format(run="", optimizer="random", extra="").replace('"base"', '"sub"'))
    (folder / "pbt.toml").write_text(PBT.format(compute=80, run="", policy="pbt",
                                                policy_options="population = 4\ninterval = 5", extra=""))
    (folder / "cat_model.py").write_text(CAT_MODEL)
    (folder / "brian_model.py").write_text(BRIAN2_MODEL)
    (folder / "sweep_model.py").write_text(SWEEP_MODEL)
    (folder / "numbers_check.py").write_text(NUMBERS_CHECK)
    (folder / "sweep.toml").write_text(SWEEP.format(seed=1, n=12, fn="plain", low=1, high=9, integer="",
                                                    direction="minimize"))
    l2l("run", "sweep.toml", "--out", "sweep.h5")
    l2l("run", "cfg.toml", "--out", "base.h5")
    l2l("run", "pbt.toml", "--out", "pbt.h5")
    shutil.copy(folder / "base.h5", folder / "reev.h5")
    l2l("reevaluate", "reev.h5", "--top", "1", "--seeds", "2")
    (folder / "hostile").mkdir()
    hostile = file_corruptions.build_base(folder / "hostile")  # every parameter kind, traces, failures (session 26)
    for i in range(4):
        file_corruptions.random_case(hostile, 300 + i, folder / f"damaged{i}.h5")
    (folder / "dir.h5").mkdir()
    with h5py.File(folder / "foreign.h5", "w") as f:  # another program's HDF5
        f["data"] = np.arange(10.0)
        f.attrs["creator"] = "someone else"
    with h5py.File(folder / "foreign_l2l_names.h5", "w") as f:  # another program that happens to use our names
        f["evaluations/x"] = np.arange(3.0)
        f["config"] = "not json"
        f.attrs["format"] = "l2l-trajectory"
    rng = random.Random(12345)
    data = (folder / "base.h5").read_bytes()
    for i in range(6):
        (folder / f"trunc{i}.h5").write_bytes(data[:rng.randrange(0, len(data))])
    (folder / "empty.h5").write_bytes(b"")
    (folder / "text.h5").write_text("hello\n")
    (folder / "exists.npz").write_bytes(b"keep me")
    (folder / "exists.csv").write_text("keep me\n")


def snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for p in folder.rglob("*"):
        rel = str(p.relative_to(folder))
        if p.is_symlink() or not p.is_file():  # (a FIFO is no file: reading it waits for a writer)
            out[rel] = "/"
        elif p.stat().st_size > 64 * 2 ** 20:  # a sparse file of gigabytes: its size and time
            out[rel] = f"{p.stat().st_size}:{p.stat().st_mtime_ns}"
        else:
            out[rel] = hashlib.md5(p.read_bytes()).hexdigest()
    return out


def _prepare(name: str, folder: Path) -> None:
    """Session 33's odd files for ``l2l validate``, made in the case's folder (a copy of gigabytes would not be
    sparse): a sparse 3 GB file of zeros, a run followed by a hole to 2 GB, a run followed by 1 MB of junk, a FIFO
    (no writer: reading it waits), a link to itself, a single byte, and a folder holding a run."""
    base = folder.parent / "inputs" / "base.h5"
    target = folder / name
    if name == "sparse3g.h5":
        with open(target, "wb") as f:
            f.truncate(3 * 2 ** 30)
    elif name == "holey.h5":
        shutil.copy2(base, target)
        os.truncate(target, 2 * 2 ** 30)
    elif name == "tail.h5":
        target.write_bytes(base.read_bytes() + os.urandom(2 ** 20))
    elif name == "fifo.h5":
        os.mkfifo(target)
    elif name == "loop.h5":
        os.symlink(name, target)
    elif name == "byte.h5":
        target.write_bytes(b"\x89")
    elif name == "runs":
        target.mkdir()
        shutil.copy2(base, target / "base.h5")


ODD_FILES = ("sparse3g.h5", "holey.h5", "tail.h5", "fifo.h5", "loop.h5", "byte.h5", "runs")


# -- the cases: (label, kind, argv or code, expect, writable) ----------------------------------------------------
# kind "cli": argv of l2l; "py": a Python statement; "toml": (file name, text) then l2l run it into out.h5.
# expect: "refuse" (must be exit 2), "either" (ok or refused). writable: input files a successful case may change.
Case = tuple  # (label, kind, payload, expect, writable)

BAD_INTS = ["-1", "0", "1.5", "nan", "inf", "-inf", "abc", "", "1e400", "99999999999999999999999", "0x10", " 3",
            "true", "None", "[1]", "1_0", "-0", "é", "-"]
BAD_FLOATS = ["-1", "0", "nan", "inf", "-inf", "abc", "", "1e400", "1e-400", "true", "[1]", "-0.0"]
RUN_FILES = ["base.h5", "pbt.h5", "reev.h5", "sweep.h5", "dir.h5", "foreign.h5", "foreign_l2l_names.h5", "empty.h5", "text.h5",
             "nope.h5", "cfg.toml", "hostile/base.h5"] + [f"trunc{i}.h5" for i in range(6)] \
    + [f"damaged{i}.h5" for i in range(4)]
READ_ONLY = ("show", "validate", "plot", "compare", "report", "watch", "export", "checkpoint", "submit")


def cli_cases(rng: random.Random) -> list[Case]:
    cases: list[Case] = []

    def add(argv: list[str], expect: str = "refuse", writable: tuple = ()):
        # a value that starts with '-' goes as --option=VALUE (argparse reads it as an option otherwise)
        for i in range(len(argv) - 1, 1, -1):
            if argv[i].startswith("-") and argv[i] not in ("-", "--force") and argv[i - 1].startswith("-") \
                    and argv[i - 1] not in ("--force", "--once", "--reevaluations", "--provenance", "--segments",
                                            "--dry-run"):
                argv[i - 1:i + 1] = [f"{argv[i - 1]}={argv[i]}"]
        cases.append((" ".join(argv), "cli", argv, expect, writable))
    # files of every kind to every reader
    for f in RUN_FILES:
        readable = f in ("base.h5", "pbt.h5", "reev.h5", "sweep.h5", "hostile/base.h5") or f.startswith("damaged")
        ok = "either" if readable else "refuse"
        add(["checkpoint", f, "-o", "out.npz"], "either" if f == "pbt.h5" else "refuse")
        add(["export", f, "--reevaluations", "-o", "o.csv"], "either" if f == "reev.h5" else "refuse")
        add(["export", f, "--provenance", "-o", "o.csv"], ok)
        add(["plot", f, "--kind", "curves", "-o", "o.png"], "either" if f in ("pbt.h5", "sweep.h5") else "refuse")
        add(["report", f, "-o", "o.html"], ok)
        add(["watch", f, "--once"], ok)
        add(["compare", f, "base.h5", "-o", "o.png"], ok)
        add(["resume", f, "--stop-after-failures", "3"], ok, (f,))
        add(["reevaluate", f, "--top", "1", "--seeds", "1"], ok, (f,))
        add(["show", f], ok)
        add(["validate", f], ok)  # (exit 1 is validate's answer for a damaged file)
    # option values
    for v in BAD_INTS:
        add(["checkpoint", "pbt.h5", "--trial", v, "-o", "out.npz"], "either" if v in ("0", "-0", " 3") else "refuse")
        add(["resume", "base.h5", "--stop-after-failures", v], "either" if v in ("0", "-0", " 3", "1_0") else "refuse",
            ("base.h5",))
        add(["reevaluate", "base.h5", "--top", v, "--seeds", "1"],
            "either" if v in (" 3", "1_0", "99999999999999999999999") else "refuse",
            ("base.h5",))
        add(["reevaluate", "base.h5", "--top", "1", "--seeds", v], "either" if v in (" 3", "1_0") else "refuse",
            ("base.h5",))
        add(["reevaluate", "base.h5", "--workers", v], "either" if v in (" 3", "1_0", "0", "-0") else "refuse",
            ("base.h5",))
        add(["submit", "sub.toml", "--dry-run", "--cpus", v], "either" if v in (" 3", "1_0") else "refuse")
    for v in BAD_FLOATS:
        add(["watch", "base.h5", "--once", "--interval", v])
        add(["submit", "sub.toml", "--dry-run", "--signal-seconds", v])
        add(["submit", "sub.toml", "--dry-run", "--stop-grace", v])
        add(["plot", "pbt.h5", "--kind", "curves", "--dpi", v, "-o", "o.png"])
        add(["compare", "base.h5", "pbt.h5", "--dpi", v, "-o", "o.png"])
        add(["report", "base.h5", "--dpi", v, "-o", "o.html"])
    for trial in ["0", "1", "6", "7", "1000", str(2 ** 63), str(-2 ** 63 - 1)]:
        add(["checkpoint", "pbt.h5", "--trial", trial, "-o", "out.npz"], "either")
    for v in ["00:00:00", "-1", "abc", "1-25:00:00", "99999:00:00", "", "1:60:00", "0"]:
        add(["submit", "sub.toml", "--dry-run", "--time", v], "either")
    for v in ["0", "-1G", "8X", "", "abc", "1e9G"]:
        add(["submit", "sub.toml", "--dry-run", "--mem", v], "either")
    for opt, v in [("--partition", "a b"), ("--partition", ""), ("--account", "x;rm -rf /"), ("--sbatch", "--qos"),
                   ("--sbatch", "qos=long"), ("--sbatch", "--output=/x"), ("--sbatch", "--array=1-3"),
                   ("--prologue", "module load $(whoami)"), ("--prologue", "a\nb"), ("--python", ""),
                   ("--python", "no such python"), ("--python", "dir.h5"), ("--out", "dir.h5"), ("--out", "base.h5"),
                   ("--out", "o.csv"), ("--out", "")]:
        add(["submit", "sub.toml", "--dry-run", opt, v], "either")
    # session 31's submit checks: an option given empty or blank, a time limit among --sbatch, --python a path,
    # --out a file where a folder must be
    for opt, v, expect in [("--partition", " ", "refuse"), ("--account", "", "refuse"), ("--prologue", "", "refuse"),
                           ("--sbatch", "", "refuse"), ("--sbatch", "-t1", "refuse"), ("--sbatch", "--time=1", "refuse"),
                           ("--sbatch", "-t 5", "refuse"), ("--sbatch", "--time", "refuse"),
                           ("--python", ".venv/bin/python", "either"), ("--python", "~/py/bin/python", "either"),
                           ("--python", " ", "refuse"), ("--python", "python3", "either"),
                           ("--out", "sub.toml/run.h5", "refuse"), ("--out", "cfg.toml", "refuse"),
                           ("--out", "base.h5/x.h5", "refuse"), ("--mem", " ", "refuse"), ("--time", " ", "refuse")]:
        add(["submit", "sub.toml", "--dry-run", opt, v], expect)
    for cfg in ["base.h5", "dir.h5", "nope.toml", "foreign.h5", "text.h5"]:
        add(["submit", cfg, "--dry-run"], "refuse")
    # outputs onto inputs, existing files, folders: nothing computed may be lost
    for argv in (["checkpoint", "pbt.h5", "-o", "pbt.h5", "--force"], ["checkpoint", "pbt.h5", "-o", "exists.npz"],
                 ["checkpoint", "pbt.h5", "-o", "dir.h5"], ["checkpoint", "pbt.h5", "-o", "exists.npz/x.npz"],
                 ["checkpoint", "pbt.h5", "-o", "base.h5"], ["checkpoint", "pbt.h5", "-o", "cfg.toml", "--force"],
                 ["checkpoint", "pbt.h5", "-o", ""], ["checkpoint", "pbt.h5", "-o", "nodir/x.npz"],
                 ["export", "reev.h5", "--reevaluations", "-o", "reev.h5", "--force"],
                 ["export", "reev.h5", "--provenance", "-o", "reev.h5", "--force"],
                 ["export", "base.h5", "--provenance", "-o", "exists.csv"],
                 ["export", "base.h5", "--reevaluations", "--provenance", "-o", "o.csv"],
                 ["export", "reev.h5", "--reevaluations", "--segments", "-o", "o.csv"],
                 ["export", "reev.h5", "--reevaluations", "--format", "parquet", "-o", "o.csv"],
                 ["report", "base.h5", "-o", "base.h5", "--force"], ["report", "base.h5", "-o", "dir.h5", "--force"],
                 ["plot", "pbt.h5", "--kind", "curves", "-o", "pbt.h5", "--force"],
                 ["plot", "pbt.h5", "--kind", "curves", "-o", "o.txt"],
                 ["plot", "pbt.h5", "--kind", "curves", "--objective", "nope", "-o", "o.png"],
                 ["plot", "base.h5", "--kind", "curves", "--objective", "", "-o", "o.png"],
                 ["compare", "base.h5", "base.h5", "-o", "base.h5", "--force"],
                 ["compare", "base.h5", "pbt.h5", "--objective", "nope", "-o", "o.png"],
                 ["compare", "base.h5", "-o", "o.png"], ["compare", "-o", "o.png"],
                 ["compare", "base.h5", "dir.h5", "-o", "o.png"], ["compare", "base.h5", "trunc3.h5", "-o", "o.png"],
                 ["watch", "nope.h5", "--once"], ["watch", "dir.h5", "--once", "--interval", "0.5"]):
        either = (["checkpoint", "pbt.h5", "-o", "nodir/x.npz"], ["compare", "base.h5", "-o", "o.png"])
        add(argv, "either" if argv in either else "refuse")
    # random combinations of options and values
    values = BAD_INTS + BAD_FLOATS + ["base.h5", "dir.h5", "--force", "-h"]
    commands = {"checkpoint": ["--trial", "-o"], "export": ["--reevaluations", "--provenance", "--segments", "-o",
                                                             "--format"],
                "resume": ["--stop-after-failures", "--generations", "--evaluations", "--compute", "--max-time",
                           "--workers"],
                "reevaluate": ["--top", "--seeds", "--objective", "--workers", "--backend"],
                "watch": ["--interval", "--once"], "plot": ["--kind", "--objective", "--dpi", "-o"],
                "report": ["--dpi", "-o"], "compare": ["--objective", "--dpi", "-o"]}
    flags = {"--reevaluations", "--provenance", "--segments", "--once", "--force"}
    for _ in range(60):
        command = rng.choice(sorted(commands))
        source = rng.choice(["base.h5", "pbt.h5", "reev.h5"])
        argv = [command, source] + (["base.h5"] if command == "compare" else [])
        for opt in rng.sample(commands[command], rng.randint(1, min(3, len(commands[command])))):
            argv += [opt] if opt in flags else [opt, rng.choice(values)]
        if command == "watch" and "--once" not in argv:
            argv.append("--once")
        if command in ("plot", "report", "compare", "export") and "-o" not in argv:
            argv += ["-o", {"plot": "o.png", "report": "o.html", "compare": "o.png", "export": "o.csv"}[command]]
        add(argv, "either", (source,) if command in ("resume", "reevaluate") else ())
    return cases


def point(**values) -> str:
    return "{" + ", ".join(f"{k} = {v}" for k, v in values.items()) + "}"


def toml_cases(rng: random.Random) -> list[Case]:
    cases: list[Case] = []

    def add(label: str, text: str, expect: str = "refuse"):
        cases.append((label, "toml", text, expect, ()))
    good = {"x": "[0.5, -0.5]", "y": "2"}
    bad_x = ["0.5", "[0.5]", "[0.5, -0.5, 0.1]", "[nan, 0.0]", "[inf, 0.0]", "[2.0, 0.0]", '["0.5", "0"]',
             "[true, false]", "[[0.5], [0.5]]", "{a = 1}", '"[0.5, -0.5]"', "[]", "[0.5, -inf]"]
    bad_y = ["2.5", '"2"', "true", "nan", "inf", "-1", "5", "[2]", "{a = 2}", "9999999999999999999", "2.0", "1e3"]
    for v in bad_x:
        add(f"initial_points x={v}", BASE.format(run=f"initial_points = [{point(**{**good, 'x': v})}]",
                                                 optimizer="random", extra=""))
    for v in bad_y:
        add(f"initial_points y={v}", BASE.format(run=f"initial_points = [{point(**{**good, 'y': v})}]",
                                                 optimizer="random", extra=""),
            "either" if v == "2.0" else "refuse")
    for label, v in [("number", "3"), ("string", '"x"'), ("table", "{x = [0.5, 0.5], y = 1}"), ("bool", "true"),
                     ("list of numbers", "[1, 2]"), ("list of lists", "[[1, 2]]"), ("empty", "[]"),
                     ("nested table", f"[{{p = {point(**good)}}}]"), ("extra key", f"[{point(**good, z=1)}]"),
                     ("missing key", "[{x = [0.5, 0.5]}]"), ("huge", "[" + ", ".join([point(**good)] * 5000) + "]"),
                     ("mixed", f"[{point(**good)}, 3]")]:
        add(f"initial_points {label}", BASE.format(run=f"initial_points = {v}", optimizer="random", extra=""),
            "either" if label in ("empty", "huge") else "refuse")
    for opt in ("tpe", "gp", "grid", "cmaes", "ga"):
        add(f"initial_points with {opt}", BASE.format(run=f"initial_points = [{point(**good)}]", optimizer=opt,
                                                       extra=""), "either")
    for v in ['"0.01"', "true", "nan", "[0.01]", "0.5", "-0.01", "{v = 0.01}", "0"]:
        add(f"initial_points pbt learning_rate={v}",
            PBT.format(compute=80, run=f"initial_points = [{point(learning_rate=v, momentum=0.5)}]", policy="pbt",
                       policy_options="population = 4\ninterval = 5", extra=""))
    add("initial_points under model-based",
        PBT.format(compute=200, run=f"initial_points = [{point(learning_rate=0.01, momentum=0.5)}]",
                   policy="model-based", policy_options="", extra=""))
    for v in ['"a"', "3", "3.0", "true", '"3"', "nan", "[1]", '"c"', '"bb "']:
        pt = "{x = [0.5, 0.5], k = 1, c = " + v + "}"
        add(f"initial_points categorical c={v}", CAT.format(run=f"initial_points = [{pt}]"),
            "either" if v in ('"a"', "3") else "refuse")
    for v in ["-1", "1.5", '"3"', "true", "nan", "inf", "[3]", "{a = 1}", "99999999999999999999", "0", "3"]:
        add(f"stop_after_failures={v}", BASE.format(run=f"stop_after_failures = {v}", optimizer="random", extra=""),
            "either" if v in ("0", "3") else "refuse")
    # [[objectives]] on a simulator whose output has a side (noisy-sgd's loss: minimize)
    for text, expect in [('name = "loss"\ndirection = "maximize"', "refuse"), ('name = "loss"', "either"),
                         ('name = "loss"\ndirection = "minimize"', "either"),
                         ('name = "loss"\ndirection = "up"', "refuse"),
                         ('name = "loss"\ndirection = 1', "refuse"), ('name = "loss"\ndirection = ""', "refuse"),
                         ('name = "loss"\ndirection = "Minimize"', "either"), ('name = "nope"', "refuse"),
                         ('name = 3', "refuse"), ('name = ""', "refuse"), ('direction = "minimize"', "refuse"),
                         ('name = "loss"\nweight = -1', "refuse"), ('name = "loss"\nbogus = 1', "refuse")]:
        add(f"objectives {text!r}", PBT.format(compute=80, run="", policy="pbt", policy_options="population = 4",
                                               extra="[[objectives]]\n" + text), expect)
    add("objectives twice", PBT.format(compute=80, run="", policy="pbt", policy_options="population = 4",
                                       extra='[[objectives]]\nname = "loss"\n[[objectives]]\nname = "loss"'))
    add("objectives a string", PBT.format(compute=80, run="", policy="pbt", policy_options="population = 4",
                                          extra="").replace("[run]", 'objectives = "loss"\n[run]'), "either")
    # every [policy] option of pbt (pb2 is its explore) and model-based
    pbt_opts = {"population": ["1", "0", "-3", "2.5", '"4"', "true", "nan", "100000000", "[4]"],
                "interval": ["-1", "nan", "inf", '"5"', "true", "100", "0.0001", "[5]"],
                "max_budget": ["-1", "nan", "inf", '"20"', "true", "1000", "0.5"],
                "fraction": ["0", "0.6", "-0.1", "nan", '"0.25"', "true", "1"],
                "selection": ['"best"', "1", "true", '""', '["truncation"]'],
                "explore": ['"pb3"', "1", '"PB2"', '""', '["pb2"]'],
                "factors": ["[]", "[0]", "[-1]", "[nan]", "[inf]", '["a"]', "1.2", "[[1.2]]", "[true]", "{a = 1}"],
                "keep": ['["nope"]', '"learning_rate"', "[1]", '["learning_rate", "momentum"]', "[[\"momentum\"]]"],
                "burn_in": ["-1", "nan", "inf", "100", '"5"'],
                "resample_probability": ["-0.1", "1.5", "nan", '"0.2"', "true"],
                "synchronous": ['"yes"', "1", "0", "[true]"],
                "bogus": ["1"]}
    def pbt_options(key: str, v: str, explore: str = "") -> str:
        options = {"population": "4", "interval": "5", **({"explore": explore} if explore else {}), key: v}
        return "\n".join(f"{k} = {value}" for k, value in options.items())
    for key, vals in pbt_opts.items():
        for v in vals:
            add(f"pbt {key}={v}", PBT.format(compute=80, run="", policy="pbt", policy_options=pbt_options(key, v),
                                             extra=""),
                "either" if (key, v) in (("keep", '["learning_rate", "momentum"]'),) else "refuse")
    for key in pbt_opts:
        if key in ("explore", "bogus"):
            continue
        v = rng.choice(pbt_opts[key])
        add(f"pb2 {key}={v}", PBT.format(compute=80, run="", policy="pbt", extra="",
                                         policy_options=pbt_options(key, v, '"pb2"')),
            "either" if key == "keep" and "momentum" in v and "[[" not in v else "refuse")
    mb_opts = {"eta": ["1", "0.5", "nan", "inf", '"3"', "true"], "min_budget": ["-1", "nan", "30", '"1"'],
               "max_budget": ["-1", "nan", "inf", "1000"], "brackets": ["-1", "1.5", '"2"', "nan"],
               "random_fraction": ["-0.1", "1.1", "nan"], "refine_fraction": ["2", "nan"],
               "candidates": ["0", "10001", "1.5"], "top_fraction": ["0", "1", "nan"], "samples": ["0", "nan"],
               "prior_agreement": ["-1", "2"], "model": ['"gp"', "1", '""', '["tpe"]'],
               "repeats": ["0", "1.5", "nan"], "repeat_share": ["-1", "2"], "probe_weight": ["nan", "2"],
               "race": ["0", "-1"], "exploit_share": ["1.5", "nan"], "endgame_results": ["-1", "1000001", "nan"],
               "agreement_confidence": ["-1", "nan", "inf"], "probe_first": ['"no"', "1"],
               "early_race": ['"yes"', "0"], "screening": ["2"], "pooled_ranks": ['"false"'],
               "extrapolate": ["[true]"], "population": ["4"], "max_candidates": ["5"]}
    for key, vals in mb_opts.items():
        for v in vals:
            add(f"model-based {key}={v}", PBT.format(compute=200, run="", policy="model-based",
                                                     policy_options=f"{key} = {v}", extra=""))
    # session 31's options: same_everywhere (successive-halving, hyperband; refused where the policy proposes),
    # gp's and tpe's learn_from_stopped, brian2's debug_log, slurm's time limit among extra directives
    for policy in ("successive-halving", "hyperband", "asha", "model-based", "pbt"):
        for v in ["true", "false", '"yes"', "1", "[true]", "nan"]:
            good = policy in ("successive-halving", "hyperband") and v in ("true", "false") \
                or policy == "model-based" and v == "false"  # (a hyperband: the option's default is taken)
            add(f"{policy} same_everywhere={v}",
                PBT.format(compute=120, run="", policy=policy, policy_options=f"same_everywhere = {v}", extra="")
                .replace('name = "random"', f'name = "{rng.choice(["tpe", "gp", "random"])}"'),
                "either" if good else "refuse")
    for optimizer in ("gp", "tpe", "random"):
        for v in ["true", "false", '"true"', "0", "[false]"]:
            good = optimizer != "random" and v in ("true", "false")
            policy = rng.choice(["asha", "successive-halving", "median-stopping"])
            add(f"{optimizer} learn_from_stopped={v} under {policy}",
                PBT.format(compute=120, run="", policy=policy, policy_options="", extra="")
                .replace('name = "random"', f'name = "{optimizer}"\npopulation_size = 4\nlearn_from_stopped = {v}'),
                "either" if good else "refuse")
    add("gp learn_from_stopped without a policy",
        BASE.format(run="", optimizer="gp", extra="").replace('population_size = 4', 'population_size = 4\n'
                                                             'learn_from_stopped = true'), "either")
    for v in ['"yes"', "1", "[true]", '""', "false", "true"]:
        add(f"brian2 debug_log={v}", BRIAN2.format(options=f"debug_log = {v}"),
            "either" if v in ("true", "false") else "refuse")
    for v in ['["--time=1"]', '["-t 5"]', '["-t5"]', '["--time", "1"]', '["--qos=long"]', '"--time=1"', "[1]"]:
        add(f"slurm job_extra_directives={v}",
            BASE.format(run="", optimizer="random", extra="").replace('name = "serial"',
                                                                      f'name = "slurm"\njob_extra_directives = {v}'),
            "either" if "qos" in v else "refuse")
    return cases


def session33_cases(rng: random.Random) -> list[Case]:
    """Sessions 31-32's options and commands: [backend] dashboard, l2l show of sweeps with learning curves (odd
    ones), relative path options from a config in another folder, pbt's keep beside an integer width, l2l validate
    of large and odd files."""
    cases: list[Case] = []

    def add(label: str, kind: str, payload, expect: str = "refuse", writable: tuple = ()):
        cases.append((label, kind, payload, expect, writable))
    for v in ["true", "false", '"yes"', "1", "0", '""', "[false]", '"false"']:
        local = BASE.format(run="", optimizer="random", extra="").replace(
            'name = "serial"', f'name = "local"\nworkers = 1\ndashboard = {v}')
        add(f"local dashboard={v}", "toml" if v in ("true", "false") else "dry", local,
            "either" if v in ("true", "false") else "refuse")
    for backend, v in [("serial", "false"), ("slurm", "false"), ("slurm", '"no"'), ("slurm-array", "false"),
                       ("dask", "false")]:
        extra = '\naddress = "tcp://127.0.0.1:1"' if backend == "dask" else ""
        add(f"{backend} dashboard={v}", "dry", BASE.format(run="", optimizer="random", extra="").replace(
            'name = "serial"', f'name = "{backend}"\ndashboard = {v}{extra}'),
            "either" if backend == "slurm" and v == "false" else "refuse")
    # sweeps with learning curves, then l2l show (its early-stop line) and l2l.agreement's rows
    for fn, n, low, high, integer, direction, expect in [
            ("plain", 12, 1, 9, "", "minimize", "work"), ("plain", 12, 1, 9, "", "maximize", "either"),
            ("plain", 1, 1, 9, "", "minimize", "either"), ("plain", 2, 1, 9, "", "minimize", "either"),
            ("plain", 3, 1, 9, "", "minimize", "either"), ("plain", 6, 1, 1, "", "minimize", "either"),
            ("plain", 6, 1, 2, "", "minimize", "either"), ("plain", 6, 3, 9, "", "minimize", "either"),
            ("plain", 6, 1, 200, "", "minimize", "either"), ("nan_curve", 9, 1, 9, "", "minimize", "either"),
            ("inf_curve", 9, 1, 9, "", "minimize", "either"), ("flat", 9, 1, 9, "", "minimize", "either"),
            ("top_only", 9, 1, 9, "", "minimize", "either"), ("some_fail", 12, 1, 9, "", "minimize", "either"),
            ("all_fail", 6, 1, 9, "", "minimize", "either"), ("other_name", 9, 1, 9, "", "minimize", "either"),
            ("sparse", 9, 1, 27, "", "minimize", "either"),
            ("fractional", 9, 0.1, 1.0, ", integer = false", "minimize", "either"),
            ("fractional", 9, 0.001, 1000.5, ", integer = false", "minimize", "either")]:
        seed = rng.randrange(1, 10 ** 6)
        add(f"sweep {fn} n={n} budgets {low}..{high} {direction} seed {seed}", "sweep",
            SWEEP.format(seed=seed, n=n, fn=fn, low=low, high=high, integer=integer, direction=direction), expect)
    add("sweep two objectives", "sweep", SWEEP.format(seed=rng.randrange(10 ** 6), n=9, fn="plain", low=1, high=9,
                                                      integer="", direction="minimize")
        .replace('[backend]', '[[objectives]]\nname = "x"\ndirection = "minimize"\n[backend]'), "either")
    for code in ["l2l.agreement('sweep.h5')", "l2l.agreement('sweep.h5', objective='loss')",
                 "l2l.agreement('sweep.h5', objective='nope')", "l2l.agreement('sweep.h5', objective=3)",
                 "l2l.agreement('base.h5')", "l2l.agreement('pbt.h5')", "l2l.load('sweep.h5', segments=True)"]:
        add(code, "py", code, "either" if "nope" not in code and "=3" not in code else "refuse")
    for argv in (["show", "sweep.h5"], ["plot", "sweep.h5", "--kind", "curves", "-o", "o.png"],
                 ["compare", "sweep.h5", "pbt.h5", "-o", "o.png"], ["report", "sweep.h5", "-o", "o.html"],
                 ["export", "sweep.h5", "--segments", "-o", "o.csv"], ["resume", "sweep.h5", "--generations", "2"],
                 ["reevaluate", "sweep.h5", "--top", "2", "--seeds", "1"]):
        add(" ".join(argv), "cli", argv, "either", ("sweep.h5",))
    # relative paths of a config in sub/, l2l run from its parent: the model beside the run, not the config
    for label, text in [
            ("python path '.'", SWEEP.format(seed=1, n=3, fn="plain", low=1, high=3, integer="",
                                             direction="minimize")),
            ("python path 'nope'", SWEEP.format(seed=1, n=3, fn="plain", low=1, high=3, integer="",
                                                direction="minimize").replace('path = "."', 'path = "nope"')),
            ("python path '..'", SWEEP.format(seed=1, n=3, fn="plain", low=1, high=3, integer="",
                                              direction="minimize").replace('path = "."', 'path = ".."')),
            ("brian2 cache_dir 'cache'", BRIAN2.format(options='cache_dir = "cache"').replace('path = "."',
                                                                                            'path = ".."')),
            ("dask scheduler_file 's.json'", BASE.format(run="", optimizer="random", extra="").replace(
                'name = "serial"', 'name = "dask"\nscheduler_file = "s.json"\ntimeout = 3')),
            ("slurm log_directory 'logs/x'", BASE.format(run="", optimizer="random", extra="").replace(
                'name = "serial"', 'name = "slurm"\nlog_directory = "../base.h5/logs"')),
            ("run.out 'o.h5'", BASE.format(run='out = "o.h5"', optimizer="random", extra=""))]:
        # (python path '.': the model in the working folder is found on sys.path, which python -m l2l starts with)
        add(f"config in sub/: {label}", "sub", text, "either" if label in ("python path '..'", "run.out 'o.h5'",
                                                                          "brian2 cache_dir 'cache'",
                                                                          "python path '.'") else "refuse")
    # pbt beside an integer width: keep (session 32's warning), a width of one value, nested and list checkpoints
    for fn, hidden, options, expect in [
            ("width", '{type = "int", low = 2, high = 64}', "", "either"),
            ("width", '{type = "int", low = 2, high = 64}', 'keep = ["hidden"]', "either"),
            ("width", '{type = "int", low = 2, high = 64}', 'keep = ["hidden", "lr"]', "either"),
            ("width", '{type = "int", low = 2, high = 64}', 'keep = ["hidden", "hidden"]', "either"),
            ("width", '{type = "int", low = 2, high = 64}', 'keep = ["Hidden"]', "refuse"),
            ("width", '{type = "int", low = 2, high = 64}', 'keep = "hidden"', "refuse"),
            ("width", '{type = "int", low = 2, high = 64}', 'keep = [""]', "refuse"),
            ("width", '{type = "int", low = 2, high = 64}', 'keep = ["hidden"]\nexplore = "pb2"', "either"),
            ("width", '{type = "int", low = 2, high = 64}', 'explore = "pb2"', "either"),
            ("width", '{type = "int", low = 4, high = 4}', "", "either"),
            ("width", '{type = "categorical", choices = [8, 16, 32]}', "", "either"),
            ("width", '{type = "float", low = 2.0, high = 64.0}', "", "either"),
            ("width_nested", '{type = "int", low = 2, high = 64}', "", "either"),
            ("width_list", '{type = "int", low = 2, high = 64}', "", "either")]:
        seed = rng.randrange(1, 10 ** 6)
        add(f"pbt {fn} hidden={hidden} {options!r} seed {seed}", "toml",
            WIDTH.format(seed=seed, hidden=hidden, options=options, fn=fn), expect)
    # l2l validate of large and odd files (made in the case's folder)
    for name in ODD_FILES:
        add(f"validate {name}", "cli", ["validate", name], "either")
        add(f"show {name}", "cli", ["show", name], "refuse")
    add("validate base.h5 sparse3g.h5 sweep.h5", "cli", ["validate", "base.h5", "sparse3g.h5", "sweep.h5"], "either")
    add("validate /dev/null", "cli", ["validate", "/dev/null"], "either")
    add("validate /dev/zero", "cli", ["validate", "/dev/zero"], "either")
    add("validate base.h5 base.h5", "cli", ["validate", "base.h5", "base.h5"], "either")
    return cases


def session34_cases(rng: random.Random) -> list[Case]:
    """Sessions 33's options and calls: run.inherit (values, and functions that cannot continue), run.timeout,
    run.target and run.max_time values, the slurm backend's walltime and lifetime options, the python simulator's
    checkpoint_limit_mb, l2l.lineage's members and curves, and the figures of l2l show and l2l compare."""
    cases: list[Case] = []

    def add(label: str, kind: str, payload, expect: str = "refuse", writable: tuple = ()):
        cases.append((label, kind, payload, expect, writable))

    def inherit(v: str = "true", fn: str = "width", run: str = "", optimizer: str = "random",
                simulator: str = "") -> str:
        return INHERIT.format(seed=rng.randrange(1, 10 ** 6), inherit=v, run=run, optimizer=optimizer, fn=fn,
                              simulator=simulator)
    for v in ["true", "false", "0", "1", "3", "0.5", "9", "100", "1e300", "1e-300", "-1", "nan", "inf", '"3"',
              '"true"', "[1]", "{a = 1}", "-0.0"]:
        add(f"inherit={v}", "toml", inherit(v), "either" if v in ("true", "false", "0", "1", "3", "9", "-0.0")
            else "refuse")  # (0.5 and 1e-300 of whole epochs were rounded to 1 unsaid: refused since session 34)
    for fn, expect in [("width", "either"), ("width_nested", "either"), ("width_list", "either"),
                       ("big_checkpoint", "either"), ("plain", "refuse"), ("no_param", "refuse"),
                       ("sometimes_none", "refuse"), ("some_fail", "either"), ("all_fail", "either")]:
        add(f"inherit function {fn}", "toml", inherit(fn=fn), expect)
    for label, text, expect in [
            ("inherit under ga", inherit(optimizer="ga"), "either"),
            ("inherit under cmaes", inherit(optimizer="cmaes"), "either"),
            ("inherit with reevaluate", inherit(run="reevaluate = {top = 1, seeds = 1}"), "refuse"),
            ("inherit with a policy", inherit(run='policy = "asha"'), "refuse"),
            ("inherit async", inherit(run='mode = "async"'), "either"),
            ("inherit with target", inherit(run="target = 0.5"), "either"),
            ("inherit with evaluations 5", inherit(run="evaluations = 5"), "either"),
            ("inherit with initial_points", inherit(run="initial_points = [{lr = 0.1, hidden = 4, x = 0.5}]"),
             "either"),
            ("inherit without multi_fidelity", BASE.format(run="inherit = true", optimizer="random", extra=""),
             "refuse"),
            ("inherit on noisy-sgd", PBT.format(compute=80, run="inherit = true", policy="pbt", policy_options="",
                                                extra="").replace("compute = 80", "generations = 3").replace(
                '[policy]\nname = "pbt"\n\n', '').replace('name = "random"', 'name = "ga"\npopulation_size = 4'),
             "either")]:
        add(label, "toml", text, expect)
    for v in ["-1", "0", "0.001", "1e-300", "nan", "inf", '"3"', "true", "1e11", "1e30", "[1]", "30"]:
        add(f"timeout={v}", "toml", BASE.format(run=f"timeout = {v}", optimizer="random", extra=""),
            "either" if v in ("0", "0.001", "1e-300", "30") else "refuse")
    add("timeout=0.5 inherit", "toml", inherit(run="timeout = 0.5"), "either")
    for v in ["nan", "inf", "-inf", '"a"', "true", "[1]", "{}", "{value = 0.5}", "{nope = 1}", "{value = nan}",
              "1e308", "-1e308", "0.5", "1e-320"]:
        add(f"target={v}", "toml", BASE.format(run=f"target = {v}", optimizer="random", extra=""),
            "either" if v in ("{value = 0.5}", "1e308", "-1e308", "0.5", "1e-320") else "refuse")
    for v in ["-1", "nan", "inf", '"3"', "1e300", "0.001", "true", "[1]", "0"]:
        add(f"max_time={v}", "toml", BASE.format(run=f"max_time = {v}", optimizer="random", extra="")
            .replace("generations = 2\n", ""), "either" if v in ("0.001", "1e300", "0") else "refuse")
    # the slurm backend's time options (--dry-run: no job submitted)
    slurm = BASE.format(run="", optimizer="random", extra="").replace('name = "serial"',
                                                                      'name = "slurm"\nwalltime = "01:00:00"')
    for key, values in {"walltime": ['"00:00:00"', '"0"', '"00:00:30"', '"1:00"', '"00:60:00"', '"00:00:99"',
                                     '"5-25:00:00"', '"99999:00:00"', '"999999999999-00"', '"-1"', '"abc"', "3",
                                     '""', '" "', '"1e9"', '"1:2:3:4"', '"01:00:00 "', '"1-"'],
                        "lifetime": ['"00:00:00"', '"0"', '"00:00:01"', '"00:30:00"', '"01:00:00"', '"02:00:00"',
                                     '"-1"', "30", '" "', '"30s"', '"00:59:59"'],
                        "lifetime_stagger": ['"00:00:00"', '"02:00:00"', '"-1"', '"abc"', "5", '"00:00:10"'],
                        "lifetime_restart": ["true", "false", '"yes"', "1", "[true]"]}.items():
        for v in values:
            good = v in ('"00:00:30"', '"1:00"', '"00:00:01"', '"00:30:00"', '"00:59:59"', '"00:00:00"', '"0"',
                         '"00:00:10"', '"02:00:00"', "true", "false", '"00:60:00"', '"00:00:99"', '"5-25:00:00"',
                         '"99999:00:00"', '"01:00:00 "', '"999999999999-00"') \
                and not (key == "lifetime" and v in ('"02:00:00"',))
            # ('999999999999-00': SLURM's own limit, which sbatch --test-only checks as the run starts; a dry run
            # submits nothing)
            if key == "lifetime" and v in ('"00:00:00"', '"0"'):
                good = False  # (a lifetime of 0: Dask's workers have none then, and SLURM kills them at walltime)
            add(f"slurm {key}={v}", "dry", slurm.replace('walltime = "01:00:00"', f'{key} = {v}')
                if key == "walltime" else slurm.replace('walltime = "01:00:00"',
                                                        f'walltime = "01:00:00"\n{key} = {v}'),
                "either" if good else "refuse")
    # the python simulator's checkpoint_limit_mb, beside a function that returns 2.4 MB checkpoints
    for v in ["1", "100", "0", "-1", "nan", "inf", '"64"', "true", "1e-9", "1e300", "[1]"]:
        python = {"true": "True", "nan": "float('nan')", "inf": "float('inf')"}.get(v, v)
        add(f"checkpoint_limit_mb={v}", "toml", inherit(fn="big_checkpoint", simulator=f"checkpoint_limit_mb = {v}"),
            "either" if v in ("1", "100", "1e-9", "1e300", "inf") else "refuse")
        add(f"l2l.run(simulator=f) checkpoint_limit_mb={v}", "py",
            "import sweep_model; l2l.run(l2l.from_mapping({'space': {'lr': {'low': 0.01, 'high': 0.5}, 'hidden': "
            "{'type': 'int', 'low': 2, 'high': 4}}, 'simulator': {'name': 'python', 'checkpoint_limit_mb': "
            f"{python}, "
            "'multi_fidelity': {'name': 'epochs', 'minimum': 1, 'maximum': 4}}, 'optimizer': {'name': 'random', "
            "'population_size': 2}, 'run': {'generations': 2, 'inherit': True}, 'backend': {'name': 'serial'}, "
            "'objectives': [{'name': 'loss', 'direction': 'minimize'}]}), "
            "'o.h5', simulator=sweep_model.big_checkpoint)",
            "either" if v in ("1", "100", "1e-9", "1e300", "inf") else "refuse")
    # l2l.lineage of a PBT run: members and curves
    for v in ["None", "[0]", "(0, 1)", "np.array([0, 1])", "range(2)", "[np.int64(1)]", "[]", "3", "'1'", "['a']",
              "[1.5]", "[-1]", "[999]", "[True]", "{1: 2}", "[None]", "[10**30]", "object()", "[float('nan')]",
              "[[0]]", "b'1'"]:
        good = v in ("None", "[0]", "(0, 1)", "np.array([0, 1])", "range(2)", "[np.int64(1)]", "[]")
        add(f"l2l.lineage('pbt.h5', members={v})", "py", f"l2l.lineage('pbt.h5', members={v})",
            "either" if good else "refuse")
    for v in ["True", "False", "np.bool_(True)", "'yes'", "1", "0", "None", "[1]", "float('nan')"]:
        add(f"l2l.lineage('pbt.h5', curves={v})", "py", f"l2l.lineage('pbt.h5', curves={v})",
            "either" if v in ("True", "False", "np.bool_(True)") else "refuse")
    for path in ["base.h5", "sweep.h5", "reev.h5", "dir.h5", "nope.h5", "text.h5"]:
        add(f"l2l.lineage('{path}')", "py", f"l2l.lineage('{path}')", "either" if path == "sweep.h5" else "refuse")
    # the figures l2l show and l2l compare print, against l2l.best's value
    magnitudes = [(1e300, 0), (1e-300, 0), (1, 123456789.123), (1e-7, 0), (1e-9, 1.0), (1, 0), (1e15, 0),
                  (1e-4, 0), (-1, 0), (0.0, -0.0), (1e-5, 1e-3), (1e7, 0), (123456.7, 0)]
    magnitudes += [(10 ** rng.uniform(-300, 300), rng.choice([0.0, 10 ** rng.uniform(-5, 10)])) for _ in range(6)]
    for scale, offset in magnitudes:
        for direction in ("minimize", "maximize"):
            add(f"numbers x*{scale!r}+{offset!r} {direction}", "py",
                f"exec(open('numbers_check.py').read()); main({scale!r}, {offset!r}, {direction!r})", "either")
    return cases


def py_cases(rng: random.Random) -> list[Case]:
    bad = ["None", "3", "-1", "0", "'3'", "3.5", "float('nan')", "float('inf')", "[1]", "{'a': 1}", "b'x'", "True",
           "np.int64(-1)", "np.array([1, 2])", "object()", "10**30", "np.float64('nan')"]
    cases: list[Case] = []

    def add(code: str, expect: str = "refuse", writable: tuple = ()):
        cases.append((code, "py", code, expect, writable))
    for v in bad:
        add(f"l2l.checkpoint('pbt.h5', trial={v})", "either" if v in ("None", "0", "3") else "refuse")
        add(f"l2l.checkpoint('pbt.h5', folder={v})", "either" if v in ("None",) else "refuse")
        add(f"l2l.checkpoint({v})")
        add(f"l2l.load('reev.h5', reevaluations={v})", "either" if v in ("True", "0") else "refuse")
        add(f"l2l.load('base.h5', columns={v})", "either" if v in ("None",) else "refuse")
        add(f"l2l.resume('base.h5', stop_after_failures={v}, simulator=f)",
            "either" if v in ("None", "3", "0") else "refuse", ("base.h5",))
        add(f"l2l.run(cfg(stop_after_failures={v}), 'o.h5', simulator=f)",
            "either" if v in ("None", "3", "0") else "refuse")
        add(f"l2l.run(cfg(initial_points={v}), 'o.h5', simulator=f)", "either" if v in ("None",) else "refuse")
        add(f"l2l.run(cfg(initial_points=[{{'x': {v}, 'y': 1, 'c': 'a'}}]), 'o.h5', simulator=f)",
            "either" if v in ("np.array([1, 2])",) else "refuse")  # [1, 2] is outside x's bounds: refused
        add(f"l2l.run(cfg(initial_points=[{{'x': [0.5, 0.5], 'y': {v}, 'c': 'a'}}]), 'o.h5', simulator=f)",
            "either" if v in ("3", "0") else "refuse")
        add(f"l2l.run(cfg(initial_points=[{{'x': [0.5, 0.5], 'y': 1, 'c': {v}}}]), 'o.h5', simulator=f)")
    for v in ["(0.5, 0.5)", "np.array([0.5, 0.5])", "np.array([[0.5, 0.5]])", "[np.float32(0.5), 0.5]", "{0.5, 0.4}",
              "range(2)", "np.array(['0.5', '0.5'])", "[None, None]", "[0.5, 0.5j]"]:
        add(f"l2l.run(cfg(initial_points=[{{'x': {v}, 'y': 1, 'c': 'a'}}]), 'o.h5', simulator=f)",
            "either" if v in ("(0.5, 0.5)", "np.array([0.5, 0.5])", "[np.float32(0.5), 0.5]", "range(2)")
            else "refuse")
    for v in ["({'x': [0.5, 0.5], 'y': 1, 'c': 'a'},)", "iter([{'x': [0.5, 0.5], 'y': 1, 'c': 'a'}])",
              "[{'x': [0.5, 0.5], 'y': 1, 'c': 'a'}] * 3000", "np.array([1.0])", "'x'",
              "[{'x': [0.5, 0.5], 'y': 1, 'c': 'a', 3: 1}]", "[{('x',): 1}]"]:
        add(f"l2l.run(cfg(initial_points={v}), 'o.h5', simulator=f)",
            "either" if v.startswith("(") or "3000" in v else "refuse")
    return cases


def run_case(case: Case, inputs: Path, work: Path, timeout: float, index: int) -> dict:
    label, kind, payload, expect, writable = case
    folder = work / f"c{index:04d}"
    folder.mkdir()
    text = " ".join(payload) if kind == "cli" else payload
    for entry in inputs.iterdir():  # only what the case names (and the model of CAT): 20 MB a case was slow
        if entry.name in text or entry.name in ("cat_model.py", "brian_model.py", "sweep_model.py"):
            (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, folder / entry.name)
    for name in ODD_FILES:
        if re.search(rf"(^|[ /]){re.escape(name)}( |$)", text):
            _prepare(name, folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    if kind == "cli":
        argv = [sys.executable, "-m", "l2l", *payload]
        command = payload[0]
    elif kind in ("toml", "dry", "sweep"):  # sweep: l2l show of the run after it
        (folder / "case.toml").write_text(payload)
        argv = [sys.executable, "-m", "l2l", "run", "case.toml", "--out", "out.h5", "--no-progress"] \
            + (["--dry-run"] if kind == "dry" else [])
        command = "run"
    elif kind == "sub":  # the config in a folder of its own, l2l run from the case's folder (relative paths)
        (folder / "sub").mkdir()
        (folder / "sub" / "case.toml").write_text(payload)
        argv = [sys.executable, "-m", "l2l", "run", "sub/case.toml", "--out", "out.h5", "--no-progress"] \
            + (["--dry-run"] if 'name = "slurm"' in payload else [])  # (no job submitted to a real SLURM)
        command = "run"
    else:
        (folder / "case.py").write_text(WRAP.format(code=payload))
        argv = [sys.executable, "case.py"]
        command = "python"
    before = snapshot(folder)
    try:
        proc = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        rc, err = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        rc, err = None, (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
    silent = False
    documented = r"^l2l: (every (evaluation|segment)|no candidate reached the top budget)"  # (exit 1, file kept)
    if kind in ("sweep", "toml") and rc == 1 and re.search(documented, err, re.M):
        rc = 0
    if kind == "sweep" and rc == 0:  # the run is the input here: its l2l show must read it
        command = "show"
        try:
            proc = subprocess.run([sys.executable, "-m", "l2l", "show", "out.h5"], cwd=folder, env=env,
                                  capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
            rc, err = proc.returncode, proc.stderr
            if rc == 0 and "early stop" not in proc.stdout and expect == "work":
                silent, err = True, "(fuzzer) no 'early stop' line in l2l show of the sweep"
        except subprocess.TimeoutExpired:
            rc, err = None, ""
    after = snapshot(folder)
    lost = sorted(k for k in before if k not in ("case.toml", "case.py") and before[k] != after.get(k)
                  and not (rc == 0 and command not in READ_ONLY and any(k == w or k.startswith(w.replace(".h5", ""))
                                                                          for w in writable)))
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("l2l 0.")
             and "\r" not in line and not line.startswith("l2l: waiting up to ")]  # (dask's scheduler file)
    if rc is None:
        verdict = "hang"
    elif "Traceback (most recent call last)" in err:
        verdict = "traceback"
    elif rc == 0:
        verdict = "accepted" if expect == "refuse" else "ok"
    elif rc == 2:
        verdict = "refused" if len(lines) == 1 and lines[0].startswith("l2l: error: ") else "multiline"
    elif rc == 1 and command == "validate":
        verdict = "ok"
    elif rc == 3 and "(fuzzer) WRONG" in err:
        verdict = "wrong"
    else:
        verdict = "other-exit"
    if verdict == "refused" and UNCLEAR.search(lines[0]):
        verdict = "unclear"
    if lost and verdict in ("ok", "refused"):
        verdict = "changed"
    if verdict == "refused" and expect == "work":
        verdict = "rejected"
    if verdict == "ok" and silent:
        verdict = "silent"
    shutil.rmtree(folder, ignore_errors=True)
    tail = [line for line in err.splitlines() if line.strip()][-3:]
    return {"label": label, "kind": kind, "verdict": verdict, "rc": rc, "lost": lost, "err": " | ".join(tail)[:400]}


DEFECTS = ("traceback", "hang", "multiline", "other-exit", "accepted", "changed", "unclear", "rejected", "silent",
           "wrong")
#: Python's own words in a refusal: it names no problem the user made (an argument's type was what was wrong).
UNCLEAR = re.compile(r"object is not (iterable|subscriptable|callable)|has no attribute|unhashable|invalid literal "
                     r"for|could not convert|cannot convert|not supported between|Errno|no column \d+ ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--sample", type=int, default=0, help="run only this many of the cases, drawn from --seed")
    parser.add_argument("--only", default="", help="cases whose label holds one of these words (comma-separated)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cases = cli_cases(rng) + toml_cases(rng) + py_cases(rng) + session33_cases(rng) + session34_cases(rng)
    if args.sample and args.sample < len(cases):  # a seeded subset, in the list's order
        cases = [cases[i] for i in sorted(random.Random(args.seed).sample(range(len(cases)), args.sample))]
    if args.only:
        words = args.only.split(",")
        cases = [c for c in cases if any(w in c[0] for w in words)]
    if os.geteuid() == 0:
        print("note: run as root: a file without read permission is readable, the permission class is left out")
    work = Path(tempfile.mkdtemp(prefix="l2l-fuzz-cli30-"))
    inputs = work / "inputs"
    inputs.mkdir()
    build_inputs(inputs)
    counts: collections.Counter = collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_case, c, inputs, work, args.timeout, i) for i, c in enumerate(cases)]
        for future in futures:
            r = future.result()
            counts[r["verdict"]] += 1
            mark = "DEFECT " if r["verdict"] in DEFECTS else ""
            print(f"{mark}{r['verdict']:10s} {r['kind']:4s} {ascii(r['label'])[1:-1][:110]:110s} rc={r['rc']} "
                  f"{'lost=' + str(r['lost']) + ' ' if r['lost'] else ''}| {r['err']}", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    defects = sum(counts[d] for d in DEFECTS)
    print(json.dumps({"cases": len(cases), "defects": defects, **dict(sorted(counts.items()))}))
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
