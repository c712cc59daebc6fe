"""Population-based training: exploit and explore, lineage, failures, kill -9 and resume."""

from __future__ import annotations


import numpy as np
import pytest

import l2l
from l2l.errors import ConfigError
from l2l.results_schema.validate import validate
from l2l.simulators.noisy_sgd import NoisySGD
from test_multifidelity import kill_and_resume

SPACE = {"learning_rate": {"low": 1e-3, "high": 0.19, "log": True}}


def pbt_config(seed=1, simulator=None, optimizer=None, **policy):
    return l2l.from_mapping({"run": {"name": "pbt", "seed": seed},
                             "space": SPACE, "optimizer": optimizer or {"name": "random"},
                             "simulator": simulator or {"name": "noisy-sgd", "max_budget": 100},
                             "objectives": [{"name": "loss", "direction": "minimize"}],
                             "policy": {"name": "pbt", "population": 6, "interval": 10, **policy},
                             "backend": {"name": "serial"}})


def comparable(frame):
    return frame[["trial", "budget", "from_budget", "parent", "seed", "status", "learning_rate",
                  "loss"]].reset_index(drop=True)


@pytest.mark.parametrize("synchronous", [True, False])
def test_every_member_trains_to_the_end_and_exploits_copy_checkpoints_without_counting_twice(tmp_path,
                                                                                               synchronous):
    path = l2l.run(pbt_config(synchronous=synchronous), tmp_path / "p.h5")
    assert validate(path) == []
    segments = l2l.load(path, segments=True)
    assert set(segments["budget"]) <= {float(b) for b in range(10, 101, 10)}
    assert (segments["budget"] - segments["from_budget"] == 10).all()  # every segment trains one interval
    finals = segments[segments["budget"] == 100]
    assert len(finals) == 6  # the population keeps its size: each exploit replaces a member
    copies = segments[segments["parent"] >= 0]
    assert len(copies) >= 3 and (copies["budget"] == 100).any()
    for _, row in copies.iterrows():  # an exploiting trial starts where its donor's checkpoint was
        donor = segments[(segments["trial"] == row["parent"]) & (segments["budget"] == row["from_budget"])]
        assert len(donor) == 1 and donor["status"].iloc[0] == "ok"
        kept = donor["learning_rate"].iloc[0]
        if row["budget"] == 100:  # the last interval: the donor's parameters as they are (nothing judges it after)
            assert row["learning_rate"] == pytest.approx(kept, rel=1e-12)
        else:  # explored (unless the perturbation met a bound of the space)
            assert row["learning_rate"] != kept or np.isclose(kept, 1e-3) or np.isclose(kept, 0.19)
    # compute: each member's 100 steps at most once, however often checkpoints were copied (asynchronous
    # exploits may copy a donor that is ahead, and so skip the steps the donor already trained)
    spent = (segments["budget"] - segments["from_budget"]).sum()
    assert spent == 6 * 100 if synchronous else 6 * 100 * 0.6 <= spent <= 6 * 100
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.run["fidelity"]["rungs"] == [float(b) for b in range(10, 101, 10)]
        assert trajectory.run["fidelity"]["compute"] == 6 * 100  # the plan: every member to the top once


def test_the_lineage_and_schedules_plots_draw_a_pbt_run_and_refuse_other_runs(tmp_path):
    from l2l.plot import figure, save

    path = l2l.run(pbt_config(seed=3, population=4), tmp_path / "p.h5")
    for kind in ("lineage", "schedules"):
        out = save(figure(path, kind), tmp_path / f"{kind}.png")
        assert out.read_bytes()[:4] == b"\x89PNG" and out.stat().st_size > 5_000
    plain = l2l.run(l2l.from_mapping({"run": {"name": "g", "generations": 1}, "space": SPACE,
                                      "optimizer": {"name": "random", "population_size": 3},
                                      "simulator": {"name": "noisy-sgd"}, "backend": {"name": "serial"}}),
                    tmp_path / "g.h5")
    with pytest.raises(l2l.TrajectoryError, match="lineage plots need a run with a \\[policy\\]"):
        figure(plain, "lineage")


