"""A run's config read back from its trajectory, checked against the file (and its model's new folder).

:func:`load_run_config` is where ``l2l resume`` and ``l2l reevaluate`` (and l2l.resume, l2l.reevaluate) start;
:func:`relocated_model` checks a ``--model-dir`` against the model hashes the run's sessions recorded.
"""

from __future__ import annotations

import sys
from typing import Any

from l2l.config import from_mapping, stored_policy
from l2l.errors import ConfigError
from l2l.results_schema.reader import Trajectory
from l2l.run_config import RunConfig
from l2l.words import on_command_line, passed_as


def load_run_config(trajectory: Trajectory, model_dir: str | None = None,
                    accept_changed_model: bool = False) -> RunConfig:
    """The config the run in ``trajectory`` stored, checked against the file. ``model_dir``: the folder that holds
    the run's model now (a ``python``, ``nest`` or ``brian2`` simulator's module, a ``command`` simulator's files),
    taken for the stored ``[simulator] path`` (``config_dir``) in memory, the file left as it is: see
    :func:`relocated_model`; ``accept_changed_model``: a model there that is not the one the run ran goes on all the
    same (a warning line)."""
    from l2l.results_schema.structure import undeclared_parameters
    from l2l.results_schema.validate import missing_optimizer

    undeclared = undeclared_parameters(trajectory._layout)
    if undeclared:  # the optimizer's state is of another space: refused
        raise ConfigError(f"{trajectory.path}: {undeclared}; l2l validate reports it")
    stored = dict(trajectory.run["config"])
    run = stored.get("run")
    penalty = run.get("penalty") if isinstance(run, dict) else None
    if isinstance(penalty, dict):
        # a run started before run.penalty was checked against the simulator's objectives may have stored a key
        # that names none (its failures were told 'worst' for that objective): drop it, so that the run can be
        # resumed and re-evaluated as it ran (the stored objectives would refuse it)
        names = {o.name for o in trajectory.objectives}
        stored["run"] = {**run, "penalty": {k: v for k, v in penalty.items() if k in names}}
    if isinstance(stored.get("policy"), dict):
        stored["policy"] = stored_policy(stored["policy"])
    created = trajectory.run.get("optimizer")
    missing = missing_optimizer(stored, created)
    if not missing and not isinstance(stored.get("optimizer"), dict) and isinstance(created, dict):
        stored["optimizer"] = dict(created)  # the config lacks the table the run was made with: the attribute's
    if missing:  # from_mapping would take 'auto' and feed it the stored state of another optimizer: a KeyError
        raise ConfigError(f"{trajectory.path}: {missing}: a damaged or hand-edited file; l2l validate reports it")
    simulator = stored.get("simulator")
    if model_dir is not None:
        simulator = stored["simulator"] = relocated_model(trajectory, simulator, model_dir, accept_changed_model)
    elif accept_changed_model:
        raise ConfigError(f"{option_as_given('accept_changed_model')} applies with {option_as_given('model_dir')} "
                          f"(the folder that holds the run's model now)")
    path = simulator.get("path") if isinstance(simulator, dict) else None
    try:
        config = from_mapping(stored, base_dir=path if isinstance(path, str) and path else str(trajectory.path.parent))
    except ConfigError as exc:  # said as if of a config file the user could fix ('[run] must be a table, got -1')
        if str(exc).startswith("unknown ") and "entry-point group" in str(exc):  # a plug-in not installed here
            raise ConfigError(f"{trajectory.path}: the run was made with a plug-in this Python does not have: {exc}; "
                              f"install its package into {sys.executable} (or run python -m l2l with the Python "
                              f"that has it)") from None
        raise ConfigError(f"{trajectory.path}: the config stored in the file is refused: {exc} (a damaged or "
                          f"hand-edited file?)") from None
    parameters = [[(p.name, p.kind, tuple(p.shape)) for p in space.parameters]
                  for space in (config.space, trajectory.space)]
    if sorted(parameters[0]) != sorted(parameters[1]):  # the optimizer state is of the file's space: a traceback
        names = [", ".join(sorted(name for name, _, _ in given)) or "none" for given in parameters]
        raise ConfigError(f"{trajectory.path}: the config stored in the file has other parameters ({names[0]}) "
                          f"than its space (/run attribute 'space': {names[1]}): a damaged or hand-edited file")
    created = trajectory.run.get("optimizer")  # as the run was created: the stored state is this optimizer's
    if isinstance(created, dict) and isinstance(created.get("name"), str) and created["name"] != config.optimizer.name:
        raise ConfigError(f"{trajectory.path}: the config stored in the file names optimizer "
                          f"{config.optimizer.name!r}, but the run was made with {created['name']!r} (/run attribute "
                          f"'optimizer'), whose state it holds: a damaged or hand-edited file (to go on with another "
                          f"optimizer, start a new run)")
    seed = trajectory.run.get("seed")  # l2l show's and every row's: the run's seed, which the config must repeat
    if isinstance(seed, int) and not isinstance(seed, bool) and seed != config.seed:
        # a resume went on with the config's seed (rows of two runs in one file, silently) and a re-evaluation
        # printed seeds 'derived from run seed' of the other one
        raise ConfigError(f"{trajectory.path}: the config stored in the file has run.seed = {config.seed}, but the "
                          f"run was made with seed {seed} (/run attribute 'seed', l2l show's): a damaged or "
                          f"hand-edited file")
    return config


