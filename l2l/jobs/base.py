"""The execution protocol shared by every backend.

The loop hands an executor batches of :class:`Task` (parameters + seed) and
gets :class:`Outcome` objects back as they complete, in any order; it never
knows which backend ran them. :func:`evaluate` is what runs on a worker: it
turns whatever the simulator did (returned, raised, hung) into an Outcome, so
that failure is data.

Here: the protocol (:class:`Executor`) and what the backends share around it
(:class:`FollowsWorkers`, :func:`warn_line`). The values live in
:mod:`l2l.jobs.tasks`, the worker's side in :mod:`l2l.jobs.evaluation`, the
checks of a result in :mod:`l2l.jobs.result_checks`; their public names are
named here too, where backends (plug-ins among them) import them.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, ClassVar, Sequence

from l2l.jobs.evaluation import EvaluationTimedOut, evaluate, evaluate_chunk, node_name
from l2l.jobs.result_checks import (CHECKPOINT_TYPES, RESULT_FIELDS, RETURN_HINT, UNNAMED_OBJECTIVES,
                                    UNNAMED_OBJECTIVES_PRINTED, UNSTORABLE_CHECKPOINT, checkpoint_of, curves,
                                    every_segment_fails, normalize)
from l2l.jobs.tasks import RETRIED_ERROR, STATUSES, TRACEBACK_TAIL, Outcome, Settings, Task, died
from l2l.results_schema.layout import CURVE_PREFIX, FAILED, OK, TIMEOUT
from l2l.simulators.base import Simulator
from l2l.simulators.simulator_stdout import flush_c_streams, simulator_output_to_stderr

# Names this module held before it was split (session 44), still importable from here for the plug-ins that took
# them from here; not the protocol, so not in __all__. Where they live: the simulators' base, errors, stop
# signals, a failed row's error text, numbers.
from l2l import parent_death  # noqa: F401
from l2l.errors import EvaluationError  # noqa: F401
from l2l.jobs.error_text import LONGEST_LINE, MESSAGE_LINES  # noqa: F401
from l2l.numbers import apart, number  # noqa: F401
from l2l.simulators.base import (USER_MODULE_DIGEST, USER_MODULE_PREFIX, EvaluationContext,  # noqa: F401
                                 as_result, empty_curve, empty_curves)
from l2l.simulators.stop_signals import EvaluationStopped  # noqa: F401

__all__ = [  # the protocol, and the names backends (plug-ins among them) import from here
    "CHECKPOINT_TYPES", "CURVE_PREFIX", "FAILED", "OK", "RESULT_FIELDS", "RETRIED_ERROR", "RETURN_HINT", "STATUSES",
    "TIMEOUT", "TRACEBACK_TAIL", "UNNAMED_OBJECTIVES", "UNNAMED_OBJECTIVES_PRINTED", "UNSTORABLE_CHECKPOINT",
    "EvaluationTimedOut", "Executor", "FollowsWorkers", "Outcome", "Settings", "Task", "checkpoint_of", "curves",
    "died", "evaluate", "evaluate_chunk", "every_segment_fails", "flush_c_streams", "node_name", "normalize",
    "simulator_output_to_stderr", "warn_line"]


class FollowsWorkers:
    """The cap on a backend's :attr:`Executor.worker_count` an asynchronous run keeps busy (two candidates out per
    worker) for an optimizer that keeps a fixed number of candidates asked and untold (Nevergrad's num_workers):
    shared by the Dask backends (``local``, ``dask``, ``slurm``) and ``slurm-array``, whose worker_count passes the
    workers it sees through :meth:`_busy`. Without it, such a run failed at its first ask past the limit, after its
    file was created.

    The warning line names the workers as what they are on the backend (:meth:`workers_said`, :attr:`worker_word`):
    the texts it is given (``excess``) count them as a cluster's workers, which a ``slurm-array`` run has none of
    (its count is ``max_running``, the array's slots)."""

    #: One of the workers the warning line counts, in its "keeps 2 per worker out at once".
    worker_word: ClassVar[str] = "worker"

    def follow_workers(self, most: Callable[[], int], excess: Callable[[int], str], *, given: bool = False) -> None:
        """Keep at most ``most()`` evaluations running at once, asked as the run goes: never refused; workers
        beyond it are left idle, told once in a warning line, ``excess(workers)``. Set by the run's build for an
        optimizer that keeps a fixed number of candidates asked and untold (Nevergrad's num_workers) where a
        refusal's advice could not be followed: ``auto``, whose choice is made as the run starts (on an existing
        cluster sized by :meth:`DaskExecutor.reported_workers`) and kept by a resumed run, and a resumed
        ``nevergrad`` run (its num_workers stored with it); and ``nevergrad`` on a backend whose workers are l2l's
        guess (``slurm-array`` without ``max_running``). ``given``: the limit is a num_workers the config gave
        (``nevergrad``'s), said also where the workers are a guess; ``auto``'s own choice is not."""
        self._most_of, self._excess, self._given = most, excess, given

    def _most(self) -> int:
        follow = getattr(self, "_most_of", None)
        return int(follow()) if follow is not None else getattr(self, "_most_workers", 0)  # 0: no limit

    def _busy(self, workers: int) -> int:
        """Of ``workers`` connected, those kept busy: at most :meth:`_most`, the first time fewer said in a warning
        line (before, the optimizer's ask past its limit failed the run)."""
        most = self._most()
        if not most or workers <= most:
            return workers
        if not getattr(self, "_told_more", False):
            self._told_more = True
            warn_line(f"l2l: warning: {self._worded(self._excess(workers), workers)}; the run goes on with {most} of "
                      f"them busy")
        return most

    def workers_said(self, workers: int) -> str:
        """How the warning line counts ``workers`` on this backend, in place of "the cluster has N workers"."""
        return f"the cluster has {workers} workers"

    def _worded(self, text: str, workers: int) -> str:
        """``text`` (an ``excess`` line, which opens with "the cluster has N workers" and counts "2 per worker")
        with the workers named as :meth:`workers_said` and :attr:`worker_word` name them."""
        opening = f"the cluster has {workers} workers"
        if text.startswith(opening):
            text = self.workers_said(workers) + text[len(opening):]
        return text.replace(" per worker out at once", f" per {self.worker_word} out at once")


def warn_line(text: str) -> None:
    """One line on stderr, above the run's progress bar where one is drawn (printed plainly, it joined the bar's
    line: ``60/80 [00:00<?, ?eval/s]l2l: warning: ...``, and left that piece of the bar on the screen)."""
    from tqdm.auto import tqdm

    tqdm.write(text, file=sys.stderr)
    sys.stderr.flush()


class Executor:
    """Base class of the backends. Use as a context manager.

    ``start`` receives the simulator (shipped once to every worker) and the
    settings; ``submit`` queues tasks; ``wait`` blocks until at least one
    outcome is ready (or ``timeout`` seconds pass) and returns all ready ones.
    """

    name: ClassVar[str] = "executor"
    #: Each outcome wanted as its evaluation ends, not with the others a backend ran with it in one batch (set by a
    #: run with run.target, which ends at the first result that reaches it: a chunk of a 20 s evaluation and one
    #: of 2 s held back the one that reached the target until the other was done, on ``slurm`` the whole of a
    #: first generation's worth of chunks of two while its worker jobs came up).
    each_result: bool = False

    @classmethod
    def check_run_dir(cls, run_dir: str, options: dict[str, Any]) -> None:
        """Refuse (ConfigError, one line) a run folder this backend cannot work in, ``options`` its config's
        ([backend]); called when the output path is checked, before anything of the run is created. Optional."""

    def prepare(self, simulator: Simulator | None = None) -> None:
        """Begin getting ready (e.g. start workers, give them ``simulator``, the run's) in the background;
        :meth:`start` finishes it (with the same simulator).

        Optional: a backend that has nothing to prepare does nothing. After ``prepare``, :meth:`close`
        must be called even if :meth:`start` never is.
        """

    def pre_run_checks(self, simulator: Simulator | None = None) -> list[str]:
        """The checks of this backend a run makes before its file exists (:meth:`prepare` makes them), none of which
        starts anything: raise the refusal (an L2LError of one line), else return one line per check saying what
        it found. ``l2l run --dry-run`` makes them too and prints the lines (before, it made none of them, and said
        'valid' of a run that sbatch would refuse). None by default."""
        return []

    def start(self, simulator: Simulator, settings: Settings) -> None:
        raise NotImplementedError

    def submit(self, tasks: Sequence[Task]) -> None:
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        raise NotImplementedError

    def let_submissions_out(self) -> None:
        """Called by the loop after a submission, before it does something long in its thread (writing the
        last generation's commit): a backend whose threads in this process still have to pass the submission
        on to the workers lets them (optional; nothing by default)."""

    @property
    def pending(self) -> int:
        raise NotImplementedError

    @property
    def worker_count(self) -> int:
        """How many evaluations can run at once (used by the asynchronous mode)."""
        return 1

    def describe(self) -> str:
        return self.name

    def close(self) -> None:
        pass

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
