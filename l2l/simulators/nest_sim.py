"""Run a user's PyNEST model for every evaluation: ``function(nest, params, seed, **kwargs)``.

NEST keeps one simulation kernel per process, so two evaluations on one
worker would otherwise see each other's neurons, connections, resolution and
random state. Before every evaluation this simulator therefore

* resets the kernel (``ResetKernel``): no node, connection or kernel setting
  of an earlier evaluation is left;
* seeds it: ``rng_seed`` is derived from the evaluation's seed, so the same
  (parameters, seed) give the same spikes on any worker and any backend, for
  the same number of virtual processes (threads x MPI ranks);
* sets ``local_num_threads`` to the CPUs the worker or job was given (see
  :func:`worker_threads`; a model that sets more itself is warned of once a run,
  :mod:`l2l.simulators.nest_threads`);
* keeps NEST's log at errors only, unless ``quiet = false``.

Afterwards the kernel is reset again, so an idle worker holds no network. A
lock keeps evaluations of one process from running in the kernel at the same
time (a Dask worker with several threads runs them one after the other).

The model function builds and simulates its network with the ``nest`` module
it is given, and returns what a Python simulator returns: a float, a dict of
objectives or a :class:`l2l.simulators.SimulationResult`. The metric
``nest_virtual_processes`` records the thread x rank count it ran with (read
after the model returned).

MPI: under ``srun`` with several tasks (backend ``slurm-array`` with
``launch = "srun"`` and ``ntasks > 1``) every rank runs the model and NEST
distributes the network, if the installed NEST was built with MPI (the
``nest-simulator`` wheel is not: such a run is refused with a clear error).
Rank 0's result is recorded, so the model must gather what it measures on
rank 0 (e.g. with mpi4py).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

from l2l.errors import ConfigError
from l2l.registry import option
from l2l.simulators.base import SimulationResult, as_result
from l2l.simulators.nest_files import check_room
from l2l.simulators.nest_files import empty as empty_folder
from l2l.simulators.nest_files import recording_folder
from l2l.simulators.nest_seeds import note as note_own_seed
from l2l.simulators.nest_threads import note as note_own_threads
from l2l.simulators.python import ModelFunction

#: One kernel per process: evaluations in one process take turns.
KERNEL_LOCK = threading.RLock()

_VERBOSITY = {True: "ERROR", False: "INFO"}


def import_nest(quiet: bool = True) -> ModuleType:
    """Import PyNEST (without its banner when ``quiet``); a clear ConfigError if it is not installed."""
    if quiet:
        os.environ.setdefault("PYNEST_QUIET", "1")  # read once, by NEST's first import in this process
    try:
        import nest
    except ImportError as exc:
        raise ConfigError(f"simulator 'nest': PyNEST cannot be imported ({exc}); install it with "
                          f"pip install 'l2l[nest]' (or load your cluster's NEST module)") from exc
    return nest


def require_installed(module: str, who: str, extra: str) -> None:
    """ConfigError naming the extra to install if ``module`` cannot be found (checked without importing it)."""
    if importlib.util.find_spec(module) is None:
        raise ConfigError(f"{who} needs the Python package {module!r}, which is not installed; "
                          f"install it with pip install 'l2l[{extra}]'")


def nest_seed(seed: int) -> int:
    """NEST's ``rng_seed`` (1 .. 2**32 - 2) for an evaluation seed (0 .. 2**63 - 1)."""
    return 1 + int(seed) % (2 ** 32 - 2)


def mpi_ranks() -> int:
    """Tasks of the SLURM job step this process belongs to (1 outside ``srun``)."""
    if "SLURM_STEP_ID" not in os.environ or "SLURM_PROCID" not in os.environ:
        return 1
    try:
        return max(1, int(os.environ.get("SLURM_STEP_NUM_TASKS") or os.environ.get("SLURM_NTASKS") or 1))
    except ValueError:
        return 1


def worker_threads(threads: int = 0) -> int:
    """Threads for one evaluation: ``threads`` if > 0, else the CPUs this worker was given.

    Inside a SLURM job with ``--cpus-per-task`` (backends ``slurm`` and
    ``slurm-array``): that number. Inside a Dask worker: its thread count (the
    ``local`` backend runs one single-threaded worker per core, so 1). Anywhere
    else (``serial``): 1, so that a serial run reproduces a local one.
    """
    if threads > 0:
        return int(threads)
    cpus = os.environ.get("SLURM_CPUS_PER_TASK", "")
    if cpus.isdigit() and int(cpus) > 0:
        return int(cpus)
    try:
        from distributed import get_worker
        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 1


def set_verbosity(nest: ModuleType, quiet: bool) -> None:
    level = _VERBOSITY[bool(quiet)]
    levels = getattr(nest, "VerbosityLevel", None)
    if levels is not None:  # NEST >= 3.9
        nest.verbosity = getattr(levels, level)
    else:
        nest.set_verbosity(f"M_{level}")