def test_the_lineage_gives_each_learner_a_schedule_over_the_whole_training(tmp_path):
    path = l2l.run(pbt_config(seed=3), tmp_path / "p.h5")
    history = l2l.lineage(path)
    assert history["member"].nunique() == 6
    for member, rows in history.groupby("member"):
        assert rows["from_budget"].iloc[0] == 0 and rows["budget"].iloc[-1] == 100
        assert (rows["from_budget"].to_numpy()[1:] == rows["budget"].to_numpy()[:-1]).all()  # no gap
        assert rows["trial"].iloc[-1] == member
    # the schedule read back reproduces the learner: replaying it gives its final loss exactly
    simulator = NoisySGD(max_budget=100)
    segments = l2l.load(path, segments=True)
    member = int(history["member"].iloc[0])
    checkpoint, result = None, None
    for _, piece in history[history["member"] == member].iterrows():
        seed = int(segments.loc[(segments["trial"] == piece["trial"]) & (segments["budget"] == piece["budget"]),
                                "seed"].iloc[0])
        result = simulator.run_to({"learning_rate": piece["learning_rate"]}, seed, piece["budget"], checkpoint)
        checkpoint = result.checkpoint
    assert result.objectives["loss"] == pytest.approx(history[history["member"] == member]["loss"].iloc[-1])


#: The noise seeds no run saw on which both learners are retrained: 8 (6 until session 44; each learner's loss on
#: them carries their own noise, so with 6 the sign of a run seed's gain was a coin flip where both were good).
FRESH = range(1000, 1008)


def pbt_gain(seed: int, tmp_path, fresh=FRESH) -> float:
    """Run ``seed``'s PBT and its equal-compute constant search in ``tmp_path``; the constant pick's mean loss minus
    the best PBT member's replayed schedule's, on the noise seeds ``fresh`` (scripts/pbt_test_claims.py runs it on
    other seeds)."""
    simulator = NoisySGD(max_budget=100)
    pbt = l2l.run(pbt_config(seed=seed, population=8), tmp_path / f"pbt{seed}.h5")
    finals = l2l.load(pbt, segments=True).query("budget == 100")
    best = int(finals.loc[finals["loss"].idxmin(), "trial"])
    pieces = l2l.lineage(pbt, members=[best])[["learning_rate", "budget"]].to_numpy()
    # pieces in a row at one rate are one call: the noise of step t derives from (seed, t), so it is the same run
    changes = [(rate, budget) for (rate, budget), after in zip(pieces, [*pieces[1:, 0], None]) if rate != after]
    pbt_losses = []
    for noise_seed in fresh:
        checkpoint = None
        for rate, budget in changes:
            result = simulator.run_to({"learning_rate": rate}, noise_seed, budget, checkpoint)
            checkpoint = result.checkpoint
        pbt_losses.append(result.objectives["loss"])
    constant = l2l.from_mapping({"run": {"name": "c", "seed": seed, "generations": 1}, "space": SPACE,
                                 "optimizer": {"name": "random", "population_size": 8},
                                 "simulator": {"name": "noisy-sgd", "max_budget": 100},
                                 "backend": {"name": "serial"}})
    frame = l2l.load(l2l.run(constant, tmp_path / f"c{seed}.h5"))  # 8 x 100 steps: the same compute
    rate = float(frame.loc[frame["loss"].idxmin(), "learning_rate"])
    constant_losses = [simulator.run_to({"learning_rate": rate}, s, 100, None).objectives["loss"] for s in fresh]
    return float(np.mean(constant_losses) - np.mean(pbt_losses))


def test_pbt_is_level_with_constant_learning_rates_or_better_at_equal_compute_on_fresh_seeds(tmp_path):
    """Selection happens on noisy training; the claim is measured on noise seeds no run saw. What five run seeds show
    with a margin: PBT's learner is on average not worse than random search's best constant by more than 0.05 (a
    tenth of the constant's loss) and better in at least 2 of 5. Over 120 run seeds the mean gain is clearly
    positive and a seed gains in 75-88 % of them (docs/pbt.md, scripts/pbt_test_claims.py); "mean > 0 and better
    in 4 of 5", asserted until session 44, held on 14 to 21 of 24 fresh sets of five, this on 23 or 24. A PBT
    that exploits only into the last interval (burn_in 90) gains in 5 of 60 seeds: it fails this in 19 of 20 sets."""
    gains = [pbt_gain(seed, tmp_path) for seed in range(5)]
    assert np.mean(gains) > -0.05 and sum(g > 0 for g in gains) >= 2, gains


