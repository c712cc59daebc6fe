"""The GA's ``evaluate_copies = false``: the elites and the offspring that crossover and mutation left unchanged
keep their known scores instead of spending an evaluation again (DEAP's eaSimple, the original L2L's GA)."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from conftest import comparable, make_config
from l2l.testing import OptimizerContract
from l2l.testing.optimizers import GenerationalOptimizerContract
from optimizer_helpers import optimizer

#: The original L2L's example settings (popsize 50, CXPB 0.5, MUTPB 0.3, indpb 0.02, tournsize 15): most of each
#: generation are unchanged copies of the few best.
L2L_LIKE = {"name": "ga", "population_size": 50, "crossover_probability": 0.5, "mutation_probability": 0.3,
            "gene_mutation_probability": 0.02, "tournament_size": 15}
SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}}


class TestTheContractWithoutCopies(OptimizerContract):
    @pytest.fixture
    def make_optimizer(self):
        return lambda: optimizer("ga", evaluate_copies=False)


class TestTheGenerationalContractWithoutCopies(GenerationalOptimizerContract):
    @pytest.fixture
    def make_optimizer(self):
        return lambda: optimizer("ga", evaluate_copies=False, population_size=12)


def _repeats(frame) -> float:
    points = frame[["x[0]", "x[1]"]].round(9).apply(tuple, axis=1)
    return 1.0 - points.nunique() / len(frame)


def test_copies_are_not_evaluated_again_and_the_budget_finds_as_good_a_minimum(tmp_path):
    # rastrigin (no noise) is deterministic: an evaluation of a point already evaluated is compute spent twice.
    best = {True: [], False: []}
    for seed in (0, 1, 2):
        runs = {}
        for copies in (True, False):
            config = make_config(run={"seed": seed, "evaluations": 400, "generations": None}, space=SPACE,
                                 optimizer={**L2L_LIKE, "evaluate_copies": copies})
            runs[copies] = frame = l2l.load(l2l.run(config, tmp_path / f"{seed}{copies}.h5", progress=False))
            best[copies].append(frame["value"].min())
        evaluated, kept = runs[True], runs[False]
        assert len(evaluated) == len(kept) == 400
        assert _repeats(evaluated) > 0.4  # the default spends half this budget on points it knows
        assert _repeats(kept) < 0.05  # only a point re-created from an older generation is evaluated again
        # a generation evaluates only what changed: many more, smaller generations for the same budget
        assert kept["generation"].nunique() > 2 * evaluated["generation"].nunique()
    # the budget spent on new points finds minima at least as good, over the seeds
    assert np.mean(best[False]) <= np.mean(best[True])


def test_a_run_stopped_inside_a_generation_resumes_to_the_uninterrupted_run(tmp_path):
    # The copies set aside when a generation was sampled wait in the optimizer's state until its evaluations are
    # told: a run stopped between the two resumes from the state before the generation, samples it again (the
    # same copies set aside) and reuses the evaluations stored.
    from l2l.control import RunControl
    import l2l.driver
    import l2l.loop as loop_module

    config = make_config(run={"generations": 6}, space=SPACE,
                         optimizer={**L2L_LIKE, "population_size": 12, "tournament_size": 3, "evaluate_copies": False},
                         simulator={"name": "rastrigin"})
    control = RunControl()
    path = tmp_path / "stopped.h5"
    appended = []
    original_append = loop_module.trajectory_writer.TrajectoryWriter.append

    def append(self, outcomes, params):
        original_append(self, outcomes, params)
        appended.extend(outcomes)
        if len(appended) >= 14:  # inside the second generation (the first has 12 new points)
            control.request_stop("test")

    loop_module.trajectory_writer.TrajectoryWriter.append = append
    try:
        l2l.driver.FLUSH_SECONDS = 0.0
        l2l.run(config, path, control=control, progress=False)
    finally:
        loop_module.trajectory_writer.TrajectoryWriter.append = original_append
        l2l.driver.FLUSH_SECONDS = 1.0
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.n_generations == 1
        assert trajectory.n_evaluations == 14
    l2l.resume(path)
    reference = l2l.run(config, tmp_path / "reference.h5", progress=False)
    resumed = comparable(l2l.load(path))
    assert resumed.equals(comparable(l2l.load(reference)))
    assert resumed.groupby("generation").size().iloc[1:].max() < 12  # later ones evaluated only what changed


def test_the_default_still_evaluates_every_member_of_every_generation(tmp_path):
    config = make_config(space=SPACE, optimizer={**L2L_LIKE, "population_size": 10})
    frame = l2l.load(l2l.run(config, tmp_path / "default.h5", progress=False))
    assert (frame.groupby("generation").size() == 10).all()
