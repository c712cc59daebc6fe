"""Fuzz a user's inner loop that misbehaves: what ``l2l run`` does when a ``python`` or ``command`` simulator
returns something odd (None, a string, NaN, a malformed curve, an unstorable checkpoint, ...) or behaves badly
(raises KeyboardInterrupt or SystemExit, calls os._exit, segfaults, prints megabytes, forks a child that outlives
it, changes the working directory, sleeps past run.timeout, ...).

Every case is a small run (random search, 2 x 3 evaluations; with ``--fidelity`` ASHA over budgets 1..9) in its own
folder and its own ``l2l run`` process with a deadline, followed by ``l2l validate`` and a look at the rows. Each is
classified as

* ``ok``: exit 0, every evaluation succeeded (a value l2l takes as a number: np.float32, a 0-d array);
* ``failed-named``: exit 0 and the run went on, the bad evaluations recorded as failed with the error named;
* ``refused-1line``: exit 2, one ``l2l: error:`` line, the rows computed before it kept and the file valid;
* ``all-failed-named`` and ``none-at-top``: exit 1, every evaluation failed, or no candidate reached the top budget
  as the segments that would have failed (``l2l: no candidate reached the top budget: ...``), the errors named;
* ``TRACEBACK``, ``HANG``, ``LOST-ROWS``, ``CORRUPT``, ``EXIT-<n>``, ``LEFT-PROCESS``, ``NOISY`` (a refusal in
  several lines): defects.

Usage::

    PYTHONPATH=. python scripts/fuzz_sim31.py [--backend serial,local] [--fidelity no,yes] [--only WORD[,WORD]]
                                              [--seed N] [--timeout S] [--max-runs N] [--list] [--keep]
                                              [--json FILE] [--inherit]

``--seed`` shuffles the order of the cases and draws each case's numbers (the search space's bounds, the size of a
printed flood, ...) from it, so that two seeds make different runs of the same cases. Exit status 1 if any case is a
defect. Scratch goes to a temporary folder (printed), removed unless a case is a defect (or ``--keep``).

Session 31 (helper-234), seed 1, on two cores at load 20-27: serial 134 runs in about 25 minutes, local 138 in
about 50. Serial: ok 37, all-failed-named 70 (exit 1, ``l2l: every evaluation/segment failed``), failed-named 4,
refused-1line 14 (2 of them the chdir defect below), interrupted-130 2 (KeyboardInterrupt: Ctrl+C's meaning),
EXIT-139 2 and EXIT-3 2 (segfault, os._exit: l2l's own process dies), LEFT-PROCESS 2 (a child the model started),
HANG 1 (3,000-5,000 files in a checkpoint_dir on a slow disk). Local: ok 41, all-failed-named 75, failed-named 4,
refused-1line 12, TRACEBACK 3 (KeyboardInterrupt killed workers; Dask's own tracebacks as a segfault kills them),
LEFT-PROCESS 2, HANG 1. Fixed then: chdir (python.py), KeyboardInterrupt in a worker thread and the forked
process's end under run.timeout (jobs/base.py), faulthandler's stack for a crash, large traces warned of
(outcomes.py), a command's output read from files (command.py); docs/simulators.md 'When the model misbehaves'.

Session 32 (helper-250), serial, at load 13-16 (about 17 s a run): seed 3202 ended in the fuzzer's own
TimeoutExpired traceback after 41 runs, as ``l2l validate`` of ret-trace-big's 2 GB file (88 MiB traces) took
108 s and 4.2 GB of memory (validate now reads its blobs in batches of at most 64 MiB: a 400 MB file 927 -> 194 MB,
8.1 -> 4.3 s); a check over CHECK_SECONDS is now classed SLOW-CHECK. Stopping the fuzzer left the case's run (a
session of its own) going: it is ended now; ``--max-runs`` bounds a run. Seed 3206 ``--max-runs 25`` (about 8
minutes): ok 8, all-failed-named 13, failed-named 1, refused-1line 1, EXIT--11 1 (segfault-later) and EXIT-3 1
(os-exit-later), both the documented death of l2l's own process on serial (run.timeout forks; an asha run's
segments since its last commit are run again by resume). Local, seeds 3208 ``--max-runs 15`` and 3209
``--max-runs 30`` (about 3 and 6 minutes at load 15-20): ok 11, all-failed-named 26, refused-1line 7, LEFT-PROCESS 1
(fork-child: the model's own child, as in session 31).

Session 33 (helper-264): KeyError and multi-line exception cases (a parameter the space lacks, misspelt, looked
up through a variable; the model's own dict, os.environ, an int key, a chained lookup, a multi-line key; messages
of several lines, none, 200,000 characters, ANSI and NUL characters, a traceback as text, chained, an
ExceptionGroup, an OSError, blank lines, an exception class of the model's module; a command program printing a
traceback), five of them again under run.timeout (``-forked``: a forked process per evaluation), and a class
UNNAMED: the failed rows' reason (l2l show's, error_message) lacks NAMED's words or holds UNNAMED's (the
missing-parameter hint on a KeyError of the model's own dict). Serial, load 16-27: seed 3303 ``--only`` the new
cases (38 runs) all-failed-named 35, UNNAMED 3 (ExceptionGroup named '+------------------------------------',
twice; a 200,000-character message named 'wwww...', its type cut off by the row's 4,000-character tail); seed 3306
``--only forked`` 4 UNNAMED of 5 (under run.timeout: a multi-line message by its last line, no missing-parameter
hint, the group's border, 'RuntimeError: wwww...'); by hand, l2l show named a model's own exception class
'_l2l_user_22f8037ff1e2_model.ConvergenceError'. All fixed in l2l/jobs/base.py (8f96ea0, 3a5c068): seeds 3305,
3306 (10 runs) and 3308 (raise-custom) 0 defects. Seed 3304 ``--max-runs 30`` over every case (about 4
minutes): all-failed-named 18, ok 6, refused-1line 3, failed-named 1, interrupted-130 1, EXIT-3 1 (os-exit: the
documented death of l2l's own process on serial), no defect. Local, seed 3307 ``--max-runs 14`` of the new cases:
all-failed-named 14. Seed 3309 ``--fidelity yes --max-runs 35`` (about 7 minutes): all-failed-named 23, ok 7,
refused-1line 2, EXIT--11 2 (segfault, segfault-later: serial's documented death) and HANG 1 (cmd-many-files,
3,000-5,000 files a segment in checkpoint_dir: 11 segments in the 150 s, the slowness docs/simulators.md gives
figures for, as in session 31). Brian2 target = 'cython' compile failures are not drawn: a compiler run takes
minutes.

Session 34 (helper-277): ``--inherit``, the runs with a fidelity under run.inherit = true (3 generations of 3)
instead of ASHA, a python model's plain number returned with a checkpoint; a class ``none-at-top`` (exit 1, ``l2l:
no candidate reached the top budget: N of M segments failed``, documented: the segments that would have reached it
failed). Seed 3404 ``--max-runs 30`` over every case (about 8 minutes at load 9-22): ok 8, all-failed-named 17,
failed-named 1, refused-1line 1, LEFT-PROCESS 1 (fork-child: the model's own child, as before), EXIT--11 1
(segfault-later: serial's documented death), TRACEBACK 1 (cmd-half-json on local: "AttributeError: '_Loop' object
has no attribute '_categorical_choices'" from another helper's l2l/driver_files.py as it was being written,
committed in d487cbf a minute later: no defect of the product). Seed 3407 ``--inherit --fidelity yes --max-runs
35`` (about 14 minutes at load 17-23): all-failed-named 19, refused-1line 8 (a model returning no checkpoint: a
command that leaves its checkpoint_dir empty, a dict or curve result; run.inherit ends the run there in one line,
as documented), ok 4, failed-named 1, LEFT-PROCESS 1 (fork-child), EXIT-3 1 (os-exit-later, serial), EXIT-1 1
(ret-nan-some on local: every candidate of the last generation NaN, so none reached the top budget: now
none-at-top). Seed 3408 ``--inherit --fidelity yes --backend serial --max-runs 15`` (about 3 minutes):
all-failed-named 10, ok 2, refused-1line 2, EXIT-3 1 (os-exit, serial). Seed 3409 ``--inherit --fidelity yes
--backend local --max-runs 12`` (about 6 minutes): all-failed-named 7, refused-1line 5. No defect of the product.
Session 35 (helper-298, fuzz35), load ~35: seed 3501 ``--max-runs 8``: refused-1line 2, all-failed-named 5, ok 1;
seed 3505 ``--backend serial --inherit --max-runs 6``: the documented HANG of cmd-many-files, and ret-bigint LOST-ROWS
/ raise-generatorexit SLOW-CHECK (l2l.load / l2l validate over 120 s under the load); the two again with
``--only ret-bigint,raise-generatorexit`` (4 runs): ok 2, all-failed-named 2, validate in 5 s. No defect of the product.
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
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

HEADER = """\
import ctypes, os, signal, subprocess, sys, time
import numpy as np
from l2l.simulators import SimulationResult

