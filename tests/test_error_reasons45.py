"""The reason a failure is shown by (l2l show's failure line, the closing lines, the progress lines) is the line of
its error text that says what went wrong, not its last line: on real failures, Dask's deserialization error read as
its URL, a bare exception raised while handling another as 'RuntimeError', a message ending in a row of dashes kept
the dashes, a KeyboardInterrupt raised by a simulator in a worker's thread as 'KeyboardInterrupt' and a
sys.exit(3) as 'SystemExit: 3', where l2l's own sentence said what happened."""

from __future__ import annotations

import sys
import threading

import pytest

import l2l
from conftest import make_config
from l2l.summary import error_message, finished_text


def _deserialize_fails():
    raise ModuleNotFoundError("No module named 'mymodel'")


class _Unloadable:
    """An argument the scheduler cannot unpickle, as a scheduler whose environment lacks a module cannot."""

    def __reduce__(self):
        return (_deserialize_fails, ())


def _one(x):
    return 1.0


def test_dasks_deserialization_error_reads_as_its_message_and_its_cause_not_its_url():
    distributed = pytest.importorskip("distributed")
    from l2l.jobs.error_text import lost_text

    with distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        error = client.submit(_one, _Unloadable()).exception(timeout=30)
    assert "https://" in str(error).strip().splitlines()[-1]  # Dask's message ends in its URL
    text = lost_text(error)  # what the Dask backends store for an evaluation Dask could not run
    reason = error_message(text)
    assert reason.startswith("the worker running this evaluation died: RuntimeError (from ModuleNotFoundError: "
                             "No module named 'mymodel'): Error during deserialization"), reason
    assert "https://" not in reason and "https://docs.dask.org" in text  # the whole message stays stored


def chained_bare(params, seed):
    try:
        params["missing"]
    except KeyError:
        raise RuntimeError  # noqa: B904 - a bare exception raised while handling another, as models do


def dashes(params, seed):
    raise RuntimeError("simulation failed:\n\n  membrane potential diverged\n\n" + "-" * 40 + "\n")


def exits(params, seed):
    sys.exit(3)


def _failure_reasons(tmp_path, function) -> str:
    config = make_config(run={"name": "reasons", "generations": 1}, optimizer={"name": "random", "population_size": 2},
                         simulator={"name": "python"})
    path = l2l.run(config, tmp_path / f"{function.__name__}.h5", simulator=function, progress=False)
    return finished_text(path, 1.0).splitlines()[1]


@pytest.mark.parametrize("function, said", [
    (chained_bare, "2 × \"RuntimeError (after KeyError: 'missing')\""),
    (dashes, '2 × "RuntimeError: simulation failed: membrane potential diverged"'),
    (exits, '2 × "the simulator called sys.exit(3), which ends an evaluation as a failure here; return its result '
            'instead"'),
])
def test_a_python_functions_failure_is_said_by_its_informative_line(tmp_path, function, said):
    line = _failure_reasons(tmp_path, function)
    assert line == f"2 failed: {said}", line


def test_a_keyboardinterrupt_a_simulator_raises_in_a_worker_thread_is_said_by_l2ls_sentence():
    from l2l.jobs.base import Settings, Task, evaluate
    from l2l.simulators.python import CallableSimulator

    def interrupted(params, seed):
        raise KeyboardInterrupt

    outcomes = []
    worker = threading.Thread(target=lambda: outcomes.append(
        evaluate(CallableSimulator(function=interrupted), Task(0, 0, 1, {"x": 0.0}), Settings(objectives=("value",)))))
    worker.start()
    worker.join(30)
    assert outcomes[0].error.rstrip().endswith("KeyboardInterrupt")  # the stored text: l2l's sentence, traceback
    assert error_message(outcomes[0].error) == \
        "the simulator raised KeyboardInterrupt, which ends an evaluation as a failure here"


@pytest.mark.parametrize("text, line", [
    ("Traceback (most recent call last):\n  File 'x', line 1\nValueError: x must be positive\n", "ValueError: x must be positive"),
    ("RuntimeError: could not converge\nFor more information, see\nhttps://example.org/faq\n\n",
     "RuntimeError: could not converge"),
    ("RuntimeError: could not converge; see https://example.org/faq for the tolerances\n",
     "RuntimeError: could not converge; see https://example.org/faq for the tolerances"),  # a URL in a sentence
    ("NESTErrors.BadParameter: the simulation time cannot be negative.\n\n===========\n",
     "NESTErrors.BadParameter: the simulation time cannot be negative."),
    ("  | ExceptionGroup: two (2 sub-exceptions)\n  +-+---- 1 ----\n    | ValueError: a\n    +------------\n",
     "| ValueError: a"),
    ("https://example.org/only-a-url\n", "https://example.org/only-a-url"),
    ("loading\n0.25\n", "0.25"),  # a number alone is no separator
    ("", ""),
])
def test_the_informative_line_skips_blanks_separators_and_urls(text, line):
    from l2l.error_lines import informative_line

    assert informative_line(text) == line
