"""kill -9 at any moment of a run, then ``l2l resume``: the result must equal an uninterrupted run (serial backend).

Usage::

    nice -n 19 python scripts/kill_stress.py [--kills N] [--modes ga,asha,...] [--seed S] [--work DIR] [--keep]

For each mode (generational GA, async, successive-halving, asha, hyperband, median-stopping, model-based, pbt
synchronous and asynchronous, pbt exploring an integer width its function then ignores, without ``keep`` (pbt-width:
l2l/policies/pbt_shapes.py's warning, which no process may say twice), ``inherit = true``, model-based with repeats,
asha and asynchronous pbt with ``[run] checkpoints = "beside"``, a run with ``[run] target``) on the simulators of
tests/models_kill26.py (a few milliseconds per step; checkpoints that carry each candidate's history): the run once
uninterrupted, then chains of 1 to 3 ``python -m l2l run`` / ``l2l resume`` processes each killed with SIGKILL after
a random delay (uniform over the uninterrupted run's length, some right at the start, some in its last 5 %), and one
``l2l resume`` to the end. Each ending is compared with the uninterrupted run: the rows (``l2l.load``'s, and with
``segments=True``: parameters, values, budgets, statuses, trial ids, parents, the checkpoint each segment continued
from: the simulator's values depend on its content), the events (but 'resumed'), the last event's detail (but its
hosts: the last session's evaluations; ``l2l show``'s hosts line, which counts every session's, is compared), the
files of the checkpoint folder, ``l2l validate`` passing, and ``l2l show``'s progress line and best. ``--kills`` is
the number of kills per mode (default 30). Two modes run the built-in ``lsm`` (examples/lsm_ga.toml shortened, about
20 s uninterrupted): ``lsm-pbt`` and ``lsm-inherit`` (a ga with ``inherit = true``). Session 35's modes: ``pbt-few``
(asynchronous pbt, 4 members in turn on one worker: a bottom member waits for a top donor to reach its budget, and
kills land in such waits too), ``callback`` and ``callback-ga`` (each process is ``l2l.run`` / ``l2l.resume`` from
Python with an ``on_evaluation`` callback appending each info to ``<file>.log``: after the chain every row of the file,
each segment under a policy, was passed at least once, with its status and value, a row passed twice with the same
``evaluations`` both times, and no evaluation passed that is no row; ``passed_twice`` counts the rows passed again),
``inherit-number`` (``run.inherit = 3`` steps a generation), ``recovered`` (the first process's file is replaced by
a text file at a random moment, the run is then stopped with SIGINT (or its moved-file check ends it, status 2) and
writes itself back as ``NAME.recovered.h5``, which the chain then kills and resumes; replaced just as it was
created, the run is refused in one line and nothing was computed: the tool removes the text file and the chain
starts again), ``hyperband-beside`` (hyperband with ``checkpoints = "beside"``). Prints one line per mismatch or
crash, a table, and last one JSON object:
{"kills": {mode: n}, "chains": {mode: n}, "mismatches": {mode: n}, "crashes": {mode: n}, "temporaries_left":
{mode: n} (half-written checkpoint files of killed writers, which ``l2l prune`` deletes), "temp_folder_leftovers":
{mode: n} (what is left in the processes' temp folder, $TMPDIR = <work>/tmp, once a chain's last process ended:
``l2l-*making-*`` folders and any other; a mismatch too), "examples": [...]}.
Exit status 1 if anything differed. Scratch files go to --work (default a temporary folder, removed unless --keep).

Session 32 (helper-255, 2 shared cores at load 13-17): seeds 3211 (``--kills 4``, 17 min) and 3212 (``--kills 3``,
3.6 min at a lower load), every mode, and 3213 (``--kills 8``, the four pbt modes, 1.8 min): 154 kills in 125
chains, no mismatch, crash or temporary left (once the finished event's per-session hosts were no longer compared).
Session 33 (helper-270, 2 shared cores at load 6-12, the two seeds at once): seeds 3331 and 3332, ``--kills 3``,
every mode (15), 14.6 and 15.3 min: 96 kills in 120 chains, no mismatch, crash or temporary left.
Session 34 (helper-280, 2 shared cores at load 17-29, the two seeds at once beside the lsm runs): seeds 3441 and 3442,
``--kills 3``, every mode of then (15), 25.3 and 29.1 min: 99 kills in 115 chains, no mismatch, crash, temporary or
temp folder left; seed 3443, ``--kills 10``: lsm-pbt 10 kills in 19 chains, lsm-inherit 11 in 19; both again with
``checkpoints = "beside"`` (seed 3444, ``--kills 6``): 6 in 13 and 6 in 12; no mismatch (the checkpoint folders'
files included), crash or leftover.
Session 35 (helper-299, 2 shared cores at load 27-36, up to six at once, --kills 2, stopped at the deadline): seed 3541
12 modes (ga .. inherit) 24 kills in 31 chains, 3542 5 modes 14 in 26, 3543 lsm-pbt and lsm-inherit 4 in 9; the new
modes: pbt-few 2 in 9, hyperband-beside 3 in 4, callback-ga 2 in 5 (3545), inherit-number 2 in 14 (3546) and 2 in 2,
callback 3 in 2 (3544): no mismatch (every row passed to on_evaluation), crash or temp folder left. recovered (3544,
12 chains): a file replaced just as the run created it had the run append to it (fixed: refused); 2 chains ended
without NAME.recovered.h5 (status 0 with nothing said, and status 2 'not an HDF5 file'): told the lead.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"

SPACE2 = 'x = { type = "float", low = -5.0, high = 5.0, shape = [2] }'
CURVE = f'''[simulator]
name = "python"
path = "{TESTS}"
function = "models_kill26:curve"
multi_fidelity = {{ name = "steps", unit = "steps", minimum = 1, maximum = 9 }}
'''
SPHERE = f'''[simulator]
name = "python"
path = "{TESTS}"
function = "models_kill26:sphere"
'''
SGD = f'''[simulator]
name = "python"
path = "{TESTS}"
function = "models_kill26:sgd"
multi_fidelity = {{ name = "steps", unit = "steps", minimum = 1, maximum = 100 }}
'''
WIDTH = f'''[simulator]
name = "python"
path = "{TESTS}"
function = "models_kill26:width"
multi_fidelity = {{ name = "epochs", unit = "epochs", minimum = 1, maximum = 60 }}
'''
PBT_SPACE = '''learning_rate = { type = "float", low = 0.001, high = 0.3, log = true }
momentum = { type = "float", low = 0.05, high = 0.95, log = true }'''


def policy(name: str, compute: int, extra: str = "", seed: int = 2) -> str:
    return (f'[run]\nseed = {seed}\ncompute = {compute}\n\n[space]\n{SPACE2}\n\n[optimizer]\nname = "random"\n\n'
            f'[policy]\nname = "{name}"\neta = 3\n{extra}\n{CURVE}\n[backend]\nname = "serial"\n')


#: examples/lsm_ga.toml shortened (a reservoir of 50 neurons): pbt on it (7bce164: a member continued with other
#: parameters simulates its reservoir again), and ``inherit = true``; about 20 s each uninterrupted.
LSM_SPACE = '''J_EE = { type = "float", low = 0.0, high = 8.0 }
J_EI = { type = "float", low = 0.0, high = 8.0 }
J_IE = { type = "float", low = 0.0, high = 16.0 }
J_II = { type = "float", low = 0.0, high = 16.0 }'''
LSM = ('[simulator]\nname = "lsm"\nn_exc = 40\nn_inh = 10\ntrain_examples = 16\n\n[[objectives]]\n'
       'name = "test_error"\ndirection = "minimize"\n\n[backend]\nname = "serial"\n')


MODES = {
    "ga": f'[run]\nseed = 3\ngenerations = 8\n\n[space]\n{SPACE2}\n\n[optimizer]\nname = "ga"\npopulation_size = 8\n\n'
          f'{SPHERE}\n[backend]\nname = "serial"\n',
    "async": f'[run]\nseed = 3\nmode = "async"\nevaluations = 60\n\n[space]\n{SPACE2}\n\n[optimizer]\nname = "tpe"\n'
             f'\n{SPHERE}\n[backend]\nname = "serial"\n',
    "successive-halving": policy("successive-halving", 300),
    "asha": policy("asha", 300),
    "hyperband": policy("hyperband", 300),
    "median-stopping": policy("median-stopping", 300),
    "model-based": policy("model-based", 300),
    "repeats": policy("model-based", 800, "repeats = 2\nexploit_share = 0.5\nendgame_results = 2\n"),
    "pbt-sync": f'[run]\nseed = 0\ncompute = 600\n\n[space]\n{PBT_SPACE}\n\n[optimizer]\nname = "random"\n\n'
                f'[policy]\nname = "pbt"\npopulation = 6\ninterval = 10\nmax_budget = 100\nsynchronous = true\n\n'
                f'{SGD}\n[[objectives]]\nname = "loss"\n\n[backend]\nname = "serial"\n',
    "pbt-async": f'[run]\nseed = 0\ncompute = 600\n\n[space]\n{PBT_SPACE}\n\n[optimizer]\nname = "random"\n\n'
                 f'[policy]\nname = "pbt"\npopulation = 6\ninterval = 10\nmax_budget = 100\nsynchronous = false\n\n'
                 f'{SGD}\n[[objectives]]\nname = "loss"\n\n[backend]\nname = "serial"\n',
    "pbt-width": f'[run]\nseed = 2\ncompute = 600\n\n[space]\nlearning_rate = {{ type = "float", low = 0.01, '
                 f'high = 0.5, log = true }}\nhidden = {{ type = "int", low = 2, high = 64 }}\n\n[optimizer]\n'
                 f'name = "random"\n\n[policy]\nname = "pbt"\npopulation = 6\ninterval = 5\nmax_budget = 60\n\n'
                 f'{WIDTH}\n[[objectives]]\nname = "loss"\n\n[backend]\nname = "serial"\n',
    "inherit": f'[run]\nseed = 3\ngenerations = 4\ninherit = true\n\n[space]\n{SPACE2}\n\n[optimizer]\nname = "ga"\n'
               f'population_size = 8\n\n{CURVE}\n[backend]\nname = "serial"\n',
    "beside": policy("asha", 300).replace("[run]\n", '[run]\ncheckpoints = "beside"\n'),
    "pbt-beside": f'[run]\nseed = 1\ncompute = 600\ncheckpoints = "beside"\n\n[space]\n{PBT_SPACE}\n\n'
                  f'[optimizer]\nname = "random"\n\n[policy]\nname = "pbt"\npopulation = 6\ninterval = 10\n'
                  f'max_budget = 100\nsynchronous = false\n\n{SGD}\n[[objectives]]\nname = "loss"\n\n'
                  f'[backend]\nname = "serial"\n',
    "target": policy("asha", 600, seed=1).replace("[run]\n", "[run]\ntarget = TARGET\n"),
    # session 35: asynchronous pbt with few members per worker (4 members in turn on the serial backend: a bottom
    # member waits for a top donor to reach its budget, and a kill lands in such waits too)
    "pbt-few": f'[run]\nseed = 3\ncompute = 160\n\n[space]\n{PBT_SPACE}\n\n[optimizer]\nname = "random"\n\n'
               f'[policy]\nname = "pbt"\npopulation = 4\ninterval = 5\nmax_budget = 40\nfraction = 0.25\n'
               f'synchronous = false\n\n{SGD}\n[[objectives]]\nname = "loss"\n\n[backend]\nname = "serial"\n',
    # on_evaluation: each process runs l2l.run / l2l.resume from Python with a callback appending each info to a
    # log; after the chain every row of the file was passed at least once, with its values
    "callback": policy("asha", 300, seed=3),
    "callback-ga": f'[run]\nseed = 5\ngenerations = 6\n\n[space]\n{SPACE2}\n\n[optimizer]\nname = "ga"\n'
                   f'population_size = 8\n\n{SPHERE}\n[backend]\nname = "serial"\n',
    # run.inherit as a number of fidelity units a generation
    "inherit-number": f'[run]\nseed = 4\ngenerations = 3\ninherit = 3\n\n[space]\n{SPACE2}\n\n[optimizer]\n'
                      f'name = "ga"\npopulation_size = 8\n\n{CURVE}\n[backend]\nname = "serial"\n',
    # the first process's file is replaced under it, it is stopped by SIGINT and writes itself back as
    # NAME.recovered.h5; the chain then kills and resumes that file
    "recovered": policy("asha", 300, seed=4),
    "hyperband-beside": policy("hyperband", 300).replace("[run]\n", '[run]\ncheckpoints = "beside"\n'),
    "lsm-pbt": f'[run]\nseed = 1\ncompute = 96\n\n[space]\n{LSM_SPACE}\n\n[optimizer]\nname = "random"\n\n'
               f'[policy]\nname = "pbt"\npopulation = 4\ninterval = 4\nmax_budget = 16\n\n{LSM}',
    "lsm-inherit": f'[run]\nseed = 1\ngenerations = 4\ninherit = true\n\n[space]\n{LSM_SPACE}\n\n[optimizer]\n'
                   f'name = "ga"\npopulation_size = 6\n\n{LSM}',
}


#: the modes whose processes run l2l.run / l2l.resume from Python with an on_evaluation callback that appends each
#: info to a log (<work>/<mode>/<file>.log), then checked against the rows (callback_check)
CALLBACK_MODES = ("callback", "callback-ga")
CALLBACK = """import json, os, sys
import l2l
kind, target, out, log = sys.argv[1:5]
handle = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
def g(info):
    os.write(handle, (json.dumps(info, default=repr, sort_keys=True) + "\\n").encode())
