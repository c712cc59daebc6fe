"""Damaged and hostile trajectory files, and the commands a user runs on them (used by the file tests).

``build_base`` writes a small real trajectory (every parameter kind, traces,
metrics, failed evaluations). Each corruption copies it and damages the copy:
the named ones are the defects a user or an attacker produced by hand, the
random ones (``random_case``) are drawn from a fixed seed.

Run as a script (``python file_corruptions.py BASE WORKDIR CASE...``) it runs
every command on every case in this one process and prints one JSON line per
case, so that the calling test can put a time limit on each case and find a
hang without paying a process start per command.

``plot`` reads every file, but draws a figure only for an input (the RunData the figure receives, path aside)
not drawn before in the same process: most damaged files that still plot give the undamaged file's figure, and
an input drawn before gets that drawing's outcome (the same bytes written, or the same error raised); see
``_each_figure_drawn_once``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import os
import pickle
import queue
import shutil
import struct
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Callable

import h5py
import numpy as np

from l2l.simulators.base import SimulationResult

TESTS = Path(__file__).resolve().parent
SIGNATURE = b"\x89HDF\r\n\x1a\n"


def traces_and_failures(params, seed):
    """Traces, metrics (one named like a parameter), and a failure for one seed in five."""
    if seed % 5 == 0:
        raise RuntimeError(f"diverged for seed {seed}")
    x = np.asarray(params["x"], dtype=float)
    value = float(np.sum(x * x) + params["k"] + len(params["c"]))
    return SimulationResult(objectives={"value": value}, metrics={"k": float(seed % 7), "rate": value / 2},
                            traces={"curve": np.cumsum(np.ones(5) * value), "flags": np.array([True, False])})


CONFIG = {
    "run": {"name": "hostile", "seed": 3, "generations": 2},
    "space": {"x": {"type": "float", "low": -2.0, "high": 2.0, "shape": [2]},
              "k": {"type": "int", "low": 1, "high": 4},
              "c": {"type": "categorical", "choices": ["a", "bb", "ccc"]},
              "w": {"type": "categorical", "choices": [0.5, 1.0]}},
    "optimizer": {"name": "ga", "population_size": 6},
    "simulator": {"name": "python", "function": "file_corruptions:traces_and_failures", "path": str(TESTS)},
    "backend": {"name": "serial"},
}


def build_base(folder: Path) -> Path:
    import l2l

    config = l2l.from_mapping(CONFIG, base_dir=TESTS)
    return Path(l2l.run(config, folder / "base.h5"))


# -- named corruptions -------------------------------------------------------------------------------
def _set(path: str, row: int, value) -> Callable[[h5py.File], None]:
    def change(f: h5py.File) -> None:
        f[path][row] = value
    return change


def _replace(path: str, data) -> Callable[[h5py.File], None]:
    def change(f: h5py.File) -> None:
        del f[path]
        f[path] = data
    return change


def _point_trace_at(blob: bytes, row: int = 1) -> Callable[[h5py.File], None]:
    def change(f: h5py.File) -> None:
        traces = f["blobs/traces"]
        start = traces.shape[0]
        traces.resize((start + len(blob),))
        traces[start:] = np.frombuffer(blob, dtype="u1")
        f["evaluations/trace_start"][row] = start
        f["evaluations/trace_length"][row] = len(blob)
    return change


def _encoded(header: dict, body: bytes) -> bytes:
    text = json.dumps(header).encode()
    return b"L2L1" + struct.pack("<Q", len(text)) + text + body


def _attr(path: str, key: str, value) -> Callable[[h5py.File], None]:
    def change(f: h5py.File) -> None:
        f[path].attrs[key] = value
    return change


def _links(*pairs) -> Callable[[h5py.File], None]:
    def change(f: h5py.File) -> None:
        for path, link in pairs:
            if path in f or f.get(path, getlink=True) is not None:
                del f[path]
            f[path] = link
    return change


def _hard_loop(f: h5py.File) -> None:
    f["run/again"] = f["run"]


def _failed_row(f: h5py.File) -> int:
    return int(np.flatnonzero(f["evaluations/error_length"][:])[0])


def _bad_error_text(f: h5py.File) -> None:
    start = int(f["evaluations/error_start"][_failed_row(f)])
    f["blobs/errors"][start:start + 2] = np.frombuffer(b"\xff\xfe", dtype="u1")


def _state_without_loop_generation(f: h5py.File) -> None:
    blob = np.frombuffer(_encoded({"optimizer": {}, "loop": {"generation": "two"}}, b""), dtype="u1")
    states = f["blobs/states"]
    start = states.shape[0]
    states.resize((start + len(blob),))
    states[start:] = blob
    last = f["generations/generation"].shape[0] - 1
    f["generations/state_start"][last] = start
    f["generations/state_length"][last] = len(blob)


def _error_past_blob(f: h5py.File) -> None:
    f["evaluations/error_start"][_failed_row(f)] = 10 ** 12


DEEP = "[" * 100_000 + "]" * 100_000

#: name -> (change of the open file, words the validate problem contains)
NAMED: dict[str, tuple[Callable[[h5py.File], None], str]] = {
    "seed_2_63": (_set("evaluations/seed", 0, 2 ** 63 + 5), "seed"),
    "categorical_index_99": (_set("evaluations/params/c", 0, 99), "choices"),
    "numeric_categorical_index_minus_1": (_set("evaluations/params/w", 2, -1), "choices"),
    "started_inf": (_set("evaluations/started", 0, np.inf), "started"),
    "started_huge": (_set("evaluations/started", 1, 1e300), "started"),
    "negative_generation": (_set("evaluations/generation", 0, -1), "negative"),
    "negative_duration": (_set("evaluations/duration", 0, -5.0), "duration"),
    "status_9": (_set("evaluations/status", 0, 9), "status"),
    "error_past_blob": (_error_past_blob, "blob"),
    "state_past_blob": (_set("generations/state_length", 0, 10 ** 15), "blob"),
    "state_without_loop_generation": (_state_without_loop_generation, "'generation'"),
    "pickle_in_trace_blob": (_point_trace_at(pickle.dumps({"curve": [1.0]})), "pickle"),
    "object_dtype_in_trace_blob": (_point_trace_at(_encoded({"curve": {"__ndarray__": ["|O", [1], 0, 8]}},
                                                            b"\0" * 8)), "dtype"),
    "external_link_to_etc_passwd": (_links(("blobs/errors", h5py.ExternalLink("/etc/passwd", "/"))),
                                    "external link"),
    "external_link_beside_the_data": (_links(("run/extra", h5py.ExternalLink("/etc/passwd", "/x"))),
                                      "external link"),
    "soft_link_loop": (_links(("run/a", h5py.SoftLink("/run/b")), ("run/b", h5py.SoftLink("/run/a"))),
                       "soft link"),
    "soft_link_instead_of_a_column": (_links(("evaluations/seed", h5py.SoftLink("/evaluations/individual"))),
                                      "soft link"),
    "hard_link_loop": (_hard_loop, "second name"),
    "deep_json_space": (_attr("run", "space", DEEP), "deeply"),
    "deep_json_config": (_attr("run", "config", DEEP), "deeply"),
    "deep_json_in_a_column_attribute": (_attr("evaluations/params/c", "choices", DEEP), "deeply"),
    "huge_json_config": (_attr("run", "config", json.dumps({"run": {"x": "y" * 5_000_000}})[:-2]), "JSON"),
    "space_of_numbers": (_attr("run", "space", '{"x": 5}'), "space"),
    "schema_version_text": (_attr("/", "schema_version", "one"), "schema_version"),
    "object_dtype_column": (_replace("evaluations/status", np.array(["ok"] * 12, dtype=h5py.string_dtype())),
                            "dtype"),
    "float_seed_column": (_replace("evaluations/seed", np.zeros(12, dtype="<f4")), "dtype"),
    "missing_column": (lambda f: f.__delitem__("evaluations/duration"), "missing"),
    "committed_beyond_the_data": (_set("evaluations/committed", -1, 10 ** 9), "fewer than"),
    "event_detail_not_utf8": (_set("run/event_detail", 0, b"\xff\xfe{"), "UTF-8"),
    "error_text_not_utf8": (_bad_error_text, "UTF-8"),
}



#: Whole-file damage: name -> function(base bytes) -> bytes, or "fifo".
RAW = {
    "truncated_1024": lambda data: data[:1024],
    "truncated_in_half": lambda data: data[:len(data) // 2],
    "random_bytes_after_signature": lambda data: SIGNATURE + np.random.default_rng(0).bytes(8192),
    "signature_and_superblock_then_random": lambda data: data[:48] + np.random.default_rng(1).bytes(8192),
    "superblock_then_random_bytes": lambda data: data[:48] + np.random.default_rng(1).bytes(len(data) - 48),
    "metadata_zeroed": lambda data: data[:48] + bytes(16384) + data[48 + 16384:],
    "empty": lambda data: b"",
}


def killed_with_in_flight(path: Path, in_flight: list) -> None:
    """Make ``path`` (a finished multi-fidelity run) read as a writer killed with ``in_flight`` ([trial, budget,
    from_budget]) at its last commit leaves it: no 'finished' event, the segments in the last commit's state."""
    from l2l.results_schema import codec

    with h5py.File(path, "r+") as f:
        for name in ("event_time", "event_kind", "event_detail"):
            f[f"run/{name}"].resize((f[f"run/{name}"].shape[0] - 1,))  # the 'finished' event never came
        gen, states = f["generations"], f["blobs/states"]
        last = gen["generation"].shape[0] - 1
        start, length = int(gen["state_start"][last]), int(gen["state_length"][last])
        state = codec.decode(states[start:start + length])
        state["loop"]["in_flight"] = in_flight
        data = np.frombuffer(codec.encode(state), dtype="u1")
        states.resize((states.shape[0] + len(data),))
        states[-len(data):] = data
        gen["state_start"][last], gen["state_length"][last] = states.shape[0] - len(data), len(data)
        if "state_crc32" in gen:  # as the writer would have stored it
            gen["state_crc32"][last] = codec.checksum(data)


