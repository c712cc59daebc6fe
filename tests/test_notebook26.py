"""The Python API as a researcher uses it from a notebook: l2l.run of functions defined there, several runs in one
process, and reading the results back (session 26)."""

from __future__ import annotations

import threading

import pytest

import l2l


def _sweep(backend: dict) -> dict:
    return {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
            "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1},
            "backend": backend}


def test_a_function_that_cannot_be_pickled_is_refused_in_one_line_before_the_file_exists(tmp_path):
    # a notebook's function that uses a lock (an open file, a connection) of the notebook cannot travel to the
    # workers: this ended the run with cloudpickle's TypeError (and Dask's logged traceback) after run.h5 was
    # created, which then refused the corrected run as 'holds nothing computed'
    lock = threading.Lock()

    def bowl(params, seed):
        with lock:
            return float(params["x"] ** 2)

    out = tmp_path / "run.h5"
    # an address nothing listens at: the function is refused before any connection is tried
    with pytest.raises(l2l.ConfigError) as error:
        l2l.run(_sweep({"name": "dask", "address": "tcp://127.0.0.1:9"}), out, simulator=bowl)
    message = str(error.value)
    assert "\n" not in message
    assert "cannot pickle" in message and "the variable 'lock' it closes over, a lock" in message
    assert "backend 'serial'" in message
    assert not out.exists()
    # the same function runs in this process on the serial backend
    path = l2l.run(_sweep({"name": "serial"}), out, simulator=bowl)
    assert l2l.load(path)["status"].eq("ok").all()


def _bowl(params, seed):
    return float(params["x"] ** 2)


def test_one_run_control_serves_a_run_its_resume_and_the_next_run(tmp_path):
    # a notebook keeps one handle: its stop ended the first run only; before, the resume of the stopped file and
    # every later run with it stopped before their first evaluation, without a word
    control = l2l.RunControl()
    config = {**_sweep({"name": "serial"}), "run": {"generations": 6, "seed": 1}}

    def stop_after_two(info):
        if info["generation"] == 1:
            control.request_stop("enough")

    first = l2l.run(config, tmp_path / "a.h5", simulator=_bowl, control=control, on_generation=stop_after_two)
    stopped = len(l2l.load(first))
    assert stopped < 12 and control.stop_requested and control.stop_reason == "enough"  # readable after the run
    l2l.resume(first, simulator=_bowl, control=control)
    assert len(l2l.load(first)) == 12 and not control.stop_requested
    second = l2l.run(config, tmp_path / "b.h5", simulator=_bowl, control=control)
    assert len(l2l.load(second)) == 12
    control.request_stop("between runs")  # asked while no run goes on: the next run's
    third = l2l.run(config, tmp_path / "c.h5", simulator=_bowl, control=control)
    assert len(l2l.load(third)) == 0 and control.stop_reason == "between runs"


def _budget_free(params, seed):
    return 1.0


async def _coroutine(params, seed):
    return 1.0


def _generator(params, seed):
    yield 1.0