if kind == "run":
    l2l.run(l2l.load_config(target), out, on_evaluation=g)
else:
    l2l.resume(target, on_evaluation=g)
"""


def command_line(args: list[str], callback: bool) -> list[str]:
    """``python -m l2l ARGS``, or for a callback mode the same run or resume from Python with the callback."""
    if not callback:
        return [sys.executable, "-m", "l2l", *args]
    kind = args[0]
    target = args[1]
    out = args[args.index("--out") + 1] if "--out" in args else target
    return [sys.executable, "-c", CALLBACK, kind, target, out, out + ".log"]


def l2l(*args: str, env: dict | None = None, callback: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(command_line(list(args), callback), capture_output=True, text=True, env=env, cwd=ROOT)


def popen(args: list[str], env: dict, callback: bool = False) -> subprocess.Popen:
    return subprocess.Popen(command_line(args, callback), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, start_new_session=True)


def callback_check(path: Path, log: Path, env: dict) -> tuple[list[str], int]:
    """Each row of ``path`` (each segment under a policy) passed to on_evaluation at least once (its log ``log``),
    with the row's status and objective values; a row passed twice with the same values both times and the same
    ``evaluations`` count. Returns what differed and how many rows were passed more than once."""
    code = f"""
import json, math
import l2l
frame = l2l.load({str(path)!r})
segments = "budget" in frame.columns
if segments:
    frame = l2l.load({str(path)!r}, segments=True)