def option_as_given(name: str) -> str:
    """The option ``name`` as the user gives it: ``--model-dir`` on the command line, ``model_dir=`` in Python."""
    return "--" + name.replace("_", "-") if on_command_line() else f"{name}="


def relocated_model(trajectory: Trajectory, simulator: Any, model_dir: Any, accept: bool = False) -> dict:
    """The stored ``[simulator]`` table with its model's folder replaced by ``model_dir`` (``path`` of a simulator
    whose ``function = "module:name"`` names a module, ``python``, ``nest``, ``brian2``; ``config_dir`` of a
    ``command`` simulator), after checking that the model found there is the one the run ran: the sha256 of the
    module's file (of the files the command's argv names) against the last ``model`` a session of the run recorded
    (l2l show's model line). Refused (ConfigError, one line) where the folder does not exist, holds no such module
    (none of the command's files), the simulator takes no folder, or the model differs and ``accept`` is not given
    (a resume would mix the rows of two models in one run, a re-evaluation store rows of another model beside the
    run's); a run that recorded no hash is said in a warning line. Nothing is imported or run here."""
    from pathlib import Path

    from l2l.sessions import session_records
    from l2l.model_hashes import SHORT_HASH, same_model
    from l2l.model_code import command_files, file_entry as _file_entry

    flag = option_as_given("model_dir")
    given = str(model_dir) if isinstance(model_dir, (str, Path)) else None
    if not given:
        raise ConfigError(f"{flag} must name a folder, got {model_dir!r}")
    table = dict(simulator) if isinstance(simulator, dict) else {}
    name = table.get("name", "?")
    function = table.get("function")
    if table.get("callable"):
        raise ConfigError(f"{flag} names a model's folder, but this run's simulator was the Python function "
                          f"{function} passed to l2l.run: pass it again from Python "
                          f"(simulator={passed_as(table)})")
    folder = Path(given).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"{flag} {given}: {'not a folder' if folder.exists() else 'no such folder'}")
    folder = folder.resolve()
    if name == "command":
        key, argv = "config_dir", table.get("argv") or ()
        now = command_files(argv, str(folder)) if isinstance(argv, (list, tuple)) else []
        what = "the files the command names"
    elif isinstance(function, str) and ":" in function and (name in ("python", "nest", "brian2") or "path" in table):
        key, module = "path", function.partition(":")[0]
        relative = Path(*module.split(".")) if module else Path("?")
        found = [file for file in (folder / relative.with_suffix(".py"), folder / relative / "__init__.py")
                 if file.is_file()]
        if not found:
            raise ConfigError(f"{flag} {folder}: no module {module!r} there ({relative.with_suffix('.py')}), which "
                              f"the run's simulator calls ({function})")
        now, what = [_file_entry(found[0].resolve())], f"module {module!r}"
    else:
        raise ConfigError(f"{flag} names the folder of a model's module or program; this run's simulator {name!r} "
                          f"takes none (the python, nest, brian2 and command simulators do)")
    recorded = [record for record in session_records(trajectory.events()) if isinstance(record.get("model"), list)]
    if name == "command" and not now and recorded and recorded[-1]["model"]:
        raise ConfigError(f"{flag} {folder}: none of the files the run's command names is there "
                          f"({', '.join(Path(str(where)).name for where, _ in recorded[-1]['model'])})")
    if not recorded:
        print(f"l2l: warning: {trajectory.path} recorded no hash of its model (an older l2l's file?): {what} in "
              f"{folder} cannot be checked against the one that ran", file=sys.stderr)
    elif not same_model(recorded[-1]["model"], now):
        def hashes(model: list) -> str:
            return "; ".join(f"{Path(str(w)).name} {str(h)[:SHORT_HASH]}" for w, h in model) or "no file"

        said = (f"{what} in {folder} is not the one the run ran (sha256 {hashes(now)} there, "
                f"{hashes(recorded[-1]['model'])} recorded by session {recorded[-1]['session']})")
        if not accept:
            raise ConfigError(f"{trajectory.path}: {said}: its results would be mixed with the run's; put the model "
                              f"that ran there, or give {option_as_given('accept_changed_model').rstrip('=')}"
                              f"{'=True' if not on_command_line() else ''} to go on with this one")
        print(f"l2l: warning: {said}; going on with it ({option_as_given('accept_changed_model').rstrip('=')})",
              file=sys.stderr)
    return {**table, key: str(folder)}
