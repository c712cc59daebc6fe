"""What overlaps the cluster's start and the generation barriers may not change a single result.

Start-up: the ``local`` backend's workers get the simulator as they start (no
round trip to every worker once the cluster is up), and the first generation is
asked while they come up. Barriers: evaluations known to take the same time go
in fewer, longer chunks, and the loop lets Dask pass a new generation on to
the workers before it writes the last one's commit. Every run here must give
the serial backend's rows.
"""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.jobs import dask as dask_backend
from conftest import comparable, make_config

LOCAL = {"name": "local", "workers": 2}


def _ga(backend, generations=3):
    return make_config(run={"generations": generations, "seed": 5}, backend=backend,
                       optimizer={"name": "ga", "population_size": 12},
                       simulator={"name": "sleep", "median": 0.002})


def test_local_workers_hold_the_simulator_from_their_start_and_the_run_gives_serials_rows(tmp_path, monkeypatch):
    from distributed import Client

    registered = []
    register = Client.register_plugin

    def recording_register(self, plugin, *args, **kwargs):
        registered.append(type(plugin).__name__)
        return register(self, plugin, *args, **kwargs)

    monkeypatch.setattr(Client, "register_plugin", recording_register)
    local = comparable(l2l.load(l2l.run(_ga(LOCAL), tmp_path / "local.h5")))
    serial = comparable(l2l.load(l2l.run(_ga({"name": "serial"}), tmp_path / "serial.h5")))
    assert registered == []  # nothing sent to the workers after the cluster's start
    assert len(local) == 36 and local.equals(serial)


def test_a_run_resumed_on_local_gives_the_uninterrupted_serial_trajectory(tmp_path):
    path = l2l.run(_ga(LOCAL, generations=2), tmp_path / "resumed.h5")
    l2l.resume(path, generations=4)  # the workers start (with the simulator) while the file is read
    reference = l2l.run(_ga({"name": "serial"}, generations=4), tmp_path / "serial.h5")
    resumed = comparable(l2l.load(path))
    assert len(resumed) == 48 and resumed.equals(comparable(l2l.load(reference)))
    assert l2l.validate(path) == []


def test_an_asynchronous_run_asked_before_its_workers_are_up_evaluates_each_candidate_once(tmp_path):
    config = make_config(run={"generations": 3, "seed": 2, "mode": "async"}, backend=LOCAL,
                         optimizer={"name": "random", "population_size": 8},
                         simulator={"name": "sleep", "median": 0.002})
    frame = l2l.load(l2l.run(config, tmp_path / "async.h5"))
    serial = l2l.load(l2l.run(make_config(run={"generations": 3, "seed": 2, "mode": "async"},
                                          optimizer={"name": "random", "population_size": 8},
                                          simulator={"name": "sleep", "median": 0.002},
                                          backend={"name": "serial"}), tmp_path / "serial.h5"))
    assert len(frame) == len(serial) == 24
    assert not frame.duplicated(["generation", "individual"]).any()
    # random search proposes from its seed alone: the same candidates, whatever finished first
    columns = [c for c in comparable(serial).columns if c.startswith("x")]
    assert np.allclose(comparable(frame)[columns].to_numpy(), comparable(serial)[columns].to_numpy())


@pytest.mark.parametrize("sigma, chunks", [
    (0.0, 2),  # 100 x 20 ms, all alike: one chunk per worker, no tail and no wait for a second chunk
    (1.0, 4),  # log-normal lengths: chunks of 0.5 s as before, so that a long one does not leave a tail
])
def test_evaluations_of_one_length_go_in_one_chunk_per_worker_and_varied_ones_as_before(sigma, chunks):
    executor = dask_backend.DaskExecutor(address="tcp://127.0.0.1:1")
    executor._workers, executor._workers_asked = 2, float("inf")  # noqa: SLF001 - no scheduler
    durations = 0.02 * np.exp(sigma * np.random.default_rng(0).standard_normal(64))
    executor._durations = list(durations)  # noqa: SLF001
    executor._mean_duration = 0.02  # noqa: SLF001
    assert executor._chunk_count(100) == chunks  # noqa: SLF001
    executor._durations = list(durations[:3])  # noqa: SLF001 - too few to tell: as before
    assert executor._chunk_count(100) == 4  # noqa: SLF001


def test_a_long_generation_of_equal_evaluations_still_goes_in_chunks_of_at_most_two_seconds():
    executor = dask_backend.DaskExecutor(address="tcp://127.0.0.1:1")
    executor._workers, executor._workers_asked = 2, float("inf")  # noqa: SLF001
    executor._durations, executor._mean_duration = [1.0] * 32, 1.0  # noqa: SLF001
    # 100 one-second evaluations on 2 workers: 50 s each, in chunks of 2 s (a lost worker costs at most that)
    assert executor._chunk_count(100) == 50  # noqa: SLF001
