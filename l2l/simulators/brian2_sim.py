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
  what the host's earlier runs and other workers compiled is linked into it
  from one shared folder first, and what this worker compiled (and loaded)
  is published there after the evaluation (:func:`shared_cache`);
* seeds Brian2 (``brian2.seed``) from the evaluation's seed;
* restores afterwards the preferences it changed and numpy's global random
  state, so that the process around it is left as it was;
* keeps Brian2's log at warnings unless ``quiet = false``, and leaves no file of
  Brian2's in the temp folder once its process ends, also when terminated: its
  debug log and script copy are dropped (kept with ``debug_log = true``), the
  compiler's output goes into the worker's own cache folder;
* after a failed evaluation, drops what still held its objects (the
  traceback's frames, the magic network), so that the next evaluation's
  objects get the same names (``neurongroup``, not ``neurongroup_1``), hence
  the same code, and reuse what was compiled.

A lock keeps evaluations of one process from running at the same time.
"""

from __future__ import annotations

import gc
import inspect
import logging
import signal
import sys
import threading
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, ClassVar, Iterator

import numpy as np

from l2l.errors import ConfigError
from l2l.registry import option
from l2l.simulators.brian2_cache import (check_default_root, compiler_output_in, link_shared, loaded_count, publish,
                                         settle_brian2_files, shared_cache, worker_cache)
from l2l.simulators.base import SimulationResult, as_result
from l2l.simulators.nest_sim import require_installed
from l2l.simulators.python import ModelFunction
from l2l.simulators.brian2_seeds import watch as watch_seeds
from l2l.simulators.brian2_unused import never_ran, watch_runs

TARGETS = ("numpy", "cython")
#: Brian2's preferences and clocks are per process: evaluations in one process take turns.
BRIAN2_LOCK = threading.RLock()


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


def brian2_seed(seed: int) -> int:
    """Brian2's seed (numpy's range, 0 .. 2**32 - 1) for an evaluation seed."""
    return int(seed) % (2 ** 32)


@contextmanager
def brian2_session(seed: int, target: str = "numpy", cache_dir: str = "", quiet: bool = True,
                   debug_log: bool = False) -> Iterator[ModuleType]:
    """A fresh, seeded Brian2 scope with ``target``; preferences and numpy's random state restored after. Brian2's
    files in the temp folder: see :func:`~l2l.simulators.brian2_cache.settle_brian2_files` (``debug_log``)."""
    if target not in TARGETS:
        raise ConfigError(f"simulator 'brian2': target must be one of {', '.join(TARGETS)}, got {target!r}")
    brian2 = import_brian2()
    prefs = brian2.prefs
    keys = ("codegen.target", "codegen.runtime.cython.cache_dir")
    with BRIAN2_LOCK:
        settle_brian2_files(brian2, debug_log)
        device = brian2.get_device()
        if device is not _runtime_device():  # e.g. set_device at the top of the model's module, run at its import
            raise RuntimeError(_standalone_refusal(device, "is set to"))
        saved = {key: prefs[key] for key in keys}
        random_state = np.random.get_state()
        level = brian2.BrianLogger.console_handler.level
        shared, loaded, unchecked, frozen, unstack = "", 0, None, False, None
        try:
            if quiet:
                brian2.BrianLogger.console_handler.setLevel(logging.WARNING)
            prefs["codegen.target"] = target
            if target == "cython":
                own, shared = worker_cache(cache_dir), shared_cache(brian2, cache_dir)
                link_shared(shared, own)
                compiler_output_in(own)
                prefs["codegen.runtime.cython.cache_dir"] = own
                loaded = loaded_count()
                unchecked = _fail_on_compile_errors()
            unstack = _frames_only_for_magic_run()
            # Brian2's objects refer to each other: garbage not yet collected keeps its names, and this evaluation's
            # objects would be neurongroup_1 (other code: with cython, compiled again). The last evaluation's were
            # collected as it ended (below): a full collection only if other objects of Brian2's are about.
            if _brian2_objects_besides_its_own():
                gc.collect()
            frozen = _freeze_older_objects()
            brian2.start_scope()
            brian2.defaultclock.dt = 0.1 * brian2.ms
            brian2.seed(brian2_seed(seed))
            try:
                yield brian2
            except BaseException as exc:
                _forget_failed(exc)
                raise
            finally:  # a model that switched the device: put the runtime device back, and fail the evaluation
                switched = brian2.get_device()
                if switched is not device:
                    _reset_device(switched, device)
                    raise RuntimeError(_standalone_refusal(switched, "was switched to"))
        finally:
            for key, value in saved.items():
                prefs[key] = value
            np.random.set_state(random_state)
            brian2.BrianLogger.console_handler.setLevel(level)
            brian2.start_scope()
            _release_magic()
            if frozen:
                gc.collect()  # this evaluation's objects (the older ones are frozen: a collection of the new only)
                gc.unfreeze()
            if unchecked is not None:
                unchecked()
            if unstack is not None:
                unstack()
            if shared:
                publish(shared, loaded)


class _FramesOnly:
    """The ``inspect`` module, but ``stack()`` gives each frame's ``FrameInfo`` as ``inspect.stack(0)`` without
    looking for the source file and module of every frame on the stack (the file named is the frame's code's, no
    lines of context): what Brian2 reads of it, the frame, is the same."""

    def __getattr__(self, name: str) -> Any:
        return getattr(inspect, name)

    @staticmethod
    def stack(context: int = 1) -> list[inspect.FrameInfo]:
        frames, frame = [], sys._getframe(1)  # first the caller's frame, outermost last, as inspect.stack()
        while frame is not None:
            code = frame.f_code
            frames.append(inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None))
            frame = frame.f_back
        return frames


def _frames_only_for_magic_run() -> Callable[[], None] | None:
    """Brian2's magic ``run()`` finds the objects to run in its caller's frame with ``inspect.stack()[level + 1][0]``,
    which reads the source of every frame on the stack (~0.1 s of CPU a run() under the test runner's stack): it gets
    the same frame from :class:`_FramesOnly` while the evaluation runs. Returns what undoes it (None where Brian2's
    magic module is not as expected: left as it is). Called with :data:`BRIAN2_LOCK` held."""
    magic = sys.modules.get("brian2.core.magic")
    if magic is None or magic.__dict__.get("inspect") is not inspect:
        return None
    magic.inspect = _FramesOnly()

    def undo() -> None:
        magic.inspect = inspect
    return undo


def _brian2_objects_besides_its_own() -> bool:
    """Whether an object of Brian2's (anything named: groups, monitors, clocks, networks) other than its default
    clock and magic network exists, alive or garbage not yet collected."""
    from brian2.core.clocks import defaultclock
    from brian2.core.magic import magic_network
    from brian2.core.names import Nameable

    return any(ref() is not None and ref() is not defaultclock and ref() is not magic_network
               for ref in list(Nameable.__instances__()))


def _freeze_older_objects() -> bool:
    """``gc.freeze()``: the garbage collections during the evaluation (Brian2 collects at every ``run()``, twice,
    :func:`_forget_failed` once, the session as it ends once) look only at the objects made since, not at the
    whole process (Brian2, sympy, the worker's own: 0.3 million objects, ~75 ms of CPU a collection in the test
    runner's process). Taken back (``gc.unfreeze``) as the session ends: what became garbage meanwhile is
    collected as before. True if it froze; False where the process had frozen objects of its own (left as they
    are)."""
    if gc.get_freeze_count():
        return False
    gc.freeze()
    return True


#: A Cython compile error in the model's code, as an evaluation's failure.
CYTHON_FAILED = ("Cython could not compile code of the model (its 'Error compiling Cython file' on stderr names the "
                 "line); Brian2 would run on without that code, the state it updates never changing")


def _fail_on_compile_errors() -> Callable[[], None]:
    """Make a Cython compile error fail the evaluation; returns what undoes it. Brian2 2.9.0's extension manager
    returns None for code that does not compile, and its code object then skips that block: a model whose own Cython
    function held a typo printed the compiler's error and ran on, its neurons never updated (mean v 0.0 where the
    numpy target gives 0.788), recorded as a success. Called with :data:`BRIAN2_LOCK` held."""
    try:  # Brian2's internals: another version may keep its manager elsewhere, and then goes unchecked, as before
        from brian2.codegen.runtime.cython_rt.extension_manager import cython_extension_manager as manager
    except ImportError:
        return lambda: None

    original, own = manager.create_extension, manager.__dict__.get("create_extension")

    def create_extension(code: str, *args: Any, **kwargs: Any) -> Any:
        module = original(code, *args, **kwargs)
        if module is None:
            raise RuntimeError(CYTHON_FAILED)
        return module

    manager.create_extension = create_extension

    def undo() -> None:
        if own is None:
            manager.__dict__.pop("create_extension", None)
        else:
            manager.create_extension = own
    return undo


def _forget_failed(exc: BaseException) -> None:
    """Drop what keeps a failed evaluation's Brian2 objects alive: the local variables of its traceback's frames
    (of the exception and those it wraps) and the magic network. Alive, they keep their names, and the next
    evaluation's objects got others (``neurongroup_1``): other code, compiled again. Brian2's warning of each
    one as never used in a network is not given (:func:`_unused_objects_unsaid`)."""
    seen: set[int] = set()
    with _unused_objects_unsaid():
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            step = exc.__traceback__
            while step is not None:
                try:
                    step.tb_frame.clear()
                except RuntimeError:  # a frame still running (this one, the callers'): left as it is
                    pass
                else:  # and the dict of its locals that Brian2's magic filled (it reads its callers' locals)
                    with suppress(Exception):
                        step.tb_frame.f_locals.clear()
                step = step.tb_next
            exc = exc.__cause__ or exc.__context__
        _release_magic()
        gc.collect()  # Brian2's objects refer to each other


#: The name of Brian2's warning that an object is deleted without ever having been in a network.
UNUSED_OBJECT = "unused_brian_object"


class _DropUnused(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.endswith(UNUSED_OBJECT)


@contextmanager
def _unused_objects_unsaid() -> Iterator[None]:
    """Brian2's console says nothing of unused objects while the block runs (its debug log keeps everything).

    A failed evaluation's objects, dropped by :func:`_forget_failed`, never were in a network (the evaluation
    failed before its ``run()``), and Brian2 warned of each one as it went: "The object 'neurongroup' is getting
    deleted, but was never included in a network. This probably means that you did not store the object
    reference ...", 4 lines an object, every failed evaluation, advice that does not apply (its failure is in the
    run's file). An object a successful evaluation left out of its network is still warned of."""
    from brian2 import BrianLogger

    handler, drop = getattr(BrianLogger, "console_handler", None), _DropUnused()
    if handler is not None:
        handler.addFilter(drop)
    try:
        yield
    finally:
        if handler is not None:
            handler.removeFilter(drop)


