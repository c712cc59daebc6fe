"""Fuzz l2l's Python API: call every public function with bad arguments and report what is not a clean refusal.

Each call runs in a fresh folder holding a finished run (run.h5), a folder named dir.h5 and a config file; a call
is a defect if it raises anything but l2l's own errors (L2LError), hangs (120 s), leaves a file made or changed
behind as it refuses, or refuses in several lines, with a raw control character (a NUL of the path) or in the
command line's words (--option). Calls that succeed are listed as ok (a bad value some function takes as it is).
Usage (NAME-FILTER: only the functions whose name holds one of the words, e.g. ``args plot,export``)::

    PYTHONPATH=. python scripts/fuzz_python_api.py [paths|args|new33|new34|new35|all] [NAME-FILTER[,NAME-FILTER...]]

Exit status 1 if any call is a defect. Run it with backend serial configs only: no worker process starts.
Session 28 (helper-186): 2,437 calls in about 18 minutes on two cores shared with other work. After its fixes it
still listed (files it did not own): plot.save's dpi, fig and path; report's dpi and path; export's format and path;
plot's top, objectives and sources of the wrong type; evaluation_seed's arguments; plot.figure(bogus=...).
helper-191 (pyfuzz28b) fixed those: ``all export,report,reevaluate,resume,plot,evaluation_seed,Objective,load``
(1,217 calls, about 13 minutes under load) listed 219 defects before and none after, and the raw NUL of
load_config's, resume's and reevaluate's "no such file" is gone.
Session 32 (helper-250): ``run(policy.same_everywhere=)`` and ``run(optimizer.learn_from_stopped=)`` (a small
noisy-sgd run under successive-halving / asha); ``args same_everywhere,learn_from_stopped,from_mapping`` (105 calls)
listed 1 defect, from_mapping(user_file=np.array([1, 2])) a ValueError (fixed in l2l/config.py), none after;
``paths load_config,resume,Trajectory,validate,reevaluate`` (80 calls) none.
Session 33 (helper-264): ``new33`` calls sessions 31-32's options with BAD and path-like values (EXTRA: blank, '.',
'..', a file, lists and a set of names, numpy text, '~'): run(backend.dashboard=) on local, run(policy.keep=) of
pbt beside an integer width, run(simulator.path=), run(simulator.kwargs=), run(simulator.multi_fidelity=) and its
maximum beside a function, from_mapping(base_dir=) of a relative model path, agreement(objective=). Before the
fixes (217 calls, kwargs not yet drawn): 55 defects (agreement's ValueError for a name the run lacks and numpy's
'ambiguous' for an array: 29; "'int' object is not iterable" / "dictionary update sequence" for a multi_fidelity
that is no table beside a function: 26, kwargs the same); after (8f96ea0, d229976): ``new33`` 248 calls (about 4
minutes at load 20-27) and ``new33 user_file`` (from_mapping(user_file=), added last, 31 calls), 0 defects.
Session 34 (helper-277): ``new34`` calls session 33's options and calls with BAD and EXTRA values: l2l.lineage's
members (and a list of one value) and curves on a PBT run, run.inherit, run.target under inherit and the python
simulator's checkpoint_limit_mb beside a function that continues, run.stop_after_failures, run.initial_points.
``new34 lineage,inherit`` on session 33's code (HEAD fc147ed, 155 calls): 46 defects, all l2l.lineage (44
TypeError: "'int' object is not iterable", "'>=' not supported between ..."; 2 ValueError), besides what the
fuzzer counts as taken (curves='no', members=[999] an empty frame, run.inherit = 3.5 of whole epochs rounded);
after 762d379: ``new34`` 248 calls (ok 39, ArgumentError 82, ConfigError 125, TrajectoryError 2), 0 defects,
about 7 minutes at load 13-22; ``new33`` again (279 calls, about 8 minutes at load 17-20): 0 defects.
Session 35 (helper-298): ``new35`` calls l2l.run(on_evaluation=) with BAD | EXTRA values and with callbacks that
return values, clear info, sleep, print or read the keys docs/python_api.md names; and None and numbers at extremes
(EXTREME: 1e308, 5e-324, -0.0, nan, +-inf, +-10**30, booleans, numeric strings) in a mapping's [run] keys, asha's,
median-stopping's and model-based's [policy] options and the ga's [optimizer] options, as far as l2l.run builds the
components. On session 34's driver_files.py ``new35 on_evaluation`` (38 calls): 1 defect, info of a run without a
fidelity lacking trial, budget and from_budget (a logger's info['trial'] a KeyError; fixed in d1d341b); after: ``new35`` 1,340 calls (ok 196, ArgumentError 30,
ConfigError 1,114), 0 defects, about 5 minutes at load ~35; ``new34 lineage,inherit`` 155 and ``new33`` 279 calls: 0.
"""
import hashlib, os, re, shutil, signal, sys, tempfile, traceback, warnings
from pathlib import Path
import numpy as np
import l2l, l2l.plot, l2l.reevaluate
from l2l.errors import L2LError
import l2l.analysis.export as export_mod, l2l.analysis.report as report_mod
warnings.simplefilter("ignore")

