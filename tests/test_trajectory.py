"""The HDF5 trajectory: columns a user reads, schema validation, no pickles, concurrent readers."""

import json
import re
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pandas as pd
import pytest

import l2l
from l2l.results_schema.validate import validate
from conftest import make_config

TRACES = {"name": "python", "function": "models_for_tests:with_traces"}


def test_load_gives_one_row_per_evaluation_with_parameters_objectives_and_metrics(tmp_path):
    config = make_config(simulator=TRACES, run={"generations": 3})
    path = l2l.run(config, tmp_path / "run.h5")
    frame = l2l.load(path)
    assert len(frame) == 3 * 8
    assert list(frame.columns[:7]) == ["generation", "individual", "status", "seed", "attempts", "started",
                                       "duration"]
    for column in ["x[0]", "x[1]", "x[2]", "k", "c", "value", "rate", "log_rate", "error"]:
        assert column in frame.columns
    assert frame["k"].dtype.kind == "i" and frame["c"].isin([0.5, 1.0, 2.0]).all()
    assert (frame.groupby("generation").size() == 8).all()
    assert frame["seed"].nunique() == len(frame)
    assert isinstance(frame["started"].dtype, pd.DatetimeTZDtype)
    expected = (frame[["x[0]", "x[1]", "x[2]", "k", "c"]].astype(float) ** 2).sum(axis=1)
    assert np.allclose(frame["value"], expected)


def test_traces_summary_and_state_are_available_for_every_generation(tmp_path):
    path = l2l.run(make_config(simulator=TRACES, run={"generations": 3}), tmp_path / "run.h5")
    traces = l2l.traces(path)
    assert set(traces["trace"]) == {"curve", "matrix"}
    assert (traces[traces["trace"] == "curve"].groupby(["generation", "individual"]).size() == 20).all()
    summary = l2l.generations(path)
    frame = l2l.load(path)
    assert list(summary["generation"]) == [0, 1, 2]
    assert np.allclose(summary["value_best"], frame.groupby("generation")["value"].min())
    assert np.allclose(summary["value_median"], frame.groupby("generation")["value"].median())
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.state(1)["loop"]["generation"] == 2
        assert trajectory.run["config"]["optimizer"]["name"] == "ga"
        assert trajectory.run["versions"]["numpy"] == np.__version__
        assert list(trajectory.events()["kind"]) == ["started", "finished"]


def test_the_file_holds_no_pickles_and_every_attribute_is_json_or_a_number(tmp_path):
    path = l2l.run(make_config(simulator=TRACES, run={"generations": 2}), tmp_path / "run.h5")
    with h5py.File(path, "r") as f:
        def check(name, item):
            for key, value in item.attrs.items():
                if isinstance(value, str) and value[:1] in "[{":
                    json.loads(value)
                else:
                    assert isinstance(value, (str, int, float, np.integer, np.floating)), (name, key)
            if isinstance(item, h5py.Dataset):
                assert item.dtype.kind in "biufS", (name, item.dtype)
        f.visititems(check)
    from l2l.results_schema import codec
    with l2l.Trajectory(path) as trajectory:  # every blob is our pickle-free encoding
        assert all(isinstance(trajectory.state(g), dict) for g in range(2))
        assert all(isinstance(t, dict) and t for t in trajectory.traces())
        states = trajectory.file["blobs/states"][:].tobytes()
    assert states.startswith(codec.MAGIC)


def test_validate_accepts_a_run_and_reports_what_is_wrong_with_a_damaged_file(tmp_path):
    path = l2l.run(make_config(run={"generations": 2}), tmp_path / "run.h5")
    assert validate(path) == []
    with h5py.File(path, "a", libver="latest") as f:
        f["evaluations/status"][0] = 9
        del f["generations/best"]
    problems = validate(path)
    assert any("/generations/best" in p for p in problems)
    with h5py.File(path, "a", libver="latest") as f:
        f["generations"].create_group("best")
        for name in ("value",):
            f["generations/best"].create_dataset(name, data=np.zeros(2))
    assert any("status holds codes" in p for p in validate(path))
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    assert "not an HDF5 file" in validate(text)[0]
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    assert "not an l2l trajectory" in validate(other)[0]