def note_missing_parameter(exc: BaseException, params: dict[str, Any]) -> None:
    """Add to a ``KeyError`` of a parameter the run's space lacks the hint the ``python`` simulator gives
    (``the run's space has no parameter 'tau_m'; did you mean 'tau_mem'? ...``), as a note: the hint reads the
    frame that raised it, which :func:`_forget_failed` clears before l2l words the failure (the line said only
    ``KeyError: 'tau_m'``)."""
    from l2l.simulators.missing_parameter import missing_parameter

    missing = missing_parameter(exc, params).strip()
    if missing:
        exc.add_note(missing)


def _release_magic() -> None:
    """Empty what Brian2's magic network keeps after a run: its objects (a ``run()`` that failed keeps them) and
    its clocks (every run keeps them), whose names the next evaluation's objects would not get (a group's own
    clock was ``neurongroup_clock_1`` every other evaluation: other code, compiled twice)."""
    from brian2.core.magic import magic_network

    magic_network.objects.clear()
    for name in ("_clocks", "_clock_variables"):
        with suppress(AttributeError):
            getattr(magic_network, name).clear()


def _runtime_device() -> Any:
    from brian2.devices.device import runtime_device
    return runtime_device


def _device_name(device: Any) -> str:
    from brian2.devices.device import all_devices
    return next((name for name, known in all_devices.items() if known is device), type(device).__name__)