WORK = Path(tempfile.mkdtemp(prefix="l2l-fuzz-api-"))
BASE = WORK / "base.h5"

def bowl(params, seed):
    return float(params["x"]) ** 2

def cfg(**run):
    return {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
            "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1, **run},
            "backend": {"name": "serial"}}

class Odd:
    def __repr__(self): return "<Odd>"

BAD = {"None": None, "int3": 3, "neg": -1, "zero": 0, "huge": 10**30, "str3": "3", "float": 3.5, "nan": float("nan"),
       "inf": float("inf"), "list": [1], "dict": {"a": 1}, "bytes": b"x", "obj": Odd(), "True": True,
       "np.int64": np.int64(3), "np.float64": np.float64(2.0), "np.bool_": np.bool_(True), "array": np.array([1, 2]),
       "np.int0": np.int64(0), "np.nan": np.float64("nan"), "path": Path("x.h5")}

def snapshot(folder):
    out = {}
    for p in Path(folder).rglob("*"):
        if p.is_file():
            out[str(p.relative_to(folder))] = hashlib.md5(p.read_bytes()).hexdigest()
        else:
            out[str(p.relative_to(folder)) + "/"] = ""
    return out

class Hang(Exception):
    pass

def alarm(*_):
    raise Hang()
signal.signal(signal.SIGALRM, alarm)

results = []

def case(label, fn):
    folder = Path(tempfile.mkdtemp(prefix="c", dir=WORK))
    shutil.copy(BASE, folder / "run.h5")
    (folder / "dir.h5").mkdir()
    (folder / "cfg.toml").write_text('[space]\nx = {low = -1.0, high = 1.0}\n[simulator]\nname = "python"\n')
    cwd = os.getcwd()
    os.chdir(folder)
    before = snapshot(folder)
    signal.alarm(120)  # a report renders for a minute on two busy cores
    kind, msg = "ok", ""
    try:
        fn(folder)
    except Hang:
        kind = "HANG"
    except L2LError as exc:
        kind, msg = type(exc).__name__, str(exc)
    except BaseException as exc:
        kind = "DEFECT " + type(exc).__name__
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        msg = f"{exc} @ {tb.filename.replace('/work/main/', '')}:{tb.lineno}"
    finally:
        signal.alarm(0)
        os.chdir(cwd)
    after = snapshot(folder)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    notes = []
    if kind not in ("ok",) and changed:
        notes.append(f"LEFT {changed}")
    if "\n" in msg:
        notes.append("MULTILINE")
    elif not msg.isprintable():  # a raw NUL or ESC of the path: errors.shown escapes them
        notes.append("UNPRINTABLE")
    if re.search(r"(^|[ '(])--[a-z]", msg) and kind in ("ConfigError", "TrajectoryError"):
        notes.append("CLI-WORDS")
    line = f"{label:60s} {kind:22s} {' '.join(notes)} | {msg[:300]}"
    results.append(line)
    print(line, flush=True)
    shutil.rmtree(folder, ignore_errors=True)


