"""NEST recorders writing files (record_to = "ascii") under the nest simulator: NEST writes into the working directory
and refuses to overwrite, so the first evaluation left its file in the folder l2l ran in and every later one of the
process failed with a bare NESTErrors.IOError. Each evaluation now writes into a folder of the process's own, emptied
after it (l2l/simulators/nest_files.py); a model that sets data_path itself writes there and keeps its files."""

from __future__ import annotations

import os

import pytest

nest = pytest.importorskip("nest")

from l2l.simulators.nest_sim import NestModel  # noqa: E402

MODELS = '''
import numpy as np


def recorded(nest, params, seed, keep_in=None):
    if keep_in:
        nest.SetKernelStatus({"data_path": keep_in, "overwrite_files": True})
    neurons = nest.Create("iaf_psc_alpha", 5, params={"I_e": float(params["I"])})
    recorder = nest.Create("spike_recorder", params={"record_to": "ascii", "label": "spikes"})
    nest.Connect(neurons, recorder)
    nest.Simulate(100.0)
    rows = np.loadtxt(recorder.get("filenames")[0], comments="#", skiprows=3, ndmin=2)
    return {"spikes": float(len(rows))}
'''


@pytest.fixture
def model(tmp_path, monkeypatch):
    (tmp_path / "files45_models.py").write_text(MODELS)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # the folder l2l runs in
    return lambda **kwargs: NestModel(function="files45_models:recorded", path=str(tmp_path), threads=1,
                                      kwargs=kwargs)


def test_every_evaluation_of_a_process_reads_its_own_recording_and_leaves_no_file(model):
    simulator = model()
    results = [simulator.run({"I": current}, 1) for current in (500.0, 400.0, 500.0)]  # before: IOError from the 2nd
    spikes = [r.objectives["spikes"] for r in results]
    assert spikes[0] == spikes[2] > spikes[1] > 0
    assert os.listdir(".") == []  # before: spikes-6-0.dat in the folder l2l ran in
    from l2l.simulators import nest_files

    folder = nest_files._FOLDER[0]  # one folder a process, emptied after every evaluation
    assert folder != os.getcwd() and os.path.isdir(folder) and os.listdir(folder) == []


def test_a_model_that_sets_data_path_keeps_its_files_there(model, tmp_path):
    kept = tmp_path / "kept"
    kept.mkdir()
    result = model(keep_in=str(kept)).run({"I": 500.0}, 1)
    assert result.objectives["spikes"] > 0 and os.listdir(kept) == ["spikes-6-0.dat"]
