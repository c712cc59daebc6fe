"""``l2l run`` of a model-based config again on its own file (after a kill -9, or to raise run.compute) offers
``l2l resume`` as it does for every other policy. The run stores the values of the options whose defaults changed
(pooled_ranks, screening, endgame_results) in its [policy] table, and the comparison with the config took that
table for another config: 'already exists and holds a run of another config; choose another --out', which hides
that the run can be continued."""

from __future__ import annotations

from conftest import l2l_cli

CONFIG = """
[run]
name = "mb"
seed = 1
compute = {compute}
policy = "model-based"

[space]
x = {{ type = "float", low = -5.0, high = 5.0 }}

[simulator]
name = "sphere"
multi_fidelity = true
max_budget = 9

[backend]
name = "serial"
"""


def _config(folder, compute: float = 40, policy_table: str = "") -> object:
    text = CONFIG.format(compute=compute)
    if policy_table:  # the policy as a table, with options
        text = text.replace('policy = "model-based"\n', "") + f"\n[policy]\nname = \"model-based\"\n{policy_table}\n"
    path = folder / "mb.toml"
    path.write_text(text)
    return path


def test_the_same_config_again_is_offered_a_resume(tmp_path):
    config = _config(tmp_path)
    first = l2l_cli("run", config, "--no-progress", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = l2l_cli("run", config, "--no-progress", cwd=tmp_path)
    assert again.returncode == 2
    assert "another config" not in again.stderr, again.stderr
    assert "finished run; choose another --out, or extend it with 'l2l resume " in again.stderr, again.stderr
    raised = l2l_cli("run", _config(tmp_path, compute=80), "--no-progress", cwd=tmp_path)
    assert raised.returncode == 2
    assert "another config" not in raised.stderr, raised.stderr
    assert "--compute 80'" in raised.stderr, raised.stderr
    dry = l2l_cli("run", config, "--dry-run", cwd=tmp_path)  # a dry run refuses another config only
    assert dry.returncode == 0 and "another config" not in dry.stderr, dry.stderr


def test_a_changed_option_is_still_another_config(tmp_path):
    first = l2l_cli("run", _config(tmp_path), "--no-progress", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    for option in ("pooled_ranks = false", "screening = false", "endgame_results = 3", "eta = 2"):
        again = l2l_cli("run", _config(tmp_path, policy_table=option), "--no-progress", cwd=tmp_path)
        assert again.returncode == 2
        assert "holds a run of another config" in again.stderr, (option, again.stderr)


def test_options_given_at_their_defaults_are_the_same_config(tmp_path):
    first = l2l_cli("run", _config(tmp_path), "--no-progress", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    same = "pooled_ranks = true\nscreening = true\nendgame_results = 0"
    again = l2l_cli("run", _config(tmp_path, policy_table=same), "--no-progress", cwd=tmp_path)
    assert again.returncode == 2
    assert "finished run; choose another --out, or extend it with 'l2l resume " in again.stderr, again.stderr