# --- path-taking readers ---------------------------------------------------------------------------------
READERS = {
    "load": l2l.load, "generations": l2l.generations, "traces": l2l.traces, "lineage": l2l.lineage,
    "agreement": l2l.agreement, "best": l2l.best, "front": l2l.front, "validate": l2l.validate,
    "Trajectory": l2l.Trajectory, "load_config": l2l.load_config, "resume": lambda p: l2l.resume(p, simulator=bowl),
    "reevaluate": lambda p: l2l.reevaluate.reevaluate(p, 1, 1, simulator=bowl),
    "export": lambda p: export_mod.export(p, "csv"), "report": report_mod.report,
    "plot.overview": l2l.plot.overview, "plot.fitness": l2l.plot.fitness, "plot.parameters": l2l.plot.parameters,
    "plot.scatter": l2l.plot.scatter, "plot.failures": l2l.plot.failures, "plot.curves": l2l.plot.curves,
    "plot.pareto": l2l.plot.pareto, "plot.figure": l2l.plot.figure, "plot.load_run": l2l.plot.load_run,
    "plot.compare": lambda p: l2l.plot.compare([p]), "plot.compare_table": lambda p: l2l.plot.compare_table([p]),
}
PATHS = {"int": 3, "None": None, "list": ["run.h5"], "dict": {"a": 1}, "float": 1.5, "obj": Odd(), "True": True,
         "Path": Path("run.h5"), "bytes": b"run.h5", "folder": "dir.h5", "missing": "nope.h5", "empty": "",
         "np.str_": np.str_("run.h5"), "nul": "ru\0n.h5", "toml-as-run": "cfg.toml", "run-as-toml": "run.h5"}
which = sys.argv[1] if len(sys.argv) > 1 else "all"
only = [w for w in (sys.argv[2] if len(sys.argv) > 2 else "").split(",") if w]  # a,b: names holding a or b

def chosen(name):
    return not only or any(w in name for w in only)
l2l.run(cfg(generations=2), BASE, simulator=bowl)
if which in ("all", "paths"):
    for name, fn in READERS.items():
        for pname, p in PATHS.items():
            if not chosen(name):
                continue
            case(f"{name}(path={pname})", lambda f, fn=fn, p=p: fn(p))

# --- other arguments: each bad value in each argument ------------------------------------------------------
def resume_kw(k, v):
    return lambda f: l2l.resume("run.h5", **({"simulator": bowl} | {k: v}))
ARGS = {}
for k in ("generations", "evaluations", "max_time", "compute", "backend", "workers", "progress", "on_generation",
          "control", "simulator", "announce", "nothing_to_do", "nothing_more", "drop_unreadable"):
    ARGS[f"resume({k}=)"] = lambda v, k=k: resume_kw(k, v)
ARGS["resume(unknown=)"] = lambda v: (lambda f: l2l.resume("run.h5", simulator=bowl, bogus=v))
for k in ("progress", "on_generation", "control", "simulator"):
    ARGS[f"run({k}=)"] = lambda v, k=k: (lambda f: l2l.run(cfg(), "out.h5", **({"simulator": bowl} | {k: v})))
ARGS["run(out=)"] = lambda v: (lambda f: l2l.run(cfg(), v, simulator=bowl))
ARGS["run(config=)"] = lambda v: (lambda f: l2l.run(v, "out.h5", simulator=bowl))
ARGS["run(unknown=)"] = lambda v: (lambda f: l2l.run(cfg(), "out.h5", simulator=bowl, bogus=v))
for k in ("name", "seed", "generations", "evaluations", "max_time", "retries", "timeout", "penalty", "mode",
          "compute", "reevaluate", "checkpoints", "inherit", "target", "out", "policy"):
    ARGS[f"run(run.{k}=)"] = lambda v, k=k: (lambda f: l2l.run(cfg(**{k: v}), "out.h5", simulator=bowl))
def sect(s, v):
    c = cfg(); c[s] = v; return c
for s in ("space", "optimizer", "simulator", "backend", "objectives", "policy", "run"):
    ARGS[f"run([{s}]=)"] = lambda v, s=s: (lambda f: l2l.run(sect(s, v), "out.h5", simulator=bowl))
def nested(path, v):
    c = cfg(); d = c
    for p in path[:-1]: d = d[p]
    d[path[-1]] = v; return c
