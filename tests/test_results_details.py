"""Five details of what a run's results say: the text of a dropped checkpoint, the curve of a retried
segment, the key columns of a sweep's traces, the winner in ``l2l compare``, the overview of a sweep's curves."""

from __future__ import annotations

import h5py
import numpy as np

import l2l
from l2l import SimulationResult
from l2l.results_schema import layout
from l2l.results_schema.validate import validate_with_notes

TOP = 9


def train(params, seed, budget, checkpoint=None):
    """A learning curve that ends at ``(lr - 0.3) ** 2 + 1 / budget``, continued from its checkpoint."""
    done = 0 if checkpoint is None else int(checkpoint["epoch"])
    curve = [[e, float((params["lr"] - 0.3) ** 2 + 1.0 / e)] for e in range(done + 1, int(budget) + 1)]
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget)})


def _mapping(policy: dict | None = None, population: int = 4, **run) -> dict:
    mapping = {"run": {"name": "details", "seed": 3, "generations": 1, **run},
               "space": {"lr": {"type": "float", "low": 0.01, "high": 1.0}},
               "optimizer": {"name": "random", "population_size": population},
               "simulator": {"name": "python",
                             "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": TOP, "integer": True}},
               "objectives": [{"name": "loss", "direction": "minimize"}],
               "backend": {"name": "serial"}}
    if policy:
        mapping["policy"] = policy
        del mapping["run"]["generations"]
    return mapping


# -- 1. the text of a segment l2l resume --drop-unreadable recorded as failed --------------------------------

def test_validate_recognises_a_dropped_checkpoint_by_the_text_the_driver_writes_whatever_its_wording(
        tmp_path, monkeypatch):
    """The driver and ``l2l validate`` share one template (layout.DROPPED_ERROR): reworded, the file the
    driver writes still validates, with the note; the old wording no longer recognises it."""
    monkeypatch.setattr(layout, "DROPPED_ERROR", "checkpoint unusable ({reason}), segment dropped on resume",
                        raising=False)
    config = l2l.from_mapping(_mapping({"name": "hyperband", "eta": 3}, compute=60))
    full = l2l.run(config, tmp_path / "full.h5", simulator=train, progress=False)
    part = l2l.run(l2l.from_mapping(_mapping({"name": "hyperband", "eta": 3}, compute=12)),
                   tmp_path / "part.h5", simulator=train, progress=False)
    with h5py.File(part, "r") as f:
        trials = f["evaluations/trial"][:]
    with h5py.File(full, "r") as f:  # a checkpoint the resume continues from: the first continued after the cut
        later = zip(f["evaluations/trial"][len(trials):], f["evaluations/from_budget"][len(trials):])
        trial = next(int(t) for t, b in later if b > 0 and t in trials)
    row = int(np.flatnonzero(trials == trial)[-1])
    with h5py.File(part, "r+") as f:  # its bytes no longer match their checksum
        crc = f["evaluations/checkpoint_crc32"]
        crc[row] = (int(crc[row]) + 1) % (1 << 32)
    l2l.resume(part, compute=60, simulator=train, drop_unreadable=True)
    segments = l2l.load(part, segments=True)
    failed = segments[segments["status"] != "ok"]
    assert len(failed) == 1 and int(failed["trial"].iloc[0]) == trial
    assert failed["error"].iloc[0].startswith("checkpoint unusable (") and "dropped on resume" in \
        failed["error"].iloc[0]
    problems, notes = validate_with_notes(part)
    assert problems == [] and len(notes) == 1, (problems, notes)
    assert f"the checkpoint of evaluation row {row} (trial {trial})" in notes[0] and "it was dropped" in notes[0]
    monkeypatch.undo()  # another wording: the failed segment is no dropped one, the damage is a problem
    problems, notes = validate_with_notes(part)
    assert notes == [] and len(problems) == 1 and f"row {row} (trial {trial}) cannot be read" in problems[0]


# -- 2. a segment that failed and was retried: one curve, the attempt that counted -----------------------------

FAILED_ONCE: set[int] = set()


def train_failing_once(params, seed, budget, checkpoint=None):
    """``train``, but the first continuation to 3 epochs fails once: on its first attempt it reports a partial
    curve that is invalid (a point past its budget, value 99), on its second it succeeds."""
    result = train(params, seed, budget, checkpoint)
    if int(budget) == 3 and checkpoint is not None and not FAILED_ONCE:
        FAILED_ONCE.add(1)
        result.curve = {"loss": [*result.curve["loss"][:1], [budget + 5, 99.0]]}
    return result


def test_a_retried_segment_keeps_one_curve_the_attempt_that_counted(tmp_path):
    """Not a defect (checked): the driver records only the attempt that counted, so the failed attempt's
    partial curve is neither in l2l.traces nor joined into the candidate's line in the curves plot."""
    FAILED_ONCE.clear()
    mapping = _mapping({"name": "successive-halving", "eta": 3}, compute=30, retries=1)
    mapping["simulator"]["multi_fidelity"]["maximum"] = 3
    path = l2l.run(l2l.from_mapping(mapping), tmp_path / "retried.h5", simulator=train_failing_once,
                   progress=False)
    assert FAILED_ONCE
    segments = l2l.load(path, segments=True)
    retried = segments[segments["attempts"] > 1]
    assert len(retried) == 1 and retried["status"].iloc[0] == "ok"
    trial = int(retried["trial"].iloc[0])
    assert len(segments[(segments["trial"] == trial) & (segments["budget"] == 3)]) == 1
    traces = l2l.traces(path)
    mine = traces[traces["trial"] == trial]
    assert mine["step"].tolist() == [1.0, 2.0, 3.0] and 99.0 not in mine["value"].tolist()
    lr = float(segments.loc[segments["trial"] == trial, "lr"].iloc[0])
    np.testing.assert_allclose(mine["value"], [(lr - 0.3) ** 2 + 1.0 / e for e in (1, 2, 3)], rtol=1e-12)
    drawn = [points for c in l2l.plot.curves(path).axes[0].collections if hasattr(c, "get_segments")
             for points in c.get_segments()]
    lines = [p for p in drawn if len(p) == 3 and np.allclose(p[:, 1], mine["value"])]
    assert len(lines) == 1 and not any(99.0 in p[:, 1] for p in drawn)


