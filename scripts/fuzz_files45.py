"""Fuzz every command that reads a trajectory with damaged files, two writers on one file, and bad configs.

The promise under attack: bad input gets one line ``l2l: error: ...`` that names the problem (and, for a file,
the file), exit status 2, nothing already computed lost; no traceback, no hang; a second writer is refused in one
line naming the other process, the file intact; a reader beside a writer reads and does not block it.

Three parts (``--part files,writers,configs``):

files
    Four small real runs (a serial GA run, an asha run whose checkpoints are in the file, an NSGA-II run of two
    objectives, an asha run whose checkpoints are in the content-addressed folder beside it) are damaged: cut at
    byte offsets, bytes flipped, empty, a folder, text, another program's HDF5, one dataset removed / of the wrong
    dtype / of the wrong shape / an integer column holding NaN, the run's attributes edited, a checkpoint file of
    the folder removed or edited, the file read-only (on a read-only mount: EROFS, root's writes too), the disk
    full (a 256 KiB tmpfs where it can be mounted; ``RLIMIT_FSIZE`` otherwise and besides). Each is given to
    ``l2l show / validate / plot / report / compare / export / watch --once / prune (--dry-run) / checkpoint /
    resume / reevaluate`` and to ``l2l.load``, ``l2l.traces``, ``l2l.resume`` and ``l2l.checkpoint`` from Python
    (an ``L2LError`` printed as ``l2l: error: ...``, exit 2; any other exception is a traceback).
writers
    A slow run (the ``sleep`` simulator) writes a file while a second ``l2l run`` into it, ``l2l resume``,
    ``l2l reevaluate``, ``l2l prune`` and ``l2l checkpoint`` try to (refused: exit 2, one line naming the other
    process by its id), and readers (``l2l show``, ``l2l watch --once``, ``l2l validate``, ``l2l.load``) read it
    (exit 0, and the writer goes on); then the writer is killed (SIGKILL) and ``l2l resume`` must take its stale
    lock at once.
configs
    A GA config mutated: wrong types, unknown keys and sections (the line must suggest the near miss), unicode,
    huge numbers, NaN and inf, negative counts, empty arrays, bounds given as strings, a parameter given twice,
    the out path in a missing or unwritable folder; and the same through ``l2l.run(config, out, **options)``.

Each case runs in a fresh folder in its own process with a time limit and is classified: ok (exit 0), refused
(exit 2 in one line ``l2l: error: ...``), and the defects: traceback, hang, multiline (exit 2 in several lines),
other-exit (neither 0 nor 2; 1 from ``l2l validate`` is its answer), changed (a refused case or a reading command
changed an input file), nameless (a file refused in a line that names neither the file nor its folder), accepted
(exit 0 where the input must be refused), rejected (refused where it must work), blocked (a writer refused, or a
reader, that should not be, or the first writer hurt by a reader), nearmiss (an unknown key refused without the
near miss). Usage::

    PYTHONPATH=. nice -n 19 python scripts/fuzz_files45.py [--part files,writers,configs] [--seed N]
        [--sample N] [--jobs N] [--only WORD,WORD] [--commands resume,py-resume] [--keep]

Exit status 1 if any case is a defect; the last line is one JSON object of the counts.

Session 45 (helper-373, helper-376). Found: (1) a write the disk refused (a 256 KiB-spare tmpfs, RLIMIT_FSIZE) made
``l2l reevaluate`` end in h5py's traceback (5 of 108 disk cases: status 1, or -11 from a segmentation fault at
exit), and ``l2l run`` too (checked by hand under ``ulimit -f``), its file then refused by every reader as
'truncated' though its generations were whole: fixed (one line, exit 2, the file valid and resumable); (2)
``l2l reevaluate`` of a file with a damaged column (a negative /evaluations/individual) refused it only after
rewriting it (1 'changed' of 150); (3) ``l2l.run(config, out, generations=3)`` named no [run] key ('did you mean
on_generation?'); (4) the fuzzer's own: ``resume --generations`` of an asha run is refused for the option, not the
file (6 'nameless' in helper-373's run): a run with a [policy] is given ``--compute`` now. (2) and (3) are patches
for files outside this task (l2l/reevaluate.py, l2l/__init__.py). Last run (``--sample 150 --seed 48 --jobs 2``,
all three parts, 272 cases, 00:29-00:33 UTC 8 Dec 2026): ``{"refused": 226, "ok": 43, "changed": 1,
"nearmiss": 2}`` (those three: (2) and (3)). ``--part files --only full=,fsize=,readonly=`` (108 cases): before the
fix 5 tracebacks (3 of them status -11); after it none, ``{"refused": 55, "ok": 43, "changed": 8, "other-exit": 2}``:
the 8 a writer the disk stopped after it had written (now checked with ``l2l validate``: ``--commands
resume,py-resume,reevaluate,prune`` 32 cases ``{"ok": 17, "refused": 13, "other-exit": 2}``), the 2 ``l2l.resume``
from Python, whose L2LError is the one line but whose interpreter still crashes as it exits (HDF5 holds the file
it could not close: h5py issue 914; the ``l2l`` command ends without HDF5's shutdown), not fixed. Two writers: every
second writer (run, resume, reevaluate, prune, prune --dry-run, from Python too) refused in one line naming the
writer's pid, the readers read, a stale lock is taken at once; in one of 8 runs of the writers part the first writer
printed a traceback after the SIGINT that ends it (not seen again in 7 runs; its lines are printed now if it is).
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
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

GA = """[run]
name = "ga"
seed = 7
generations = 3
[space]
x = {low = -1.0, high = 1.0, shape = [2]}
k = {type = "int", low = 0, high = 4}
[optimizer]
name = "ga"
population_size = 6
[simulator]
name = "sphere"
[backend]
name = "serial"
"""
ASHA = """[run]
name = "NAME"
seed = 3
compute = 400
checkpoints = "WHERE"
[space]
learning_rate = { type = "float", low = 0.001, high = 0.3, log = true }
momentum = { type = "float", low = 0.05, high = 0.95 }
[optimizer]
name = "random"
[policy]
name = "asha"
eta = 3
[simulator]
name = "noisy-sgd"
max_budget = 27
[backend]
name = "serial"
"""
MO = """[run]
name = "mo"
seed = 5
generations = 3
[space]
x = {low = 0.0, high = 1.0, shape = [3]}
[optimizer]
name = "nsga2"
population_size = 8
[simulator]
name = "zdt1"
[[objectives]]
name = "f1"
direction = "minimize"
[[objectives]]
name = "f2"
direction = "minimize"
[backend]
name = "serial"
"""
SLOW = """[run]
name = "slow"
seed = 1
generations = 400
[space]
x = {low = -1.0, high = 1.0}
[optimizer]
name = "random"
population_size = 2
[simulator]
name = "sleep"
median = 0.05
[backend]
name = "serial"
"""
BASES = {"ga.h5": GA, "asha.h5": ASHA.replace("NAME", "asha").replace("WHERE", "file"), "mo.h5": MO,
         "store.h5": ASHA.replace("NAME", "store").replace("WHERE", "beside")}

#: Wraps a Python call: an L2LError is the one line the command line prints, exit 2; anything else a traceback.
WRAP = """import sys
import l2l
from l2l.errors import L2LError
try:
    result = {code}
    if hasattr(result, "shape"):
        print(result.shape)