for p in (("space", "x"), ("space", "x", "low"), ("space", "x", "high"), ("optimizer", "population_size"),
          ("optimizer", "name"), ("backend", "name")):
    ARGS[f"run({'.'.join(p)}=)"] = lambda v, p=p: (lambda f: l2l.run(nested(p, v), "out.h5", simulator=bowl))
def multifidelity(policy, optimizer):
    """A small multi-fidelity run (noisy-sgd to budget 9) for session 31's options: same_everywhere of the policy,
    learn_from_stopped of the optimizer."""
    return {"space": {"learning_rate": {"low": 0.001, "high": 0.3, "log": True}}, "simulator": {"name": "noisy-sgd",
            "max_budget": 9}, "optimizer": {"population_size": 4, **optimizer}, "policy": policy,
            "run": {"compute": 40, "seed": 1}, "backend": {"name": "serial"}}
ARGS["run(policy.same_everywhere=)"] = lambda v: (lambda f: l2l.run(multifidelity(
    {"name": "successive-halving", "same_everywhere": v}, {"name": "tpe"}), "out.h5"))
ARGS["run(optimizer.learn_from_stopped=)"] = lambda v: (lambda f: l2l.run(multifidelity(
    {"name": "asha"}, {"name": "gp", "n_candidates": 50, "learn_from_stopped": v}), "out.h5"))
ARGS["run(optimizer.bogus=)"] = lambda v: (lambda f: l2l.run(nested(("optimizer", "bogus"), v), "out.h5", simulator=bowl))
ARGS["from_mapping(data=)"] = lambda v: (lambda f: l2l.from_mapping(v))
ARGS["from_mapping(base_dir=)"] = lambda v: (lambda f: l2l.from_mapping(cfg(), v))
ARGS["from_mapping(user_file=)"] = lambda v: (lambda f: l2l.from_mapping(cfg(), user_file=v))
for k in ("top", "seeds", "backend", "workers", "objective", "simulator"):
    ARGS[f"reevaluate({k}=)"] = lambda v, k=k: (lambda f: l2l.reevaluate.reevaluate("run.h5", **({"top": 1, "seeds": 1, "simulator": bowl} | {k: v})))