def make_case(base: Path, name: str, target: Path) -> None:
    """Write the damaged copy ``name`` of ``base`` to ``target`` (see NAMED, RAW, random_case)."""
    if target.exists() or target.is_symlink():
        target.unlink()
    if name == "fifo":
        os.mkfifo(target)
    elif name in RAW:
        target.write_bytes(RAW[name](base.read_bytes()))
    elif name in NAMED:
        shutil.copyfile(base, target)
        with h5py.File(target, "r+", libver="latest") as f:
            NAMED[name][0](f)
    elif name.startswith("random-"):
        random_case(base, int(name.split("-")[1]), target)
    else:
        raise ValueError(name)


# -- random corruptions ------------------------------------------------------------------------------
def _datasets(f: h5py.File) -> list[str]:
    out: list[str] = []
    f.visititems(lambda name, item: out.append(name) if isinstance(item, h5py.Dataset) else None)
    return sorted(out)


def random_case(base: Path, seed: int, target: Path) -> None:
    """One random corruption drawn from ``seed``: truncation, flipped bytes, or an HDF5-level change."""
    rng = np.random.default_rng(seed)
    data = bytearray(base.read_bytes())
    kind = ["truncate", "flip", "flip_metadata", "dtype", "delete", "value", "link", "attribute"][seed % 8]
    if kind == "truncate":
        target.write_bytes(bytes(data[:int(rng.integers(0, len(data)))]))
        return
    if kind.startswith("flip"):
        # Metadata sits at the start and the end of the file; raw data in between.
        regions = [(0, 16384), (len(data) - 16384, len(data))] if kind == "flip_metadata" else [(0, len(data))]
        for _ in range(int(rng.integers(1, 12))):
            low, high = regions[int(rng.integers(len(regions)))]
            position = int(rng.integers(max(low, 0), high))
            data[position] ^= int(rng.integers(1, 256))
        target.write_bytes(bytes(data))
        return
    shutil.copyfile(base, target)
    with h5py.File(target, "r+", libver="latest") as f:
        names = _datasets(f)
        path = names[int(rng.integers(len(names)))]
        item = f[path]
        if kind == "dtype":
            dtype = [np.dtype("<f4"), np.dtype("<i2"), np.dtype("<u8"), np.dtype("S8"), np.dtype("?"),
                     h5py.string_dtype(), np.dtype(">f8")][int(rng.integers(7))]
            values = np.zeros(item.shape, dtype=dtype) if dtype.kind != "O" else \
                np.array(["x"] * int(np.prod(item.shape)), dtype=dtype).reshape(item.shape)
            del f[path]
            f[path] = values
        elif kind == "delete":
            parts = path.split("/")
            del f["/".join(parts[:int(rng.integers(1, len(parts) + 1))])]
        elif kind == "value" and item.shape and item.shape[0]:
            row = int(rng.integers(item.shape[0]))
            choices = {"f": [np.nan, np.inf, -np.inf, -1e300, 1e300], "i": [-1, -2 ** 63, 2 ** 62, 99],
                       "u": [2 ** 64 - 1, 2 ** 63, 255], "S": [b"\xff\xfe", b"{" * 16]}.get(item.dtype.kind, [0])
            value = choices[int(rng.integers(len(choices)))]
            try:
                item[row] = value
            except (TypeError, ValueError, OverflowError):
                item[row] = 0
        elif kind == "link":
            del f[path]
            f[path] = h5py.SoftLink("/" + names[int(rng.integers(len(names)))]) if rng.random() < 0.5 \
                else h5py.ExternalLink("/etc/passwd", "/")
        else:
            key = ["space", "objectives", "config", "versions", "seed", "name"][int(rng.integers(6))]
            f["run"].attrs[key] = [DEEP, "{", '{"a": [1, 2', "[]", "{}", "null", rng.bytes(40).hex(),
                                   '{"x": {"type": "categorical", "choices": []}}'][int(rng.integers(8))]