_calls = []

class Plain:
    def __init__(self):
        self.x = 1

class ModelError(Exception):
    pass

def value(params):
    return float(np.sum(np.asarray(params["x"], dtype=float) ** 2))
"""

#: name -> (body of f, where ``v`` is the candidate's value and ``b`` the budget (1 without fidelity); where it
#: applies: "both", "fid" (needs a curve or checkpoint) or "plain").
PYTHON = {
    # -- what it returns
    "ret-none": ("return None", "both"),
    "ret-str": ("return 'abc'", "both"),
    "ret-numstr": ("return '0.5'", "both"),
    "ret-list2": ("return [v, v]", "both"),
    "ret-list1": ("return [v]", "both"),
    "ret-dict-other": ("return {'loss': v}", "both"),
    "ret-dict-extra": ("return {'value': v, 'extra': 'text'}", "both"),
    "ret-nan": ("return float('nan')", "both"),
    "ret-nan-some": ("return float('nan') if v > {mid} else v", "both"),
    "ret-inf": ("return float('inf')", "both"),
    "ret-neginf": ("return -float('inf')", "both"),
    "ret-np0d": ("return np.array(v)", "both"),
    "ret-np1": ("return np.array([v])", "both"),
    "ret-npf32": ("return np.float32(v)", "both"),
    "ret-npint": ("return np.int64(3)", "both"),
    "ret-bool": ("return True", "both"),
    "ret-hugeint": ("return 10 ** 400", "both"),
    "ret-bigint": ("return 10 ** 30", "both"),
    "ret-complex": ("return complex(v, 1)", "both"),
    "ret-key-int": ("return {1: v}", "both"),
    "ret-key-tuple": ("return {('value',): v}", "both"),
    "ret-tuple-curve": ("return (v, [[b, v]])", "both"),
    "ret-metric-str": ("return SimulationResult(objectives={'value': v}, metrics={'m': 'text'})", "both"),
    "ret-metric-arr": ("return SimulationResult(objectives={'value': v}, metrics={'m': np.zeros(3)})", "both"),
    "ret-trace-obj": ("return SimulationResult(objectives={'value': v}, traces={'t': object()})", "both"),
    "ret-trace-big": ("return SimulationResult(objectives={'value': v}, traces={'t': np.zeros({big})})", "both"),
    "ret-outputs-ragged": ("return SimulationResult(objectives={'value': v}, outputs=[[1.0], [1.0, 2.0]])", "both"),
    "curve-unsorted": ("return SimulationResult(objectives={'value': v}, curve={'value': [[b, v], [b - 0.5, v]]})",
                       "fid"),
    "curve-above": ("return SimulationResult(objectives={'value': v}, curve={'value': [[b, v], [b + 100, v]]})",
                    "fid"),
    "curve-nan": ("return SimulationResult(objectives={'value': v}, curve={'value': [[b - 0.5, float('nan')], "
                  "[b, v]]})", "fid"),
    "curve-1e6": ("return SimulationResult(objectives={'value': v}, curve={'value': np.column_stack(["
                  "np.linspace(b - 0.9, b, 10 ** 6), np.full(10 ** 6, v)])})", "fid"),
    "curve-3col": ("return SimulationResult(objectives={'value': v}, curve={'value': [[b, v, 1.0]]})", "fid"),
    "curve-str": ("return SimulationResult(objectives={'value': v}, curve={'value': 'abc'})", "fid"),
    "curve-none-inside": ("return SimulationResult(objectives={'value': v}, curve={'value': None})", "fid"),
    "ckpt-object": ("return SimulationResult(objectives={'value': v}, checkpoint={'o': object()})", "fid"),
    "ckpt-class": ("return SimulationResult(objectives={'value': v}, checkpoint={'p': Plain()})", "fid"),
    "ckpt-key-int": ("return SimulationResult(objectives={'value': v}, checkpoint={1: np.zeros(3)})", "fid"),
    "ckpt-list": ("return SimulationResult(objectives={'value': v}, checkpoint=[1, 2, 3])", "fid"),
    "ckpt-big": ("return SimulationResult(objectives={'value': v}, checkpoint={'w': np.zeros({big})})", "fid"),
    "ckpt-nested": ("return SimulationResult(objectives={'value': v}, checkpoint={'a': {'b': {'c': [np.zeros(2), "
                    "'s', None]}}})", "fid"),
    # -- how it behaves
    "raise-valueerror": ("raise ValueError('lr must be positive')", "both"),
    "raise-kbint": ("raise KeyboardInterrupt", "both"),
    "raise-systemexit3": ("raise SystemExit(3)", "both"),
    "raise-sysexit0": ("sys.exit(0)", "both"),
    "raise-base": ("class Stop(BaseException):\n    pass\nraise Stop('custom stop')", "both"),
    "raise-generatorexit": ("raise GeneratorExit", "both"),
    "raise-memoryerror": ("raise MemoryError", "both"),
    "raise-recursion": ("def r(n):\n    return r(n + 1)\nr(0)", "both"),
    "raise-unprintable": ("class E(Exception):\n    def __str__(self):\n        raise RuntimeError('no str')\n"
                          "raise E()", "both"),
    "os-exit": ("os._exit(3)", "both"),
    "segfault": ("ctypes.string_at(0)", "both"),
    "os-exit-later": ("_calls.append(1)\nif len(_calls) == 4:\n    os._exit(3)\nreturn v", "both"),
    "segfault-later": ("_calls.append(1)\nif len(_calls) == 4:\n    ctypes.string_at(0)\nreturn v", "both"),
    "print-mb": ("print('x' * {flood}); sys.stderr.write('y' * {flood} + '\\n'); return v", "both"),
    "fork-child": ("subprocess.Popen(['sleep', '{marker}']); return v", "both"),
    "chdir": ("os.chdir(tempfile_dir); return v", "both"),
    "signal-handlers": ("signal.signal(signal.SIGINT, signal.SIG_IGN); signal.signal(signal.SIGTERM, "
                        "signal.SIG_IGN); return v", "both"),
    "leak": ("_calls.append(np.ones(5 * 2 ** 20)); return v", "both"),
    "sleep-timeout": ("time.sleep(60); return v", "both"),
    "mutate-params": ("params['x'] = 99.0; params['extra'] = 1; return v", "both"),
    "mutate-array": ("params['x'][...] = 99.0; return v", "both"),
    "type-each-call": ("_calls.append(1); n = len(_calls) % 4\nreturn [v, {'value': v}, 'abc', None][n]", "both"),
    "stdout-close": ("sys.stdout.close(); return v", "both"),
    # -- session 33: KeyError and multi-line exceptions, as l2l names them in the failure's one line (7543453,
    # c60ca17, 96c74c4); the row's error must hold NAMED's words and none of UNNAMED's
    "keyerror-param": ("return params['nope'] + v", "both"),
    "keyerror-misspelt": ("return params['xx'] + v", "both"),
    "keyerror-own-dict": ("state = {'epoch': 1}\nreturn state['weights']", "both"),
    "keyerror-environ": ("return float(os.environ['L2L_FUZZ_UNSET_VARIABLE'])", "both"),
    "keyerror-int": ("return params[0]", "both"),
    "keyerror-name-var": ("name = 'nope'\nreturn params[name]", "both"),
    "keyerror-get-chain": ("return params.get('a', {})['b']", "both"),
    "keyerror-multiline": ("raise KeyError('first\\nsecond')", "both"),
    "raise-multiline": ("raise ValueError('bad shape\\n  at layer 3\\nexpected 4 got 5')", "both"),
    "raise-empty": ("raise ValueError()", "both"),
    "raise-long": ("raise ValueError('w' * 200000 + ' the end')", "both"),
    "raise-ansi": ("raise ValueError('\\x1b[31mred\\x1b[0m and \\x00 nul')", "both"),
    "raise-traceback-text": ("raise RuntimeError('Traceback (most recent call last):\\n  File \"m.py\", line 1, in f"
                             "\\nValueError: x must be positive')", "both"),
    "raise-chained": ("try:\n    {}['a']\nexcept KeyError as e:\n    raise ValueError('no a in the table') from e",
                      "both"),
    "raise-group": ("raise ExceptionGroup('two failed', [ValueError('one'), KeyError('two')])", "both"),
    "raise-oserror": ("open('/nonexistent-l2l-fuzz/data.npy')", "both"),
    "raise-blank-lines": ("raise ValueError('\\n\\n  ')", "both"),
    "raise-custom": ("raise ModelError('diverged at epoch 3')", "both"),
}

# the same under run.timeout, where the model runs in a forked process and its traceback comes back as text
for _name in ("keyerror-param", "keyerror-own-dict", "raise-multiline", "raise-group", "raise-long", "raise-custom"):
    PYTHON[_name + "-forked"] = PYTHON[_name]

#: Session 33: words the failed rows' error of a case must hold (and, UNNAMED, must not): the failure's one line
#: names the problem (a KeyError of a parameter the space lacks says so; one of the model's own dict does not).
NAMED = {"keyerror-param": ("KeyError", "nope", "no parameter"), "keyerror-misspelt": ("xx", "no parameter"),
         "keyerror-own-dict": ("KeyError", "weights"), "keyerror-environ": ("L2L_FUZZ_UNSET_VARIABLE",),
         "keyerror-int": ("KeyError", "0"), "keyerror-name-var": ("nope", "no parameter"),
         "keyerror-get-chain": ("KeyError", "b"), "keyerror-multiline": ("KeyError", "first"),
         "raise-multiline": ("bad shape", "expected 4 got 5"), "raise-empty": ("ValueError",),
         "raise-long": ("ValueError", "w"), "raise-ansi": ("red",),
         "raise-traceback-text": ("x must be positive",), "raise-chained": ("no a in the table",),
         "raise-group": ("two failed",), "raise-oserror": ("data.npy",), "raise-blank-lines": ("ValueError",),
         "raise-custom": ("model.ModelError: diverged at epoch 3",),
         "cmd-traceback": ("x must be positive",), "cmd-exit4": ("cannot converge",)}
NAMED.update({name + "-forked": NAMED[name] for name in ("keyerror-param", "keyerror-own-dict", "raise-multiline",
                                                          "raise-group", "raise-long", "raise-custom")})
UNNAMED = {"raise-custom": ("_l2l_user_",), "raise-custom-forked": ("_l2l_user_",),
           "keyerror-own-dict": ("no parameter",), "keyerror-environ": ("no parameter",),
           "keyerror-get-chain": ("no parameter",), "raise-traceback-text": ("Traceback",),
           "cmd-traceback": ("Traceback (most",)}

#: name -> (program body run by ``python3 prog.py ARGS`` where ARGS is ``--x X --budget B --ckpt DIR --work W``;
#: where it applies)
COMMAND = {
    "cmd-ok": ("print(v)", "both"),
    "cmd-exit4": ("sys.stderr.write('cannot converge\\n'); sys.exit(4)", "both"),
    "cmd-silent": ("pass", "both"),
    "cmd-twice": ("print(v); print(v + 1)", "both"),
    "cmd-half-json": ("print('{\"value\": 0.')", "both"),
    "cmd-half-file": ("open(os.path.join(work, 'out.json'), 'w').write('{\"value\": 0.')", "both"),
    "cmd-nan": ("print('NaN')", "both"),
    "cmd-null": ("print('null')", "both"),
    "cmd-killed": ("os.kill(os.getpid(), 9)", "both"),
    "cmd-many-files": ("[open(os.path.join(ckpt, f'f{i}'), 'w').write(str(i)) for i in range({files})]; print(v)",
                       "fid"),
    "cmd-big-ckpt": ("open(os.path.join(ckpt, 'w.bin'), 'wb').write(b'0' * {bigbytes}); print(v)", "fid"),
    "cmd-fifo": ("os.mkfifo(os.path.join(ckpt, 'pipe')); print(v)", "fid"),
    "cmd-curve-unsorted": ("print(json.dumps({'objectives': {'value': v}, 'curve': {'value': [[b, v], [b - 0.5, "
                           "v]]}}))", "fid"),
    "cmd-sleep": ("time.sleep(60); print(v)", "both"),
    "cmd-no-budget": ("print(v)", "fid-nobudget"),
    "cmd-traceback": ("sys.stderr.write('Traceback (most recent call last):\\n  File \"prog.py\", line 3, in <module>\\n"
                      "ValueError: x must be positive\\n'); sys.exit(1)", "both"),
}

#: Seconds the check of a run's file (l2l validate, then l2l.load) may take before it is classed SLOW-CHECK (the
#: fuzzer itself ended in a TimeoutExpired traceback there).
CHECK_SECONDS = 120.0
CLASSES = ("ok", "failed-named", "refused-1line", "all-failed-named", "none-at-top", "interrupted-130")


#: ``--inherit`` (session 34): the runs with a fidelity are Lamarckian generations (run.inherit = true, 3 of 3)
#: instead of ASHA, and a python model's plain number is returned with a checkpoint (run.inherit ends the run at
#: a segment below the top budget that returns none).
INHERIT = False
INHERIT_WRAPPER = """
def f(params, seed, budget=1, checkpoint=None):
    r = _f(params, seed, budget, checkpoint)
    if isinstance(r, (int, float, np.integer, np.floating)) and not isinstance(r, (bool, np.bool_)):
        return SimulationResult(objectives={"value": float(r)}, checkpoint={"b": float(budget)})
    return r