ARGS["load(segments=)"] = lambda v: (lambda f: l2l.load("run.h5", segments=v))
ARGS["load(reevaluations=)"] = lambda v: (lambda f: l2l.load("run.h5", reevaluations=v))
ARGS["load(columns=)"] = lambda v: (lambda f: l2l.load("run.h5", columns=v))
ARGS["lineage(members=)"] = lambda v: (lambda f: l2l.lineage("run.h5", members=v))
ARGS["agreement(objective=)"] = lambda v: (lambda f: l2l.agreement("run.h5", objective=v))
ARGS["evaluation_seed(run_seed=)"] = lambda v: (lambda f: l2l.evaluation_seed(v, 0, 0))
ARGS["evaluation_seed(generation=)"] = lambda v: (lambda f: l2l.evaluation_seed(1, v, 0))
ARGS["export(format=)"] = lambda v: (lambda f: export_mod.export("run.h5", v))
ARGS["export(out=)"] = lambda v: (lambda f: export_mod.export("run.h5", "csv", v))
ARGS["export(force=)"] = lambda v: (lambda f: export_mod.export("run.h5", "csv", force=v))
ARGS["report(out=)"] = lambda v: (lambda f: report_mod.report("run.h5", v))
ARGS["report(dpi=)"] = lambda v: (lambda f: report_mod.report("run.h5", dpi=v))
ARGS["report(force=)"] = lambda v: (lambda f: report_mod.report("run.h5", force=v))
ARGS["plot.parameters(top=)"] = lambda v: (lambda f: l2l.plot.parameters("run.h5", top=v))
ARGS["plot.scatter(top=)"] = lambda v: (lambda f: l2l.plot.scatter("run.h5", top=v))
ARGS["plot.overview(objective=)"] = lambda v: (lambda f: l2l.plot.overview("run.h5", objective=v))
ARGS["plot.fitness(objectives=)"] = lambda v: (lambda f: l2l.plot.fitness("run.h5", objectives=v))
ARGS["plot.figure(kind=)"] = lambda v: (lambda f: l2l.plot.figure("run.h5", kind=v))
ARGS["plot.figure(unknown=)"] = lambda v: (lambda f: l2l.plot.figure("run.h5", bogus=v))
ARGS["plot.compare(sources=)"] = lambda v: (lambda f: l2l.plot.compare(v))
ARGS["plot.save(path=)"] = lambda v: (lambda f: l2l.plot.save(l2l.plot.fitness("run.h5"), v))
ARGS["plot.save(dpi=)"] = lambda v: (lambda f: l2l.plot.save(l2l.plot.fitness("run.h5"), "a.png", dpi=v))
ARGS["plot.save(fig=)"] = lambda v: (lambda f: l2l.plot.save(v, "a.png"))
ARGS["Float(low=)"] = lambda v: (lambda f: l2l.Space([l2l.Float("x", low=v, high=5.0)]))
ARGS["Float(high=)"] = lambda v: (lambda f: l2l.Space([l2l.Float("x", low=0.0, high=v)]))
ARGS["Float(shape=)"] = lambda v: (lambda f: l2l.Space([l2l.Float("x", low=0.0, high=1.0, shape=v)]))
ARGS["Float(name=)"] = lambda v: (lambda f: l2l.Space([l2l.Float(v, low=0.0, high=1.0)]))
ARGS["Float(log=)"] = lambda v: (lambda f: l2l.Space([l2l.Float("x", low=1.0, high=2.0, log=v)]))
ARGS["Int(low=)"] = lambda v: (lambda f: l2l.Space([l2l.Int("x", low=v, high=5)]))
ARGS["Int(high=)"] = lambda v: (lambda f: l2l.Space([l2l.Int("x", low=0, high=v)]))
ARGS["Categorical(choices=)"] = lambda v: (lambda f: l2l.Space([l2l.Categorical("x", choices=v)]))
ARGS["Space(parameters=)"] = lambda v: (lambda f: l2l.Space(v))
ARGS["Objective(direction=)"] = lambda v: (lambda f: l2l.Objective("x", direction=v))
ARGS["Objective(name=)"] = lambda v: (lambda f: l2l.Objective(v))
ARGS["RunControl.request_stop(reason=)"] = lambda v: (lambda f: l2l.RunControl().request_stop(v))
ARGS["SimulationResult(objectives=)"] = lambda v: (lambda f: l2l.SimulationResult(v))
# session 33: session 31-32's options ([backend] dashboard, pbt's keep, relative paths, tell_partial through a run)
# with BAD and path-like values besides
EXTRA = {"blank": " ", "dotdot": "..", "dot": ".", "relfile": "cfg.toml", "list-str": ["x"], "list-2": ["x", "x"],
         "np.str_": np.str_("x"), "tuple": ("x",), "tilde": "~/nope", "set": {"x"}}
ARGS33 = {}
ARGS33["run(backend.dashboard=)"] = lambda v: (lambda f: l2l.run(nested(("backend", "name"), "local") | {
    "backend": {"name": "local", "workers": 1, "dashboard": v}}, "out.h5", simulator=bowl))
def pbt_width(keep):
    return {"space": {"x": {"low": 0.0, "high": 1.0}, "hidden": {"type": "int", "low": 2, "high": 16}},
            "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 4}},
            "optimizer": {"name": "random", "population_size": 4}, "policy": {"name": "pbt", "interval": 2,
                                                                           "keep": keep},
            "run": {"compute": 16, "seed": 1}, "backend": {"name": "serial"}}
def width(params, seed, budget, checkpoint=None):
    w = np.ones((3, int(params["hidden"]))) if checkpoint is None else np.asarray(checkpoint["w"])
    curve = [[e, float(params["x"]) / e] for e in range(1, int(budget) + 1)]
    return l2l.SimulationResult(objectives={"value": curve[-1][1]}, curve={"value": curve},
                                checkpoint={"w": w * 0.5})
ARGS33["run(policy.keep=)"] = lambda v: (lambda f: l2l.run(pbt_width(v), "out.h5", simulator=width))
ARGS33["run(simulator.path=)"] = lambda v: (lambda f: l2l.run(nested(("simulator",), {
    "name": "python", "function": "model:f", "path": v}), "out.h5"))
