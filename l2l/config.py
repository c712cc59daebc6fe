"""TOML configs -> validated run configurations.

Everything is checked before any work starts: unknown keys, bad values,
optimizers that cannot handle the space or the objectives. Errors are
:class:`l2l.errors.ConfigError` with one line naming the key, the value and
what is allowed.
"""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

from l2l import config_policy, foreign, initial_points
from l2l.config_keys import RUN_KEYS, SECTIONS
from l2l.config_paths import beside, relative_hint
from l2l.errors import ArgumentError, ConfigError, path_argument, shown
from l2l.numbers import number
from l2l.objectives import Objective, parse_objectives
from l2l.parameters import plain
from l2l.registry import _shown
from l2l.run_config import Component, RunConfig
from l2l.run_options import (MAX_TIMEOUT, TRAINED_WITH_A_SCHEDULE, check_penalty, check_target, checkpoints_option,
                             compute_option, inherit_option, reevaluate_option, run_integer, seconds_option,
                             target_option)
from l2l.simulators.directions import natural_directions
from l2l.space import Space
from l2l.words import call

MODES = ("generational", "async")
#: Longest run name: it names NAME.h5, NAME.work/ and SLURM jobs, so it must fit every file system.
MAX_NAME_LENGTH = 100
#: Largest config file read (a config is a few kilobytes; this refuses /dev/zero and the like quickly).
MAX_CONFIG_BYTES = 1 << 20


#: Path-valued options (a folder or a file) of components, by (section, name): a relative one, or one with '~',
#: means the config's folder as the config is read, as README and docs/simulators.md say of the model's ``path``
#: (before, slurm's log_directory, dask's scheduler_file and brian2's cache_dir were taken from the folder l2l
#: ran in: another one under ``l2l submit``, whose job starts in the output's folder, and under an ``l2l resume``
#: from elsewhere). The run stores them absolute, so that its resume uses the same. ``slurm-array``'s ``python``
#: goes through :func:`l2l.jobs.slurm_values.interpreter` (a bare name is left to the job's PATH).
PATH_OPTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("backend", "slurm"): ("log_directory",),
    ("backend", "dask"): ("scheduler_file",),
    ("simulator", "python"): ("path",),
    ("simulator", "nest"): ("path",),
    ("simulator", "brian2"): ("path", "cache_dir"),
    ("simulator", "command"): ("workdir",),
}


def _paths_beside(section: str, component: Component, base_dir: str) -> Component:
    """``component`` with its :data:`PATH_OPTIONS` made absolute by :func:`beside`; the options of the simulator
    that ``emulated-hardware`` wraps too (its model's folder was looked for in the folder l2l ran in)."""
    options = dict(component.options)
    for key in PATH_OPTIONS.get((section, component.name), ()):
        value = options.get(key)
        if isinstance(value, str) and value.strip():  # another type, or blank: the component's check names it
            options[key] = beside(value, base_dir)
    inner, inner_options = options.get("simulator"), options.get("simulator_options")
    if section == "simulator" and component.name == "emulated-hardware" and isinstance(inner, str) \
            and isinstance(inner_options, Mapping):
        wrapped = dict(inner_options)
        if inner in ("python", "nest", "brian2") and not wrapped.get("path"):  # its default, as at the top level
            wrapped["path"] = base_dir
        options["simulator_options"] = _paths_beside(section, Component(inner, wrapped), base_dir).options
    return Component(component.name, options) if options != component.options else component


def _component(section: str, raw: Any, default: str | None = None) -> Component:
    if raw is None:
        if default is None:
            raise ConfigError(f"the config needs a [{section}] table with at least a name")
        return Component(default)
    if isinstance(raw, str):
        return Component(raw)
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[{section}] must be a table, got {raw!r}")
    if "name" not in raw:
        if default is None:
            raise ConfigError(f"[{section}] needs a name, e.g. name = \"...\"")
        return Component(default, dict(raw))
    name = raw["name"]
    if not isinstance(name, str):
        raise ConfigError(f"{section}.name must be a string, got {name!r}")
    return Component(name, {k: v for k, v in raw.items() if k != "name"})