def test_a_member_whose_segment_fails_is_replaced_by_exploitation(tmp_path):
    simulator = {"name": "python", "function": "pbt_models:diverging_sgd",
                 "multi_fidelity": {"name": "steps", "unit": "training steps", "minimum": 1, "maximum": 100}}
    path = l2l.run(pbt_config(seed=2, simulator=simulator, population=8, explore="resample"), tmp_path / "f.h5")
    segments = l2l.load(path, segments=True)
    failed = segments[(segments["status"] == "failed") & (segments["budget"] < 100)]  # the last interval ends all
    assert len(failed) >= 1 and validate(path) == []
    for _, row in failed.iterrows():  # never continued: its slot goes on from another member's checkpoint
        assert segments[(segments["trial"] == row["trial"]) & (segments["budget"] > row["budget"])].empty
        replacement = segments[(segments["parent"] >= 0) & (segments["from_budget"] == row["budget"])]
        assert len(replacement) >= 1
    assert (segments["budget"] == 100).sum() == 8


@pytest.mark.parametrize("synchronous, explore", [(True, "perturb"), (False, "perturb"), (True, "pb2")])
def test_kill_minus_nine_and_resume_of_a_pbt_run_equals_an_uninterrupted_run(tmp_path, synchronous, explore):
    simulator = {"name": "python", "function": "pbt_models:slow_sgd",
                 "multi_fidelity": {"name": "steps", "unit": "training steps", "minimum": 1, "maximum": 100}}
    config = pbt_config(seed=7, simulator=simulator, synchronous=synchronous, population=8, interval=5,
                        explore=explore)
    reference = comparable(l2l.load(l2l.run(config, tmp_path / "reference.h5"), segments=True))
    path = tmp_path / "killed.h5"
    # five rounds of one or two commits each, of some 40: every round kills, and the sixth session finishes in this
    # process, committing as a run does (in a child committing every 20 ms, some 30 commits more: what a run
    # decides does not depend on when it commits)
    assert kill_and_resume(config, path, np.random.default_rng(11), max_delay=0.04, rounds=5, finish_here=True) >= 3
    assert comparable(l2l.load(path, segments=True)).equals(reference)


@pytest.mark.parametrize("policy, message", [
    ({"factors": []}, "factors must be a list of positive numbers"),
    ({"factors": [0.8, -1]}, "factors must be a list of positive numbers"),
    ({"fraction": 0.7}, "fraction"),
    ({"selection": "roulette"}, "selection"),
    ({"population": 1}, "population"),
])
def test_bad_pbt_options_are_refused_in_one_line(policy, message):
    with pytest.raises(ConfigError, match=message):
        l2l.loop.build(pbt_config(**policy))


def test_pbt_needs_a_simulator_with_a_fidelity():
    config = l2l.from_mapping({"run": {"name": "p"}, "space": {"x": {"low": 0.0, "high": 1.0}},
                               "optimizer": {"name": "random"}, "policy": {"name": "pbt"},
                               "simulator": {"name": "rastrigin"}, "backend": {"name": "serial"}})
    with pytest.raises(ConfigError, match="needs a simulator with a fidelity"):
        l2l.loop.build(config)


LAMARCK = {"run": {"name": "lamarck", "seed": 4, "generations": 5, "inherit": True},
           "space": SPACE, "optimizer": {"name": "ga", "population_size": 6},
           "simulator": {"name": "noisy-sgd", "max_budget": 100}, "backend": {"name": "serial"}}


def test_lamarckian_generations_continue_from_their_parents_checkpoints(tmp_path):
    path = l2l.run(l2l.from_mapping(LAMARCK), tmp_path / "l.h5")
    assert validate(path) == []
    rows = l2l.load(path, segments=True)
    assert len(rows) == 30 and (rows["budget"] - rows["from_budget"] == 20).all()  # 100 steps over 5 generations
    first, later = rows[rows["generation"] == 0], rows[rows["generation"] > 0]
    assert (first["parent"] == -1).all() and (later["parent"] >= 0).all()
    for _, row in later.iterrows():  # the parent is a member of the previous generation, at the budget copied
        parent = rows[rows["trial"] == row["parent"]].iloc[0]
        assert parent["generation"] == row["generation"] - 1 and parent["budget"] == row["from_budget"]
    assert sorted(rows.loc[rows["generation"] == 4, "budget"].unique()) == [100.0]
    history = l2l.lineage(path)  # each final learner: five generations of ancestors, 0 to 100 steps
    assert history.groupby("member").size().eq(5).all()


def test_a_stopped_lamarckian_run_resumes_as_if_never_stopped(tmp_path):
    from l2l.control import RunControl

    config = l2l.from_mapping(LAMARCK)
    reference = comparable(l2l.load(l2l.run(config, tmp_path / "reference.h5"), segments=True))
    control, seen = RunControl(), []
    path = tmp_path / "stopped.h5"

    def stop(info):
        seen.append(info)
        if len(seen) == 2:
            control.request_stop("test")
    l2l.run(config, path, control=control, on_generation=stop)
    l2l.resume(path)
    assert comparable(l2l.load(path, segments=True)).equals(reference)