except L2LError as exc:
    print(f"l2l: error: {{exc}}", file=sys.stderr)
    sys.exit(2)
"""
READING = ("show", "validate", "plot", "report", "compare", "export", "watch", "dry-prune", "checkpoint", "load",
           "traces", "py-checkpoint")


def commands(name: str, policy: bool = False) -> dict[str, list[str]]:
    """Every command that reads the file ``name``: label -> argv after ``python`` (``-m l2l ...`` or a script).
    A run with a [policy] is extended by compute (--generations does not apply to it: the intact file is refused)."""
    py = lambda code: ["-c", WRAP.format(code=code)]  # noqa: E731
    more = ["--compute", "600"] if policy else ["--generations", "4"]
    return {
        "show": ["-m", "l2l", "show", name],
        "validate": ["-m", "l2l", "validate", name],
        "plot": ["-m", "l2l", "plot", name, "-o", "fig.png"],
        "report": ["-m", "l2l", "report", name, "-o", "report.html"],
        "compare": ["-m", "l2l", "compare", name, name, "-o", "compare.png"],
        "export": ["-m", "l2l", "export", name, "-o", "table.csv"],
        "watch": ["-m", "l2l", "watch", "--once", name],
        "dry-prune": ["-m", "l2l", "prune", "--dry-run", name],
        "prune": ["-m", "l2l", "prune", name],
        "checkpoint": ["-m", "l2l", "checkpoint", name],
        "resume": ["-m", "l2l", "resume", name, "--no-progress", *more],
        "reevaluate": ["-m", "l2l", "reevaluate", name, "--top", "1", "--seeds", "1", "--no-progress"],
        "load": py(f"l2l.load({name!r})"),
        "traces": py(f"l2l.traces({name!r})"),
        "py-resume": py(f"l2l.resume({name!r}, {'compute=600' if policy else 'generations=4'})"),
        "py-checkpoint": py(f"l2l.checkpoint({name!r})"),
    }


# -- the damage ---------------------------------------------------------------------------------------------------
def _datasets(path: Path) -> list[str]:
    names: list[str] = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    return sorted(names)


def _replace(f: h5py.File, name: str, data) -> None:
    attrs = dict(f[name].attrs)
    del f[name]
    f.create_dataset(name, data=data, maxshape=(None,) + np.shape(data)[1:] if np.ndim(data) else None)
    for k, v in attrs.items():
        f[name].attrs[k] = v


def damage(base: Path, kind: str, arg, target: Path) -> None:
    """Write ``target``: ``base`` damaged by ``kind`` (with ``arg``); the checkpoint folder beside it copied."""
    folder = base.with_name(base.name + ".checkpoints")
    if kind == "folder":
        target.mkdir()
        return
    if kind == "empty":
        target.write_bytes(b"")
        return
    if kind == "text":
        target.write_text("generation,value\n0,1.5\n")
        return
    if kind == "foreign":
        with h5py.File(target, "w") as f:
            f["data"] = np.arange(10.0)
            f.create_group("evaluations")["x"] = np.arange(3)
        return
    shutil.copy2(base, target)
    if folder.is_dir():
        shutil.copytree(folder, target.with_name(target.name + ".checkpoints"))
    data = bytearray(target.read_bytes())
    if kind == "cut":
        target.write_bytes(bytes(data[:arg]))
    elif kind == "flip":
        for offset in arg:
            data[offset % len(data)] ^= 0xFF
        target.write_bytes(bytes(data))
    elif kind == "garbage":  # a run of random bytes over the middle of the file
        offset, count, seed = arg
        data[offset:offset + count] = np.random.default_rng(seed).integers(0, 256, count, dtype=np.uint8).tobytes()
        target.write_bytes(bytes(data))
    elif kind in ("drop", "dtype", "shape", "nan", "short", "negative"):
        with h5py.File(target, "r+") as f:
            values = f[arg][()]
            if kind == "drop":
                del f[arg]
            elif kind == "dtype":
                _replace(f, arg, np.asarray(values).astype("S8") if values.dtype.kind != "S"
                         else np.zeros(len(values)))
            elif kind == "shape":
                _replace(f, arg, np.stack([values, values], axis=-1) if np.ndim(values) == 1 else values[..., 0])
            elif kind == "short":
                _replace(f, arg, values[:max(len(values) // 2, 0)] if len(values) else np.zeros(3, values.dtype))
            elif kind == "nan":
                new = np.asarray(values, dtype=float)
                if new.size:
                    new.flat[new.size // 2] = np.nan
                _replace(f, arg, new)
            elif kind == "negative":
                new = np.asarray(values).astype(np.int64) if values.dtype.kind in "iu" else np.asarray(values)
                if new.size:
                    new.flat[new.size // 2] = -5
                _replace(f, arg, new)
    elif kind == "attr":
        key, value = arg
        with h5py.File(target, "r+") as f:
            f["run"].attrs[key] = value
    elif kind in ("blob-missing", "blob-edited", "blob-folder-missing", "blob-empty"):
        copy = target.with_name(target.name + ".checkpoints")
        blobs = sorted(copy.rglob("*.l2lc"))
        if kind == "blob-folder-missing":
            shutil.rmtree(copy)
        elif blobs:
            victim = blobs[arg % len(blobs)]
            if kind == "blob-missing":
                victim.unlink()
            elif kind == "blob-empty":
                victim.write_bytes(b"")
            else:
                raw = bytearray(victim.read_bytes())
                raw[len(raw) // 2] ^= 0x01
                victim.write_bytes(bytes(raw))
    elif kind in ("readonly", "full", "fsize"):
        pass  # the file is whole: the command runs on a read-only or full disk, or under RLIMIT_FSIZE
    else:
        raise ValueError(kind)


def file_cases(rng: random.Random, bases: Path) -> list[dict]:
    cases = []
    for base in BASES:
        path = bases / base
        size = path.stat().st_size
        names = _datasets(path)
        damages: list[tuple[str, object]] = [("empty", None), ("folder", None), ("text", None), ("foreign", None)]
        damages += [("cut", n) for n in sorted({0, 1, 7, 8, 100, 512, 2048, size // 3, size // 2, size - 4096,
                                                size - 1, *(rng.randrange(size) for _ in range(4))})]
        damages += [("flip", tuple(rng.randrange(size) for _ in range(rng.choice((1, 4, 32))))) for _ in range(6)]
        damages += [("garbage", (rng.randrange(size // 2), rng.choice((64, 4096)), rng.randrange(99)))
                    for _ in range(3)]
        important = [n for n in names if n.split("/")[-1] in (
            "seed", "status", "committed", "generation", "individual", "trial", "budget", "state_start",
            "state_length", "checkpoint_start", "checkpoint_length", "checkpoint_crc32", "error_length", "attempts",
            "event_kind", "states", "checkpoints", "errors", "started") or n.startswith(
            ("evaluations/objectives/", "evaluations/params/"))]
        for name in important:
            damages += [("drop", name), ("dtype", name), ("shape", name), ("short", name)]
            if h5py.File(path, "r")[name].dtype.kind in "iu":
                damages += [("nan", name), ("negative", name)]
        damages += [("attr", (k, v)) for k, v in (("config", "{"), ("config", "[1, 2]"), ("seed", "-1"),
                                                   ("seed", "abc"), ("objectives", "{}"), ("space", "null"),
                                                   ("optimizer", "nope"), ("versions", "\udcff".encode(
                                                       "utf-8", "surrogateescape")))]
        if base == "store.h5":
            damages += [(k, n) for k in ("blob-missing", "blob-edited", "blob-empty") for n in (0, 7, 50)]
            damages += [("blob-folder-missing", None)]
        damages += [("readonly", None), ("full", None), ("fsize", None)]
        for kind, arg in damages:
            for label, argv in commands("case.h5", base in ("asha.h5", "store.h5")).items():
                if kind in ("readonly", "full", "fsize") and label in ("validate", "watch", "dry-prune", "show",
                                                                      "load", "traces", "py-checkpoint"):
                    continue  # these write nothing: read-only and full disks matter to writers
                cases.append({"part": "files", "label": f"{base} {kind}={_short(arg)} {label}", "base": base,
                              "damage": (kind, arg), "command": label, "argv": argv})
    return cases


def _short(arg) -> str:
    text = repr(arg)
    return text if len(text) < 40 else hashlib.md5(text.encode()).hexdigest()[:8]


def snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix in (".h5", ".l2lc"):
            out[str(p.relative_to(folder))] = hashlib.sha1(p.read_bytes()).hexdigest()
        elif p.is_dir() and p.name.endswith(".checkpoints"):
            out[str(p.relative_to(folder)) + "/"] = "folder"
    return out


def _limit(kind: str, size: int):
    def setup():
        os.setsid()
        if kind == "fsize":  # a write past size + 64 KiB fails (EFBIG: Python ignores SIGXFSZ)
            resource.setrlimit(resource.RLIMIT_FSIZE, (size + 65536, size + 65536))
    return setup


def run_file_case(case: dict, bases: Path, work: Path, timeout: float, index: int) -> dict:
    folder = work / f"f{index:05d}"
    folder.mkdir()
    kind, arg = case["damage"]
    mounted = False
    if kind in ("full", "readonly"):  # a disk with the file on it and 32 KiB to spare (readonly: then remounted ro)
        size = (bases / case["base"]).stat().st_size
        folder_size = sum(p.stat().st_size for p in (bases / (case["base"] + ".checkpoints")).rglob("*")) \
            if (bases / (case["base"] + ".checkpoints")).is_dir() else 0
        pages = (size + folder_size * 2 + 4096 * 400) // 4096 + 8
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={pages * 4096}", "tmpfs", str(folder)],
                                 capture_output=True).returncode == 0
        if not mounted:
            shutil.rmtree(folder)
            return {**_public(case), "verdict": "skipped", "err": "no tmpfs"}
    try:
        damage(bases / case["base"], kind, arg, folder / "case.h5")
        if kind == "full":  # fill what is left but 32 KiB
            free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
            with open(folder / "filler", "wb") as out:
                out.write(b"\0" * max(free - 32768, 0))
        if kind == "readonly":  # the file and its folder on a read-only mount: writes fail with EROFS, root's too
            for p in folder.rglob("*"):
                os.chmod(p, 0o555 if p.is_dir() else 0o444)
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)
        before = snapshot(folder)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "MPLCONFIGDIR": str(work / "mpl"),
               "HOME": str(work)}
        size = (folder / "case.h5").stat().st_size if (folder / "case.h5").is_file() else 0
        started = time.monotonic()
        try:
            proc = subprocess.run([PY, *case["argv"]], cwd=folder, env=env, capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL, preexec_fn=_limit(kind, size))
            rc, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired:
            rc, out, err = None, "", ""
        seconds = time.monotonic() - started
        after = snapshot(folder)
        verdict = classify(case["command"], rc, err, before, after, kind)
        if verdict == "changed" and kind in ("full", "fsize") and rc == 2:  # a writer the disk stopped changes the
            check = subprocess.run([PY, "-m", "l2l", "validate", "case.h5"], cwd=folder, env=env,  # file: whole?
                                   capture_output=True, text=True, timeout=timeout)
            verdict = "refused" if check.returncode == 0 else "changed"
            err += "\n(the file changed; l2l validate: " + (check.stdout + check.stderr).strip()[-150:] + ")"
        return {**_public(case), "verdict": verdict, "rc": rc, "seconds": round(seconds, 1),
                "err": " | ".join([line for line in err.splitlines() if line.strip()][-3:])[:300]}
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        subprocess.run(["chmod", "-R", "u+rwx", str(folder)], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _public(case: dict) -> dict:
    return {"part": case["part"], "label": case["label"]}


def _said(err: str) -> list[str]:
    """The lines of stderr that count: not the banner ('l2l 0.1.0: ...'), a progress bar, nor a command's line of
    what it begins ('l2l: re-evaluating ...', said before the error)."""
    return [line for line in err.splitlines() if line.strip() and not line.startswith("l2l 0.") and "\r" not in line
            and not (line.startswith("l2l: ") and not line.startswith("l2l: error: "))]


def classify(command: str, rc, err: str, before: dict, after: dict, kind: str) -> str:
    lines = _said(err)
    if rc is None:
        return "hang"
    if "Traceback (most recent call last)" in err:
        return "traceback"
    changed = [k for k in before if before[k] != after.get(k)]
    if rc == 2:
        if len(lines) != 1 or not lines[0].startswith("l2l: error: "):
            return "multiline"
        if changed:
            return "changed"
        if kind not in ("readonly", "full", "fsize") and "case.h5" not in lines[0]:
            return "nameless"
        return "refused"
    if rc == 1 and command == "validate":
        return "changed" if changed else "ok"
    if rc == 0:
        if changed and command in READING:
            return "changed"
        return "ok"
    return "other-exit"


# -- two writers --------------------------------------------------------------------------------------------------
def writer_cases() -> list[dict]:
    second = {
        "run-again": ["-m", "l2l", "run", "slow.toml", "-o", "slow.h5", "--no-progress"],
        "resume": ["-m", "l2l", "resume", "slow.h5", "--no-progress"],
        "reevaluate": ["-m", "l2l", "reevaluate", "slow.h5", "--top", "1", "--seeds", "1", "--no-progress"],
        "prune": ["-m", "l2l", "prune", "slow.h5"],
        "py-resume": ["-c", WRAP.format(code="l2l.resume('slow.h5')")],
        "py-run": ["-c", WRAP.format(code="l2l.run(l2l.load_config('slow.toml'), 'slow.h5')")],
        # refused as prune is: what a run supersedes changes as it writes, so the plan would be stale at once
        "dry-prune": ["-m", "l2l", "prune", "--dry-run", "slow.h5"],
    }
    readers = {
        "show": ["-m", "l2l", "show", "slow.h5"],
        "watch": ["-m", "l2l", "watch", "--once", "slow.h5"],
        "validate": ["-m", "l2l", "validate", "slow.h5"],
        "load": ["-c", WRAP.format(code="l2l.load('slow.h5')")],
        "traces": ["-c", WRAP.format(code="l2l.traces('slow.h5')")],
        "checkpoint": ["-m", "l2l", "checkpoint", "slow.h5"],
        "export": ["-m", "l2l", "export", "slow.h5", "-o", "t.csv"],
    }
    cases = [{"part": "writers", "label": f"writer + {k}", "argv": v, "role": "writer"} for k, v in second.items()]
    cases += [{"part": "writers", "label": f"reader {k}", "argv": v, "role": "reader"} for k, v in readers.items()]
    cases.append({"part": "writers", "label": "stale lock: resume after SIGKILL", "argv": second["resume"],
                  "role": "stale"})
    return cases


def run_writer_case(case: dict, work: Path, timeout: float, index: int) -> dict:
    folder = work / f"w{index:05d}"
    folder.mkdir()
    (folder / "slow.toml").write_text(SLOW)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "MPLCONFIGDIR": str(work / "mpl")}
    first = subprocess.Popen([PY, "-m", "l2l", "run", "slow.toml", "-o", "slow.h5", "--no-progress"], cwd=folder,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # until the first generations are committed
            try:
                with h5py.File(folder / "slow.h5", "r", locking=False, swmr=True) as f:
                    if len(f["evaluations/committed"]) >= 3:
                        break
            except Exception:
                pass
            time.sleep(0.2)
        else:
            return {**_public(case), "verdict": "hang", "err": "the first run wrote no generation"}
        if case["role"] == "stale":
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
        started = time.monotonic()
        try:
            proc = subprocess.run([PY, *case["argv"]], cwd=folder, env=env, capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
            rc, err = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired:
            rc, err = None, ""
        seconds = time.monotonic() - started
        lines = [line for line in err.splitlines() if line.strip() and not line.startswith("l2l 0.")
                 and "\r" not in line]
        alive = first.poll() is None
        if case["role"] != "stale":
            os.killpg(first.pid, signal.SIGINT)  # ends the run at its next commit, the file kept
            try:
                first.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(first.pid, signal.SIGKILL)
                first.wait()
        first_err = first.stderr.read()
        if rc is None:
            verdict = "hang"
        elif "Traceback (most recent call last)" in err:
            verdict = "traceback"
        elif "Traceback (most recent" in first_err:
            verdict, err = "traceback", "the first writer's: " + " | ".join(
                line for line in first_err.splitlines()[-12:] if line.strip() and not line.startswith("    "))
        elif case["role"] == "writer":
            if rc != 2:
                verdict = "accepted"
            elif len(lines) != 1 or not lines[0].startswith("l2l: error: "):
                verdict = "multiline"
            elif str(first.pid) not in lines[0]:
                verdict = "nameless"
            elif not alive:
                verdict = "blocked"  # the first writer was hurt
            else:
                verdict = "refused"
        elif case["role"] == "reader":  # refused for what the file is (no checkpoints to list): not blocked
            verdict = "ok" if rc == 0 or (rc == 1 and "validate" in case["label"]) else (
                ("blocked" if str(first.pid) in err or "being written" in err else "refused") if rc == 2
                else "other-exit")
            if not alive:
                verdict, err = "blocked", "the writer ended while the reader read: " + first_err[-200:]
        else:
            verdict = "ok" if rc == 0 else ("rejected" if rc == 2 else "other-exit")
        if verdict not in ("ok", "refused") or case["role"] == "reader":
            try:
                check = subprocess.run([PY, "-m", "l2l", "validate", "slow.h5"], cwd=folder, env=env,
                                       capture_output=True, text=True, timeout=timeout)
                if check.returncode != 0 and verdict in ("ok", "refused"):
                    verdict, err = "changed", check.stdout + check.stderr
            except subprocess.TimeoutExpired:
                pass
        return {**_public(case), "verdict": verdict, "rc": rc, "seconds": round(seconds, 1),
                "err": " | ".join([line for line in err.splitlines() if line.strip()][-3:])[:300]}
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
        shutil.rmtree(folder, ignore_errors=True)


# -- configs ------------------------------------------------------------------------------------------------------
def _sub(old: str, new: str) -> str:
    assert old in GA, old
    return GA.replace(old, new)


def config_cases() -> list[dict]:
    tomls: list[tuple[str, str, str]] = [  # (label, text, expect: refuse / work / either / hint:WORD)
        ("generations string", _sub("generations = 3", 'generations = "3"'), "refuse"),
        ("generations float", _sub("generations = 3", "generations = 3.5"), "refuse"),
        ("generations bool", _sub("generations = 3", "generations = true"), "refuse"),
        ("generations negative", _sub("generations = 3", "generations = -3"), "refuse"),
        ("generations zero", _sub("generations = 3", "generations = 0"), "refuse"),
        ("generations huge", _sub("generations = 3", "generations = 99999999999999999999"), "refuse"),
        ("generations nan", _sub("generations = 3", "generations = nan"), "refuse"),
        ("generations inf", _sub("generations = 3", "generations = inf"), "refuse"),
        ("seed negative", _sub("seed = 7", "seed = -7"), "refuse"),
        ("seed huge", _sub("seed = 7", "seed = 18446744073709551616"), "refuse"),
        ("seed float", _sub("seed = 7", "seed = 7.0"), "refuse"),
        ("seed array", _sub("seed = 7", "seed = [7]"), "refuse"),
        ("population negative", _sub("population_size = 6", "population_size = -6"), "refuse"),
        ("population zero", _sub("population_size = 6", "population_size = 0"), "refuse"),
        ("population huge", _sub("population_size = 6", "population_size = 1e300"), "refuse"),
        ("population nan", _sub("population_size = 6", "population_size = nan"), "refuse"),
        ("low string", _sub("low = -1.0, high = 1.0", 'low = "-1.0", high = 1.0'), "refuse"),
        ("high string", _sub("low = -1.0, high = 1.0", 'low = -1.0, high = "one"'), "refuse"),
        ("low nan", _sub("low = -1.0, high = 1.0", "low = nan, high = 1.0"), "refuse"),
        ("high inf", _sub("low = -1.0, high = 1.0", "low = -1.0, high = inf"), "refuse"),
        ("low > high", _sub("low = -1.0, high = 1.0", "low = 1.0, high = -1.0"), "refuse"),
        ("low == high", _sub("low = -1.0, high = 1.0", "low = 1.0, high = 1.0"), "either"),
        ("huge bounds", _sub("low = -1.0, high = 1.0", "low = -1e308, high = 1e308"), "either"),
        ("int bounds float", _sub('type = "int", low = 0, high = 4', 'type = "int", low = 0.5, high = 4'), "refuse"),
        ("int huge", _sub('type = "int", low = 0, high = 4', 'type = "int", low = 0, high = 99999999999999999999'),
         "refuse"),
        ("shape empty", _sub("shape = [2]", "shape = []"), "either"),
        ("shape zero", _sub("shape = [2]", "shape = [0]"), "refuse"),
        ("shape negative", _sub("shape = [2]", "shape = [-2]"), "refuse"),
        ("shape string", _sub("shape = [2]", 'shape = "2"'), "refuse"),
        ("shape huge", _sub("shape = [2]", "shape = [100000, 100000]"), "refuse"),
        ("empty space", _sub('x = {low = -1.0, high = 1.0, shape = [2]}\nk = {type = "int", low = 0, high = 4}\n',
                             ""), "refuse"),
        ("choices empty", _sub('k = {type = "int", low = 0, high = 4}',
                               'k = {type = "categorical", choices = []}'), "refuse"),
        ("choices duplicated", _sub('k = {type = "int", low = 0, high = 4}',
                                    'k = {type = "categorical", choices = [1, 1]}'), "refuse"),
        ("parameter twice", _sub('k = {type = "int", low = 0, high = 4}',
                                 'k = {type = "int", low = 0, high = 4}\nk = {type = "int", low = 0, high = 3}'),
         "refuse"),
        ("section twice", GA + '[optimizer]\nname = "ga"\n', "refuse"),
        ("unknown run key", _sub("generations = 3", "generations = 3\ngeneration = 4"), "hint:generations"),
        ("unknown run key 2", _sub("seed = 7", "sed = 7"), "hint:seed"),
        ("unknown section", GA + "[simulater]\nname = 'sphere'\n", "hint:simulator"),
        ("unknown section 2", GA.replace("[backend]", "[backends]"), "hint:backend"),
        ("unknown optimizer key", _sub("population_size = 6", "population_size = 6\npopulaton_size = 6"),
         "hint:population_size"),
        ("unknown space key", _sub("shape = [2]", "shape = [2], hihg = 3"), "hint:high"),
        ("unknown optimizer", _sub('name = "ga"', 'name = "gaa"'), "hint:ga"),
        ("unknown simulator", _sub('name = "sphere"', 'name = "shpere"'), "hint:sphere"),
        ("unknown backend", _sub('name = "serial"', 'name = "seriall"'), "hint:serial"),
        ("unknown type", _sub('type = "int"', 'type = "integer"'), "hint:int"),
        ("unicode name", _sub('name = "ga"\nseed', 'name = "gä-🧠-\u202e"\nseed'), "either"),
        ("unicode parameter", _sub("x = {low", "ẋ = {low"), "either"),
        ("unicode key", _sub("generations = 3", "generations = 3\nгенерации = 3"), "refuse"),
        ("nul in name", _sub('name = "ga"\nseed', 'name = "g\\u0000a"\nseed'), "either"),
        ("not toml", "[run\nname = 1", "refuse"),
        ("empty file", "", "refuse"),
        ("binary", "\x00\x01\x02", "refuse"),
        ("array of tables run", GA.replace("[run]", "[[run]]"), "refuse"),
        ("run a string", 'run = "x"\n' + GA[GA.index("[space]"):], "refuse"),
        ("space an array", _sub("[space]\n", "space = []\n[spaceX]\n"), "refuse"),
        ("objectives empty", GA + "objectives = []\n", "refuse"),
        ("objectives direction", GA.replace("[backend]", '[[objectives]]\nname = "value"\ndirection = "up"\n'
                                            '[backend]'), "hint:minimize"),
        ("out missing folder", GA.replace('name = "ga"\nseed', 'name = "ga"\nout = "no/such/dir/x.h5"\nseed'),
         "either"),
        ("out is folder", GA.replace('name = "ga"\nseed', 'name = "ga"\nout = "."\nseed'), "refuse"),
    ]
    cases = [{"part": "configs", "label": f"toml {label}", "toml": text, "expect": expect,
              "argv": ["-m", "l2l", "run", "case.toml", *([] if "out =" in text else ["-o", "out.h5"]),
                       "--no-progress"]}
             for label, text, expect in tomls]
    cases.append({"part": "configs", "label": "toml out in unwritable folder", "toml": GA, "expect": "refuse",
                  "argv": ["-m", "l2l", "run", "case.toml", "-o", "locked/out.h5", "--no-progress"],
                  "readonly": True})
    cases.append({"part": "configs", "label": "toml out in missing folder (-o)", "toml": GA, "expect": "either",
                  "argv": ["-m", "l2l", "run", "case.toml", "-o", "no/such/out.h5", "--no-progress"]})
    # the same mistakes in the mapping l2l.run takes (config["run"][key] = value, ...), and run options given to
    # l2l.run as keyword arguments (they belong in the config: the line should say where)
    mapping = [("run", "generations", "'3'", "refuse"), ("run", "generations", "-1", "refuse"),
               ("run", "generations", "float('nan')", "refuse"), ("run", "generations", "10**30", "refuse"),
               ("run", "generations", "True", "refuse"), ("run", "seed", "-1", "refuse"),
               ("run", "seed", "2**64", "refuse"), ("run", "seed", "float('inf')", "refuse"),
               ("run", "seed", "np.uint64(7)", "either"), ("run", "seed", "np.float64(7)", "refuse"),
               ("run", "generation", "3", "hint:generations"), ("run", "sed", "3", "hint:seed"),
               ("optimizer", "population_size", "0", "refuse"), ("optimizer", "population_size", "np.int64(6)",
                                                                  "either"),
               ("backend", "name", "'seriall'", "hint:serial"), ("run", "max_time", "float('nan')", "refuse"),
               ("run", "max_time", "-1", "refuse"), ("run", "evaluations", "[]", "refuse"),
               ("run", "name", "3", "refuse"), ("run", "checkpoints", "'besides'", "hint:beside"),
               ("run", "timeout", "'1h'", "refuse"), ("run", "retries", "-1", "refuse"),
               ("run", "out", "'.'", "either"), ("run", "out", "3", "refuse"),
               ("space", "x", "{'low': '-1', 'high': 1.0}", "refuse"), ("space", "x", "{'low': 0, 'high': [1]}",
                                                                         "refuse"),
               ("space", "x", "{'low': -1.0, 'high': 1.0, 'shape': []}", "either"),
               ("space", "x", "{'low': -1.0, 'high': 1.0, 'shape': [-1]}", "refuse"),
               ("space", "k", "{'type': 'categorical', 'choices': []}", "refuse"),
               ("space", "k", "{'type': 'categorical', 'choices': [float('nan'), 1]}", "refuse"),
               ("space", "k", "{'type': 'int', 'low': float('nan'), 'high': 3}", "refuse"),
               ("optimizer", "mutation_sigma", "float('inf')", "refuse"),
               ("optimizer", "mutaton_sigma", "0.1", "hint:mutation_sigma"),
               ("simulator", "nam", "'sphere'", "refuse")]
    for table, key, value, expect in mapping:
        code = (f"l2l.run({{**CONFIG, {table!r}: {{**CONFIG.get({table!r}, {{}}), {key!r}: {value}}}}}, 'out.h5')")
        cases.append({"part": "configs", "label": f"mapping {table}.{key} = {value}", "expect": expect, "toml": GA,
                      "argv": ["-c", "import numpy as np, tomllib\nCONFIG = tomllib.load(open('case.toml', 'rb'))\n"
                               + WRAP.format(code=code)]})
    for code, expect in (("generations=3", "hint:[run]"), ("seed=1", "hint:[run]"), ("progres=True", "hint:progress"),
                         ("on_generation=3", "refuse"), ("control=3", "refuse"), ("progress='yes'", "refuse")):
        cases.append({"part": "configs", "label": f"l2l.run(**{code})", "expect": expect, "toml": GA,
                      "argv": ["-c", WRAP.format(code=f"l2l.run(l2l.load_config('case.toml'), 'out.h5', {code})")]})
    for out, expect in (("'no/such/dir/out.h5'", "either"), ("'.'", "refuse"), ("3", "refuse"),
                        ("b'out.h5'", "either"), ("'out.txt'", "either"), ("''", "refuse")):
        cases.append({"part": "configs", "label": f"l2l.run(out={out})", "expect": expect, "toml": GA,
                      "argv": ["-c", WRAP.format(code=f"l2l.run(l2l.load_config('case.toml'), {out})")]})
    return cases


def run_config_case(case: dict, work: Path, timeout: float, index: int) -> dict:
    folder = work / f"c{index:05d}"
    folder.mkdir()
    try:
        (folder / "case.toml").write_text(case["toml"], encoding="utf-8", errors="surrogatepass")
        setup = None
        if case.get("readonly"):  # a read-only mount as the out folder
            (folder / "locked").mkdir()
            mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", str(folder / "locked")],
                                     capture_output=True).returncode == 0
            if not mounted:
                return {**_public(case), "verdict": "skipped", "err": "no tmpfs"}
        env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "MPLCONFIGDIR": str(work / "mpl")}
        try:
            proc = subprocess.run([PY, *case["argv"]], cwd=folder, env=env, capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL, preexec_fn=setup)
            rc, err = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired:
            rc, err = None, ""
        lines = [line for line in err.splitlines() if line.strip() and not line.startswith("l2l 0.")
                 and "\r" not in line]
        expect = case["expect"]
        if rc is None:
            verdict = "hang"
        elif "Traceback (most recent call last)" in err:
            verdict = "traceback"
        elif rc == 0:
            verdict = "ok" if expect == "either" else "accepted"
        elif rc == 2:
            if len(lines) != 1 or not lines[0].startswith("l2l: error: "):
                verdict = "multiline"
            elif expect.startswith("hint:") and f"{expect[5:]}" not in lines[0].split("error:", 1)[1]:
                verdict = "nearmiss"
            else:
                verdict = "refused"
        else:
            verdict = "other-exit"
        return {**_public(case), "verdict": verdict, "rc": rc,
                "err": " | ".join([line for line in err.splitlines() if line.strip()][-3:])[:300]}
    finally:
        if case.get("readonly"):
            subprocess.run(["umount", "-l", str(folder / "locked")], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


# -- main ---------------------------------------------------------------------------------------------------------
DEFECTS = ("traceback", "hang", "multiline", "other-exit", "changed", "nameless", "accepted", "rejected", "blocked",
           "nearmiss")


def build_bases(folder: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name, text in BASES.items():
        (folder / name.replace(".h5", ".toml")).write_text(text)
        subprocess.run([PY, "-m", "l2l", "run", name.replace(".h5", ".toml"), "-o", name, "--no-progress"],
                       cwd=folder, env=env, check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="files,writers,configs")
    parser.add_argument("--seed", type=int, default=45)
    parser.add_argument("--sample", type=int, default=0, help="cases drawn from the files part (0: all)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument("--only", default="", help="comma-separated words; a case runs if its label has one")
    parser.add_argument("--commands", default="", help="comma-separated: only these commands of the files part "
                        "(resume,py-resume,...)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="fuzz45-"))
    os.chmod(work, 0o755)
    bases = work / "bases"
    bases.mkdir()
    parts = args.part.split(",")
    jobs: list[tuple] = []
    if "files" in parts:
        build_bases(bases)
        for p in bases.rglob("*"):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        cases = file_cases(rng, bases)
        if args.only:
            cases = [c for c in cases if any(w in c["label"] for w in args.only.split(","))]
        if args.commands:
            cases = [c for c in cases if c["command"] in args.commands.split(",")]
        if args.sample and args.sample < len(cases):
            cases = rng.sample(cases, args.sample)
        jobs += [(run_file_case, c, bases) for c in cases]
    if "writers" in parts:
        jobs += [(run_writer_case, c) for c in writer_cases()
                 if not args.only or any(w in c["label"] for w in args.only.split(","))]
    if "configs" in parts:
        jobs += [(run_config_case, c) for c in config_cases()
                 if not args.only or any(w in c["label"] for w in args.only.split(","))]
    print(f"{len(jobs)} cases in {work}", flush=True)
    counts: collections.Counter = collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(job[0], job[1], *job[2:], work, args.timeout, i) for i, job in enumerate(jobs)]
        for future in concurrent.futures.as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # the fuzzer's own failure: said, counted
                result = {"part": "?", "label": "?", "verdict": "fuzzer-error", "err": repr(exc)[:300]}
            counts[result["verdict"]] += 1
            mark = "DEFECT " if result["verdict"] in DEFECTS else ""
            print(f"{mark}{result['verdict']:10} {result['label']}: rc={result.get('rc')} "
                  f"{result.get('err', '')}", flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(dict(counts)))
    return 1 if any(counts[d] for d in DEFECTS) else 0


if __name__ == "__main__":
    sys.exit(main())