# -- the commands ------------------------------------------------------------------------------------
def _cli(argv: list[str]) -> tuple[object, str]:
    from l2l.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: object = main(argv)
        except SystemExit as exc:
            code = exc.code
        except BaseException:
            return "traceback", traceback.format_exc()
    return code, err.getvalue()


def _load(path: Path) -> tuple[object, str]:
    import l2l
    from l2l.errors import TrajectoryError

    try:
        l2l.load(path)
        with l2l.Trajectory(path) as trajectory:
            trajectory.generations(), trajectory.traces(), trajectory.events(), trajectory.outputs()
            if trajectory.n_generations:
                trajectory.state()
    except TrajectoryError as exc:
        return 2, f"l2l: error: {exc}\n"
    except BaseException:
        return "traceback", traceback.format_exc()
    return 0, ""


# -- each figure drawn once ------------------------------------------------------------------------------
#: What drawing gave, by the digest of what the drawing received (see _figure_input): ("error", the exception
#: the figure raised) or ("drawn", {(dpi, suffix, overwrite): ("saved", bytes) or ("error", what save raised)}).
#: Most damaged files that still plot give the undamaged file's figure (the damage is in what the figure does not
#: read), and drawing it was most of what the commands cost (fuzz: ~19 of ~31 s of CPU for one figure drawn 15
#: times more); in this process (a runner, or pytest's) each such input is drawn once. Checked: on every case of
#: test_file_fuzz and test_hostile_files the outcome reused is the exit status, message and PNG bytes drawing
#: again gives.
_DRAWN: dict[str, tuple[str, object]] = {}