# -- 3. the traces of a sweep and of a policy run have the same key columns -----------------------------------

def test_the_traces_of_a_sweep_and_of_a_policy_run_have_the_same_columns(tmp_path):
    """A sweep's traces lacked ``trial``: compared with a policy run's, its curves had no candidate id. Its
    candidates are numbered in (generation, individual) order; joined on generation and individual, each
    trial's curve ends at that candidate's result."""
    sweep_mapping = _mapping(generations=2)
    sweep = l2l.run(l2l.from_mapping(sweep_mapping), tmp_path / "sweep.h5", simulator=train, progress=False)
    policy = l2l.run(l2l.from_mapping(_mapping({"name": "successive-halving", "eta": 3}, compute=30)),
                     tmp_path / "policy.h5", simulator=train, progress=False)
    before, after = l2l.traces(sweep), l2l.traces(policy)
    assert list(before.columns) == list(after.columns)
    assert "trial" in before.columns
    frame = l2l.load(sweep).sort_values(["generation", "individual"]).reset_index(drop=True)
    assert len(frame) == 8
    ends = before.sort_values("step").groupby("trial").last()
    assert sorted(ends.index) == list(range(8))
    for trial, end in ends.iterrows():
        row = frame.iloc[trial]
        assert (end["generation"], end["individual"]) == (row["generation"], row["individual"])
        assert end["value"] == row["loss"] and end["step"] == TOP


# -- 4. l2l compare names each run's best candidate ----------------------------------------------------------

def _two_params(params, seed, budget, checkpoint=None):
    result = train({"lr": params["lr"]}, seed, budget, checkpoint)
    result.objectives["loss"] += 0.01 * params["width"]
    return result


def test_compare_names_each_runs_best_candidate_and_its_parameters(tmp_path, capsys):
    """The table said how good each run's best was, not which candidate it was."""
    from l2l.cli import main

    def mapping(policy=None, **run):
        m = _mapping(policy, **run)
        m["space"]["width"] = {"type": "int", "low": 1, "high": 4}
        return m

    sweep = l2l.run(l2l.from_mapping(mapping(generations=2)), tmp_path / "sweep.h5", simulator=_two_params,
                    progress=False)
    policy = l2l.run(l2l.from_mapping(mapping({"name": "successive-halving", "eta": 3}, compute=30)),
                     tmp_path / "policy.h5", simulator=_two_params, progress=False)
    assert main(["compare", str(sweep), str(policy), "-o", str(tmp_path / "cmp.png")]) == 0
    printed = capsys.readouterr().out
    header, first, second = printed.splitlines()[:3]
    assert header.rstrip().endswith("best candidate")
    frame = l2l.load(sweep)
    won = frame.loc[frame["loss"].idxmin()]
    assert first.rstrip().endswith(f"gen {won['generation']} ind {won['individual']}: lr={won['lr']:.3g}, "
                                   f"width={won['width']}"), first
    segments = l2l.load(policy, segments=True)
    top = segments[segments["budget"] == TOP]
    won = top.loc[top["loss"].idxmin()]
    assert second.rstrip().endswith(f"trial {won['trial']}: lr={won['lr']:.3g}, width={won['width']}"), second


# -- 5. the overview of a sweep that stored learning curves shows them, as a policy run's does -----------------

def _titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def test_the_overview_of_a_sweep_with_curves_shows_them_first_and_its_fitness_below(tmp_path):
    """``l2l plot FILE`` of such a sweep drew fitness per generation where a policy run's overview shows the
    learning curves; ``--kind curves`` drew them, the overview did not."""
    from l2l.cli import main

    sweep = l2l.run(l2l.from_mapping(_mapping(generations=2)), tmp_path / "sweep.h5", simulator=train,
                    progress=False)
    policy = l2l.run(l2l.from_mapping(_mapping({"name": "successive-halving", "eta": 3}, compute=30)),
                     tmp_path / "policy.h5", simulator=train, progress=False)
    fig, shown = l2l.plot.overview(sweep), l2l.plot.overview(policy)
    assert _titles(fig)[0] == _titles(shown)[0] == "learning curves of every candidate"
    drawn = [points for c in fig.axes[0].collections if hasattr(c, "get_segments") for points in c.get_segments()]
    frame = l2l.load(sweep)
    assert len(drawn) == 8 and all(len(points) == TOP for points in drawn)
    np.testing.assert_allclose(sorted(points[-1][1] for points in drawn), sorted(frame["loss"]), rtol=1e-12)
    assert "loss over generations" in _titles(fig)  # the fitness is still there, below the curves
    assert main(["plot", str(sweep), "-o", str(tmp_path / "overview.png")]) == 0


def test_the_overview_of_a_sweep_without_curves_draws_its_fitness_first(tmp_path):
    def no_curve(params, seed, budget, checkpoint=None):
        return SimulationResult(objectives={"loss": float(params["lr"])})

    sweep = l2l.run(l2l.from_mapping(_mapping(generations=2)), tmp_path / "sweep.h5", simulator=no_curve,
                    progress=False)
    assert _titles(l2l.plot.overview(sweep))[0] == "loss over generations"
