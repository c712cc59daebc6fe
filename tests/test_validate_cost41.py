"""``l2l validate`` reads a long run's states and running statistics in batches and checks the records at once;
a damaged state or record in the middle of the run is still named, and the records computed at once are those
of the chunk-by-chunk statistics (benchmarks/validate_cost.py measures the cost)."""

from __future__ import annotations

import shutil
import struct

import h5py
import numpy as np
import pytest

import l2l
from l2l.objectives import Objective
from l2l.results_schema import codec
from l2l.results_schema.statistics import Prefixes, RunningStatistics
from l2l.results_schema.validate import _record_differences

GENERATIONS = 30
MIDDLE = 17


@pytest.fixture(scope="module")
def long_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("long") / "run.h5"
    l2l.run(l2l.from_mapping({
        "run": {"name": "long", "seed": 3, "generations": GENERATIONS},
        "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "ga", "population_size": 4}, "simulator": {"name": "sphere"},
        "backend": {"name": "serial"}}), path)
    assert l2l.validate(path) == []
    return path


def _copy(long_run, tmp_path):
    path = tmp_path / "run.h5"
    shutil.copyfile(long_run, path)
    return path


def test_a_state_that_no_longer_decodes_in_the_middle_is_named(long_run, tmp_path):
    path = _copy(long_run, tmp_path)
    with h5py.File(path, "r+") as f:
        start, length = int(f["generations/state_start"][MIDDLE]), int(f["generations/state_length"][MIDDLE])
        data = bytearray(f["blobs/states"][start:start + length].tobytes())
        header = 12 + struct.unpack("<Q", data[4:12])[0]
        comma = data.index(b",", data.index(b"python_random"), header)  # a digit of a number turned into a letter
        data[comma - 1:comma] = b"x"
        f["blobs/states"][start:start + length] = np.frombuffer(bytes(data), dtype="u1")
    problems = l2l.validate(path)
    assert len(problems) == 1 and problems[0].startswith(f"the state of generation {MIDDLE} does not decode"), \
        problems


def test_a_state_of_no_bytes_in_the_middle_is_named_not_the_next_one(long_run, tmp_path):
    path = _copy(long_run, tmp_path)
    with h5py.File(path, "r+") as f:
        f["generations/state_length"][MIDDLE] = 0
    assert l2l.validate(path) == [f"the state of generation {MIDDLE} does not decode: corrupt encoded value: wrong "
                                  f"magic bytes"]


@pytest.mark.parametrize("entry", ["best", "top", "status"])
def test_a_running_statistics_record_that_differs_in_the_middle_is_named(long_run, tmp_path, entry):
    path = _copy(long_run, tmp_path)
    with h5py.File(path, "r+") as f:
        starts, lengths = f["generations/statistics_start"], f["generations/statistics_length"]
        blob = f["blobs/statistics"]
        start, length = int(starts[MIDDLE]), int(lengths[MIDDLE])
        record = codec.decode(blob[start:start + length])
        if entry == "best":
            record["best"]["value"][0] *= 1.5
        elif entry == "top":
            record["top"] = record["top"][1:]  # a row dropped: still a record, not the rows' statistics
        else:
            record["status"] = [record["status"][0] - 1, record["status"][1] + 1, record["status"][2]]
        data = np.frombuffer(codec.encode(record), dtype="u1")
        end = blob.shape[0]  # the new record after the others, as a writer appends
        blob.resize((end + len(data),))
        blob[end:] = data
        starts[MIDDLE], lengths[MIDDLE] = end, len(data)
    problems = l2l.validate(path)
    named = {"best": "best value", "top": "top", "status": "status"}[entry]  # (the objective is 'value')
    assert problems == [f"the running statistics of generation {MIDDLE} differ from its rows ({named}): l2l show "
                        f"and resume would report them"], problems


@pytest.mark.parametrize("seed", range(6))
def test_the_records_at_once_are_those_added_chunk_by_chunk(seed):
    """Failures, ties and equal completion times (0.0 too), one objective (top rows) or three, any chunks."""
    rng = np.random.default_rng(seed)
    for k in (1, 3):
        objectives = [Objective.from_json({"name": f"o{j}", "direction": ("minimize", "maximize")[(seed + j) % 2]})
                      for j in range(k)]
        n = 300
        status = rng.choice([0, 0, 0, 1, 2], n).astype("u1")
        generation, individual = np.sort(rng.integers(0, 30, n)), rng.integers(0, 6, n)
        started, duration = rng.choice([-2.0, 0.0, 1.0, 3.0], n), rng.choice([0.0, 0.5], n)
        values = rng.choice([-1.0, 0.0, 0.5, 2.0], (n, k))
        values[status != 0] = np.nan
        stops = np.sort(rng.integers(0, n + 1, 60)).tolist() + [n]
        prefixes = Prefixes.of(objectives, status, generation, individual, started, duration, values)
        again, low = RunningStatistics(objectives), 0
        for stop in stops:
            again.add(status[low:stop], generation[low:stop], individual[low:stop], started[low:stop],
                      duration[low:stop], values[low:stop])
            low = stop
            computed, expected = prefixes.record(stop), again.record()
            assert computed["rows"] == stop
            assert _record_differences(expected, computed) == [] == _record_differences(computed, expected)
