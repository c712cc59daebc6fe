"""egru35: egru's refusals of options a run would ignore are a new run's only, and a GRU refuses the EGRU's options.

Session 34 refused an ``egru`` option of another task (``delay`` under ``spiral``, ``held_out`` outside ``digits``)
in the constructor, and session 35 an ``event_budget`` with no penalty (in the evaluation too) and a GRU's penalty:
a run stored before them could neither be resumed nor re-evaluated (exit 2, "option 'delay' = 20 is for task
'copy'"; with ``event_budget`` every evaluation failed). They are now ``refuse_ignored(space)``, which
``l2l.components.build`` calls for a new run only. ``model = "gru"`` ignored ``theta_init``, ``theta_min``,
``gamma`` and ``epsilon`` without a word (scripts/egru_digits.py passed ``theta_init = 0.05`` to its GRU): a new
run refuses them, set to another value than the default or explored.
"""

from __future__ import annotations

import json

import pytest

import l2l
from l2l.cli import main
from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS
from l2l.simulators.egru import EGRUSimulator

SMALL = 'name = "egru"\nunits = 4\ntrials = 8\nbatch_size = 4\ntest_trials = 8\nmin_budget = 4'
LR = 'learning_rate = { type = "float", low = 0.005, high = 0.05 }'

STORED = {  # space, [simulator] lines, the options as an l2l that accepted them stored them, the new run's refusal
    "spiral-delay": (LR, SMALL, {"delay": 20}, "option 'delay' = 20 is for task 'copy', and task is 'spiral'"),
    "budget-no-penalty": (LR, SMALL, {"event_budget": 1}, "'event_budget' = 1 counts the events"),
    "gru-theta": (LR, f'{SMALL}\nmodel = "gru"', {"theta_init": 0.05},
                  "option 'theta_init' = 0.05 sets the initial thresholds, and model 'gru' has none"),
}


def _run(tmp_path, text: str, *extra: str) -> int:
    config = tmp_path / "run.toml"
    config.write_text(text)
    return main(["run", str(config), "--out", str(tmp_path / "run.h5"), "--no-progress", *extra])


def _text(space: str, simulator: str) -> str:
    return (f'[run]\ngenerations = 1\n[space]\n{space}\n[optimizer]\nname = "random"\npopulation_size = 2\n'
            f'[backend]\nname = "serial"\n[simulator]\n{simulator}\n')


def _stored_as_before(path, options: dict) -> None:
    """The run's stored [simulator] table with ``options`` (as an l2l that accepted them wrote it)."""
    import h5py

    with h5py.File(path, "r+") as file:
        attrs = file["run"].attrs
        config = json.loads(attrs["config"])
        config["simulator"].update(options)
        attrs["config"] = json.dumps(config)
        attrs["simulator"] = json.dumps({**json.loads(attrs["simulator"]), **options})


def _goes_on(path, capsys) -> None:
    assert main(["resume", str(path), "--generations", "2", "--no-progress"]) == 0, capsys.readouterr().err
    frame = l2l.load(path)
    assert len(frame) == 4 and frame["test_error"].notna().all(), frame
    assert main(["reevaluate", str(path), "--top", "1", "--seeds", "1"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("case", sorted(STORED))
def test_a_run_stored_before_an_egru_refusal_resumes_and_is_reevaluated_and_a_new_one_is_refused(tmp_path, capsys,
                                                                                                 case):
    # before: resume and reevaluate ended with exit 2 (the task's options: the constructor's refusal), or every
    # evaluation failed (event_budget); and a GRU's theta_init was accepted by a new run, and ignored
    space, simulator, stored, words = STORED[case]
    text = _text(space, simulator)
    assert _run(tmp_path, text) == 0, capsys.readouterr().err
    path = tmp_path / "run.h5"
    _stored_as_before(path, stored)
    _goes_on(path, capsys)
    given = simulator + "".join(f"\n{key} = {json.dumps(value)}" for key, value in stored.items())
    (tmp_path / "again").mkdir()
    capsys.readouterr()
    assert _run(tmp_path / "again", _text(space, given), "--dry-run") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("l2l: error: simulator 'egru': ") and words in err[0], err
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == ["run.toml"]


@pytest.mark.parametrize("name", ["theta_init", "activity_penalty"])
def test_a_gru_refuses_an_explored_egru_parameter_for_a_new_run_only(tmp_path, capsys, monkeypatch, name):
    text = _text(f'{name} = {{ type = "float", low = 0.1, high = 0.5 }}', f'{SMALL}\nmodel = "gru"')
    assert _run(tmp_path, text, "--dry-run") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"the space explores {name!r}, which " in err[0] and "model 'gru' has none" in err[0]
    with monkeypatch.context() as patch:  # the run an l2l that accepted it stored
        patch.setattr(EGRUSimulator, "refuse_ignored", lambda self, space=None: None)
        assert _run(tmp_path, text) == 0, capsys.readouterr().err
    _goes_on(tmp_path / "run.h5", capsys)


def test_a_gru_at_the_egru_defaults_and_an_egru_with_its_options_still_run(tmp_path, capsys):
    assert _run(tmp_path, _text(LR, f'{SMALL}\nmodel = "gru"\ntheta_init = 0.2\ntheta_min = 0.0'), "--dry-run") == 0
    events = f'{SMALL}\ntheta_init = 0.05\ntheta_min = 0.01\ngamma = 2.0\nepsilon = 0.05'
    assert _run(tmp_path, _text(LR, events), "--dry-run") == 0, capsys.readouterr().err
    for name in ("gamma", "epsilon"):
        text = _text(f'{name} = {{ type = "float", low = 0.1, high = 0.5 }}', f'{SMALL}\nmodel = "gru"')
        assert _run(tmp_path, text, "--dry-run") == 2
        assert f"the space explores {name!r}" in capsys.readouterr().err
    for key, value in {"theta_min": 0.01, "gamma": 2.0, "epsilon": 0.05}.items():  # from Python: refuse_ignored
        with pytest.raises(ConfigError, match=rf"option '{key}' = {value} .*model 'gru' has none: remove {key}"):
            SIMULATORS.create("egru", {"model": "gru", key: value}).refuse_ignored()