def _without_path(frame):
    if frame is None or "path" not in frame.attrs:
        return frame
    frame = frame.copy(deep=False)
    frame.attrs = {key: value for key, value in frame.attrs.items() if key != "path"}
    return frame


def _figure_input(run, kind: str, options: dict) -> str | None:
    """A digest of what drawing ``kind`` of ``run`` (a RunData, read from the file) receives; None (draw it) where
    the drawing reads the file again: a run with a fidelity (its curves, l2l.plot.curves._sweep_paths).

    The file's path is left out (the figure never shows it: its title is ``run.name``, which is in); matplotlib's
    settings are in."""
    from matplotlib import rcParams

    if run.fidelity or run.multi_fidelity or not dataclasses.is_dataclass(run):
        return None
    fields = {field.name: getattr(run, field.name) for field in dataclasses.fields(run)}
    fields["path"] = None
    for name in ("frame", "events", "segments", "curves"):
        fields[name] = _without_path(fields[name])
    for name in ("categorical", "log"):
        fields[name] = sorted(map(str, fields[name]))
    try:
        data = pickle.dumps((kind, sorted(options.items()), fields, repr(sorted(rcParams.items()))), protocol=5)
    except Exception:  # noqa: BLE001  (what cannot be pickled is drawn)
        return None
    return hashlib.sha256(data).hexdigest()