#: a newcomer's names of l2l's sections
_SYNONYMS = {**dict.fromkeys(("parameters", "params", "search_space", "searchspace", "hyperparameters"), "space"),
             **dict.fromkeys(("model", "models", "simulation", "inner_loop"), "simulator"),
             **dict.fromkeys(("scheduler", "pruner"), "policy"), **dict.fromkeys(("cluster", "executor"), "backend")}


def _section_synonym(name: str) -> str:
    """' (a [run] key: ...)' for [reevaluate] or [checkpoints], ' (the table is [space] here)' for [parameters]."""
    if name in RUN_KEYS and name != "name":
        return f" (a [run] key: {name} = ... under [run], or a [run.{name}] table)"
    meant = _SYNONYMS.get(name.lower())
    return f" (the table is [{meant}] here)" if meant else ""


def from_mapping(data: Mapping[str, Any], base_dir: str | os.PathLike = ".", *,
                 user_file: bool = False) -> RunConfig:
    """Validate a config table (as read from TOML) into a :class:`RunConfig`.

    ``user_file``: the table is a user's config file, never a config an earlier l2l stored in a trajectory
    (where run.generations beside a [policy] meant nothing; see :mod:`l2l.config_policy`).
    """
    try:  # numpy's numbers and arrays as Python's, in every table (a mapping a caller built with numpy)
        data = plain(data)
    except RecursionError:
        raise ConfigError("the config is nested too deeply (or holds itself)") from None
    if not isinstance(data, Mapping):
        raise ConfigError(f"a config must be a table, got {data!r}")
    if type(user_file).__name__ not in ("bool", "bool_"):  # (numpy's too) an array was a ValueError from deep inside
        raise ArgumentError(f"user_file must be True or False, got {type(user_file).__name__} {user_file!r:.60}")
    user_file = bool(user_file)
    unknown = [k for k in data if k not in SECTIONS]
    loose = [k for k in unknown if not isinstance(data[k], (Mapping, list))]
    if loose and user_file and not foreign.section_hint(str(loose[0])):  # 'name = "t"' above [run]: TOML puts a key above every table header in none of them
        where = " (under [run]?)" if str(loose[0]) in RUN_KEYS else ""
        raise ConfigError(f"key {loose[0]!r} stands above the first [table], so it belongs to no section; "
                          f"move it under the table it is meant for{where}")
    if unknown:
        from l2l.registry import _did_you_mean as did_you_mean
        meant = foreign.section_hint(str(unknown[0])) or did_you_mean(str(unknown[0]), SECTIONS)  # Optuna's sampler
        meant = meant or _section_synonym(str(unknown[0]))
        raise ConfigError(f"unknown section {unknown[0]!r}{meant}; "
                          f"allowed: {', '.join(SECTIONS)}")
    run = data.get("run", {})
    if not isinstance(run, Mapping):
        raise ConfigError(f"[run] must be a table, got {run!r}")
    unknown = [k for k in run if k not in RUN_KEYS]
    if unknown:
        from l2l.registry import _did_you_mean as did_you_mean
        hint = foreign.run_key_hint(str(unknown[0]))  # Optuna's n_trials, n_jobs, direction
        meant = "" if hint else did_you_mean(str(unknown[0]), list(RUN_KEYS))  # generation for generations
        if not hint and not meant and unknown[0] in SECTIONS:  # objectives = [...] pasted below the [run] header
            where = ("objectives = [...] above the first [table] header, or [[objectives]] tables"
                     if unknown[0] == "objectives" else f"its own [{unknown[0]}] table")
            meant = f" (a section of its own, not a [run] key: {where}; every key below the [run] header is [run]'s)"
        raise ConfigError(f"unknown key run.{unknown[0]!r}{meant}; allowed: {', '.join(RUN_KEYS)}{hint}")
    # None (a mapping's, l2l.run({"run": {"timeout": args.timeout}})) is the key left out, for every key but seed:
    # its default, as l2l.resume(FILE, timeout=None) keeps the run's; TOML has no None. seed=None draws a seed at
    # random in numpy, Optuna and scikit-learn: read as 0, repeats meant to differ were the same run
    if "seed" in run and run["seed"] is None:
        raise ConfigError("run.seed = None: a run's seed is a whole number (left out: 0), never drawn at random, "
                          "so runs meant to differ need seeds of their own: give run.seed = 0, 1, 2, ...")
    run = {key: value for key, value in run.items() if value is not None}
    name = run.get("name", "run")
    if not isinstance(name, str) or not name or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in name) \
            or name[0] in ".-":
        raise ConfigError(f"run.name must use letters, digits, '-', '_' and '.' and not start with '.' or '-', "
                          f"got {name!r}")
    if len(name) > MAX_NAME_LENGTH:
        raise ConfigError(f"run.name must have at most {MAX_NAME_LENGTH} characters (it names the output "
                          f"files), got {len(name)}: {name[:20]!r}...")
    timeout = run.get("timeout", 0)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout <= MAX_TIMEOUT:
        raise ConfigError(f"run.timeout must be a number of seconds from 0 to {number(MAX_TIMEOUT)} (0: no limit), "
                          f"got {timeout!r}")
    mode = run.get("mode", "generational")
    if mode not in MODES:
        raise ConfigError(f"run.mode must be one of {MODES}, got {mode!r}{foreign.run_value_hint('mode', mode)}")
    # the limits of a new run's counts hold for a user's file; a stored run resumes with what it ran with
    evaluations = run_integer("evaluations", run.get("evaluations", 0), 0, limited=user_file)
    max_time = seconds_option("max_time", run.get("max_time", 0), limited=user_file)
    compute = compute_option(run.get("compute", 0), limited=user_file)
    raw_policy = data.get("policy")
    if "policy" in run and isinstance(raw_policy, Mapping) and "name" not in raw_policy:
        # run.policy names the policy, a [policy] table without a name gives its options
        policy = Component(config_policy.shorthand(run["policy"], False), dict(raw_policy))
    else:
        policy = _component("policy", raw_policy) if "policy" in data else None
        if "policy" in run:
            policy = Component(config_policy.shorthand(run["policy"], policy is not None))
    optimizer = _component("optimizer", data.get("optimizer"), default="auto")
    generations = run_integer("generations", run["generations"], 1, limited=user_file) if "generations" in run else \
        (0 if evaluations or max_time or policy is not None else 10)
    if policy is not None:  # run.generations: the sweep's generations x population_size candidates
        generations, options = config_policy.sweep(generations, run, optimizer, policy, user_file)
        policy = Component(policy.name, options)
        config_policy.check_candidates(policy, "run.generations x population_size" if generations else None)
        if user_file and policy.name == "median-stopping":  # a stored run resumes as it ran
            from l2l.policies.median import pointless_min_trials

            why = pointless_min_trials(policy.options, bool(generations))
            if why:
                raise ConfigError(why)
    if "compute" in run and policy is None:  # it would be ignored: say so rather than run something else
        raise ConfigError("run.compute applies to a run with a [policy] (a budget in fidelity units); this run's "
                          "budgets are run.generations, run.evaluations and run.max_time")
    out = run.get("out")
    if out is not None and (not isinstance(out, str) or not out.strip() or out.endswith(("/", os.sep))):
        raise ConfigError(f"run.out must be a file name, got {out!r}")  # 'x/' wrote a file x, not into a folder
    if "space" not in data:
        raise ConfigError("the config needs a [space] table with at least one parameter")
    space = Space.from_json(data["space"])
    objectives = parse_objectives(data["objectives"]) if "objectives" in data else None
    if objectives:
        clash = set(space.names) & {o.name for o in objectives}
        if clash:
            raise ConfigError(f"objective {sorted(clash)[0]!r} has the name of a parameter; rename one")
    penalty = run.get("penalty", "worst")
    check_penalty(penalty, objectives)
    target = target_option(run["target"]) if "target" in run else None
    check_target(target, objectives)
    base_dir = str(path_argument(base_dir, "base_dir").resolve())
    simulator = _component("simulator", data.get("simulator"))
    if objectives:
        _check_produced(simulator.name, objectives)
        objectives = natural_directions(objectives, data["objectives"], simulator.name, refuse=user_file,
                                        options=simulator.options)
    _check_outputs(optimizer, simulator.name)
    backend = _component("backend", data.get("backend"), default="local")
    if backend.name == "local" and "memory_limit" in backend.options:
        _check_memory_limit(backend.options["memory_limit"])
    python = backend.options.get("python") if backend.name == "slurm-array" else None
    if isinstance(python, str) and python:  # a path made absolute beside the config: each task starts elsewhere
        from l2l.jobs.slurm_values import interpreter
        python = interpreter(python, f"backend 'slurm-array': python = {python!r}", base_dir)
        backend = Component(backend.name, {**backend.options, "python": python})
    for key in ("path", "config_dir", "workdir"):
        # checked before a falsy value (path = [], config_dir = false) would be taken for 'not given' and
        # replaced by the config's folder below, silently
        given = simulator.options.get(key)
        if key in simulator.options and not isinstance(given, str) \
                and (key == "path" and simulator.name in ("python", "nest", "brian2") or simulator.name == "command"):
            raise ConfigError(f"simulator {simulator.name!r}: option {key!r} must be a string, got {_shown(given)}")
    if simulator.name in ("python", "nest", "brian2"):  # the model module is looked up beside the config
        given = simulator.options.get("path")
        path = given or base_dir
        if isinstance(path, str) and not os.path.isabs(path):
            path = beside(path, base_dir)
        # A folder that is not there would be skipped and the module imported from wherever Python finds one of
        # that name (the working directory, an installed package). A path stored by l2l (absolute, checked when
        # the run started) may name a folder since moved: then the import says where it looked.
        if isinstance(given, str) and given and (user_file or not os.path.isabs(given)) \
                and not os.path.isdir(path):
            raise ConfigError(f"simulator {simulator.name!r}: path {given!r} is not a folder ({path}); it names "
                              f"the folder that holds the module of 'function' (default: the config's "
                              f"folder){relative_hint(path)}")
        simulator = Component(simulator.name, {**simulator.options, "path": path})
    if simulator.name == "command" and not simulator.options.get("config_dir"):
        simulator = Component("command", {**simulator.options, "config_dir": base_dir})
    workdir = simulator.options.get("workdir") if simulator.name == "command" else None
    if isinstance(workdir, str) and workdir and not os.path.isabs(workdir):  # beside the config, as path is,
        # not wherever l2l was started from
        simulator = Component("command", {**simulator.options, "workdir": beside(workdir, base_dir)})
    if user_file:  # a stored run's are absolute already (one stored before, relative, resumes as it ran)
        simulator, backend = _paths_beside("simulator", simulator, base_dir), _paths_beside("backend", backend,
                                                                                            base_dir)
    inherit, reevaluate = inherit_option(run.get("inherit", 0)), reevaluate_option(run.get("reevaluate"))
    if reevaluate and (inherit or (policy is not None and policy.name == "pbt")):
        raise ConfigError(TRAINED_WITH_A_SCHEDULE.format(what="run.reevaluate"))
    return RunConfig(
        name=name, space=space, objectives=objectives,
        optimizer=optimizer,
        simulator=simulator,
        backend=backend,
        seed=run_integer("seed", run.get("seed", 0), 0),
        generations=generations, evaluations=evaluations, max_time=max_time,
        out=out, retries=run_integer("retries", run.get("retries", 0), 0),
        timeout=float(timeout) or None, penalty=penalty, mode=mode, base_dir=base_dir, policy=policy,
        compute=float(compute), reevaluate=reevaluate, inherit=inherit,
        checkpoints=checkpoints_option(run.get("checkpoints", "auto")), target=target,
        stop_after_failures=run_integer("stop_after_failures", run["stop_after_failures"], 0)
        if "stop_after_failures" in run else None,
        initial_points=initial_points.parse(run["initial_points"], space) if "initial_points" in run else ())