names = ["value"]  # the callback modes' one objective
seen = {{}}
problems = []
for line in open({str(log)!r}):
    try:
        info = json.loads(line)
    except ValueError:
        continue  # a line being written as the process was killed
    key = (info["trial"], float(info["budget"])) if segments else (info["generation"], info["individual"])
    seen.setdefault(str(key), []).append(info)
twice = 0
for row in frame.to_dict("records"):
    key = (int(row["trial"]), float(row["budget"])) if segments else (int(row["generation"]), int(row["individual"]))
    infos = seen.get(str(key), [])
    if not infos:
        problems.append(f"row {{key}} never passed to on_evaluation")
        continue
    twice += len(infos) > 1
    for info in infos:
        for name in names:
            a, b = row[name], info["objectives"].get(name)
            same = (a != a and (b is None or b != b)) or (b is not None and a == b)
            if not same:
                problems.append(f"row {{key}}'s {{name}} {{a!r}}, on_evaluation got {{b!r}}")
        if info["status"] != row["status"]:
            problems.append(f"row {{key}}'s status {{row['status']}}, on_evaluation got {{info['status']}}")
    if len({{info["evaluations"] for info in infos}}) > 1:
        problems.append(f"row {{key}} passed with evaluations {{[info['evaluations'] for info in infos]}}")
