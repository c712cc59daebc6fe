"""NEST stops writing a recorder's file (record_to = "ascii") when its disk is full, without an error: a model reading
its spike files read them cut short and its value was recorded as a success (measured with TMPDIR on a 2 MB tmpfs:
168,182 of 252,000 spikes in the file). The nest simulator now fails such an evaluation in one line naming the folder
and what to do; a model that recorded to memory, or wrote its files with room left, is not touched."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

pytest.importorskip("nest")

from l2l.simulators.nest_sim import NestModel  # noqa: E402

MODELS = '''
def spikes(nest, params, seed, to="ascii"):
    neurons = nest.Create("iaf_psc_alpha", 3, params={"I_e": 500.0})
    recorder = nest.Create("spike_recorder", params={"record_to": to})
    nest.Connect(neurons, recorder)
    nest.Simulate(100.0)
    if to == "ascii":
        return float(sum(1 for name in recorder.get("filenames") for line in open(name) if line[:1].isdigit()))
    return float(recorder.get("n_events"))
'''


@pytest.fixture
def model(tmp_path):
    (tmp_path / "full46_models.py").write_text(MODELS)
    return lambda to: NestModel(function="full46_models:spikes", path=str(tmp_path), threads=1, kwargs={"to": to})


def _full_disk(monkeypatch):
    """Every file system answers: no block free (as a tmpfs the recorders filled)."""
    real = os.statvfs

    def statvfs(path):
        stat = real(path)
        return SimpleNamespace(f_bfree=0, f_bavail=0, f_frsize=stat.f_frsize, f_blocks=stat.f_blocks)

    monkeypatch.setattr(os, "statvfs", statvfs)


def test_files_written_into_a_full_file_system_fail_the_evaluation(model, monkeypatch):
    simulator = model("ascii")
    assert simulator.run({}, 1).objectives > 0  # room left: as before
    _full_disk(monkeypatch)
    with pytest.raises(RuntimeError, match=r"simulator 'nest': the file system of NEST's data_path .* is full \(0 kB "
                                           r"free\) .*files the model read may be cut short.*TMPDIR.*record_to"):
        simulator.run({}, 2)


def test_recording_to_memory_is_not_checked(model, monkeypatch):
    _full_disk(monkeypatch)
    assert model("memory").run({}, 1).objectives > 0