def _check_produced(simulator: str, objectives: tuple[Objective, ...]) -> None:
    """Refuse objectives the simulator does not produce, when it says which it produces."""
    from l2l.simulators import SIMULATORS

    produces = getattr(SIMULATORS.get(simulator), "produces", None)
    if produces is None:
        return
    missing = [o.name for o in objectives if o.name not in produces]
    if missing:
        raise ConfigError(f"objective {missing[0]!r} is not produced by simulator {simulator!r}; it produces "
                          f"{', '.join(repr(n) for n in produces)}")


def _check_outputs(optimizer: Component, simulator: str) -> None:
    """Refuse an optimizer that needs output vectors (enkf) with a simulator that never returns them: else the
    run's file was made and its first generation ran before the optimizer found no outputs to update from."""
    from l2l.optimizers import OPTIMIZERS
    from l2l.simulators import SIMULATORS

    try:
        needs = getattr(OPTIMIZERS.get(optimizer.name), "needs_outputs", False)
        returns = getattr(SIMULATORS.get(simulator), "returns_outputs", None)
    except ConfigError:  # an unknown or broken component: said where the components are built
        return
    if needs and returns is False:
        OPTIMIZERS.create(optimizer.name, optimizer.options)  # a bad option of its own is named first, as before
        raise ConfigError(f"optimizer {optimizer.name!r} updates from the simulator's output vectors, and simulator "
                          f"{simulator!r} returns none; use another optimizer, or a simulator that returns outputs "
                          f"(analog-classifier, emulated-hardware, or python/command returning SimulationResult "
                          f"outputs)")


