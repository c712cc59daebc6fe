"""``l2l run CONFIG --dry-run`` says what the run would do: the policy with its key options as the run would use
them, the compute budget in fidelity units (or the generations and evaluations), and who proposes candidates.

Before, it printed one line, "config C is valid: auto over 1 parameter (2 values), simulator sphere, backend
serial -> OUT": no policy, no compute, and under ``model-based`` the optimizer ``auto``, which the policy never asks.
"""

from __future__ import annotations

from l2l.cli import main

CONFIG = """
[run]
name = "plan"
seed = 1
{run}
[space]
x = {{ type = "float", low = -5.0, high = 5.0, shape = [2] }}
{optimizer}
[simulator]
name = "sphere"
{multi}
[backend]
name = "serial"
{policy}
"""


def _plan(tmp_path, capsys, run: str, policy: str = "", optimizer: str = "") -> list[str]:
    path = tmp_path / "plan.toml"
    path.write_text(CONFIG.format(run=run, optimizer=optimizer, policy=policy,
                                  multi="multi_fidelity = true" if "policy" in run + policy else ""))
    assert main(["run", str(path), "--out", str(tmp_path / "plan.h5"), "--dry-run"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["plan.toml"]  # a dry run creates nothing
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("config ") and lines[0].endswith(f" -> {tmp_path / 'plan.h5'}"), lines
    return lines


def test_a_model_based_run_names_its_policy_the_compute_and_what_options_left_at_0_come_to(tmp_path, capsys):
    lines = _plan(tmp_path, capsys, "compute = 2000", '[policy]\nname = "model-based"')
    assert " is valid: model-based (optimizer 'auto' is not used) over 1 parameter (2 values), " in lines[0], lines
    assert lines[1:] == [
        "would run: policy model-based, compute 2000 synthetic budget units",
        "policy model-based: eta = 3, brackets = 0 (no limit: until the run's budget is spent), model = \"parzen\", "
        "repeats = 2, exploit_share = 0.33 (the endgame from compute 1340), endgame_results = 12 (left at 0: 2 x "
        "max(dimension 2 + 2, 6)), rungs 1, 3, 9, 27, 81 synthetic budget units"], lines


def test_the_options_a_config_gives_are_named_with_the_policys_own(tmp_path, capsys):
    lines = _plan(tmp_path, capsys, "compute = 500\nmax_time = 60",
                  '[policy]\nname = "median-stopping"\nmin_budget = 3\ngrace = 9', '[optimizer]\nname = "random"')
    assert lines[1:] == [
        "would run: policy median-stopping, compute 500 synthetic budget units, at most 60 s",
        "policy median-stopping: eta = 3, min_trials = 4, grace = 9, rungs 3, 9, 27, 81 synthetic budget units"]


def test_a_one_line_sweep_names_its_candidates(tmp_path, capsys):
    lines = _plan(tmp_path, capsys, 'generations = 1\npolicy = "successive-halving"',
                  optimizer='[optimizer]\nname = "random"\npopulation_size = 27')
    assert lines[1].startswith("would run: policy successive-halving, 27 candidates, compute at most "), lines
    assert lines[2].startswith("policy successive-halving: eta = 3, brackets = 0 (no limit: until the run's "
                               "budget is spent), max_candidates = 27, rungs 1, 3, 9, 27, 81 "), lines


def test_pbt_gives_the_interval_and_top_budget_it_derives(tmp_path, capsys):
    lines = _plan(tmp_path, capsys, "compute = 2000", '[policy]\nname = "pbt"\npopulation = 4',
                  '[optimizer]\nname = "random"')
    assert lines[2] == ("policy pbt: population = 4, interval = 8 (left at 0: a tenth of max_budget, in whole "
                        "units), max_budget = 81 (left at 0: the simulator's budget maximum), fraction = 0.25, "
                        "selection = \"truncation\", explore = \"perturb\", synchronous = true"), lines


def test_a_sweep_gives_its_evaluations_and_what_auto_would_choose(tmp_path, capsys):
    lines = _plan(tmp_path, capsys, "generations = 5")
    chosen = lines[0].split(" is valid: auto (", 1)[1].split(")", 1)[0]  # before: 'is valid: auto over'
    assert lines[1].startswith("would run: 5 generations (") and " a generation)" in lines[1], lines
    assert lines[2].startswith(f"optimizer 'auto' chose {chosen!r}"), lines
    lines = _plan(tmp_path, capsys, "generations = 5\nevaluations = 7",
                  optimizer='[optimizer]\nname = "ga"\npopulation_size = 4')
    assert lines[1:] == ["would run: 5 generations, at most 7 evaluations (20 evaluations: 4 a generation; "
                         "run.evaluations stops it at 7)"], lines
