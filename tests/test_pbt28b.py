"""A checkpoint that can never be stored ends a policy run at its first segment (it spent the whole compute failing
and replacing members); ``l2l show`` counts no failed segment as a promotion; a run that ``run.evaluations`` ended
before any candidate reached the top budget says so."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.cli import main
from l2l.errors import ConfigError
from l2l.summary import finished_text, summary_of

UNSTORABLE = {  # what the checkpoint holds besides the weights, and the key and type the line names
    "str_array": ({"names": np.array(["a", "b"])}, "checkpoint key 'names'", "dtype <U1"),
    "complex": ({"w": np.ones(3, dtype=complex)}, "checkpoint key 'w'", "dtype complex128"),
    "int_key": ({1: np.ones(3)}, "checkpoint key 1", "dict keys must be strings"),
}


def train(params, seed, budget, checkpoint=None, extra=None):
    return l2l.SimulationResult(objectives={"loss": params["x"] / (1 + budget)},
                                checkpoint={"w": np.ones(3), "epoch": budget, **(extra or {})})


def config(policy="pbt", **run):
    policies = {"pbt": {"name": "pbt", "population": 4, "interval": 2}, "asha": {"name": "asha", "eta": 2}}
    return {"run": {"name": "ck", "seed": 0, **run}, "space": {"x": {"type": "float", "low": 0, "high": 1}},
            "policy": policies[policy],
            "simulator": {"name": "python", "function": "x:y",
                          "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 8}},
            "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}


@pytest.mark.parametrize("policy", ["pbt", "asha"])
@pytest.mark.parametrize("kind", sorted(UNSTORABLE))
def test_a_checkpoint_that_cannot_be_stored_ends_the_run_at_its_first_segment(tmp_path, policy, kind):
    extra, key, what = UNSTORABLE[kind]
    path = tmp_path / "r.h5"
    with pytest.raises(ConfigError) as raised:
        l2l.run(config(policy, retries=2), path, progress=False,
                simulator=lambda params, seed, budget, checkpoint=None: train(params, seed, budget, checkpoint, extra))
    message = str(raised.value)
    assert "\n" not in message and key in message and what in message, message
    assert "numpy arrays of numbers or booleans" in message and str(path) in message  # what it may hold; the file
    segments = l2l.load(path, segments=True)  # the segment kept, failed once: neither retried nor run on
    assert len(segments) == 1 and (segments["status"] == "failed").all() and (segments["attempts"] == 1).all()
    summary = summary_of(path)
    assert summary.status == "failed" and key in summary.reason


def test_the_command_line_says_it_in_one_line_and_exits_2(tmp_path, monkeypatch, capsys):
    (tmp_path / "ck28b.py").write_text(
        "import numpy as np, l2l\n"
        "def train(params, seed, budget, checkpoint=None):\n"
        "    return l2l.SimulationResult(objectives={'loss': params['x']},\n"
        "                                checkpoint={'w': np.ones(2), 'names': np.array(['a'])})\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from conftest import write_toml

    settings = config()
    settings["simulator"]["function"] = "ck28b:train"
    toml = write_toml(tmp_path / "ck.toml", settings)
    assert main(["run", str(toml), "--out", str(tmp_path / "r.h5"), "--no-progress"]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: error:")]
    assert len(errors) == 1 and "checkpoint key 'names'" in errors[0] and "dtype <U1" in errors[0]
    assert len(l2l.load(tmp_path / "r.h5", segments=True)) == 1


def failing(params, seed, budget, checkpoint=None):
    raise RuntimeError("diverged")


def test_a_simulator_that_raises_is_retried_and_its_failures_count_as_no_promotion(tmp_path):
    path = l2l.run(config(compute=24, retries=1), tmp_path / "r.h5", simulator=failing, progress=False)
    segments = l2l.load(path, segments=True)  # a plain failure: retried, the run goes on to its compute
    assert len(segments) > 4 and (segments["status"] == "failed").all() and (segments["attempts"] == 2).all()
    assert summary_of(path).candidates["promoted"] == 0  # before: '4 paused; 4 of them promoted', none succeeded
    assert "promoted" not in next(line for line in shown(path).splitlines() if line.startswith("progress"))


def test_a_promotion_counts_where_a_segment_succeeded_and_was_continued(tmp_path):
    path = l2l.run(config(compute=24), tmp_path / "r.h5", simulator=train, progress=False)
    segments = l2l.load(path, segments=True)
    continued = segments.loc[segments["state"] == "promoted", "trial"].nunique()
    assert continued > 0 and summary_of(path).candidates["promoted"] == continued


@pytest.mark.parametrize("policy", ["pbt", "asha"])
def test_a_run_the_evaluations_cap_ended_before_any_candidate_reached_the_top_says_so(tmp_path, policy):
    path = l2l.run(config(policy, evaluations=3), tmp_path / "r.h5", simulator=train, progress=False)
    assert summary_of(path).candidates["completed"] == 0  # before: 'status: finished (run.evaluations used up)' alone
    said = (f"no candidate reached the top budget: the cap of 3 segments (run.evaluations) ended the run first; "
            f"resume with a larger --evaluations: l2l.resume({str(path)!r}, simulator=train, evaluations=6)")
    assert finished_text(path, 0.1).splitlines()[1] == said  # under the closing line of l2l run and l2l resume
    assert f"\nended      {said}\n" in shown(path)  # under l2l show's progress line
    l2l.resume(path, simulator=train, evaluations=200, progress=False)
    summary = summary_of(path)  # a cap that left candidates at the top says nothing more
    assert summary.candidates["completed"] > 0 and summary.cut_short is None
    assert "\nended " not in shown(path)


def test_the_command_line_names_the_command_that_goes_on(tmp_path, monkeypatch, capsys):
    (tmp_path / "ok28b.py").write_text(
        "import numpy as np, l2l\n"
        "def train(params, seed, budget, checkpoint=None):\n"
        "    return l2l.SimulationResult(objectives={'loss': params['x']}, checkpoint={'w': np.ones(2)})\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from conftest import write_toml

    settings = config(evaluations=3)
    settings["simulator"]["function"] = "ok28b:train"
    toml = write_toml(tmp_path / "ok.toml", settings)
    out = tmp_path / "a b.h5"  # a name the shell needs quoted
    assert main(["run", str(toml), "--out", str(out), "--no-progress"]) == 0
    assert (f"the cap of 3 segments (run.evaluations) ended the run first; resume with a larger --evaluations: "
            f"l2l resume '{out}' --evaluations 6") in capsys.readouterr().out


def shown(path) -> str:
    from l2l.summary import show_text

    with l2l.Trajectory(path) as trajectory:
        return show_text(trajectory)
