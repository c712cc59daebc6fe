"""Sections that change process-wide state and put it back: the lock every such section holds
(:data:`GLOBAL_STATE_LOCK`), and Optuna's logger and warnings quieted around l2l's calls (:func:`quiet_optuna`,
for the ``tpe`` optimizers and the model-based policy). Below the optimizers and the policies, which both use them."""

from __future__ import annotations

import threading
import warnings
from contextlib import contextmanager
from typing import Iterator

#: Held around every section that sets process-wide state and puts it back (the global ``random`` and
#: ``numpy.random`` generators swapped in for DEAP or saved around Nevergrad's parametrization, Optuna's logger
#: level and the warning filters quieted), with the library call inside it: two runs in two threads would
#: otherwise interleave, take each other's generator state, or restore each other's changes (two ``tpe`` runs
#: left Optuna's logger at ERROR; two ``nevergrad`` runs left every warning of the process ignored).
#: Re-entrant, as these sections nest.
GLOBAL_STATE_LOCK = threading.RLock()


def _optuna():
    import optuna

    return optuna


@contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna's per-trial log lines and experimental-feature warnings silenced during our calls only.

    The level of the ``optuna`` logger and the warning filters are restored
    afterwards, so a program that uses Optuna itself keeps its own settings. :data:`GLOBAL_STATE_LOCK` is held
    throughout: two runs in two threads take turns, each restoring exactly what it found (interleaved, the second
    restored the first's quieted level, and Optuna's logger stayed at ERROR).
    """
    optuna = _optuna()
    with GLOBAL_STATE_LOCK:
        saved = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                yield
        finally:
            optuna.logging.set_verbosity(saved)