@pytest.mark.parametrize("run, simulator, message", [
    ({"inherit": True, "mode": "async"}, "noisy-sgd", "run.inherit needs run.mode = 'generational'"),
    ({"inherit": True}, "rastrigin", "needs a simulator with a fidelity"),
    ({"inherit": -5}, "noisy-sgd", "run.inherit must be true, false or a number"),
])
def test_bad_inheritance_is_refused_in_one_line(run, simulator, message):
    data = {**LAMARCK, "run": {**LAMARCK["run"], **run}, "simulator": {"name": simulator},
            "optimizer": {"name": "random" if run.get("mode") == "async" else "ga", "population_size": 6}}
    with pytest.raises(ConfigError, match=message):
        l2l.loop.build(l2l.from_mapping(data))


def test_a_toml_config_sets_the_perturbation_factors_and_a_burn_in(tmp_path):
    config = tmp_path / "pbt.toml"
    config.write_text('[run]\nname = "t"\nseed = 3\n[space]\nlearning_rate = { low = 0.001, high = 0.19, log = true }\n'
                      '[optimizer]\nname = "random"\n[simulator]\nname = "noisy-sgd"\nmax_budget = 60\n'
                      '[policy]\nname = "pbt"\npopulation = 4\ninterval = 10\nfactors = [0.5, 2.0]\nburn_in = 30\nresample_probability = 0.0\n'
                      '[backend]\nname = "serial"\n')
    path = l2l.run(l2l.load_config(config), tmp_path / "t.h5")
    segments = l2l.load(path, segments=True)
    copies = segments[segments["parent"] >= 0]
    assert len(copies) and (copies["from_budget"] >= 30).all()  # nobody exploits before the burn-in
    for _, row in copies.iterrows():
        donor = segments[(segments["trial"] == row["parent"]) & (segments["budget"] == row["from_budget"])].iloc[0]
        ratio = row["learning_rate"] / donor["learning_rate"]
        clipped = np.isclose(row["learning_rate"], 0.19) or np.isclose(row["learning_rate"], 0.001)
        last = row["budget"] == 60 and np.isclose(ratio, 1.0)  # the last interval: the donor's as it is
        assert np.isclose(ratio, 0.5) or np.isclose(ratio, 2.0) or clipped or last


def test_an_egru_learner_copied_into_another_trial_keeps_its_pruning_mask():
    """A PBT exploit continues the donor's network under a new seed: its connectivity must not change."""
    from l2l.simulators import SIMULATORS

    egru = SIMULATORS.create("egru", {"units": 8, "trials": 12, "test_trials": 16})
    params = {"density": 0.5}
    donor = egru.run_to(params, 1, 6, None)
    copied = egru.run_to(params, 2, 12, donor.checkpoint)  # another trial's seed
    own_mask = egru.run_to(params, 2, 6, None).checkpoint["mask"]
    assert (copied.checkpoint["mask"] == donor.checkpoint["mask"]).all()
    assert not (own_mask == donor.checkpoint["mask"]).all()


def test_pb2_explore_moves_exploiting_members_to_where_a_model_of_the_score_changes_points(tmp_path):
    """explore = "pb2": after the first decisions, exploits take values a Gaussian process picked, not the
    donor's times 0.8 or 1.2; the run keeps every PBT guarantee (one schedule per final learner)."""
    path = l2l.run(pbt_config(seed=4, population=6, explore="pb2", resample_probability=0.0), tmp_path / "pb2.h5")
    segments = l2l.load(path, segments=True)
    copies = segments[segments["parent"] >= 0]
    ratios = []
    for _, row in copies.iterrows():
        donor = segments[(segments["trial"] == row["parent"]) & (segments["budget"] == row["from_budget"])]
        ratios.append(row["learning_rate"] / donor["learning_rate"].iloc[0])
    assert len(ratios) >= 4
    modelled = [r for r in ratios if not (np.isclose(r, 0.8) or np.isclose(r, 1.2))]
    assert len(modelled) >= len(ratios) // 2  # most exploits were placed by the model
    assert (segments["budget"] == 100).sum() == 6 and validate(path) == []
    history = l2l.lineage(path)
    assert history.groupby("member")["budget"].max().eq(100).all()