class _AlreadyDrawn(BaseException):  # not caught by an "except Exception" of the product's
    pass


@dataclasses.dataclass
class _Drawn:
    """What ``figure`` gives for an input drawn before: ``save`` writes that drawing's bytes (or raises its error)."""
    key: str
    draw: Callable[[], object]  # the figure again, for a resolution or format not saved before


@contextlib.contextmanager
def _each_figure_drawn_once():
    """Within: ``l2l.plot.figure`` reads the file (the product's reading, every time) and draws only an input not
    drawn before in this process; ``l2l.plot.save`` of such an input writes the bytes saved the first time. The
    ``plot`` command takes both from ``l2l.plot`` when it runs."""
    import l2l.plot
    import l2l.plot.figures as figures
    from l2l.analysis.outputs import write_atomically

    real_figure, real_save, real_load = l2l.plot.figure, l2l.plot.save, figures.load_run
    saving: dict[int, str] = {}  # id of a figure drawn here -> its key

    def figure(source, kind="overview", **options):
        keys: list[str | None] = []

        def load_run(source, errors=True):  # the figure's first read is the reading; what follows is the drawing
            run = real_load(source, errors=errors)
            if not keys:
                keys.append(_figure_input(run, kind, options))
                if keys[0] in _DRAWN:
                    raise _AlreadyDrawn(run)
            return run

        figures.load_run = load_run
        try:
            fig = real_figure(source, kind, **options)
        except _AlreadyDrawn as drawn:
            outcome, value = _DRAWN[keys[0]]
            if outcome == "error":
                raise value
            run = drawn.args[0]
            return _Drawn(keys[0], lambda: real_figure(run, kind, **options))
        except Exception as error:
            if keys and keys[0] is not None:
                _DRAWN[keys[0]] = ("error", error)
            raise
        finally:
            figures.load_run = real_load
        if keys and keys[0] is not None:
            _DRAWN[keys[0]] = ("drawn", {})
            saving[id(fig)] = keys[0]
        return fig

    def save(fig, path, dpi=110, overwrite=True):
        key = fig.key if isinstance(fig, _Drawn) else saving.pop(id(fig), None)
        if key is None:
            return real_save(fig, path, dpi=dpi, overwrite=overwrite)
        saved = _DRAWN[key][1]
        format = (dpi, Path(os.fsdecode(path)).suffix.lower(), overwrite)
        if format in saved:
            outcome, value = saved[format]
            if outcome == "error":
                raise value
            return write_atomically(Path(path), lambda tmp: Path(tmp).write_bytes(value))
        try:
            target = real_save(fig.draw() if isinstance(fig, _Drawn) else fig, path, dpi=dpi, overwrite=overwrite)
        except Exception as error:
            saved[format] = ("error", error)
            raise
        saved[format] = ("saved", target.read_bytes())
        return target

    l2l.plot.figure, l2l.plot.save = figure, save
    try:
        yield
    finally:
        l2l.plot.figure, l2l.plot.save = real_figure, real_save