def test_a_second_process_reads_the_file_while_the_run_writes_it(tmp_path):
    path = tmp_path / "live.h5"
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(tmp_path.parent)!r})
        import l2l
        config = l2l.from_mapping({{"run": {{"name": "live", "seed": 1, "generations": 40}},
            "space": {{"x": {{"low": -1, "high": 1}}}}, "optimizer": {{"name": "random", "population_size": 5}},
            "simulator": {{"name": "sleep", "median": 0.01}}, "backend": {{"name": "serial"}}}})
        l2l.run(config, {str(path)!r})
    """)
    writer = subprocess.Popen([sys.executable, "-c", script])
    try:
        seen = []
        deadline = time.time() + 60
        while writer.poll() is None and time.time() < deadline:
            if path.exists():
                with l2l.Trajectory(path) as trajectory:
                    frame = trajectory.evaluations()
                    seen.append((trajectory.n_generations, len(frame)))
                    assert (frame["status"] == "ok").all()
            time.sleep(0.2)
        assert writer.wait(60) == 0
    finally:
        writer.kill()
    growing = [n for _, n in seen]
    assert len(set(growing)) >= 3, seen  # several states of progress were read
    assert growing == sorted(growing)
    assert len(l2l.load(path)) == 200 and validate(path) == []


def test_load_works_in_a_process_that_holds_the_file_open_with_other_flags(tmp_path):
    path = l2l.run(make_config(run={"generations": 1}), tmp_path / "run.h5")
    expected = l2l.load(path)
    for mode, options in (("r", {"swmr": True}), ("r", {"swmr": True, "locking": True}), ("r", {}),
                          ("r", {"locking": "best-effort"}), ("r+", {})):
        with h5py.File(path, mode, libver="latest", **options) as mine:  # e.g. the SPEC's own recipe
            pd.testing.assert_frame_equal(l2l.load(path), expected)
            assert mine["evaluations/generation"].shape[0] == len(expected)  # still open and usable


def test_a_metric_named_like_a_parameter_column_gets_the_metric_prefix(tmp_path):
    from file_corruptions import build_base

    path = build_base(tmp_path)  # its simulator returns a metric "k"; "k" is also a parameter
    frame = l2l.load(path)
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.metric_columns == {"k": "metric:k", "rate": "rate"}
        seeds = trajectory.file["evaluations/seed"][:]
        metric = trajectory.file["evaluations/metrics/k"][:]
    ok = frame["status"] == "ok"
    assert frame["k"].dtype.kind == "i" and frame["k"].between(1, 4).all()
    assert (frame.loc[ok, "metric:k"] == frame.loc[ok, "seed"] % 7).all()
    assert np.array_equal(np.sort(metric[~np.isnan(metric)]), np.sort((seeds % 7)[~np.isnan(metric)]))


def test_decoding_refuses_pickles_object_arrays_and_malformed_values_with_one_error():
    import pickle
    import struct

    from l2l.errors import TrajectoryError
    from l2l.results_schema import codec

    def encoded(header):
        text = json.dumps(header).encode()
        return b"L2L1" + struct.pack("<Q", len(text)) + text + bytes(64)

    value = {"a": np.arange(3.0), "b": [1, float("nan")]}
    decoded = codec.decode(codec.encode(value))
    assert np.array_equal(decoded["a"], value["a"]) and np.isnan(decoded["b"][1])
    for data in (pickle.dumps(value), b"L2L1" + struct.pack("<Q", 10 ** 12) + b"{}",
                 encoded({"a": {"__ndarray__": ["|O", [1], 0, 8]}}),
                 encoded({"a": {"__ndarray__": ["i8,O", [1], 0, 16]}}),
                 encoded({"a": {"__ndarray__": ["<f8", [3], 0, 8]}}),
                 encoded({"a": {"__ndarray__": ["<f8", [-1], 0, 8]}}),
                 encoded({"a": {"__ndarray__": ["no such dtype", [1], 0, 8]}}),
                 encoded({"a": {"__ndarray__": [1, 2]}}), encoded({"a": {"__float__": "1e999x"}}),
                 b"L2L1" + struct.pack("<Q", 200_000) + b"[" * 100_000 + b"]" * 100_000):
        with pytest.raises(TrajectoryError):
            codec.decode(data)


def test_encoding_round_trips_every_supported_value_and_refuses_the_rest_by_name():
    import collections
    import enum

    from l2l.results_schema import codec

    class Level(enum.IntEnum):
        HIGH = 3

    value = {"plain": [None, True, 7, 2.5, "s"], "tuple": (1, 2.0), "inf": [float("inf"), -float("inf")],
             "numpy": [np.float32(2.5), np.int64(4), np.bool_(True), np.float64("nan")],
             "subclasses": [Level.HIGH, collections.OrderedDict(x=1.0)],
             "arrays": {"f": np.arange(6.0).reshape(2, 3), "i": np.arange(3, dtype=np.int16)},
             "nested": {"trials": {str(i): {"code": [0.1 * i, -1.0], "scores": {"1.0": -i / 3}} for i in range(50)}}}
    back = codec.decode(codec.encode(value))
    assert back["plain"] == [None, True, 7, 2.5, "s"] and back["tuple"] == [1, 2.0]
    assert back["inf"] == [float("inf"), -float("inf")]
    assert back["numpy"][:3] == [2.5, 4, True] and np.isnan(back["numpy"][3])
    assert back["subclasses"] == [3, {"x": 1.0}] and back["nested"] == value["nested"]
    assert back["arrays"]["f"].tolist() == value["arrays"]["f"].tolist() and back["arrays"]["i"].dtype == np.int16
    for bad, message in (({1: 2}, "dict keys must be strings, got 1"), ({"a": [{"b": {(1,): 0}}]}, "got (1,)"),
                         ([object()], "type object"), ({"a": np.array(["x"])}, "dtype <U1")):
        with pytest.raises(TypeError, match=re.escape(message)):
            codec.encode(bad)
