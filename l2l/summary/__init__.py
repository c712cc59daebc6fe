"""One summary of a run, read from its trajectory; ``l2l show``, ``l2l report`` and ``l2l watch`` all render it.

:func:`summarize` turns a :class:`~l2l.results_schema.reader.Trajectory` into
a plain :class:`RunSummary`: the status of the run with its reason,
generations done of planned, evaluations and failures, the best value of
each objective, and every parameter with its bounds and shape. Given the
summary of an earlier look at the same file it reads only the rows committed
since (what ``watch`` does every few seconds).

The parts, each importable from here:

:mod:`~l2l.summary.record`
    the summary as plain data, the statuses (:data:`STATUSES`) and how the event log gives them;
:mod:`~l2l.summary.reading`
    reading a trajectory's events, stored statistics and new rows into a summary;
:mod:`~l2l.summary.progress`, :mod:`~l2l.summary.failures`, :mod:`~l2l.summary.table`
    the progress line, the failures line, the table of the best;
:mod:`~l2l.summary.multi_fidelity`
    what only a run with a ``[policy]`` or a fidelity has: candidates and compute, the policy's options,
    restarts, checkpoints;
:mod:`~l2l.summary.text`
    the text of ``l2l show`` and the lines ``l2l run``/``l2l resume`` end with.

Where a run's sessions ran and the time it ran between its pauses are in :mod:`l2l.sessions`.
"""

from __future__ import annotations

from l2l.summary.failures import FAILURE_ROWS, FAILURE_WIDTH, REASON_WIDTH, error_message, failure_line
from l2l.summary.multi_fidelity import checkpoints_line, missing_folder_line, restart_line
from l2l.summary.progress import INTERRUPTED, NOT_CANDIDATES, STATE_TEXT, progress_line
from l2l.summary.reading import summarize, summary_of
from l2l.summary.record import START_EVENTS, STATUSES, Best, RunSummary, describe_parameter, run_status, writer_alive
from l2l.summary.ranking import reevaluated_text
from l2l.summary.table import SHOWN_PARAMETERS, best_frame, best_table, more_parameters
from l2l.summary.text import finished_text, show_text

__all__ = ["Best", "RunSummary", "STATUSES", "best_frame", "best_table", "checkpoints_line", "describe_parameter",
           "failure_line", "finished_text", "reevaluated_text", "restart_line", "run_status", "show_text", "summarize",
           "summary_of", "writer_alive",
           # the other public names, as importable as before the module became a package
           "FAILURE_ROWS", "FAILURE_WIDTH", "INTERRUPTED", "NOT_CANDIDATES", "REASON_WIDTH", "SHOWN_PARAMETERS",
           "START_EVENTS", "STATE_TEXT", "error_message", "missing_folder_line", "more_parameters", "progress_line"]