def _check_memory_limit(value: Any) -> None:
    """backend 'local': memory_limit is 'auto', a size like '4GB', or a fraction of the RAM like 0.5."""
    from dask.utils import parse_bytes

    rule = "must be 'auto', a size such as '4GB' or a fraction of the machine's memory such as 0.5"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigError(f"backend 'local': memory_limit {rule}, got {value!r}")
    if value == "auto":
        return
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if not (0 < number <= 1 or number >= 1 << 20) or not math.isfinite(number):
            raise ConfigError(f"backend 'local': memory_limit {rule} (a bare number above 1 is bytes, at least "
                              f"1 MB), got {value!r}")
        return
    try:
        size = parse_bytes(value)
    except (ValueError, TypeError):
        raise ConfigError(f"backend 'local': memory_limit {rule}, got {value!r}") from None
    if size < 1 << 20:
        raise ConfigError(f"backend 'local': memory_limit must be at least 1 MB, got {value!r}")


def stored_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """The [policy] table a trajectory stored, as the run ran it: a model-based run started before the defaults
    of ``CHANGED_DEFAULTS`` changed stored none of them and ran with the values given there."""
    if policy.get("name") != "model-based":
        return policy
    from l2l.policies.model_based import CHANGED_DEFAULTS

    return {"name": policy["name"], **CHANGED_DEFAULTS, **policy}