def _standalone_refusal(device: Any, how: str) -> str:
    return (f"simulator 'brian2': Brian2's device {how} {_device_name(device)!r} (set_device), which this simulator "
            f"does not run (a standalone device builds and compiles a whole program per run, in a folder every "
            f"worker would share, and stays set for the worker's next evaluations): remove set_device and give "
            f"target = 'cython' for compiled code, or run the standalone script with the 'command' simulator, its "
            f"build directory in each evaluation's own folder (argv = [..., \"{{workdir}}/build\"], read as "
            f"set_device('cpp_standalone', directory=sys.argv[...])): evaluations sharing one directory run each "
            f"other's programs (docs/spiking.md)")


def _reset_device(switched: Any, device: Any) -> None:
    """Back to ``device`` after a model switched to ``switched`` (which forgets what the model built on it)."""
    from brian2.devices.device import reset_device
    try:
        switched.reinit()
    finally:
        reset_device(device)


def original_error(exc: BaseException, params: dict[str, Any] | None = None) -> str | None:
    """One line for a Brian2 ``BrianObjectException``: the error it wraps and where the object was created. Its own
    text ends in 'An error occurred when preparing an object. (See above for original error message and
    traceback.)', which was all a failed evaluation's line said (the original is its ``__cause__``). A syntax error
    in one of the model's strings (``SyntaxError: invalid syntax``) gets the expression. None for any other
    exception. An identifier the equations name that could not be resolved, close to a parameter of ``params``
    (the run's), is said to be (:func:`_unresolved_hint`)."""
    if isinstance(exc, SyntaxError) and exc.filename == "<unknown>" and exc.text:  # Brian2 parsing a model string
        return f"simulator 'brian2': SyntaxError: {exc.msg} in the expression {exc.text.strip()!r}"
    if not any(kind.__name__ == "BrianObjectException" for kind in type(exc).__mro__):
        return None
    original: BaseException = exc
    while any(kind.__name__ == "BrianObjectException" for kind in type(original).__mro__) \
            and original.__cause__ is not None:
        original = original.__cause__
    if original is exc:
        return None
    created = [line.strip() for line in str(getattr(exc, "_brian_objcreate", "")).splitlines()
               if line.strip().startswith("File ")]
    where = f" (the object created at {created[-1][5:].split(', in ')[0]})" if created else ""
    text = " ".join(str(original).split())  # the object's name is left out: it differs between evaluations
    return f"simulator 'brian2': {type(original).__name__}: {text}{where}{_unresolved_hint(original, params)}"


