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