ARGS33["run(simulator.multi_fidelity=)"] = lambda v: (lambda f: l2l.run(nested(("simulator",), {
    "name": "python", "multi_fidelity": v}), "out.h5", simulator=bowl))
ARGS33["run(simulator.kwargs=)"] = lambda v: (lambda f: l2l.run(nested(("simulator",), {
    "name": "python", "kwargs": v}), "out.h5", simulator=bowl))
ARGS33["run(simulator.multi_fidelity.maximum=)"] = lambda v: (lambda f: l2l.run(nested(("simulator",), {
    "name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": v}}), "out.h5", simulator=bowl))
ARGS33["from_mapping(base_dir=) relative"] = lambda v: (lambda f: l2l.from_mapping(nested(("simulator",), {
    "name": "python", "function": "model:f", "path": "."}), v))
ARGS33["from_mapping(user_file=)"] = lambda v: (lambda f: l2l.from_mapping(nested(("simulator",), {
    "name": "python", "function": "model:f", "path": "."}), user_file=v))
ARGS33["agreement(objective=)"] = lambda v: (lambda f: l2l.agreement("run.h5", objective=v))
# session 34: session 33's options and calls (l2l.lineage of a PBT run, run.inherit beside a function that
# continues, the python simulator's checkpoint_limit_mb beside a function, stop_after_failures, initial_points)
PBT_RUN = WORK / "pbt.h5"
def inheriting(**run):
    return {"space": {"x": {"low": 0.0, "high": 1.0}, "hidden": {"type": "int", "low": 2, "high": 16}},
            "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 4}},
            "optimizer": {"name": "random", "population_size": 2},
            "run": {"generations": 2, "seed": 1, "inherit": True, **run}, "backend": {"name": "serial"}}
ARGS34 = {}
ARGS34["lineage(members=)"] = lambda v: (lambda f: l2l.lineage(PBT_RUN, members=v))
ARGS34["lineage(curves=)"] = lambda v: (lambda f: l2l.lineage(PBT_RUN, curves=v))
ARGS34["lineage(members=[v])"] = lambda v: (lambda f: l2l.lineage(PBT_RUN, members=[v]))
ARGS34["run(run.inherit=) beside a function"] = lambda v: (lambda f: l2l.run(inheriting(inherit=v), "out.h5",
                                                                             simulator=width))