def load_config(path: str | os.PathLike) -> RunConfig:
    """Read and validate a TOML config file."""
    path = path_argument(path)
    return from_mapping(_parse(path), base_dir=path.parent, user_file=True)


def _config_text(path: Path) -> str:
    """The text of a config file; ConfigError for a folder, a device, a binary or non-UTF-8 file."""
    if not path.exists():
        if path.is_symlink():  # 'does not exist' of a name ls lists
            raise ConfigError(f"config file {path} is a symbolic link to {os.readlink(path)}, which does not exist")
        raise ConfigError(f"config file {shown(path)} does not exist")
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; give the config file (a .toml file) in it")
    if not path.is_file():
        raise ConfigError(f"{path} is not a regular file (a device, pipe or socket); give a .toml config file")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    if raw.startswith(b"\x89HDF\r\n\x1a\n"):  # was 'larger than 1024 KB; is it really a config file?'
        raise ConfigError(f"{path} is an HDF5 file (a run's trajectory?), not a TOML config file; "
                          f"{call('resume', path)} continues a run from its file")
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path} is larger than {MAX_CONFIG_BYTES // 1024} KB; is it really a config file?")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path} is UTF-16 text; TOML config files must be UTF-8 (save it as UTF-8)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start} is {raw[exc.start]:#04x}); is it a "
                          f"TOML config file?") from None
    if "\0" in text:
        raise ConfigError(f"{path} holds NUL bytes: a binary file, not a TOML config file")
    return text


def _parse(path: Path) -> Mapping[str, Any]:
    text = _config_text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path} is not valid TOML: nested too deeply") from None
