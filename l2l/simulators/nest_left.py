"""A NEST network that a ``python`` simulator's function builds on top of an earlier evaluation's.

The ``nest`` simulator resets NEST's kernel around every evaluation; the ``python`` simulator does not (it calls the
function and nothing else). A PyNEST model run under ``python`` (a function passed to ``l2l.run``, whose simulator is
always ``python``, or a config naming the wrong simulator) that does not call ``nest.ResetKernel()`` itself therefore
simulated every earlier evaluation's neurons, connections and devices of its process together with its own, its
biological time going on from theirs: a recorder of 20 neurons counted 120 spikes, the next evaluation's 240 with 42
nodes in the kernel, then 63, 84, ... (the python simulator's rows, ``serial``, 12 evaluations), and a ``local`` run's
values depended on which worker an evaluation landed on. Nothing said so. :func:`watch` notices it (the kernel held
nodes and time when the evaluation began, and more of both when it ended) and says so once per run, on stderr (a
``local`` or SLURM worker's stderr is the terminal's or the job's log; remembered with the run's simulator,
:mod:`l2l.simulators.said_once`, so a second run in one process is told again); a function whose code calls ``ResetKernel``
itself is left alone. Nothing is imported here: only a NEST the process already imported is looked at.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from typing import Any, Callable, Iterator

from l2l.simulators.said_once import state


def kernel_state() -> tuple[int, float] | None:
    """(nodes, biological time in ms) of NEST's kernel in this process; None where NEST is not imported (or answers
    nothing)."""
    nest = sys.modules.get("nest")
    if nest is None or not hasattr(nest, "GetKernelStatus"):
        return None
    try:
        size, time = nest.GetKernelStatus(["network_size", "biological_time"])
        return int(size), float(time)
    except Exception:  # noqa: BLE001 - a NEST without these keys, or a kernel in an error state: say nothing
        return None


def resets_itself(function: Callable[..., Any]) -> bool:
    """True if the function's own code names ``ResetKernel`` (a model that resets NEST itself before it builds)."""
    target = getattr(function, "func", function)  # a functools.partial's function
    try:
        return "ResetKernel" in inspect.getsource(target)
    except (OSError, TypeError):  # no source (a builtin, code typed at a prompt)
        return False


def message(before: tuple[int, float], after: tuple[int, float], who: str) -> str:
    return (f"l2l: warning: simulator 'python': NEST's kernel held {before[0]} nodes at {before[1]:g} ms of "
            f"biological time when {who} began (an earlier evaluation's network, left in this process) and "
            f"{after[0]} at {after[1]:g} ms after it: the python simulator does not reset NEST, so each evaluation "
            f"simulates the earlier ones' networks with its own, and its values depend on what ran before it in the "
            f"process; give the model as simulator 'nest' (a config's [simulator] name = \"nest\", "
            f"function(nest, params, seed)), which resets and seeds the kernel around every evaluation, or call "
            f"nest.ResetKernel() at the function's start")


@contextlib.contextmanager
def watch(function: Callable[..., Any], who: str = "this evaluation", owner: Any = None) -> Iterator[None]:
    """Around a ``python`` simulator's call: warn once per run (stderr) where the call built on a NEST network
    an earlier call left (the kernel held nodes when it began, more nodes and a later time when it returned).
    ``owner``: the run's simulator, which remembers that it warned (None: the function itself)."""
    said = state(function if owner is None else owner, "nest_left")
    before = None if said.get("warned") else kernel_state()
    yield
    if before is None or before[0] == 0 or said.get("warned"):
        return
    after = kernel_state()
    if after is None or after[0] <= before[0] or after[1] <= before[1] or resets_itself(function):
        return
    said["warned"] = True
    print(message(before, after, who), file=sys.stderr, flush=True)


__all__ = ["kernel_state", "watch"]