ARGS34["run(simulator.checkpoint_limit_mb=)"] = lambda v: (lambda f: l2l.run(inheriting() | {"simulator": {
    "name": "python", "checkpoint_limit_mb": v, "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 4}}},
    "out.h5", simulator=width))
ARGS34["run(run.stop_after_failures=)"] = lambda v: (lambda f: l2l.run(cfg(stop_after_failures=v), "out.h5",
                                                                       simulator=bowl))
ARGS34["run(run.initial_points=[{x: v}])"] = lambda v: (lambda f: l2l.run(cfg(initial_points=[{"x": v}]), "out.h5",
                                                                          simulator=bowl))
ARGS34["run(run.target=) inherit"] = lambda v: (lambda f: l2l.run(inheriting(target=v), "out.h5", simulator=width))
if which in ("all", "args", "new34") and any(chosen(name) for name in ARGS34):
    l2l.run({"space": {"x": {"low": 0.0, "high": 1.0}, "hidden": {"type": "int", "low": 2, "high": 16}},
             "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 4}},
             "optimizer": {"name": "random"}, "policy": {"name": "pbt", "population": 4, "interval": 1},
             "run": {"compute": 16, "seed": 1}, "backend": {"name": "serial"}}, PBT_RUN, simulator=width,
            progress=False)
if which in ("all", "args"):
    for name, make in ARGS.items():
        if not chosen(name):
            continue
        for vname, v in BAD.items():
            case(f"{name}{vname}", make(v))
if which in ("all", "args", "new33"):
    for name, make in ARGS33.items():
        if not chosen(name):
            continue
        for vname, v in (BAD | EXTRA).items():
            case(f"{name}{vname}", make(v))

if which in ("all", "args", "new34"):
    for name, make in ARGS34.items():
        if not chosen(name):
            continue
        for vname, v in (BAD | EXTRA).items():
            case(f"{name}{vname}", make(v))

# session 35 (helper-298, fuzz35): session 34's surfaces. on_evaluation= of wrong types (BAD | EXTRA) and callbacks
# that return values, mutate info, sleep, or read the keys docs/python_api.md names (info["trial"], info["budget"]:
# a KeyError in a run without a fidelity until fuzz35); None and numbers at extremes (EXTREME) in every numeric key
# of a mapping's [run], [policy] (asha, model-based, median-stopping) and [optimizer] tables, checked as far as
# l2l.run builds the components (a config taken is ok: a huge run.generations would only run long)
EXTREME = {"None": None, "1e308": 1e308, "5e-324": 5e-324, "-0.0": -0.0, "-5e-324": -5e-324, "nan": float("nan"),
           "inf": float("inf"), "-inf": float("-inf"), "huge": 10**30, "-huge": -10**30, "True": True,
           "False": False, "'1'": "1", "'1e3'": "1e3", "'nan'": "nan", "np.float64(nan)": np.float64("nan")}
def _reads_documented_keys(info):
    assert set(info) >= {"generation", "individual", "seed", "status", "params", "objectives", "metrics", "error",
                         "duration", "attempts", "evaluations", "trial", "budget", "from_budget"}, sorted(info)
CALLBACKS = {"returns-42": lambda info: 42, "clears-info": lambda info: info.clear(),
             "sleeps-0.3s": lambda info: __import__("time").sleep(0.3), "reads-documented-keys": _reads_documented_keys,
             "class-dict": dict, "bound-method-append": [].append, "print": print}
def _build(mapping):
    from l2l.components import build
    build(l2l.from_mapping(mapping), None).executor.close()
def _table(table, key, value, policy=None):
    mapping = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": {"name": "sphere", "multi_fidelity": True},
               "optimizer": {"name": "random"}, "run": {"compute": 50, "seed": 1}, "backend": {"name": "serial"},
               "policy": {"name": policy or "asha"}}
    if table == "optimizer-ga":
        mapping["optimizer"], table = {"name": "ga"}, "optimizer"
        mapping["run"], mapping["policy"] = {"generations": 2, "seed": 1}, None
        del mapping["policy"]
    mapping[table][key] = value
    return lambda f: _build(mapping)
ARGS35 = {"run(on_evaluation=)": lambda v: (lambda f: l2l.run(cfg(), "out.h5", simulator=bowl, on_evaluation=v))}
for _key in ("generations", "evaluations", "compute", "max_time", "timeout", "retries", "penalty",
             "stop_after_failures", "target", "inherit", "mode", "reevaluate"):
    ARGS35[f"mapping run.{_key}="] = (lambda k: lambda v: _table("run", k, v))(_key)
for _policy, _keys in {"asha": ("eta", "min_budget", "max_budget", "max_candidates"),
                       "median-stopping": ("grace", "min_budget", "max_budget"),
                       "model-based": ("eta", "brackets", "random_fraction", "top_fraction", "agreement_confidence",
                                       "endgame_results")}.items():
    for _key in _keys:
        ARGS35[f"mapping policy({_policy}).{_key}="] = (lambda p, k: lambda v: _table("policy", k, v, p))(_policy, _key)
for _key in ("population_size", "crossover_probability", "mutation_sigma", "blend_alpha", "tournament_size",
             "elite_size"):
    ARGS35[f"mapping optimizer(ga).{_key}="] = (lambda k: lambda v: _table("optimizer-ga", k, v))(_key)
if which in ("all", "args", "new35"):
    for name, make in ARGS35.items():
        if not chosen(name):
            continue
        for vname, v in (BAD | EXTRA | (CALLBACKS if "on_evaluation" in name else EXTREME)).items():
            case(f"{name}{vname}", make(v))

defects = [line for line in results if re.search(r" (DEFECT|HANG) |LEFT |CLI-WORDS|MULTILINE|UNPRINTABLE", line)]
print(f"{len(results)} calls, {len(defects)} defects", flush=True)
shutil.rmtree(WORK, ignore_errors=True)
sys.exit(1 if defects else 0)
