"""Run a user's Brian2 model for every evaluation: ``function(brian2, params, seed, **kwargs)``.

Brian2 keeps global state too: its preferences, the default clock, the
objects a bare ``run()`` collects ("magic" network), numpy's global random
generator (its ``numpy`` target draws from it) and a cache of compiled code
that processes share. Around every evaluation this simulator therefore

* starts a fresh scope (``start_scope``): a bare ``run()`` sees only the
  objects this evaluation created; the default clock is back at 0.1 ms;
* sets the code-generation target (``numpy``, or ``cython`` for compiled
  code) and, for ``cython``, a cache directory of this worker process alone
  (``<cache_dir>/<host>-<pid>``), so workers never write each other's files;
  compiled code is reused by the later evaluations of the same worker;
* seeds Brian2 (``brian2.seed``) from the evaluation's seed;
* restores afterwards the preferences it changed and numpy's global random
  state, so that the process around it is left as it was;
* keeps Brian2's log at warnings unless ``quiet = false``.

A lock keeps evaluations of one process from running at the same time.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, Iterator

import numpy as np

from l2l.errors import ConfigError
from l2l.registry import option
from l2l.simulators.base import SimulationResult, as_result
from l2l.simulators.nest_sim import require_installed
from l2l.simulators.python import ModelFunction

TARGETS = ("numpy", "cython")
#: Brian2's preferences and clocks are per process: evaluations in one process take turns.
BRIAN2_LOCK = threading.RLock()
_CACHES: dict[str, str] = {}


def _import() -> ModuleType:
    """``import brian2``, also from a thread that is not the main one (a Dask worker's).

    Brian2 installs a Ctrl+C handler when imported, which Python allows from
    the main thread only; elsewhere the import would fail. There the handler is
    left out (a worker is not interrupted from a keyboard).
    """
    if "brian2" in sys.modules:
        return sys.modules["brian2"]
    hook = sys.excepthook  # Brian2 replaces it with its own (a process-wide change): put it back
    try:
        if threading.current_thread() is threading.main_thread():
            import brian2
            return brian2
        return _import_in_thread()
    finally:
        sys.excepthook = hook


def _import_in_thread() -> ModuleType:
    original = signal.signal

    def main_thread_only(signalnum, handler):
        try:
            return original(signalnum, handler)
        except ValueError:
            return signal.getsignal(signalnum)

    signal.signal = main_thread_only
    try:
        import brian2
    finally:
        signal.signal = original
    return brian2


def import_brian2() -> ModuleType:
    """Import Brian2; a clear ConfigError if it is not installed (or cannot be imported)."""
    try:
        brian2 = _import()
    except ImportError as exc:
        raise ConfigError(f"simulator 'brian2': Brian2 cannot be imported ({exc}); install it with "
                          f"pip install 'l2l[brian2]'") from exc
    except AttributeError as exc:  # brian2 <= 2.9.0 on numpy >= 2.4 (ndarray.ptp is gone)
        raise ConfigError(f"simulator 'brian2': Brian2 does not work with numpy {np.__version__} ({exc}); "
                          f"install numpy < 2.4 (pip install 'l2l[brian2]' does)") from exc
    return brian2


def worker_cache(root: str = "") -> str:
    """This process's own cache directory of compiled code, under ``root`` (default: the temp folder).

    Created once per process and removed when the process ends.
    """
    root = root or os.path.join(tempfile.gettempdir(), f"l2l-brian2-{os.getuid()}")
    key = root  # a forked child (an evaluation with a timeout) reuses its parent's compiled code
    if key not in _CACHES:
        folder = os.path.join(root, f"{socket.gethostname()}-{os.getpid()}")
        os.makedirs(folder, exist_ok=True)
        _CACHES[key] = folder
        atexit.register(shutil.rmtree, folder, True)
    return _CACHES[key]


def brian2_seed(seed: int) -> int:
    """Brian2's seed (numpy's range, 0 .. 2**32 - 1) for an evaluation seed."""
    return int(seed) % (2 ** 32)


@contextmanager
def brian2_session(seed: int, target: str = "numpy", cache_dir: str = "", quiet: bool = True) -> Iterator[ModuleType]:
    """A fresh, seeded Brian2 scope with ``target``; preferences and numpy's random state restored after."""
    if target not in TARGETS:
        raise ConfigError(f"simulator 'brian2': target must be one of {', '.join(TARGETS)}, got {target!r}")
    brian2 = import_brian2()
    prefs = brian2.prefs
    keys = ("codegen.target", "codegen.runtime.cython.cache_dir")
    with BRIAN2_LOCK:
        saved = {key: prefs[key] for key in keys}
        random_state = np.random.get_state()
        level = brian2.BrianLogger.console_handler.level
        try:
            if quiet:
                brian2.BrianLogger.console_handler.setLevel(logging.WARNING)
            prefs["codegen.target"] = target
            if target == "cython":
                prefs["codegen.runtime.cython.cache_dir"] = worker_cache(cache_dir)
            brian2.start_scope()
            brian2.defaultclock.dt = 0.1 * brian2.ms
            brian2.seed(brian2_seed(seed))
            yield brian2
        finally:
            for key, value in saved.items():
                prefs[key] = value
            np.random.set_state(random_state)
            brian2.BrianLogger.console_handler.setLevel(level)
            brian2.start_scope()


@dataclass(frozen=True)
class Brian2Model(ModelFunction):
    """A Brian2 model function(brian2, params, seed, **kwargs) run in a fresh, seeded scope
    (its options function, kwargs and path as for the python simulator)."""

    name: ClassVar[str] = "brian2"
    engine: ClassVar[str] = "brian2"
    example: ClassVar[str] = "models:my_network"

    target: str = option("numpy", help="code generation: 'numpy' (no compiler) or 'cython' (compiled, "
                                       "cached per worker)", choices=TARGETS)
    cache_dir: str = option("", help="root of the per-worker caches of compiled code ('' = the temp folder)")
    quiet: bool = option(True, help="keep Brian2's console log to warnings")

    def _require(self) -> None:
        require_installed("brian2", "simulator 'brian2'", "brian2")

    def _call(self, params: dict[str, Any], seed: int, extra: dict[str, Any]) -> SimulationResult:
        function = self._load()
        with brian2_session(seed, self.target, self.cache_dir, self.quiet) as brian2:
            return as_result(function(brian2, params, seed, **extra, **self.kwargs))


__all__ = ["Brian2Model", "brian2_session", "import_brian2", "worker_cache", "TARGETS", "BRIAN2_LOCK"]