keys = {{str((int(r["trial"]), float(r["budget"])) if segments else (int(r["generation"]), int(r["individual"])))
        for r in frame.to_dict("records")}}
extra = sorted(set(seen) - keys)
if extra:
    problems.append(f"on_evaluation got {{len(extra)}} evaluations that are no row: {{extra[:3]}}")
print(json.dumps({{"problems": problems[:5], "twice": twice}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode:
        return [f"callback check failed: {out.stderr.strip()[-300:]}"], 0
    result = json.loads(out.stdout)
    return result["problems"], result["twice"]


def summary(path: Path) -> dict:
    """What must not depend on being killed: the rows, the checkpoints they continued from (``from_budget``,
    ``parent``; the simulator's values depend on the checkpoint's content), the last event, the best, validity."""
    code = f"""
import contextlib, io, json
import l2l
from l2l.cli import main
frame = l2l.load({str(path)!r})
def frame_of(frame):
    rows = frame.drop(columns=[c for c in frame.columns if c in ("started", "duration", "error")])
    return rows.sort_values([c for c in ("generation", "individual", "trial", "budget") if c in rows.columns])
rows = frame_of(frame)
with l2l.Trajectory({str(path)!r}) as trajectory:
    events = trajectory.events()
kinds = [k for k in events["kind"].tolist() if k not in ("resumed", "interrupted")]
def reused_of(detail):
    try:
        value = json.loads(detail or "null")
    except ValueError:
        return 0
    return int(value.get("reused", 0)) if isinstance(value, dict) else 0
reused = sum(reused_of(d) for k, d in zip(events["kind"], events["detail"]) if k == "resumed")
detail = json.loads(events["detail"].iloc[-1] or "null")
def untimed(value):
    if isinstance(value, dict):
        return {{k: untimed(v) for k, v in value.items()  # hosts: the last session's; show's line has them all
                 if k not in ("elapsed", "wall", "time", "seconds", "hosts", "more_hosts")}}
    return value
said = {{}}
for name, args in (("validate", ["validate", {str(path)!r}]),
                   ("show", ["show", {str(path)!r}, "--top", "1", "--events", "0"])):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(args)
        except SystemExit as exit:
            code = exit.code
    said[name] = (code, out.getvalue())
segments = frame_of(l2l.load({str(path)!r}, segments=True)) if "budget" in frame.columns else rows
print(json.dumps({{"rows": json.loads(rows.to_json(orient="records", double_precision=15)),
                  "segments": json.loads(segments.to_json(orient="records", double_precision=15)),
                  "events": kinds, "last_event": untimed(detail), "said": said, "reused": reused,
                  "columns": sorted(rows.columns.tolist())}}))
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "load failed"}
    result = json.loads(out.stdout)
    (valid, valid_text), (shown, show_text) = result.pop("said").values()
    result["validate"] = valid
    if valid:
        result["validate_text"] = valid_text.strip()[-400:]
    reused = result.pop("reused", 0)
    result["best"] = best_lines(show_text, reused) if shown == 0 else f"show failed: {show_text.strip()[-200:]}"
    folder = path.with_name(path.name + ".checkpoints")  # checkpoints = "beside": the same files, none lost
    files = sorted(str(f.relative_to(folder)) for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else []
    result["checkpoint_files"] = [f for f in files if not f.endswith(".tmp")]
    result["temporaries"] = len(files) - len(result["checkpoint_files"])  # a killed writer's: l2l prune deletes them
    return result


def best_lines(text: str, reused: int = 0) -> str:
    """``l2l show``'s progress line (candidates, segments, compute, status), the evaluations of its hosts line (over
    every session, a killed one's up to its last commit: none lost or counted twice) and best table.

    ``reused``: the rows the resumes reused (their ``resumed`` events' ``reused``): a generational run's rows appended
    after the killed session's last commit (a flush, about once a second where evaluations are slow), which no
    session's hosts count holds (a killed one's is counted up to its last commit, and the resume evaluated none of
    them). They are added to the hosts' total, which is compared with the host names."""
    lines = text.splitlines()
    progress = [line for line in lines if line.startswith("progress")]
    for line in lines:
        if line.startswith("hosts") and "evaluations on " in line:
            counted = re.findall(r"(\S+) \((\d+)\)", line.split("evaluations on ", 1)[1].split(" (session")[0])
            total = sum(int(n) for _, n in counted) + reused
            progress.append(f"evaluations on {', '.join(sorted(host for host, _ in counted))}: {total}")
    for i, line in enumerate(lines):
        if line.lower().startswith("best"):
            return "\n".join(progress + lines[i:i + 3])
    return "\n".join(progress)


def said_twice(stderr: str) -> str:
    """A one-per-session warning (pbt's explored shape) said more than once by one process, else ''."""
    lines = [line for line in stderr.splitlines() if "pbt explored" in line]
    return f"the pbt shape warning said {len(lines)} times in one session" if len(lines) > 1 else ""


def differences(expected: dict, got: dict) -> list[str]:
    if "error" in got:
        return [f"load: {got['error']}"]
    said = []
    if got["validate"]:
        said.append(f"validate failed: {got.get('validate_text', '')}")
    if got["columns"] != expected["columns"]:
        said.append(f"columns differ: {set(got['columns']) ^ set(expected['columns'])}")
    for name in ("rows", "segments"):  # l2l.load's: one per candidate; and with segments=True
        a, b = expected[name], got[name]
        if len(a) != len(b):
            said.append(f"{len(b)} {name}, uninterrupted {len(a)}")
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                keys = [k for k in x if x.get(k) != y.get(k)]
                said.append(f"{name} {i} differ in {keys}: {[x.get(k) for k in keys]} vs {[y.get(k) for k in keys]}")
                break
    for key in ("events", "last_event", "checkpoint_files"):
        if got[key] != expected[key]:
            said.append(f"{key} differ: {expected[key]} vs {got[key]}")
    if got["best"] != expected["best"]:
        said.append(f"show's best differs: {expected['best']!r} vs {got['best']!r}")
    return said


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=30, help="kills per mode (default 30)")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated, of: " + ", ".join(MODES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--step", type=float, default=0.002, help="seconds slept per simulated step")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        print(f"kill_stress.py: unknown mode {unknown[0]!r}; allowed: {', '.join(MODES)}", file=sys.stderr)
        return 2
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="kill_stress_"))
    work.mkdir(parents=True, exist_ok=True)
    scratch = work / "tmp"  # the processes' temp folder: what a chain's last process leaves in it is a leftover
    scratch.mkdir(exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), L2L_KILL26_STEP=str(args.step), TMPDIR=str(scratch))
    env.pop("L2L_KILL26_AT", None)
    rng = random.Random(args.seed)
    kills, chains, mismatches, crashes, examples, temporaries = {}, {}, {}, {}, [], {}
    leftovers: dict[str, int] = {}
    passed_twice: dict[str, int] = {}  # callback modes: rows on_evaluation was given more than once
    for mode in modes:
        text = MODES[mode]
        folder = work / mode
        folder.mkdir(exist_ok=True)
        if "TARGET" in text:  # a target the run reaches about two thirds through
            probe = folder / "probe.toml"
            probe.write_text(text.replace("target = TARGET\n", ""))
            out = l2l("run", str(probe), "--out", str(folder / "probe.h5"), "--no-progress", env=env)
            assert out.returncode == 0, out.stderr
            code = (f"import l2l; f = l2l.load({str(folder / 'probe.h5')!r}).sort_values('started')"
                    "; top = f['budget'].to_numpy() == f['budget'].max(); v = f['value'].to_numpy()"
                    "; best = [i for i in range(len(v)) if top[i] and v[i] < min(v[:i][top[:i]], default=1e300)]"
                    "; print(repr(float(v[max(i for i in best if i <= 0.8 * len(v))])))")
            target = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
            text = text.replace("TARGET", target.stdout.strip())
        config = folder / f"{mode}.toml"
        config.write_text(text)
        whole = folder / "whole.h5"
        callback = mode in CALLBACK_MODES
        Path(str(whole) + ".log").unlink(missing_ok=True)
        start = time.monotonic()
        out = l2l("run", str(config), "--out", str(whole), "--no-progress", env=env, callback=callback)
        length = time.monotonic() - start
        if said_twice(out.stderr):
            print(f"{mode}: the uninterrupted run: {said_twice(out.stderr)}")
            crashes[mode] = crashes.get(mode, 0) + 1
        if out.returncode:
            print(f"{mode}: the uninterrupted run failed: {out.stderr.strip()[-300:]}")
            crashes[mode] = crashes.get(mode, 0) + 1
            continue
        expected = summary(whole)
        if callback:
            problems, _ = callback_check(whole, Path(str(whole) + ".log"), env)
            if problems:
                print(f"{mode}: the uninterrupted run's on_evaluation: {' | '.join(problems)}")
                crashes[mode] = crashes.get(mode, 0) + 1
        kills[mode] = chains[mode] = mismatches[mode] = 0
        chain = 0
        while kills[mode] < args.kills:
            chain += 1
            chains[mode] += 1
            path = folder / f"killed{chain}.h5"
            for name in (path.name, path.name + ".log", f"killed{chain}.recovered.h5"):
                (folder / name).unlink(missing_ok=True)
            for name in (f"killed{chain}.h5.checkpoints", f"killed{chain}.recovered.h5.checkpoints"):
                shutil.rmtree(folder / name, ignore_errors=True) if not (folder / name).is_symlink() \
                    else (folder / name).unlink()
            final = path  # the file the chain ends in (recovered: NAME.recovered.h5 once written back)
            moments, warned_twice = [], False
            for k in range(rng.choice((1, 1, 2, 3))):
                where = rng.random()
                if where < 0.1:
                    delay = rng.uniform(0.0, 0.05) * length
                elif where < 0.2:
                    delay = rng.uniform(0.95, 1.0) * length
                else:
                    delay = rng.uniform(0.0, 1.0) * length
                command = (["run", str(config), "--out", str(path), "--no-progress"] if k == 0 or not final.exists()
                           else ["resume", str(final), "--no-progress"])
                process = popen(command, env, callback)
                if mode == "recovered" and k == 0:  # its file replaced under it, then stopped by Ctrl-C
                    time.sleep(delay)
                    replaced = process.poll() is None and path.exists()
                    if replaced:
                        path.unlink()
                        path.write_text("another program's file\n")
                        time.sleep(rng.uniform(0.0, 0.2) * length)
                        if process.poll() is None:
                            os.killpg(process.pid, signal.SIGINT)
                    try:
                        process.wait(timeout=max(120.0, 5 * length))
                    except subprocess.TimeoutExpired:
                        os.killpg(process.pid, signal.SIGKILL)
                        process.wait()
                    err = process.stderr.read()
                    process.stderr.close()
                    recovered = folder / f"killed{chain}.recovered.h5"
                    moments.append(f"run, its file replaced at {delay:.3f}s" if replaced else "run ended first")
                    if replaced and not recovered.exists() and "just after this run created it" in err:
                        moments[-1] += " (as it created it: refused, nothing computed; the other file removed)"
                        path.unlink()  # the user's way on: run again (the file put there is theirs)
                    elif replaced and (not recovered.exists() or "written back" not in err
                                       or process.returncode not in (0, 2, 130)):
                        moments[-1] += (f": not written back as {recovered.name} (status {process.returncode}: "
                                        f"{err.strip()[-300:]})")
                        print(f"{mode} chain {chain}: {moments[-1]}", flush=True)
                        crashes[mode] = crashes.get(mode, 0) + 1
                    if recovered.exists():
                        final = recovered
                    continue
                time.sleep(delay)
                alive = process.poll() is None
                if alive:
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                err = process.stderr.read()
                process.stderr.close()
                moments.append(f"{command[0]} killed at {delay:.3f}s" if alive else f"{command[0]} ended first")
                if said_twice(err):
                    moments[-1] += f" ({said_twice(err)})"
                    warned_twice = True
                kills[mode] += alive
                if not alive and process.returncode:  # a process that ended by itself with an error: a crash
                    moments[-1] += f" with status {process.returncode}: {err.strip()[-300:]}"
                    print(f"{mode} chain {chain}: {moments[-1]}", flush=True)
                    crashes[mode] = crashes.get(mode, 0) + 1
            said = []
            if final.exists():
                out = l2l("resume", str(final), "--no-progress", env=env, callback=callback)
                if out.returncode:
                    said.append(f"resume exited {out.returncode}: {(out.stderr or out.stdout).strip()[-400:]}")
            else:
                out = l2l("run", str(config), "--out", str(path), "--no-progress", env=env, callback=callback)
                if out.returncode:
                    said.append(f"run exited {out.returncode}: {out.stderr.strip()[-400:]}")
            if said_twice(out.stderr) or warned_twice:
                said.append(said_twice(out.stderr) or "a killed process said the pbt shape warning twice")
            if not said:
                got = summary(final)
                said = differences(expected, got)
                if callback:
                    problems, twice = callback_check(final, Path(str(path) + ".log"), env)
                    said += problems
                    passed_twice[mode] = passed_twice.get(mode, 0) + twice
                temporaries[mode] = temporaries.get(mode, 0) + got.get("temporaries", 0)
            left = sorted(entry.name for entry in scratch.iterdir())  # (l2l-*making-* among them: new_folder's)
            if left:
                leftovers[mode] = leftovers.get(mode, 0) + len(left)
                said.append(f"left in the temp folder after the last process: {', '.join(left[:5])}")
                for entry in scratch.iterdir():  # (counted once)
                    shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
            if said:
                mismatches[mode] += 1
                line = f"{mode} chain {chain} ({'; '.join(moments)}): {' | '.join(said)}"
                print(line, flush=True)
                if len(examples) < 20:
                    examples.append(line[:600])
                if args.keep:
                    shutil.copy(path, folder / f"bad{chain}.h5")
        print(f"{mode:20s} run {length:5.2f}s  kills {kills[mode]:3d}  chains {chains[mode]:3d}  "
              f"mismatches {mismatches[mode]}  leftovers {leftovers.get(mode, 0)}", flush=True)
    if not args.keep and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"kills": kills, "chains": chains, "mismatches": mismatches, "crashes": crashes,
                      "temporaries_left": temporaries, "temp_folder_leftovers": leftovers, "passed_twice": passed_twice,
                      "examples": examples}))
    return 1 if any(mismatches.values()) or crashes or leftovers else 0


if __name__ == "__main__":
    sys.exit(main())