def _unresolved_hint(original: BaseException, params: dict[str, Any] | None) -> str:
    """`` (the run's space has no parameter 'tau_m'; did you mean 'tau_mem'?)`` for Brian2's ``KeyError: 'The
    identifier "tau_m" could not be resolved.'`` where the run's parameters have a name close to it (a model giving
    ``params`` as a namespace, with a typo in [space] or in the equations); '' otherwise (an identifier of the
    model's own namespace, not the space's: no hint)."""
    import difflib
    import re

    found = re.search(r'The identifier "(\w+)" could not be resolved', str(original))
    if not params or not isinstance(original, KeyError) or found is None or found.group(1) in params:
        return ""
    close = difflib.get_close_matches(found.group(1), [str(name) for name in params], n=1)
    return f" (the run's space has no parameter {found.group(1)!r}; did you mean {close[0]!r}?)" if close else ""


def check_unitless(checkpoint: Any, where: str = "") -> None:
    """ValueError (one line) if the checkpoint holds a Brian2 quantity with a unit: the run's file stores numbers
    without units, so a continuation read back from it (after ``l2l resume``, on ``slurm-array``) would get volts as
    plain numbers where one handed over in memory (``serial``, ``local``) gets a quantity, and ``group.v = ...``
    fails on the dimension in the first case only."""
    dimensions = getattr(checkpoint, "dim", None)
    if dimensions is not None and not getattr(checkpoint, "is_dimensionless", True):
        key = where[2:].split("']", 1)[0] if where.startswith("['") else None
        named = "the checkpoint" if key is None else f"checkpoint key {key!r}" + \
            (f" (at {where})" if where != f"[{key!r}]" else "")
        unit = str(getattr(checkpoint, "get_best_unit", lambda: dimensions)())
        raise ValueError(f"simulator 'brian2': {named} is a Brian2 quantity in {unit}, and the run stores numbers "
                         f"without units: store it divided by a unit (group.v[:] / b.mV) and multiply it back when "
                         f"continuing (group.v = checkpoint['v'] * b.mV)")
    if isinstance(checkpoint, dict):
        for key, value in checkpoint.items():
            check_unitless(value, f"{where}[{key!r}]")
    elif isinstance(checkpoint, (list, tuple)):
        for index, value in enumerate(checkpoint):
            check_unitless(value, f"{where}[{index!r}]")


