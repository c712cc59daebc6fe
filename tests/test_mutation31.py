"""Behaviours a hand-made mutation of the product (session 31) changed without any test failing.

Round 2 of tests/test_mutation30.py, over other places. Each mutation was made in a copy of HEAD and the tests that
exercise the module were run (-x): the optimizer's name's tests (test_optimizers, _contract, _quadratic, _batches,
_small_budget, _defaults, test_initpoints30 and the optimizer's own), or the module's own test files. Where a
mutation survived and a user would notice, a test below fails with it and passes without it. 61 mutations in 25
files: 39 caught, 16 survived that a user would notice (the new tests), 6 survived unseen or equivalent.

| place | mutation | caught by / new test / why not noticed |
|---|---|---|
| genetic.py offspring clip | clip units to [-1, 2] instead of [0, 1] | equivalent: from_unit clips |
| genetic.py hall of fame | elites ordered worst first | caught by test_optimizers.py |
| genetic.py crossover | `random() > p` for `< p` | caught by test_initpoints30.py; a behaviour test in test_behave31.py |
| nsga.py ranking | fitness weights -1 (minimizes) | caught by test_optimizers.py |
| nsga.py failed scores | a failure told as 0.0, not -inf | caught by test_penalty27.py |
| nsga.py mutation | default gene probability 1 for 1/dimension | caught by test_initpoints30.py; a behaviour test in test_behave31.py |
| cmaes.py step-size path | mu_eff dropped from the path's factor | caught by test_initpoints30.py; a behaviour test in test_behave31.py |
| cmaes.py step-size path | no (1 - c_sigma) decay | caught by test_optimizers.py |
| gaussian_process.py constant liar | lie the best score, not the worst | new test 1 |
| gaussian_process.py acquisition | z = (best - mean) / sigma | caught by test_optimizers.py |
| kalman.py update | perturb by gamma, not sqrt(gamma) | caught by test_initpoints30.py; a behaviour test in test_behave31.py |
| kalman.py Woodbury | J dropped from J gamma I | caught by test_optimizers.py |
| annealing.py adaptive schedule | cool/warm swapped | new test 2 |
| annealing.py tempering swap | exponent's sign flipped | caught by test_optimizers.py |
| annealing.py acceptance | exp(-delta / T) | caught by test_optimizers.py |
| grid.py coverage | the last grid point never asked | caught by test_grid_levels.py |
| grid.py levels | points - 1 levels per float | caught by test_grid_levels.py |
| objectives.py front mask | equal rows knock each other off | caught by test_optimizers.py |
| objectives.py dominates | equal points dominate | new test 3 |
| gradient.py line step | moves to a worse line point | caught by test_optimizer_batches.py |
| gradient.py gradient | score differences' sign flipped | caught by test_optimizers.py |
| model_based.py agreement weights | probe weight from the worst agreement | caught by test_model_based.py |
| model_based.py agreement weights | abs(agreement): anti-correlated rungs weighted | caught by test_model_based.py |
| model_based.py endgame | gate at 1x, not 2x, what the model needs | caught by test_model_based.py |
| model_based.py endgame | starts at share x compute, not (1 - share) | caught by test_model_based.py |
| pb2.py acquisition | mean - 2 sd for mean + 2 sd | new test 4 |
| pb2.py categorical | categorical coordinates redrawn | new test 5 |
| parzen.py reflection | clip at the faces instead of mirroring | new test 6 |
| parzen.py good set | at most 10, not 25 | new test 7 |
| parzen.py proposal | smallest density ratio | caught by test_model_based.py |
| initial_points.py pbt | `n >= population` refused | caught by test_review30b.py |
| initial_points.py int bound | high excluded | caught by test_enqueue29.py |
| checkpoint_store.py get | length checked, hash not | caught by test_checkpoint_store.py |
| checkpoint_store.py put | an existing file of another length kept | new test 8 |
| commands/prune.py size | hard-linked files counted as freed | caught by test_prune.py |
| commands/prune.py record | unreferenced files recorded as pruned | unseen: only orphans (no row) differ |
| commands/validate.py | exit 0 for an invalid file | caught by test_checkpoint_integrity.py |
| commands/validate.py | notes of a valid file to stderr | caught by test_checkpoint_integrity.py |
| commands/checkpoint.py names | duplicate named 'a/b (1)' | caught by test_smalls29.py |
| commands/checkpoint.py --out | 'wrote N files' leaves links out | not tested: a count; the listing names each link |
| commands/checkpoint.py names | '..' check dropped | unseen: the next check refuses it too |
| analysis/best.py ties | fewer-evaluated first among equal means | caught by test_best_ties.py |
| analysis/best.py repeats | `parent > 0` for `>= 0` | caught by test_best_table.py |
| analysis/best.py sd | ddof 0 | caught by test_best_api.py |
| analysis/hypervolume.py 2-D area | no running max of the heights | caught by test_compare_hypervolume.py |
| analysis/hypervolume.py reference | best, not worst, value | caught by test_compare_hypervolume.py |
| analysis/hypervolume.py 3-D sweep | a corner of equal first score kept | equivalent: the stale corner has no width |
| analysis/export.py provenance | fresh seeds not sorted by repeat | not tested: serial rows come in repeat order |
| analysis/export.py format | --format csv -o x.parquet not refused | new test 9 |
| plot/compare.py best of means | a leader gone worse keeps the lead | caught by test_compare_repeats.py |
| plot/compare.py compute axis | retries not counted | new test 10 |
| plot/compare.py step curve | last point dropped | new test 11 |
| jobs/dask_chunks.py | uniform test inverted | caught by test_startup_overlap.py |
| jobs/dask_chunks.py slots | threads ignored | caught by test_dask_scale.py |
| jobs/dask_chunks.py task rate | min for max | caught by test_dask_scale.py |
| jobs/warm.py environment | the nanny's values override the user's | new test 12 |
| jobs/warm.py Background | the start's error swallowed | new test 13 |
| foreign.py ConfigSpace hint | 'ConfigSpace.' prefix not dropped | new test 14 |
| foreign.py option hint | hint for an option the component lacks | caught by test_raytune30.py |
| reevaluate.py ci95 | t(0.95): a 90 % interval | new test 15 |
| reevaluate.py selection rank | ranked the other way | new test 16 |

test_initpoints30.py catches by its pin of what each optimizer evaluated before (any change of the random
stream), not by a behaviour: those four mutations would pass a suite without that pin; tests/test_behave31.py
now tests the four behaviours (helper-240).

New tests (below):
1. test_gp_spreads_a_batch_asked_at_once_instead_of_piling_it_on_one_spot
2. test_the_adaptive_schedule_cools_after_many_acceptances_and_warms_after_few
3. test_a_point_does_not_dominate_its_equal
4. test_pb2_explores_where_its_model_knows_least_when_every_learner_improved_alike
5. test_pb2_keeps_the_donors_value_of_a_categorical_parameter
6. test_a_local_step_from_the_lower_bound_is_mirrored_back_not_piled_on_the_bound
7. test_the_good_set_is_a_tenth_of_the_results_at_most_25_as_optunas_rule
8. test_a_damaged_checkpoint_file_is_written_again_when_its_checkpoint_is_stored_again
9. test_export_refuses_a_format_that_the_outputs_suffix_contradicts
10. test_compares_compute_axis_counts_every_attempt_of_a_retried_evaluation
11. test_compares_line_runs_to_the_last_evaluation_though_the_best_stopped_changing
12. test_the_local_backends_workers_keep_the_callers_own_thread_settings
13. test_a_cluster_start_that_failed_in_the_background_raises_its_error_where_it_is_taken
14. test_a_configspace_type_written_with_its_module_says_what_to_write_instead
15. test_the_reevaluation_ci95_is_the_half_width_of_a_95_percent_t_interval
16. test_the_reevaluation_selection_rank_1_is_the_candidate_selection_saw_best
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer_helpers import evaluate, optimizer, sphere_problem


# -- gp: the constant liar ------------------------------------------------------------------------------------------

def test_gp_spreads_a_batch_asked_at_once_instead_of_piling_it_on_one_spot():
    """Six candidates asked at once after twelve results: each pending one is assumed the *worst* score told
    (constant liar), so the next looks elsewhere; no two lie closer than a tenth of the unit square's side on any
    seed (lying the best score piled them up: 0.000-0.06 apart on most seeds)."""
    problem = sphere_problem(2)
    for seed in range(6):
        gp = optimizer("gp", population_size=12, n_startup_trials=12, n_candidates=300)
        state = gp.init(problem, seed)
        first, state = gp.ask(problem, state)
        state = gp.tell(problem, state, first, evaluate(problem, first)[0])
        batch, state = gp.ask(problem, state, 6)
        unit = problem.space.to_unit(batch)
        apart = np.sqrt(((unit[:, None] - unit[None]) ** 2).sum(-1))[np.triu_indices(6, 1)]
        assert apart.min() > 0.1, (seed, apart.min())



# -- Pareto dominance -----------------------------------------------------------------------------------------------

def test_a_point_does_not_dominate_its_equal():
    """``dominates(a, b)`` (l2l.optimizers.pareto, for a plugin optimizer's own selection): at least as good
    everywhere and *strictly* better somewhere, larger is better; an equal point does not dominate (it did, and
    two equal candidates knocked each other off a front)."""
    from l2l.optimizers.pareto import dominates

    assert not dominates(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    assert dominates(np.array([1.0, 2.0]), np.array([1.0, 1.5])) and not dominates(np.array([1.0, 1.5]),
                                                                                     np.array([1.0, 2.0]))
    assert not dominates(np.array([2.0, 1.0]), np.array([1.0, 2.0]))

# -- simulated annealing: the adaptive schedule ---------------------------------------------------------------------

def test_the_adaptive_schedule_cools_after_many_acceptances_and_warms_after_few():
    """cooling_schedule = "adaptive": more than target_acceptance of the proposals accepted multiplies the
    temperature by 1 - a, fewer divides it by 1 - a (the two were swapped: a run that accepted everything heated
    up and never settled)."""
    problem = sphere_problem(2)
    annealing = optimizer("simulated-annealing", cooling_schedule="adaptive", cooling_rate=0.5, temperature=0.1)
    state = annealing.init(problem, 0)
    candidates, state = annealing.ask(problem, state)
    state = annealing.tell(problem, state, candidates, evaluate(problem, candidates)[0])  # the first: all accepted
    assert state["temperature"] == pytest.approx(0.05)
    candidates, state = annealing.ask(problem, state)
    worse = np.full((len(candidates), 1), -1e6)  # far worse than every chain's point: none accepted
    state = annealing.tell(problem, state, candidates, worse)
    assert state["temperature"] == pytest.approx(0.1)


# -- model-based: steps folded back into the cube ------------------------------------------------------------------

def test_a_local_step_from_the_lower_bound_is_mirrored_back_not_piled_on_the_bound():
    """The model-based policy's local steps (and its proposals) near a face of the unit cube fold the part of the
    kernel beyond the face back inside: from a point on the lower bound, a step of width 0.1 lands at |N(0, 0.1)|,
    never on the bound itself (clipped, half the steps landed exactly on it: candidates at the bound again and
    again)."""
    from l2l.policies.parzen import local_step

    rng = np.random.default_rng(0)
    steps = np.array([local_step(np.zeros(3), 0.1, rng) for _ in range(200)])
    assert np.all((steps > 0) & (steps <= 1))
    assert steps.mean() == pytest.approx(0.1 * np.sqrt(2 / np.pi), rel=0.1)


# -- pbt's explore = "pb2" ------------------------------------------------------------------------------------------

class _Trials:
    """The few questions pb2 asks of the trial table: each trial's unit code and its scores by budget."""

    def __init__(self, rows: dict[int, tuple[list[float], dict[float, float]]]):
        self.rows = rows

    def ids(self) -> list[int]:
        return sorted(self.rows)

    def scores_of(self, trial: int) -> dict[float, float]:
        return dict(self.rows[trial][1])

    def failed(self, trial: int) -> bool:
        return False

    def unit_code(self, trial: int) -> np.ndarray:
        return np.asarray(self.rows[trial][0], dtype=float)


def _learners_near_a_tenth(seed: int, more: tuple[float, ...] = ()) -> _Trials:
    """Six learners, all with x in [0.05, 0.15] (and the coordinates ``more``), each improving alike."""
    rng = np.random.default_rng(100 + seed)
    return _Trials({trial: ([0.05 + 0.1 * rng.random(), *more], {1.0: 0.5, 3.0: 0.6, 9.0: 0.7})
                    for trial in range(6)})


def test_pb2_explores_where_its_model_knows_least_when_every_learner_improved_alike():
    """With every learner near x = 0.1 and improving alike, the model expects the same change everywhere, and the
    upper confidence bound (mean + 2 sd) sends the exploiting member where it is least sure: far from them, past
    0.8 on every seed (a lower bound, mean - 2 sd, kept it among them, at 0.1)."""
    from l2l.policies.pb2 import pb2_point

    for seed in range(6):
        point = pb2_point(np.random.default_rng(seed), _learners_near_a_tenth(seed), np.array([0.1]),
                          np.array([False]), 9.0, 27.0)
        assert point[0] > 0.8, (seed, point)


def test_pb2_keeps_the_donors_value_of_a_categorical_parameter():
    """Categorical parameters (and those in ``keep``) keep the donor's values: only the others are moved (the
    categorical one was drawn anew with the rest)."""
    from l2l.policies.pb2 import pb2_point

    for seed in range(4):
        point = pb2_point(np.random.default_rng(seed), _learners_near_a_tenth(seed, (0.75,)), np.array([0.1, 0.75]),
                          np.array([False, True]), 9.0, 27.0)
        assert point[1] == 0.75, (seed, point)


# -- l2l reevaluate's ranking ---------------------------------------------------------------------------------------

def noisy_bowl(params, seed):
    """x . x plus unit Gaussian noise drawn from the seed."""
    x = np.asarray(params["x"], dtype=float)
    return float(x @ x + np.random.default_rng(seed).standard_normal())


@pytest.fixture(scope="module")
def reevaluated(tmp_path_factory):
    """A random search of 6 on a noisy bowl, its 3 best re-evaluated on 3 fresh seeds; the ranking."""
    from pathlib import Path

    import l2l
    from l2l.reevaluate import reevaluate

    data = {"run": {"name": "noisy", "seed": 3, "generations": 1},
            "space": {"x": {"type": "float", "low": -2.0, "high": 2.0, "shape": [2]}},
            "optimizer": {"name": "random", "population_size": 6},
            "simulator": {"name": "python", "function": "test_mutation31:noisy_bowl",
                          "path": str(Path(__file__).resolve().parent)},
            "backend": {"name": "serial"}}
    path = l2l.run(l2l.from_mapping(data), tmp_path_factory.mktemp("reevaluated") / "run.h5", progress=False)
    return path, reevaluate(path, top=3, seeds=3)


def test_the_reevaluation_ci95_is_the_half_width_of_a_95_percent_t_interval(reevaluated):
    """``ci95``: t(0.975, n - 1) standard errors, 2.48 standard deviations for 3 seeds (t(0.95) gave a 90 %
    interval, 1.69 of them: candidates looked told apart that were not)."""
    from scipy import stats

    _, table = reevaluated
    assert list(table["seeds"]) == [3, 3, 3]
    expected = stats.t.ppf(0.975, 2) * table["std"] / np.sqrt(3)
    assert np.allclose(table["ci95"], expected) and np.all(table["ci95"] > 2.4 * table["std"])


def test_the_reevaluation_selection_rank_1_is_the_candidate_selection_saw_best(reevaluated):
    """``selection rank``: 1 for the smallest loss the run saw (the one it would have picked), and so on (ranked
    the other way, the candidate selection thought worst was said to be its pick)."""
    _, table = reevaluated
    by_rank = table.sort_values("selection rank")
    assert list(by_rank["selection rank"]) == [1, 2, 3] and by_rank["selected"].is_monotonic_increasing


# -- the tree-Parzen model's good set -------------------------------------------------------------------------------

def test_the_good_set_is_a_tenth_of_the_results_at_most_25_as_optunas_rule():
    """The model-based policy's density ratio takes the best tenth of its results as the good set, at least 1 and
    at most 25, Optuna's default rule the module cites (at most 10 narrowed it past 100 results)."""
    from l2l.policies.parzen import good_count

    assert [good_count(n) for n in (1, 9, 10, 11, 100, 101, 250, 251, 1000)] == [1, 1, 1, 2, 10, 11, 25, 25, 25]


# -- l2l compare's compute axis -------------------------------------------------------------------------------------

def test_compares_compute_axis_counts_every_attempt_of_a_retried_evaluation():
    """A single-fidelity run with a declared fidelity (9 epochs an evaluation): each evaluation costs its top
    budget per attempt, retries included, as ``l2l show`` counts compute; an evaluation that took 3 attempts moves
    the line by 27 epochs (it moved by 9: the run looked cheaper than it was beside a run without failures)."""
    import pandas as pd

    from l2l.objectives import Objective
    from l2l.plot.compare import curves
    from l2l.plot.data import RunData

    loss = Objective("loss", "minimize")
    frame = pd.DataFrame({"generation": [0, 0, 0], "individual": [0, 1, 2], "x": [0.1, 0.2, 0.3],
                          "loss": [3.0, 2.0, 1.0], "status": ["ok"] * 3, "attempts": [1, 3, 1],
                          "started": pd.to_datetime([0, 1, 2], unit="s", utc=True), "duration": [0.5] * 3})
    run = RunData("retried", frame, (loss,), ["x"], fidelity={"name": "epochs", "unit": "epochs", "rungs": [9.0]})
    line = curves(run, loss, by_compute=True)
    assert line["evaluations"].tolist() == [9.0, 36.0, 45.0] and line["best_by_evaluations"].tolist() == [3, 2, 1]



def test_compares_line_runs_to_the_last_evaluation_though_the_best_stopped_changing():
    """The best-so-far line keeps only the points where it changes, plus the last one: a run whose best came at
    evaluation 2 of 5 is drawn to 5, so runs of different lengths show as such (without the last point the line
    stopped at 2, as if the run had ended there)."""
    import pandas as pd

    from l2l.objectives import Objective
    from l2l.plot.compare import curves
    from l2l.plot.data import RunData

    loss = Objective("loss", "minimize")
    frame = pd.DataFrame({"generation": [0] * 5, "individual": range(5), "x": [0.1, 0.2, 0.3, 0.4, 0.5],
                          "loss": [3.0, 1.0, 2.0, 4.0, 1.5], "status": ["ok"] * 5,
                          "started": pd.to_datetime(range(5), unit="s", utc=True), "duration": [0.5] * 5})
    line = curves(RunData("settled", frame, (loss,), ["x"]), loss)
    assert line["evaluations"].tolist() == [1, 2, 5] and line["best_by_evaluations"].tolist() == [3, 1, 1]
    assert line["seconds"][-1] == pytest.approx(4.5)


# -- l2l export -----------------------------------------------------------------------------------------------------

def test_export_refuses_a_format_that_the_outputs_suffix_contradicts(tmp_path):
    """``--format csv -o x.parquet``: refused in one line naming both, before the trajectory is read (it wrote
    CSV into a file named .parquet, which a Parquet reader then failed on)."""
    from l2l.analysis.export import export
    from l2l.errors import ConfigError

    with pytest.raises(ConfigError, match=r"names a parquet file and .*csv"):
        export(tmp_path / "run.h5", format="csv", out=tmp_path / "x.parquet")
    assert list(tmp_path.iterdir()) == []

# -- the local backend's warm start -------------------------------------------------------------------------------

def test_the_local_backends_workers_keep_the_callers_own_thread_settings(monkeypatch):
    """The fork server of the local backend's workers gets the variables Dask's nanny sets (OMP_NUM_THREADS = 1,
    ...) only where the caller has not set them: a user's OMP_NUM_THREADS = 4 reaches the workers (it was
    overwritten with 1, and a multi-threaded simulation ran on one thread)."""
    from l2l.jobs.warm import _pre_spawn_environment

    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    wanted = _pre_spawn_environment()
    assert wanted["OMP_NUM_THREADS"] == "4" and wanted["MKL_NUM_THREADS"] == "1"


def test_a_cluster_start_that_failed_in_the_background_raises_its_error_where_it_is_taken():
    """The cluster starts in a thread while the run's file is created; its error (a port in use, a bad address)
    is raised by ``result()``, where the executor takes the cluster (it returned None, and the run failed later
    on an attribute of None)."""
    from l2l.jobs.warm import Background

    def start():
        raise OSError("address already in use")

    with pytest.raises(OSError, match="address already in use"):
        Background(start).result()
    assert Background(lambda: "cluster").result() == "cluster"


# -- the folder of large checkpoints ------------------------------------------------------------------------------

def test_a_damaged_checkpoint_file_is_written_again_when_its_checkpoint_is_stored_again(tmp_path):
    """A checkpoint file of the right name but the wrong length (cut short by a copy that was interrupted, a full
    disk) is replaced when the same checkpoint is stored again, so the row that references it reads back
    (it was kept as it was, and reading the checkpoint failed: 'does not match its SHA-256')."""
    from l2l.results_schema.checkpoint_store import CheckpointStore

    content = bytes(range(256)) * 64
    store = CheckpointStore(tmp_path / "run.h5")
    reference = store.put([memoryview(content)])
    (file,) = [p for p in store.root.rglob("*") if p.is_file()]
    file.write_bytes(content[:1000])
    assert store.put([memoryview(content)]) == reference
    assert store.get(reference) == content


# -- other libraries' names -----------------------------------------------------------------------------------------

def test_a_configspace_type_written_with_its_module_says_what_to_write_instead():
    """``type = "ConfigSpace.UniformFloatHyperparameter"`` (the class as imported) is refused with the words for
    the bare class name, as "optuna.distributions.FloatDistribution" is (it was refused with l2l's list alone)."""
    import l2l
    from l2l.errors import ConfigError

    data = {"run": {"seed": 1}, "space": {"x": {"type": "ConfigSpace.UniformFloatHyperparameter", "low": 1e-4,
                                                "high": 1.0}},
            "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}
    with pytest.raises(ConfigError) as error:
        l2l.from_mapping(data)
    assert 'write type = "float" with low and high' in str(error.value), error.value
    assert "\n" not in str(error.value)
