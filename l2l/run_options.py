"""The [run] table's values, checked one at a time: counts, seconds, compute, the target, the penalty, run.inherit,
run.checkpoints, run.reevaluate, and their limits.

Each raises :class:`l2l.errors.ConfigError` in one line naming the key (or the command-line option that gives it),
the value and what is allowed. :func:`l2l.config.from_mapping` reads a config file's [run] table with them,
:meth:`l2l.run_config.RunConfig.with_overrides` the options of the command line and of l2l.resume.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from l2l.errors import ConfigError
from l2l.numbers import number
from l2l.objectives import Objective
from l2l.registry import _did_you_mean, _shown
from l2l.words import option


#: Longest run.timeout, about 31 years: a deadline past what the platform's clock holds (1e11 s and more) failed
#: every evaluation of the run with "OverflowError: timestamp out of range for platform time_t".
MAX_TIMEOUT = 1e9
#: Most fresh seeds of run.reevaluate: the seeds are drawn up front, in a time that grows with their square
#: (seeds = 10**30 hung the run's end without a word; 30000 took 18 s).
MAX_REEVALUATION_SEEDS = 1000
#: The largest run seed: the file stores it as an unsigned 64-bit integer (a larger one failed with a traceback
#: when the run's file was written, TypeError: Object dtype ... has no native HDF5 equivalent).
MAX_SEED = 2 ** 64 - 1
#: The largest run.generations, run.evaluations and run.retries: they reach components' integer options (auto's
#: generations, an optimizer's budget), which are 64-bit; a larger count was refused there, naming the option the
#: config did not set.
MAX_COUNT = 2 ** 63 - 1
#: The most run.generations and run.evaluations a config file or the command line may give. 2**62 generations
#: started a run whose progress bar counted to 18446744073709551616 with an ETA of millions of years; at l2l's
#: pace (at most a few thousand evaluations a second) a billion evaluations take days and fill a file of
#: hundreds of GB. A run without a count leaves run.generations out and gives run.max_time. A run stored before
#: the limit keeps what it ran with (MAX_COUNT).
RUN_LIMITS = {"generations": 10 ** 9, "evaluations": 10 ** 9}
#: The most run.compute (or --compute) a config file or the command line may give, in fidelity units: 1e308
#: gave a progress bar of a 309-digit total and ETA. A million trainings of 10**9 units each stay below it.
MAX_COMPUTE = 1e15


def run_integer(key: str, value: Any, minimum: int, limited: bool = False) -> int:
    """run.KEY, an integer >= ``minimum``; ``limited``: at most its :data:`RUN_LIMITS` entry (a config file's)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:  # true as TOML spells it
        raise ConfigError(f"run.{key} must be an integer >= {minimum}, got {_shown(value)}")
    if key == "seed" and value > MAX_SEED:
        raise ConfigError(f"run.seed must be an integer from 0 to 2**64 - 1 ({MAX_SEED}), got {value!r}")
    if limited and key in RUN_LIMITS and value > RUN_LIMITS[key]:
        raise ConfigError(f"run.{key} must be an integer from {minimum} to {RUN_LIMITS[key]}, got {value!r}")
    if key != "seed" and value > MAX_COUNT:
        raise ConfigError(f"run.{key} must be an integer from {minimum} to 2**63 - 1, got {value!r}")
    return value


def option_integer(key: str, value: Any, minimum: int) -> int:
    """An integer given on the command line (or to l2l.resume), named as the option the user typed."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        note = " (it sets a limit; no limit is the config's run.evaluations = 0)" if key == "evaluations" else ""
        raise ConfigError(f"{option(key)} must be an integer >= {minimum}, got {value!r}{note}")
    if key == "seed" and value > MAX_SEED:
        raise ConfigError(f"--seed must be an integer from 0 to 2**64 - 1 ({MAX_SEED}), got {value!r}")
    if key in RUN_LIMITS and value > RUN_LIMITS[key]:
        raise ConfigError(f"{option(key)} must be an integer from {minimum} to {RUN_LIMITS[key]}, got {value!r}")
    if key != "seed" and value > MAX_COUNT:
        raise ConfigError(f"{option(key)} must be an integer from {minimum} to 2**63 - 1, got {value!r}")
    return value


def compute_option(value: Any, name: str = "run.compute", limited: bool = True) -> float:
    """run.compute, or ``--compute`` (``name``: what the user typed, named in the error); ``limited``: at most
    :data:`MAX_COMPUTE` (a stored run's is not: it resumes with what it ran with)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{name} must be a number of fidelity units >= 0, got {value!r}")
    if not math.isfinite(value):  # 'inf' read as a number >= 0: it is one, but no budget
        raise ConfigError(f"{name} must be a finite number of fidelity units (at most {number(MAX_COMPUTE)}), "
                          f"got {value!r}")
    if limited and value > MAX_COMPUTE:
        raise ConfigError(f"{name} must be at most {number(MAX_COMPUTE)} fidelity units, got {value!r}")
    return float(value)


def seconds_option(key: str, value: Any, name: str | None = None, limited: bool = True) -> float:
    """run.KEY in seconds, or the command-line option ``name`` that sets it (named in the error); ``limited``: at
    most :data:`MAX_TIMEOUT` (1e9 s, about 31 years: 1e308 started a run without end), which a stored run's is not (it
    resumes with what it ran with)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or not math.isfinite(value):
        raise ConfigError(f"{name or 'run.' + key} must be a number of seconds >= 0, got {value!r}")
    if limited and value > MAX_TIMEOUT:
        raise ConfigError(f"{name or 'run.' + key} must be a number of seconds from 0 to {number(MAX_TIMEOUT)} "
                          f"(0: no limit), got {value!r}")
    return float(value)


def target_option(value: Any, name: str = "run.target") -> float | dict[str, float]:
    """run.target (or ``--target``, ``name``): a finite number, or a non-empty table of finite numbers per objective
    name. Which objectives the run has is checked by :func:`check_target`."""
    def number(key: str, given: Any) -> float:
        if isinstance(given, bool) or not isinstance(given, (int, float)) or not math.isfinite(given):
            raise ConfigError(f"{key} must be a finite number (the objective's value that ends the run), "
                              f"got {_shown(given)}")
        return float(given)

    command_line = name.startswith("--")  # the command line's form: loss=0.1,accuracy=0.9, not a TOML table
    example = "loss=0.1,accuracy=0.9" if command_line else "{loss = 0.1}"
    if isinstance(value, Mapping):
        if not value:
            raise ConfigError(f"{name} is an empty table; give a value per objective, e.g. {example}")
        return {str(k): number(f"{name} {k}=..." if command_line else f"{name}.{k}", v) for k, v in value.items()}
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        per_objective = "NAME=VALUE per objective, comma-separated" if command_line else "a table per objective"
        raise ConfigError(f"{name} must be a finite number or {per_objective} (e.g. {example}), got {_shown(value)}")
    return number(name, value)


def target_text(text: str) -> float | dict[str, float] | str:
    """``--target 0.95`` or ``--target loss=0.1,accuracy=0.9`` as :func:`target_option` takes it (the text itself
    where it is neither, for its refusal); :class:`ConfigError` for an objective named twice (``loss=1,loss=2``)."""
    try:
        return float(text)
    except ValueError:
        pass
    table: dict[str, Any] = {}
    inner = text.strip()
    if inner.startswith("{") and inner.endswith("}"):  # run.target's TOML table pasted: {loss = 0.1, acc = 0.9}
        inner = inner[1:-1]  # (was: "--target acc=... must be a finite number, got '0.9}'")
    for part in inner.split(","):
        key, equals, value = (p.strip() for p in part.partition("="))
        key = key.strip('"\'')
        if not equals or not key:
            return text
        if key in table:  # the dict would keep the last value unsaid
            raise ConfigError(f"--target names {key!r} twice ({text}); give one value per objective, "
                              f"e.g. {key}={value}")
        try:
            table[key] = float(value)
        except ValueError:
            table[key] = value
    return table


def check_target(target: float | dict[str, float] | None, objectives: tuple[Objective, ...] | None,
                 name: str = "run.target") -> None:
    """Refuse a ``target`` that does not fit the run's ``objectives`` (the config's, or the simulator's own when the
    config names none; None: not known yet): one number where the run has several objectives, a table key that
    names none of them."""
    if target is None or not objectives:
        return
    names = [o.name for o in objectives]
    listed = ", ".join(repr(n) for n in names)
    if not isinstance(target, dict):
        if len(names) > 1:
            raise ConfigError(f"{name} is one number and the run has {len(names)} objectives ({listed}); give a "
                              f"table of the values to reach, e.g. {{{names[0]} = ...}}")
        return
    for key in target:
        if key not in names:
            raise ConfigError(f"{name} names {key!r}{_did_you_mean(key, names)}, which is no objective of the run; "
                              f"its objective{'s' * (len(names) != 1)}: {listed}")


def check_penalty(penalty: Any, objectives: tuple[Objective, ...] | None) -> None:
    """Refuse a run.penalty that is not 'worst', a finite number or a table of finite numbers; with
    ``objectives`` (the config's, or the simulator's own when the config names none), a table key that names
    no objective too."""
    if penalty == "worst":
        return
    if isinstance(penalty, (int, float)) and not isinstance(penalty, bool) and math.isfinite(penalty):
        return
    if isinstance(penalty, Mapping):
        for key, value in penalty.items():
            if objectives is not None and key not in {o.name for o in objectives}:
                known = [o.name for o in objectives]
                raise ConfigError(f"run.penalty names {key!r}{_did_you_mean(str(key), known)}, which is no objective "
                                  f"of the run; its objectives: {', '.join(repr(n) for n in known)}")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ConfigError(f"run.penalty.{key} must be a finite number, got {value!r}")
        return
    raise ConfigError(f"run.penalty must be 'worst', a finite number or a table per objective, got {penalty!r}")


def penalty_warning(penalty: Any, objectives: tuple[Objective, ...]) -> str:
    """A warning line (else "") for a single numeric run.penalty in a run whose objectives go both ways: the one
    number is told, as a value of each objective, to the minimized ones and the maximized ones alike, so it is a
    top value of one of them (``penalty = 1000.0`` tells a maximized accuracy that every failure scored 1000). Not
    refused: a stored config with it still resumes."""
    if isinstance(penalty, bool) or not isinstance(penalty, (int, float)):
        return ""
    directions = {o.direction for o in objectives}
    if len(directions) < 2:
        return ""
    maximized = next(o.name for o in objectives if o.direction == "maximize")
    minimized = next(o.name for o in objectives if o.direction != "maximize")
    return (f"l2l: warning: run.penalty = {number(penalty)} is told to every objective alike, but {maximized!r} is "
            f"maximized and {minimized!r} minimized, so a failed evaluation gets a good value of one of them; use "
            f"penalty = \"worst\" or a table per objective (penalty = {{{minimized} = ..., {maximized} = ...}})")


#: Why a population-based or Lamarckian run's candidates cannot be evaluated again from their parameters alone.
TRAINED_WITH_A_SCHEDULE = ("{what} does not apply to population-based training or run.inherit: a learner there "
                           "continued other learners' checkpoints under changing parameters, so its last "
                           "parameters evaluated from scratch measure something else; replay its schedule "
                           "(l2l.lineage(FILE)) on fresh seeds instead, as docs/pbt.md shows")


def inherit_option(value: Any) -> float | bool:
    """run.inherit: true, false or a number of fidelity units > 0."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, (int, float)) or value < 0 or not math.isfinite(value):
        raise ConfigError(f"run.inherit must be true, false or a number of fidelity units > 0, got {value!r}")
    return float(value)


def checkpoints_option(value: Any) -> str:
    from l2l.results_schema.checkpoint_store import CHOICES

    if not isinstance(value, str) or value not in CHOICES:
        raise ConfigError(f"run.checkpoints must be one of {', '.join(map(repr, CHOICES))}, got {value!r}")
    return value


def _table(value: Mapping[str, Any]) -> str:
    """An inline table's entries as TOML spells them: top = 2, seeds = true."""
    return ", ".join(f"{k} = {_shown(v)}" for k, v in value.items())


def reevaluate_option(value: Any) -> dict[str, int] | None:
    """run.reevaluate = {top = k, seeds = n}: both integers >= 1 (None: no re-evaluation)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(f"run.reevaluate must be a table {{top = k, seeds = n}}, got {value!r}")
    unknown = [k for k in value if k not in ("top", "seeds")]
    if unknown:
        raise ConfigError(f"unknown key run.reevaluate.{unknown[0]}; allowed: top, seeds")
    out = {}
    for key in ("top", "seeds"):
        if key not in value:  # was 'must be an integer >= 1, got None', a value TOML cannot even write
            raise ConfigError(f"run.reevaluate is missing {key}: it is {{top = k, seeds = n}} (the k best "
                              f"candidates on n fresh seeds each), got {{{_table(value)}}}")
        number = value[key]
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ConfigError(f"run.reevaluate.{key} must be an integer >= 1, got {_shown(number)}")
        if key == "seeds" and number > MAX_REEVALUATION_SEEDS:
            raise ConfigError(f"run.reevaluate.seeds must be at most {MAX_REEVALUATION_SEEDS} (fresh seeds per "
                              f"candidate), got {number!r}")
        out[key] = number
    return out