@dataclass(frozen=True)
class Brian2Model(ModelFunction):
    """A Brian2 model function(brian2, params, seed, **kwargs) run in a fresh, seeded scope
    (its options function, kwargs and path as for the python simulator)."""

    name: ClassVar[str] = "brian2"
    engine: ClassVar[str] = "brian2"
    example: ClassVar[str] = "models:my_network"

    target: str = option("numpy", help="code generation: 'numpy' (no compiler) or 'cython' (compiled, "
                                       "cached per host for every run and worker)", choices=TARGETS)
    cache_dir: str = option("", help="root of the caches of compiled code ('' = <temp folder>/l2l-brian2-<uid>; "
                                     "/tmp/l2l-brian2-<uid> where $TMPDIR is the batch job's own)")
    quiet: bool = option(True, help="keep Brian2's console log to warnings")
    debug_log: bool = option(False, help="keep Brian2's debug log of every process (brian_debug_*.log in its temp "
                                         "folder; the path is said on its stderr); default: not made")

    def __post_init__(self) -> None:
        super().__post_init__()  # imports the model's module, which may set a device at its top
        brian2 = sys.modules.get("brian2")
        if brian2 is not None and brian2.get_device() is not _runtime_device():
            raise ConfigError(_standalone_refusal(brian2.get_device(), "is set to").replace(
                "Brian2's device", f"after importing {self.function.partition(':')[0]!r}, Brian2's device", 1))
        if self.target == "cython" and not self.cache_dir:  # before the run too (where it starts), on every backend
            check_default_root()

    def _require(self) -> None:
        require_installed("brian2", "simulator 'brian2'", "brian2")

    def _call(self, params: dict[str, Any], seed: int, extra: dict[str, Any]) -> SimulationResult:
        function = self._load()
        with brian2_session(seed, self.target, self.cache_dir, self.quiet, self.debug_log) as brian2:
            try:
                with watch_runs(brian2) as noted, watch_seeds(brian2, seed, self):
                    result = as_result(function(brian2, params, seed, **extra, **self.kwargs))
            except Exception as exc:
                cause = original_error(exc, params)
                if cause is None:
                    note_missing_parameter(exc, params)  # before the session clears the frames it reads
                    raise
                raise RuntimeError(cause) from exc
            unrun = never_ran(noted)  # (an object made in a helper, run() without it: a rate of 0, no failure)
            if unrun is not None:
                raise RuntimeError(unrun)
        check_unitless(result.checkpoint)
        return result


__all__ = ["Brian2Model", "brian2_session", "check_unitless", "import_brian2", "note_missing_parameter",
           "shared_cache", "worker_cache", "TARGETS", "BRIAN2_LOCK"]
