"""Around a call of a user's function: the multi-fidelity call itself, the size its checkpoint may take, and the
working directory and crash report kept around it."""

from __future__ import annotations

import contextlib
import faulthandler
import io
import os
import sys
from typing import Any, Callable, Iterator

from l2l.numbers import number
from l2l.simulators.base import Fidelity, SimulationResult, as_result
from l2l.simulators.fidelity_tools import whole_budget
from l2l.simulators.python_signature import accepts


def call_to(function: Callable[..., Any], params: dict[str, Any], seed: int, budget: float,
            checkpoint: Any, fidelity: Fidelity, kwargs: dict, who: str) -> SimulationResult:
    """Call ``function(params, seed, budget=..., [checkpoint=...], **kwargs)``; its checkpoint is kept only
    if it takes one (otherwise every segment restarts from scratch and is counted so)."""
    budget = whole_budget(fidelity, budget, who)
    if accepts(function, "checkpoint"):
        result = as_result(function(params, seed, budget=budget, checkpoint=checkpoint, **kwargs))
    else:
        result = as_result(function(params, seed, budget=budget, **kwargs))
        result.checkpoint = None
    return result


DEFAULT_CHECKPOINT_LIMIT_MB = 64.0


def _nbytes(value: Any) -> int:
    """About the bytes a checkpoint takes in the file: its arrays' and strings' sizes, 8 per other leaf."""
    if value is None:
        return 0
    if hasattr(type(value), "nbytes"):  # the type's, not the object's: a NEST NodeCollection answers any name
        return int(value.nbytes)
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, dict):
        return sum(len(str(k)) + _nbytes(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(v) for v in value)
    return 8


def check_checkpoint_size(result: SimulationResult, budget: float, limit: float, who: str) -> None:
    """ValueError if ``result``'s checkpoint is larger than ``limit`` MiB: every checkpoint is stored with the
    run, so a runaway one (a dataset, a recording) would fill the file or the checkpoint folder."""
    size = _nbytes(result.checkpoint)
    if size > limit * 2 ** 20:
        raise ValueError(f"the checkpoint returned at budget {number(budget)} holds {size / 2 ** 20:.1f} MiB, more "
                         f"than checkpoint_limit_mb = {number(limit)} of the {who} simulator: keep weights and "
                         f"optimizer state, not data, or raise the option")


@contextlib.contextmanager
def user_call() -> Iterator[None]:
    """Around a call of a user's function: put the process's working directory back where it was if the function
    changed it (``os.chdir`` into its data folder): the ``serial`` backend evaluates in l2l's own process, whose
    relative paths moved with it (``l2l run cfg.toml --out run.h5`` then looked for ``run.h5`` in the model's folder
    and ended in ``run.h5: no such file`` after the evaluations, its rows kept). And a crash of the process in the
    call (a segfault in C code) prints where in the function it happened (Python's ``faulthandler``, unless the user
    enabled it already); before, a ``serial`` run ended with nothing on stderr but the shell's ``Segmentation
    fault``."""
    try:
        before = os.getcwd()
    except OSError:  # l2l's own folder was removed: nothing to put back
        before = None
    reporting = not faulthandler.is_enabled()
    if reporting:
        try:
            faulthandler.enable(file=sys.__stderr__, all_threads=False)
        except (AttributeError, ValueError, OSError, io.UnsupportedOperation):  # no stderr with a descriptor
            reporting = False
    try:
        yield
    finally:
        if reporting:
            faulthandler.disable()
        if before is not None:
            try:
                if os.getcwd() != before:
                    os.chdir(before)
            except OSError:  # the folder it went to is gone (getcwd fails), or ours is: go back if we can
                with contextlib.suppress(OSError):
                    os.chdir(before)