def run_commands(path: Path, out: Path, resume: bool = False) -> dict[str, tuple[object, str]]:
    """Exit status and standard error of each command a user runs on a file (``resume`` last, if asked).

    ``plot`` reads every file; an input drawn before in this process is not drawn again (_each_figure_drawn_once).
    """
    results = {
        "validate": _cli(["validate", str(path)]),
        "show": _cli(["show", str(path)]),
        "load": _load(path),
    }
    with _each_figure_drawn_once():
        # the smallest resolution: the figure reads all the file does at any, and drawing 110 dpi cost a third more
        results["plot"] = _cli(["plot", str(path), "-o", str(out / "figure.png"), "--force", "--dpi", "20"])
    results["export"] = _cli(["export", str(path), "-o", str(out / "table.csv"), "--force"])
    if resume:
        before = _content(path)
        results["resume"] = _cli(["resume", str(path), "--no-progress"])
        if results["resume"][0] != 0 and _content(path) != before:
            results["resume"] = ("changed the file it failed on", results["resume"][1])
    return results


def _content(path: Path) -> bytes:
    return path.read_bytes() if path.is_file() else b""


def bad_outcomes(results: dict[str, tuple[object, str]]) -> list[str]:
    """What is wrong with the outcomes: a traceback, an unknown exit status, or a long error message."""
    bad = []
    for command, (code, err) in results.items():
        if code not in (0, 1, 2) or "Traceback" in err:
            bad.append(f"{command}: exit {code}: {err[-2000:]}")
        elif code == 2 and (len(err.strip().splitlines()) != 1 or not err.startswith("l2l: error: ")):
            bad.append(f"{command}: exit 2 without one line 'l2l: error: ...': {err[-2000:]!r}")
        elif code == 1 and command != "validate":
            bad.append(f"{command}: exit 1: {err[-500:]!r}")
    return bad


def main(argv: list[str]) -> None:
    resume = "--resume" in argv
    base, work, *cases = [a for a in argv if a != "--resume"]
    for name in cases:
        folder = Path(work) / name
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "run.h5"
        make_case(Path(base), name, target)
        results = run_commands(target, folder, resume=resume)
        print(json.dumps({"case": name, "bad": bad_outcomes(results),
                          "codes": {k: v[0] for k, v in results.items()},
                          "errors": {k: v[1][-300:] for k, v in results.items()}}), flush=True)


def run_cases(base: Path, work: Path, cases: list[str], limit: float = 60.0,
              resume: bool = False, processes: int = 1) -> dict[str, dict]:
    """Run :func:`main` in child processes; fail naming the case if one takes more than ``limit`` seconds.

    With ``processes`` > 1 the cases are dealt out to that many children, each timed case by case as one.
    """
    groups = [group for group in (cases[first::processes] for first in range(processes)) if group]
    lines: queue.Queue = queue.Queue()
    children, logs = [], []
    for number, group in enumerate(groups):
        logs.append(work / ("runner.stderr" if len(groups) == 1 else f"runner-{number}.stderr"))
        command = [sys.executable, str(Path(__file__)), str(base), str(work), *(["--resume"] if resume else []),
                   *group]
        with open(logs[-1], "w") as errors:
            children.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=work))
        threading.Thread(target=lambda child=children[-1], number=number: [
            lines.put((number, line)) for line in child.stdout] + [lines.put((number, None))], daemon=True).start()
    waiting = {number: list(group) for number, group in enumerate(groups)}  # each child's cases still to come
    since = {number: time.monotonic() for number in waiting}  # when each child began its current case
    results: dict[str, dict] = {}
    try:
        while any(waiting.values()):
            first = min((number for number in waiting if waiting[number]), key=since.__getitem__)
            try:
                number, line = lines.get(timeout=max(0.0, since[first] + limit - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"case {waiting[first][0]!r} took more than {limit} s (a hang)") from None
            if line is None:
                if not waiting[number]:
                    continue
                raise AssertionError(f"the runner died at case {waiting[number][0]!r}: "
                                     f"{logs[number].read_text()[-3000:]}")
            result = json.loads(line)
            results[result["case"]] = result
            waiting[number].remove(result["case"])
            since[number] = time.monotonic()
    finally:
        for child in children:
            child.kill()
            child.wait()
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(TESTS))
    main(sys.argv[1:])
