"""The lead's small fixes of session 34."""

from __future__ import annotations

import pytest

import l2l


def _bowl(params, seed):
    return float(params["x"] ** 2)


def _sweep(backend: dict, simulator="python") -> dict:
    return {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": simulator,
            "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1},
            "backend": backend}


def test_slurm_array_refusing_a_function_says_where_a_mappings_module_is_found_and_that_advice_works(
        tmp_path, monkeypatch):
    # a notebook's config is a mapping: "the module beside the config" named no folder it has
    out = tmp_path / "run.h5"
    with pytest.raises(l2l.ConfigError, match="or in the working folder for a mapping without base_dir"):
        l2l.run(_sweep({"name": "slurm-array"}), out, simulator=_bowl)
    assert not out.exists()
    # the advice followed: a module in the working folder, named in the mapping, is the simulator
    (tmp_path / "bowlmod34.py").write_text("def bowl(params, seed):\n    return float(params['x'] ** 2)\n")
    monkeypatch.chdir(tmp_path)
    path = l2l.run(_sweep({"name": "serial"}, {"name": "python", "function": "bowlmod34:bowl"}), out)
    frame = l2l.load(path)
    assert len(frame) == 2 and (frame["status"] == "ok").all()


@pytest.mark.parametrize("policy, key", [("asha", "max_candidates"), ("pbt", "population")])
def test_a_used_up_run_whose_policy_table_set_its_candidates_names_that_table_not_run_generations(
        tmp_path, policy, key):
    # a [policy] table's max_candidates was answered 'start a new run with more run.generations', a key the config
    # never had (and a pbt run's population 'start a new run', with what not said)
    config = l2l.from_mapping({
        "run": {"name": "table", "seed": 3}, "policy": {"name": policy, key: 3},
        "space": {"x": {"low": -5.0, "high": 5.0}}, "optimizer": {"name": "random"},
        "simulator": {"name": "sleep", "median": 0.0, "max_budget": 9}, "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "run.h5")
    said = []
    l2l.resume(path, compute=1000, nothing_more=lambda trajectory, why: said.append(why))
    assert len(said) == 1
    assert said[0].endswith(f"start a new run with a larger [policy] {key} (more run.generations in a one-line "
                            f"sweep)")


def test_a_file_a_notebook_holds_open_for_writing_is_refused_naming_that_not_a_moved_run(tmp_path):
    # h5py.File(path, "a") in a notebook holds HDF5's own write lock: the refusal said the file 'was moved or
    # renamed while that run wrote it', of a run there never was
    import subprocess
    import sys

    config = {**_sweep({"name": "serial"}, "sphere"), "space": {"x": {"low": -1.0, "high": 1.0}}}
    path = l2l.run(config, tmp_path / "run.h5")
    holder = subprocess.Popen([sys.executable, "-c", "import h5py, sys; f = h5py.File(sys.argv[1], 'a'); "
                               "print('open', flush=True); sys.stdin.read()", str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(l2l.TrajectoryError, match=rf"is open for writing in pid {holder.pid} on .*, which holds "
                                                      r"a write lock on it and is no l2l run writing it") as refused:
            l2l.resume(path, generations=2)
        assert "moved" not in str(refused.value)
    finally:
        holder.communicate("", timeout=30)
    l2l.resume(path, generations=2)  # closed there: it goes on
    assert len(l2l.load(path)) == 4
