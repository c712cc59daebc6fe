"""A PyNEST model that seeds NEST with a number of its own, the same in every evaluation.

The ``nest`` simulator sets ``rng_seed`` from each evaluation's seed before the model runs. A model copied from a
script that sets it again itself (``nest.SetKernelStatus({"rng_seed": 42})``, or ``nest.rng_seed = 12345``) draws the
same Poisson input and connections in every evaluation whatever its seed: repeats of a candidate agree to the digit,
``l2l reevaluate`` gives ``± 0`` on its fresh seeds, and a reviewer reading the rows' seeds cannot tell. Nothing said
so. :func:`note` compares the seed the kernel held after the model with the one l2l gave; where two evaluations of a
run with different seeds both ended on the same seed of the model's own, it says so once per run, on stderr (what it
remembers is kept with the run's simulator, :mod:`l2l.simulators.said_once`: a second run in one process is told again;
each ``local`` or SLURM worker process remembers its own evaluations).
A model that sets ``rng_seed`` from its ``seed`` (per segment, as docs/multifidelity_simulators.md shows) differs
between evaluations and is never named.
"""

from __future__ import annotations

import sys
from typing import Any

from l2l.simulators.said_once import report, state


def kernel_seed(nest: Any) -> int | None:
    """The kernel's ``rng_seed`` now (None if NEST does not say)."""
    try:
        return int(nest.GetKernelStatus("rng_seed"))
    except Exception:  # noqa: BLE001 - a kernel in an error state: say nothing
        return None


def note(nest: Any, given: int, seed: int, owner: Any, used: int | None = None) -> None:
    """After a model ran in a kernel seeded with ``given`` (from the evaluation seed ``seed``), before the reset;
    ``owner`` is the run's simulator, which keeps what was seen (the model's own seed -> the first evaluation seed);
    ``used``: the kernel's seed now, where the caller asked it already (else asked here)."""
    if state(owner, "nest_seeds").get("warned"):
        return
    used = kernel_seed(nest) if used is None else used
    if used is None or used == given:
        return
    report("nest_seeds", used=used, seed=seed)  # (a slurm-array task's driver hears it: l2l.simulators.said_once)
    seen(used, seed, owner)


def seen(used: int, seed: int, owner: Any) -> None:
    """The model left the kernel on its own seed ``used`` in the evaluation of seed ``seed``: warn (once for
    ``owner``) where an evaluation of another seed ended on it too."""
    said = state(owner, "nest_seeds")
    known = said.setdefault("seen", {})
    if said.get("warned") or len(known) > 1000:
        return
    earlier = known.setdefault(used, seed)
    if earlier == seed:  # the same evaluation seed again (a repeat): nothing to tell
        return
    said["warned"] = True
    print(f"l2l: warning: simulator 'nest': the model set NEST's rng_seed to {used} itself, in evaluations of seeds "
          f"{earlier} and {seed} alike (l2l seeds the kernel from each evaluation's seed before the model runs): "
          f"every evaluation draws the same random numbers, so repeats and l2l reevaluate's fresh seeds agree to the "
          f"digit; remove the model's rng_seed, or derive it from the seed the model is given", file=sys.stderr,
          flush=True)


__all__ = ["kernel_seed", "note", "seen"]