"""


def config(case: str, kind: str, fidelity: bool, backend: str, rng: random.Random, folder: Path) -> str:
    low = round(rng.uniform(-3, -1), 3)
    run = ['seed = %d' % rng.randrange(1, 10 ** 6)]
    if fidelity and INHERIT:
        run += ["generations = 3", "inherit = true"]
    elif fidelity:
        run.append("compute = 40")
    else:
        run.append("generations = 2")
    if case in ("sleep-timeout", "cmd-sleep"):
        run.append("timeout = 2")
    elif case.endswith("-forked"):
        run.append("timeout = 60")
    lines = ["[run]", *run, "", "[space]", f"x = {{ low = {low}, high = {-low} }}", "",
             "[optimizer]", 'name = "random"', "population_size = 3", ""]
    if fidelity and not INHERIT:
        lines += ["[policy]", 'name = "asha"', "eta = 3", ""]
    fid = 'multi_fidelity = { name = "epochs", minimum = 1, maximum = 9 }'
    if kind == "python":
        lines += ["[simulator]", 'name = "python"', 'function = "model:f"']
        if fidelity:
            lines.append(fid)
    else:
        argv = ["python3", "{config_dir}/prog.py", "--x", "{x}", "--work", "{workdir}"]
        if fidelity:
            argv += ["--ckpt", "{checkpoint_dir}"]
            if case != "cmd-no-budget":
                argv += ["--budget", "{budget}"]
        lines += ["[simulator]", 'name = "command"', "argv = " + json.dumps(argv)]
        if case == "cmd-half-file":
            lines.append('result = "out.json"')
        if fidelity:
            lines.append(fid)
    lines += ["", "[backend]", f'name = "{backend}"']
    if backend == "local":
        lines.append("workers = 2")
    return "\n".join(lines) + "\n"


def python_model(case: str, fidelity: bool, rng: random.Random, folder: Path) -> tuple[str, str]:
    body = PYTHON[case][0]
    fill = {"mid": "0.5", "big": str(rng.choice([9, 10, 11]) * 2 ** 20), "flood": str(rng.randrange(3, 6) * 10 ** 6),
            "marker": f"{rng.randrange(900, 999)}.{rng.randrange(10 ** 6)}"}
    for key, text in fill.items():
        body = body.replace("{" + key + "}", text)
    signature = "params, seed, budget=1, checkpoint=None" if fidelity else "params, seed"
    extra = f"tempfile_dir = {str(folder / 'elsewhere')!r}\n"
    (folder / "elsewhere").mkdir(exist_ok=True)
    b = "b = budget\n" if fidelity else "b = 1\n"
    name = "_f" if fidelity and INHERIT else "f"
    return (HEADER + extra + f"\ndef {name}({signature}):\n" + textwrap.indent("v = value(params)\n" + b + body, "    ")
            + "\n" + (INHERIT_WRAPPER if name == "_f" else "")), fill["marker"]


def command_program(case: str, rng: random.Random) -> str:
    body = COMMAND[case][0]
    body = body.replace("{files}", str(rng.choice([3000, 5000]))).replace(
        "{bigbytes}", str(rng.choice([70, 80]) * 2 ** 20))
    return textwrap.dedent("""\
        import json, os, sys, time
        args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
        x = float(args['--x']); v = x * x; b = float(args.get('--budget', 1))
        ckpt = args.get('--ckpt'); work = args['--work']
        """) + body + "\n"


def run_case(case: str, kind: str, fidelity: bool, backend: str, seed: int, root: Path, timeout: float) -> dict:
    rng = random.Random(f"{seed}-{case}-{kind}-{fidelity}-{backend}")
    folder = root / f"{case}-{backend}-{'fid' if fidelity else 'plain'}"
    folder.mkdir(parents=True)
    marker = None
    if kind == "python":
        text, marker = python_model(case, fidelity, rng, folder)
        (folder / "model.py").write_text(text)
    else:
        (folder / "prog.py").write_text(command_program(case, rng))
    (folder / "cfg.toml").write_text(config(case, kind, fidelity, backend, rng, folder))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    # files, not pipes: a child the model leaves running holds a pipe open, and reading it to its end waited for
    # that child (as `l2l run ... | tee log` does)
    with open(folder / "stdout.txt", "wb") as out_file, open(folder / "stderr.txt", "wb") as err_file:
        proc = subprocess.Popen([sys.executable, "-m", "l2l", "run", "cfg.toml", "--out", "run.h5", "--no-progress"],
                                cwd=folder, env=env, stdout=out_file, stderr=err_file, start_new_session=True)
        try:
            status = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            status = "hang"
        except BaseException:  # the fuzzer stopped (Ctrl+C, timeout's SIGTERM): the run, a session of its own, too
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    err = (folder / "stderr.txt").read_bytes()
    seconds = time.monotonic() - started
    err_text = err.decode(errors="replace")
    record = {"case": case, "backend": backend, "fidelity": fidelity, "status": status, "seconds": round(seconds, 1),
              "stderr_bytes": len(err), "folder": str(folder)}
    lines = [line for line in err_text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("l2l: error:")]
    record["error"] = errors[-1][:300] if errors else ""
    record["last_line"] = lines[-1][:300] if lines else ""
    record["traceback"] = "Traceback (most recent call last)" in err_text
    record["every_failed"] = any(line.startswith(("l2l: every evaluation failed", "l2l: every segment failed")) for line in lines)
    record["none_at_top"] = any(line.startswith("l2l: no candidate reached the top budget: ") for line in lines)
    rows = inspect_file(folder / "run.h5", env)
    record.update(rows)
    left = []
    if marker:
        left = [pid for pid in _pids_with(f"sleep {marker}")]
        for pid in left:  # started by this case's model: end them, by their pid
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    record["left_processes"] = len(left)
    record["class"] = classify(record, case)
    return record


def _pids_with(text: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if cmd.strip() == text:
                out.append(int(entry.name))
    return out


def inspect_file(path: Path, env: dict) -> dict:
    if not path.exists():
        return {"file": "none", "rows": 0, "failed": 0, "errors": []}
    try:
        check = subprocess.run([sys.executable, "-m", "l2l", "validate", str(path)], env=env, capture_output=True,
                               timeout=CHECK_SECONDS)
    except subprocess.TimeoutExpired:  # (a run of 88 MiB traces: 2 GB, 108 s and 4.2 GB of memory at load 16-20)
        return {"file": "SLOW-CHECK", "rows": -1, "failed": -1, "errors": [f"l2l validate took over "
                                                                          f"{CHECK_SECONDS:g} s"]}
    probe = ("import l2l, json, sys\nf = l2l.load(sys.argv[1])\nst = f['status'] if 'status' in f else None\n"
             "from l2l.summary.failures import error_message\n"
             "errs = sorted(set(error_message(str(e))[:300] for e in f.get('error', []) if str(e) not in ('', 'nan',"
             " 'None')))\n"
             "print(json.dumps({'rows': len(f), 'failed': int((st != 'ok').sum()) if st is not None else -1, "
             "'errors': errs[:4], 'xmax': float(abs(f['x']).max()) if 'x' in f and len(f) else 0.0}))")
    try:
        load = subprocess.run([sys.executable, "-c", probe, str(path)], env=env, capture_output=True,
                              timeout=CHECK_SECONDS)
        info = json.loads(load.stdout.decode().strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        info = {"rows": -1, "failed": -1, "errors": [f"l2l.load took over {CHECK_SECONDS:g} s"]}
    except (ValueError, IndexError):
        info = {"rows": -1, "failed": -1, "errors": [load.stderr.decode(errors="replace")[-300:]]}
    return {"file": "valid" if check.returncode == 0 else "INVALID: " + check.stdout.decode()[-200:]
            + check.stderr.decode()[-200:], **info}


def classify(r: dict, case: str) -> str:
    if r["status"] == "hang":
        return "HANG"
    if r["traceback"]:
        return "TRACEBACK"
    if r["file"] == "SLOW-CHECK":
        return "SLOW-CHECK"
    if r["file"] not in ("valid", "none"):
        return "CORRUPT"
    if r["left_processes"]:
        return "LEFT-PROCESS"
    if r.get("xmax", 0) > 3:  # the bounds are within +-3: a parameter the model changed in place was recorded
        return "MUTATED"
    if r.get("failed", 0) > 0 and (case in NAMED or case in UNNAMED):
        said = " ".join(r["errors"])
        if not all(word in said for word in NAMED.get(case, ())) or any(w in said for w in UNNAMED.get(case, ())):
            return "UNNAMED"
    if r["status"] == 0:
        if r["rows"] <= 0:
            return "LOST-ROWS"
        return "ok" if r["failed"] == 0 else "failed-named"
    if r["status"] == 2:
        return "refused-1line" if r["error"] else "NOISY"
    if r["status"] == 1 and r["every_failed"] and r["rows"] > 0:  # documented: the run ends, nothing succeeded
        return "all-failed-named"
    if r["status"] == 1 and r.get("none_at_top") and r["failed"] > 0:  # documented: no result at the top budget,
        return "none-at-top"  # as the segments that would have reached it failed (session 34, --inherit)
    if r["status"] == 130 and case == "raise-kbint":
        return "interrupted-130"
    return f"EXIT-{r['status']}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="serial,local")
    parser.add_argument("--fidelity", default="no,yes")
    parser.add_argument("--only", default="")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=150.0)
    parser.add_argument("--max-runs", type=int, default=0, help="only the first N runs of the (shuffled) plan")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (removed if no case is a defect)")
    parser.add_argument("--json", default="", help="write every record to this file")
    parser.add_argument("--inherit", action="store_true", help="runs with a fidelity under run.inherit, not ASHA")
    args = parser.parse_args()
    global INHERIT
    INHERIT = args.inherit
    cases = [(name, "python", where) for name, (_, where) in PYTHON.items()] + \
            [(name, "command", where) for name, (_, where) in COMMAND.items()]
    if args.only:
        words = args.only.split(",")
        cases = [c for c in cases if any(w in c[0] for w in words)]
    plan = []
    for name, kind, where in cases:
        for backend in args.backend.split(","):
            for fid in args.fidelity.split(","):
                fidelity = fid == "yes"
                if (where.startswith("fid") and not fidelity) or (where == "plain" and fidelity):
                    continue
                plan.append((name, kind, fidelity, backend))
    random.Random(args.seed).shuffle(plan)
    if args.max_runs:
        plan = plan[:args.max_runs]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # (run_case ends the run under way)
    if args.list:
        for item in plan:
            print(*item)
        return 0
    root = Path(tempfile.mkdtemp(prefix="l2l-fuzz-sim31-"))
    print(f"scratch: {root}; {len(plan)} runs", flush=True)
    records = []
    for name, kind, fidelity, backend in plan:
        r = run_case(name, kind, fidelity, backend, args.seed, root, args.timeout)
        records.append(r)
        shown = (r["error"] or (r["errors"][0] if r["errors"] else r["last_line"])).replace("\n", " | ")
        print(f"{r['class']:14} {name:20} {backend:7} {'fid' if fidelity else '   '} exit={r['status']} "
              f"rows={r['rows']} failed={r['failed']} {r['seconds']:5.1f}s | {shown[:230]}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1, default=str))
    counts: dict[str, int] = {}
    for r in records:
        counts[r["class"]] = counts.get(r["class"], 0) + 1
    print(json.dumps({"runs": len(records), "classes": counts}))
    defects = [r for r in records if r["class"] not in CLASSES]
    if not defects and not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
