"""A Brian2 model that seeds Brian2 with a number of its own, the same in every evaluation.

The ``brian2`` simulator calls ``brian2.seed`` with a number derived from each evaluation's seed before the model
runs. A model copied from a script that calls ``b.seed(42)`` again draws the same noise, initial values and
connections in every evaluation whatever its seed: repeats of a candidate agree to the digit and ``l2l reevaluate``
gives ``± 0`` on its fresh seeds. Nothing said so. :func:`watch` notes the seeds the model gives ``brian2.seed`` (the
module the model is handed; a ``from brian2 import seed`` of its own is not seen); where two evaluations of a run
with different seeds both gave the same one, it says so once per run, on stderr (remembered with the run's simulator,
:mod:`l2l.simulators.said_once`: a second run in one process is told again). A model deriving its seed from
the one it is given (``b.seed((seed + start) % 2**32)`` per segment, docs/multifidelity_simulators.md) is never named.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator

from l2l.simulators.said_once import report, state


@contextmanager
def watch(brian2: Any, seed: int, owner: Any) -> Iterator[None]:
    """Around a model's call: record what it passes to ``brian2.seed``; warn once a run (see the module), ``owner``
    being the run's simulator, which keeps what was seen."""
    original = brian2.seed
    given: list[Any] = []

    def seeded(value: Any = None) -> Any:
        given.append(value)
        return original(value)

    brian2.seed = seeded
    try:
        yield
    finally:
        brian2.seed = original
    for value in given:
        if value is None:
            continue
        try:
            key = int(value)
        except (TypeError, ValueError):
            continue
        report("brian2_seeds", used=key, seed=seed)  # (a slurm-array task's driver hears it: l2l.simulators.said_once)
        seen(key, seed, owner)


def seen(key: int, seed: int, owner: Any) -> None:
    """The model called ``brian2.seed(key)`` in the evaluation of seed ``seed``: warn (once for ``owner``) where an
    evaluation of another seed gave it the same number."""
    said = state(owner, "brian2_seeds")
    known = said.setdefault("seen", {})
    if said.get("warned") or len(known) > 1000:
        return
    earlier = known.setdefault(key, seed)
    if earlier != seed:
        said["warned"] = True
        print(f"l2l: warning: simulator 'brian2': the model called brian2.seed({key}) itself, in evaluations of "
              f"seeds {earlier} and {seed} alike (l2l seeds Brian2 from each evaluation's seed before the model "
              f"runs): every evaluation draws the same random numbers, so repeats and l2l reevaluate's fresh seeds "
              f"agree to the digit; remove the call, or derive its seed from the seed the model is given",
              file=sys.stderr, flush=True)


__all__ = ["seen", "watch"]
