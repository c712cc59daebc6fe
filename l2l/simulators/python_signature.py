"""Whether the loop can call a user's function as it will (``function(params, seed, [budget=..., checkpoint=...],
**kwargs)``), and the one-line refusal that says why not: a budget it cannot take, a call shape that does not fit, a
function written for the original L2L, a generator or ``async`` function."""

from __future__ import annotations

import contextlib
import inspect
from typing import Any, Callable, Iterator

from l2l.errors import ConfigError
from l2l.simulators.fidelity_tools import fidelity_from_table


def accepts(function: Callable[..., Any], name: str) -> bool:
    """True if ``function`` takes a keyword argument ``name`` (by name or through ``**kwargs``)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature
        return False
    return any(p.name == name and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
               or p.kind == p.VAR_KEYWORD for p in parameters)


def check_fidelity(function: Callable[..., Any], table: Any, kwargs: dict, who: str, label: str) -> None:
    """Refuse (ConfigError) a declared fidelity the function cannot take: it must accept ``budget``."""
    if not table:
        return
    fidelity_from_table(table, who)
    clash = [key for key in ("budget", "checkpoint") if key in kwargs]
    if clash:
        raise ConfigError(f"simulator {who!r}: kwargs must not contain {clash[0]!r}: the multi-fidelity "
                          f"loop passes it")
    if not accepts(function, "budget"):
        raise ConfigError(f"simulator {who!r}: multi_fidelity is set, so {label} must accept a keyword "
                          f"argument 'budget' (and may accept 'checkpoint' to continue instead of restarting)"
                          f"{_seed_hint(function)}")


def _seed_hint(function: Callable[..., Any], fidelity: bool = True) -> str:
    """The call's shape where ``function`` takes a single positional argument (Ray Tune's ``train_fn(config)``,
    Optuna's ``objective(trial)``): the loop also passes the candidate's seed second (``fidelity``: and a budget
    and a checkpoint)."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return ""
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) != 1 or any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return ""
    if not fidelity:  # the call's shape is in the message already
        return f"; the loop passes the candidate's seed second, but it takes only {positional[0].name!r}"
    return (f"; it is called as function(params, seed, budget=..., checkpoint=...), the candidate's seed second, "
            f"but it takes only {positional[0].name!r}")


def uncallable(who: str, label: str, function: Callable[..., Any], table: Any, kwargs: dict,
               exc: TypeError) -> ConfigError:
    """The refusal of a function the loop cannot call: one that needs a ``budget`` while the simulator declares
    no fidelity is told to declare one (the call error alone, "missing a required argument: 'budget'",
    does not say where a budget comes from)."""
    try:
        needed = inspect.signature(function).parameters.get("budget")
    except (TypeError, ValueError):
        needed = None
    if not table and "budget" not in kwargs and needed is not None and needed.default is needed.empty \
            and needed.kind in (needed.POSITIONAL_OR_KEYWORD, needed.KEYWORD_ONLY):
        return ConfigError(f"simulator {who!r}: {label} takes a 'budget', but the simulator declares no fidelity: "
                           f"add multi_fidelity = {{ name = \"epochs\", minimum = 1, maximum = 27 }} (your "
                           f"budget's name and range) to [simulator], or give 'budget' a default")
    hint = _traj_hint(function) or (_seed_hint(function, bool(table)) if "positional" in str(exc) else "")
    return ConfigError(f"simulator {who!r}: {label} cannot be called as {call_shape(table, exc)}{hint}")


def _traj_hint(function: Callable[..., Any]) -> str:
    """Where a function takes the original L2L's ``traj`` (``simulate(self, traj)`` made a function), what it
    becomes here; else ``""``."""
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return ""
    if "traj" not in names[:2] or "params" in names:
        return ""
    return ("; the original L2L's simulate(self, traj) is simulate(params, seed) here: "
            "traj.individual.x is params[\"x\"] (docs/coming_from_l2l.md)")


@contextlib.contextmanager
def l2l_trajectory_hint(function: Callable[..., Any]) -> Iterator[None]:
    """Around a call of ``function``: an AttributeError on the dict of parameters in a function written for the
    original L2L (``simulate(traj, seed)``, ``traj.individual.x``) says what its first argument is here (was:
    every evaluation failed with ``'dict' object has no attribute 'individual'`` and nothing more)."""
    try:
        yield
    except AttributeError as exc:
        hint = _traj_hint(function) if str(exc).startswith("'dict' object has no attribute") else ""
        if not hint:
            raise
        raise AttributeError(f"{exc}{hint}") from exc


def call_shape(table: Any, exc: TypeError) -> str:
    """How the loop calls a function(params, seed, ...) and why that failed; where an argument got two values
    (``train(config, budget)`` handed the seed as its budget), who receives the seed."""
    shape = "function(params, seed, budget=..., checkpoint=..., **kwargs)" if table else \
        "function(params, seed, **kwargs)"
    hint = "; its second parameter receives the candidate's seed" if "multiple values for argument" in str(exc) \
        else ""
    return f"{shape}: {exc}{hint}"


def check_returns(function: Callable[..., Any], label: str) -> None:
    """Refuse (ConfigError) a generator or ``async`` function: it returns a generator or a coroutine, not a
    result, which failed every evaluation (``float() argument must be ... not 'coroutine'``, and Python's warning
    that it was never awaited)."""
    target = function.func if hasattr(function, "func") and hasattr(function, "keywords") else function
    target = target if inspect.isroutine(target) else getattr(type(target), "__call__", target)
    kind = "an async function" if inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target) \
        else "a generator function" if inspect.isgeneratorfunction(target) else ""
    if kind:
        raise ConfigError(f"simulator: {label} is {kind}, so a call returns "
                          f"{'a coroutine' if kind.startswith('an async') else 'a generator'}, not a result; "
                          f"make it a plain function that returns a number, a dict or l2l.SimulationResult"
                          f"{' (asyncio.run(...) inside it runs async code)' if kind.startswith('an async') else ''}")


def fidelity_arguments(function: Callable[..., Any], table: Any) -> dict[str, Any]:
    """The keyword arguments a multi-fidelity call adds (for checking the signature): budget, checkpoint."""
    if not table:
        return {}
    return {"budget": 1, **({"checkpoint": None} if accepts(function, "checkpoint") else {})}