def prepare_kernel(nest: ModuleType, seed: int, threads: int, quiet: bool = True) -> dict[str, Any]:
    """Reset the kernel, quiet its log, seed it and set its threads; returns what was set."""
    nest.ResetKernel()
    set_verbosity(nest, quiet)
    ranks = mpi_ranks()
    if ranks > 1 and not nest.GetKernelStatus("build_info").get("have_mpi", False):
        raise RuntimeError(f"simulator 'nest': this process is one of {ranks} srun tasks, but the installed "
                           f"NEST was built without MPI; run with ntasks = 1 or load an MPI build of NEST")
    settings = {"local_num_threads": int(threads), "rng_seed": nest_seed(seed)}
    nest.SetKernelStatus(settings)
    return settings


def kernel_after(nest: ModuleType) -> dict[str, int]:
    """What the kernel ran the model with, asked once after it returned (a model may set threads or a seed of its
    own): ``rng_seed``, ``local_num_threads`` and ``total_num_virtual_procs``; {} where NEST does not answer."""
    keys = ["rng_seed", "local_num_threads", "total_num_virtual_procs"]
    try:
        return {key: int(value) for key, value in zip(keys, nest.GetKernelStatus(keys))}
    except Exception:  # noqa: BLE001 - a kernel in an error state: nothing to tell
        return {}


def _kernel_object(value: Any, where: str = "") -> tuple[str, Any] | None:
    """The first NEST object (a NodeCollection, a SynapseCollection, ...) in ``value``, with where it is."""
    if type(value).__module__.split(".")[0] == "nest":
        return where, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else ()
    for key, item in items:
        found = _kernel_object(item, f"{where}[{key!r}]")
        if found is not None:
            return found
    return None


def check_no_kernel_objects(checkpoint: Any) -> None:
    """ValueError (one line) if the checkpoint holds a NEST object: it lives in the kernel that is reset after every
    segment (and cannot be stored or pickled), so the next segment could not use it. Before, storing one failed
    every segment with NEST's own ``NESTErrors.UnknownNode: UnknownNode``."""
    found = _kernel_object(checkpoint) if checkpoint is not None else None
    if found is not None:
        where, value = found
        key = where[2:].split("']", 1)[0] if where.startswith("['") else None
        named = "the checkpoint" if key is None else f"checkpoint key {key!r}" + \
            (f" (at {where})" if where != f"[{key!r}]" else "")
        raise ValueError(f"simulator 'nest': {named} is a NEST {type(value).__name__}, "
                         f"which lives in the kernel that l2l resets after every segment: keep its state as numbers "
                         f"(e.g. numpy.asarray(neurons.get('V_m'))) and build the network again when continuing")


@dataclass(frozen=True)
class NestModel(ModelFunction):
    """A PyNEST model function(nest, params, seed, **kwargs) run in a fresh, seeded kernel
    (its options function, kwargs and path as for the python simulator)."""

    name: ClassVar[str] = "nest"
    engine: ClassVar[str] = "nest"
    example: ClassVar[str] = "models:balanced_network"

    threads: int = option(0, help="NEST threads per evaluation (0: the worker's or SLURM job's CPUs; 1 in "
                                   "the serial and local backends)", ge=0)
    quiet: bool = option(True, help="keep NEST's log to errors (false: NEST's informational messages too)")

    def _require(self) -> None:
        require_installed("nest", "simulator 'nest'", "nest")
        if self.quiet:  # before the model's module is imported: an `import nest` at its top printed NEST's banner
            os.environ.setdefault("PYNEST_QUIET", "1")

    def _call(self, params: dict[str, Any], seed: int, extra: dict[str, Any]) -> SimulationResult:
        nest = import_nest(self.quiet)  # first: the model's module may import NEST at its top
        function = self._load()
        with KERNEL_LOCK:
            kernel = prepare_kernel(nest, seed, worker_threads(self.threads), self.quiet)
            files = recording_folder(nest)
            try:
                result = as_result(function(nest, params, seed, **extra, **self.kwargs))
                check_no_kernel_objects(result.checkpoint)  # before the reset, which empties them
                check_room(files)  # recorders' files cut short by a full disk: NEST says nothing
                after = kernel_after(nest)
                # a model's rng_seed = 42, the same in every one; its own local_num_threads = 4
                note_own_seed(nest, kernel["rng_seed"], seed, self, after.get("rng_seed"))
                note_own_threads(kernel["local_num_threads"], after.get("local_num_threads", 0), self)
            finally:
                nest.ResetKernel()
                empty_folder(files)
        processes = after.get("total_num_virtual_procs", kernel["local_num_threads"] * mpi_ranks())
        result.metrics = {**result.metrics, "nest_virtual_processes": float(processes)}
        return result


__all__ = ["NestModel", "check_no_kernel_objects", "import_nest", "require_installed", "prepare_kernel",
           "worker_threads", "nest_seed", "KERNEL_LOCK"]
