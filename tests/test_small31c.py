"""Small things, round 3 (small31c): a relative path in a config means the config's folder, for every path-valued
option, at the run and at its resume from another folder; median stopping's min_trials that could stop nothing is
refused; brian2's per-job $TMPDIR rule matches the job's id only as a number of its own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import l2l
from l2l.config import from_mapping, load_config
from l2l.errors import ConfigError

SPACE = "[space]\nx = {low = -1.0, high = 1.0}\n"


def _config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "run.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("section, text, key", [
    ("backend", '[backend]\nname = "slurm"\nlog_directory = "logs"\n', "log_directory"),
    ("backend", '[backend]\nname = "dask"\nscheduler_file = "sched/scheduler.json"\n', "scheduler_file"),
    ("simulator", '[simulator]\nname = "brian2"\nfunction = "m:f"\ncache_dir = "cache"\n', "cache_dir"),
])
def test_a_relative_path_option_is_taken_from_the_configs_folder_not_the_working_one(tmp_path, monkeypatch,
                                                                                     section, text, key):
    """slurm's log_directory, dask's scheduler_file and brian2's cache_dir were taken from the folder l2l ran in
    (another one under l2l submit, whose job starts in the output's folder, and under a resume from elsewhere);
    the model's path and command's workdir were taken from the config's. Now all are, stored absolute."""
    simulator = "" if section == "simulator" else '[simulator]\nname = "sphere"\n'
    path = _config(tmp_path / "cfg", SPACE + simulator + text)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    config = load_config(path)
    value = getattr(config, section).options[key]
    assert value == str(tmp_path / "cfg" / text.split(f'{key} = "')[1].split('"')[0])
    # the stored config (absolute) resumes with the same from anywhere; one stored relative resumes as it ran
    stored = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": config.simulator.to_json(),
              "backend": config.backend.to_json()}
    again = from_mapping(stored, base_dir=tmp_path)
    assert getattr(again, section).options[key] == value
    old = {**stored, section: {**stored[section], key: "rel"}}
    assert getattr(from_mapping(old, base_dir=tmp_path), section).options[key] == "rel"


def test_a_wrapped_models_folder_is_the_configs_at_the_run_and_at_a_resume_from_elsewhere(tmp_path, monkeypatch):
    """emulated-hardware wrapping a python model with path = "models": the folder was looked for in the working
    folder, so the run failed from another folder and its resume from another folder said the folder was gone."""
    folder = tmp_path / "cfg"
    (folder / "models").mkdir(parents=True)
    (folder / "models" / "small31c_model.py").write_text("def f(params, seed):\n    return float(params['x']) ** 2\n")
    path = _config(folder, '[run]\nname = "hw"\ngenerations = 1\n' + SPACE +
                   '[optimizer]\nname = "random"\npopulation_size = 2\n'
                   '[simulator]\nname = "emulated-hardware"\nsimulator = "python"\n'
                   'simulator_options = {function = "small31c_model:f", path = "models"}\nanalog_patterns = ["x"]\n'
                   '[backend]\nname = "serial"\n')
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    out = l2l.run(load_config(path))
    assert out == folder / "hw.h5"
    monkeypatch.chdir(tmp_path / "b")
    l2l.resume(out, generations=2)
    assert len(l2l.load(out)) == 4


@pytest.mark.parametrize("sweep, policy, word", [
    (True, "min_trials = 1000000000", "the sweep's 6 candidates"),
    (True, "min_trials = 6", "the sweep's 6 candidates"),
    (False, "min_trials = 5\nmax_candidates = 5", "max_candidates = 5"),
])
def test_median_stopping_min_trials_that_could_stop_nothing_is_refused_in_one_line(tmp_path, sweep, policy, word):
    """min_trials = 10**9 was accepted and then stopped nothing, without a word: a candidate is compared with at most
    the candidates started less one."""
    run = '[run]\ngenerations = 3\n' if sweep else '[run]\ncompute = 100\n'
    text = (run + SPACE + '[optimizer]\nname = "random"\npopulation_size = 2\n'
            '[simulator]\nname = "sphere"\nmulti_fidelity = true\n[policy]\nname = "median-stopping"\n' + policy + "\n")
    with pytest.raises(ConfigError, match=word) as caught:
        load_config(_config(tmp_path, text))
    assert "\n" not in str(caught.value) and "min_trials" in str(caught.value)
    # one below the candidates is what it may be
    fine = text.replace("min_trials = 1000000000", "min_trials = 5").replace("min_trials = 6", "min_trials = 5") \
        .replace("min_trials = 5\nmax_candidates = 5", "min_trials = 4\nmax_candidates = 5")
    load_config(_config(tmp_path / "fine", fine))


def test_median_stopping_min_trials_without_a_candidate_budget_is_capped():
    from l2l.policies import POLICIES

    with pytest.raises(ConfigError, match="min_trials"):
        POLICIES.create("median-stopping", {"min_trials": 10 ** 9})
    assert POLICIES.create("median-stopping", {"min_trials": 1000}).min_trials == 1000


@pytest.mark.parametrize("folder, job, own", [
    ("/u42/tmp", "42", False), ("/scratch/job42x", "42", False), ("/tmp/42", "42", True),
    ("/tmp/job.42", "42", True), ("/scratch/slurm-42", "42", True), ("/tmp/42.batch/x", "42", True),
    ("/tmp/slurm-77_3", "77", True), ("/tmp/job.420", "42", False),
])
def test_brian2_per_job_tmpdir_is_the_jobs_id_as_a_number_of_its_own(monkeypatch, folder, job, own):
    """/u42/tmp under job 42 was taken for the job's own temp folder (the cache moved to /tmp)."""
    from l2l.simulators import brian2_cache

    for name in brian2_cache.JOB_ID_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLURM_JOB_ID", job)
    assert brian2_cache._per_job(folder) is own