@pytest.mark.parametrize("function, options, expected", [
    # a declared fidelity the function takes no budget for: said as for a function named in a config (was: "cannot
    # be called as function(params, seed, **kwargs): got an unexpected keyword argument 'budget'")
    (_budget_free, {"multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
     "multi_fidelity is set, so test_notebook26:_budget_free must accept a keyword argument 'budget'"),
    (lambda params, seed, budget, checkpoint=None: 1.0,
     {"multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}, "kwargs": {"checkpoint": 1}},
     "kwargs must not contain 'checkpoint': the multi-fidelity loop passes it"),
    # failed every evaluation with "float() argument must be ... not 'coroutine'" (and a never-awaited warning)
    (_coroutine, {}, "_coroutine is an async function, so a call returns a coroutine, not a result"),
    (_generator, {}, "_generator is a generator function, so a call returns a generator, not a result"),
])
def test_a_function_the_loop_cannot_use_is_refused_with_what_to_change(tmp_path, function, options, expected):
    config = _sweep({"name": "serial"})
    config["simulator"] = {"name": "python", **options}
    with pytest.raises(l2l.ConfigError, match=expected):
        l2l.run(config, tmp_path / "run.h5", simulator=function)
    assert not (tmp_path / "run.h5").exists()


class _Interrupted(Exception):
    pass


def test_a_cluster_start_waited_for_again_after_an_interrupted_wait_is_waited_for():
    # Python 3.11's Thread.join, interrupted by a signal (Ctrl-C), marks the thread as ended: the executor's close,
    # waiting again for the local cluster's start, returned at once and left the cluster running for the rest of
    # the notebook's process (its worker processes and threads)
    import signal

    from l2l.jobs.warm import Background

    release = threading.Event()
    starting = Background(lambda: release.wait(60) and "started")

    def interrupt(signum, frame):
        raise _Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(_Interrupted):
            starting.result()  # the start cannot end before release is set, below
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    timer = threading.Timer(0.2, release.set)
    timer.start()
    assert starting.result() == "started"
    timer.join()


def test_ctrl_c_while_the_local_cluster_starts_leaves_no_cluster_running(tmp_path, monkeypatch):
    import multiprocessing
    import time

    from l2l.jobs import warm

    result = warm.Background.result
    calls = []

    def interrupted_once(self):
        calls.append(self)
        if len(calls) == 1:  # the run's wait for its cluster: Ctrl-C, as the cluster starts
            raise KeyboardInterrupt
        return result(self)

    monkeypatch.setattr(warm.Background, "result", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        l2l.run(_sweep({"name": "local", "workers": 1}), tmp_path / "run.h5", simulator=_bowl)
    starting = calls[0]
    assert starting._done.wait(120), "the cluster's start did not end"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # before: its worker stayed up, for the rest of the process
        workers = [p for p in multiprocessing.active_children() if "Dask Worker" in p.name]
        if not workers:
            break
        time.sleep(0.1)
    assert not workers


def test_ctrl_c_while_connecting_to_a_dask_scheduler_leaves_no_client_behind(tmp_path, monkeypatch):
    # backend 'dask' connects before the run's file exists, where the run does not close its backend: Ctrl-C there
    # left the client connected for the rest of the process (its thread, sockets, and the run's simulator installed
    # on the shared cluster's workers)
    import time

    from distributed import LocalCluster

    from l2l.jobs import warm

    result = warm.Background.result
    calls = []

    def interrupted_once(self):
        calls.append(self)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return result(self)

    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        before = set(cluster.scheduler.clients)
        monkeypatch.setattr(warm.Background, "result", interrupted_once)
        with pytest.raises(KeyboardInterrupt):
            l2l.run(_sweep({"name": "dask", "address": cluster.scheduler_address}), tmp_path / "run.h5",
                    simulator=_bowl)
        assert not (tmp_path / "run.h5").exists()
        assert calls[0]._done.wait(60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            left = set(cluster.scheduler.clients) - before
            plugins = [name for name in cluster.scheduler.worker_plugins if name.startswith("l2l-")]
            if not left and not plugins:
                break
            time.sleep(0.1)
        assert not left and not plugins


def test_running_a_function_again_into_its_file_is_not_said_to_be_another_config(tmp_path):
    # every rerun of a run whose simulator was a function was refused as 'holds a run of another config': the
    # stored config, read back, names the folder of a python simulator, which the function's config leaves out
    config = _sweep({"name": "serial"})
    path = l2l.run(config, tmp_path / "run.h5", simulator=_bowl)
    with pytest.raises(l2l.TrajectoryError, match="holds this config's finished run"):
        l2l.run(config, path, simulator=_bowl)
    other = {**config, "space": {"x": {"low": -2.0, "high": 1.0}}}
    with pytest.raises(l2l.TrajectoryError, match="holds a run of another config"):
        l2l.run(other, path, simulator=_bowl)


def test_the_slurm_backends_refuse_a_function_they_cannot_send_before_the_file_exists(tmp_path):
    lock = threading.Lock()

    def bowl(params, seed):
        with lock:
            return float(params["x"] ** 2)

    out = tmp_path / "run.h5"
    # slurm: pickled for its workers as the local and dask backends do (before: TypeError once its jobs started)
    with pytest.raises(l2l.ConfigError, match="cannot pickle .* held by the variable 'lock' it closes over"):
        l2l.run(_sweep({"name": "slurm"}), out, simulator=bowl)
    assert not out.exists()
    # slurm-array: no function at all (before: 'cannot be written as JSON (Object of type function ...)' once the
    # file existed, which then refused the corrected run as holding nothing computed)
    with pytest.raises(l2l.ConfigError, match="backend 'slurm-array': .* name it in the config instead"):
        l2l.run(_sweep({"name": "slurm-array"}), out, simulator=_bowl)
    assert not out.exists()
