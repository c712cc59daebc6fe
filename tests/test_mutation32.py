"""Behaviours a hand-made mutation of the product (session 32) changed without any test failing.

Round 3 of tests/test_mutation30.py and tests/test_mutation31.py, over other places: the config reader, the
trajectory writer, resume, l2l/own_files.py, the local cluster's TLS, the command simulator, python_sim's signature
detection, the progress bar, show, report, list, submit, slurm-array, the inner loops (lsnn, spore, egru, lsm), the
synthetic multi-fidelity functions, evaluation seeds and the registry's rules. Each mutation was made in a copy of
HEAD and the tests that exercise the module were run (-x). Where a mutation survived and a user would notice, a test
below fails with it and passes without it. 54 mutations in 23 files: 31 caught, 20 survived that a user would notice
and 1 caught only where SLURM runs (the 21 new tests), 3 survived unseen or equivalent. None revealed a defect.

| place | mutation | caught by / new test / why not noticed |
|---|---|---|
| own_files.py refuse_foreign | the folder's own owner taken for the trusted file's | caught by test_security31.py |
| own_files.py open_new | a stale file at the name not removed first | caught by test_security31.py |
| simulators/python.py accepts | `**kwargs` not counted as taking budget/checkpoint | new test 1 |
| simulators/python.py call_to | checkpoint of a function without a checkpoint parameter kept | new test 2 |
| simulators/python.py check_returns | an async generator function taken | new test 3 |
| progress.py move_to | moved by n, not by n minus where the bar is | caught by test_policy_progress.py |
| progress.py postfix | 'best of each' only from three objectives | new test 4 |
| progress.py rate | 2 decimals from 0.01/s up, not from 1/s | new test 5 |
| progress.py total | an overshot compute budget drops the total | caught by test_policy_progress.py |
| registry.py Rule | `ge` checked as `gt` | caught by test_registry.py |
| registry.py Rule | a bound 10x (not 1000x) the lower one split as a cap | caught by test_option_upper_bounds.py |
| registry.py Rule.describe | '>' and '>=' swapped | caught by test_registry.py |
| registry.py did-you-mean | cutoff 0.95 for 0.75 | caught by test_option_typo_suggestion.py |
| functions.py mislead | bias not doubled | caught by test_fidelity_simulators.py |
| functions.py noise | not scaled by t | new test 6 |
| fidelity_functions.py gap_weight | t counted from 0, not from min_budget | new test 7 |
| fidelity_functions.py Hartmann agree | the four weights' signs swapped | new test 8 |
| fidelity_functions.py noise draw | one draw per seed, not per (seed, budget) | new test 9 |
| fidelity_tools.py rng_from_state | the generator's state not restored | caught by test_fidelity_simulators.py |
| lsnn_model.py BPTT | rho dropped from the adaptation's gradient | caught by test_lsnn.py |
| lsnn_model.py forward | (1 - rho) dropped from the adaptation | caught by test_lsnn.py |
| spore.py eligibility | (rho - s) for (s - rho) | caught by test_spore.py |
| spore.py prior | divided by prior_std, not prior_std**2 | new test 10 |
| spore.py PSP | tau_eligibility for tau_psp | caught by test_spore.py |
| egru.py Adam | v not bias-corrected | caught by test_egru_digits.py |
| egru.py theta_min | thresholds not clipped | new test 11 |
| lsm.py readout | tau_m for tau_readout | caught by test_lsm.py |
| config.py run.name | a leading '.' or '-' taken | caught by test_config_fuzz.py |
| config.py objectives | an objective named as a parameter taken | new test 12 |
| config.py run.reevaluate | top = 0 taken | caught by test_reevaluate.py |
| config.py run.out | 'x/' taken | caught by test_traceback_hunt.py |
| config.py run.timeout | no upper limit | caught by test_traceback_hunt.py |
| summary/progress.py ordinal | 13 read '13rd' | new test 13 |
| summary/progress.py candidates | the promoted counted as candidates | caught by test_progress_states_add_up.py |
| summary/progress.py compute | 'at most' also past the budget | new test 14 |
| summary/table.py best_frame | the first row after the last commit skipped | new test 15 |
| analysis/report.py top-budget note | `.all()` for `.any()` | equivalent: ranked() keeps top-budget rows only |
| analysis/report.py front | the first 10, not 25, shown | not tested: the title says how many are shown |
| commands/listing.py | `l2l list optimizers` without the options | caught by test_registry.py |
| driver_state.py evaluation_seed | spawn key (individual, generation) | caught by test_run_target.py |
| driver_state.py count_every_attempt | every attempt added, not the retries | caught by test_retry_compute.py |
| results_schema/writer.py attempts | attempt stored without + 1 | caught by test_retry_compute.py |
| results_schema/writer.py flush | rows flushed before blobs | unseen: readers go by the commit mark, flushed last |
| command.py placeholders | {generation} and {individual} swapped | new test 16 (else a SLURM-only test) |
| command.py quoting | a backtick in double quotes not escaped | caught by test_command_trial122.py |
| command.py write_checkpoint_dir | an earlier link at a file's name followed | new test 17 |
| command.py read_checkpoint_dir | limit checked at twice checkpoint_limit_mb | new test 18 |
| jobs/slurm_array.py _lost | `tries <= retries`: one resubmission more | caught by test_array_resubmit_compute.py |
| jobs/slurm_array.py _lost | DEADLINE recorded as failed, not timeout | new test 19 |
| jobs/slurm_array.py results | submissions not counted | caught by test_array_resubmit_compute.py |
| jobs/array_task.py read_outcome | an unreadable checkpoint left the segment ok | new test 20 |
| jobs/dask_cluster.py local cluster | security=None (no TLS) | caught by test_security31.py |
| commands/slurm.py job script | `--signal=USR1@` without `B:` | caught by test_slurm.py |
| commands/slurm.py job script | stop grace not bounded by signal-seconds - 5 | new test 21 |

New tests (below):
1. test_a_multi_fidelity_function_taking_keyword_arguments_gets_its_budget_and_checkpoint
2. test_a_function_without_a_checkpoint_parameter_restarts_so_its_returned_checkpoint_is_not_kept
3. test_an_async_generator_function_is_refused_as_a_simulator
4. test_the_bar_of_two_objectives_says_their_bests_come_from_different_candidates
5. test_a_rate_below_one_a_second_keeps_two_significant_digits
6. test_a_synthetic_functions_low_fidelity_noise_shrinks_as_the_budget_grows
7. test_a_synthetic_functions_error_is_full_at_its_lowest_budget_and_gone_at_its_highest
8. test_a_hartmann_functions_low_budgets_make_its_optimum_look_worse_not_better_than_it_is
9. test_a_synthetic_functions_noise_is_drawn_anew_at_each_budget
10. test_spores_prior_pulls_theta_to_its_mean_at_the_rate_its_std_squared_gives
11. test_egrus_thresholds_are_kept_at_theta_min_or_above
12. test_an_objective_with_the_name_of_a_parameter_is_refused_as_the_config_loads
13. test_show_counts_the_generation_a_target_stopped_in_as_english_does
14. test_a_sweeps_compute_reads_at_most_its_budget_unless_its_last_segment_went_past_it
15. test_show_ranks_the_first_row_appended_after_the_last_commit
16. test_the_command_simulator_fills_generation_individual_and_seed_where_the_program_reads_them
17. test_a_checkpoint_written_over_an_earlier_ones_link_replaces_the_link_and_leaves_its_target
18. test_a_checkpoint_folder_past_checkpoint_limit_mb_fails_the_evaluation
19. test_a_slurm_array_task_that_ran_out_of_time_is_recorded_as_timed_out
20. test_an_array_tasks_result_whose_new_checkpoint_cannot_be_read_is_a_failed_segment
21. test_submits_stop_grace_ends_before_the_walltime_however_long_it_was_asked
"""

from __future__ import annotations

import numpy as np
import pytest

from l2l.errors import ConfigError
from l2l.simulators.python import CallableSimulator

MULTI_FIDELITY = {"name": "epochs", "minimum": 1, "maximum": 9}


# -- python: what the function's signature takes -------------------------------------------------------------------

def test_a_multi_fidelity_function_taking_keyword_arguments_gets_its_budget_and_checkpoint():
    """``def train(params, seed, **options)`` takes ``budget`` and ``checkpoint`` through ``**options``: accepted
    with a declared fidelity, and given its previous checkpoint (``**kwargs`` not counted as taking them, it was
    refused: "must accept a keyword argument 'budget'")."""
    seen = []

    def train(params, seed, **options):
        seen.append(options)
        start = (options["checkpoint"] or {}).get("epochs", 0)
        return {"value": float(options["budget"] - start)}

    simulator = CallableSimulator(function=train, multi_fidelity=MULTI_FIDELITY)
    simulator.run_to({"x": 0.5}, 1, 3, {"simulator": "python", "budget": 1, "epochs": 1})
    assert seen == [{"budget": 3, "checkpoint": {"simulator": "python", "budget": 1, "epochs": 1}}]


def test_a_function_without_a_checkpoint_parameter_restarts_so_its_returned_checkpoint_is_not_kept():
    """A multi-fidelity function that takes no ``checkpoint`` is restarted at every budget (and counted so): a
    checkpoint it returns anyway is dropped, not stored as if the next segment could continue from it."""
    from l2l.simulators.base import SimulationResult

    def train(params, seed, budget):
        return SimulationResult(objectives={"value": float(budget)}, checkpoint={"epochs": np.array([budget])})

    result = CallableSimulator(function=train, multi_fidelity=MULTI_FIDELITY).run_to({"x": 0.5}, 1, 3, None)
    assert result.objectives == {"value": 3.0} and result.checkpoint is None



def test_an_async_generator_function_is_refused_as_a_simulator():
    """An ``async def`` with ``yield`` returns an async generator, not a result: refused in one line as an async
    function, as a coroutine function and a generator function are (it was taken, and every evaluation failed)."""
    async def train(params, seed):
        yield {"value": 1.0}

    with pytest.raises(ConfigError, match="is an async function, so a call returns a coroutine, not a result"):
        CallableSimulator(function=train)

# -- the progress bar -----------------------------------------------------------------------------------------------

def test_the_bar_of_two_objectives_says_their_bests_come_from_different_candidates():
    """Two objectives' bests are each objective's own best, from different candidates: the bar reads ``best of
    each:`` (as ``best f1=.. f2=..`` it read as one candidate with both values); one objective reads ``best``."""
    from l2l.progress import progress_text

    assert progress_text(3, {"f1": 0.5, "f2": 2.0}, 0) == "gen 3 best of each: f1=0.5 f2=2"
    assert progress_text(3, {"f1": 0.5}, 1) == "gen 3 best f1=0.5 failed 1"


def test_a_rate_below_one_a_second_keeps_two_significant_digits():
    """A slow rate on the bar keeps 2 significant digits (0.034 epochs/s, 0.0017 epochs/s), where 2 decimals
    said 0.03 and 0.00; from one a second up 2 decimals (12.30)."""
    from l2l.progress import per_second_text

    assert [per_second_text(r) for r in (0.034, 0.0017, 0.5, 12.3)] == ["0.034", "0.0017", "0.5", "12.30"]


# -- the synthetic multi-fidelity functions -------------------------------------------------------------------------

def test_a_synthetic_functions_low_fidelity_noise_shrinks_as_the_budget_grows():
    """``fidelity_noise`` is the noise's std at the lowest budget, relative to f(x) - f*, and shrinks with
    t = (max_budget - b) / (max_budget - min_budget): near the top budget the values lie close to f(x). Over five
    seeds, |value - f(x)| / f(x) averages 0.37 at budgets 1-10 and 0.02 at 71-80 with fidelity_noise = 0.5
    (unscaled by t, it stayed 0.34 up to the top budget)."""
    from l2l.simulators import SIMULATORS

    sphere = SIMULATORS.create("sphere", {"multi_fidelity": True, "bias": 0.0, "fidelity_noise": 0.5})
    low, high = [], []
    for seed in range(5):
        curve = np.asarray(sphere.run_to({"a": 1.0, "b": 2.0}, seed, 81, None).curve["value"])
        relative = np.abs(curve[:, 1] - 5.0) / 5.0
        low.extend(relative[:10])
        high.extend(relative[70:80])
        assert curve[-1, 1] == 5.0  # exact at the top budget
    assert np.mean(low) > 0.2 and np.mean(high) < 0.1, (np.mean(low), np.mean(high))


def test_a_synthetic_functions_error_is_full_at_its_lowest_budget_and_gone_at_its_highest():
    """t = 1 at ``min_budget`` and 0 at ``max_budget``: with ``bias = 1`` (no noise) the sphere reads
    f + (f - f*) = 2 f at its lowest budget 27, f at 81, and half-way between at 54 (t measured from 0 instead of
    min_budget, the lowest budget read 1.67 f)."""
    from l2l.simulators import SIMULATORS

    sphere = SIMULATORS.create("sphere", {"multi_fidelity": True, "min_budget": 27, "fidelity_noise": 0.0})
    values = dict(sphere.run_to({"a": 1.0, "b": 2.0}, 0, 81, {"simulator": "sphere", "budget": 26}).curve["value"])
    assert (values[27], values[54], values[81]) == pytest.approx((10.0, 7.5, 5.0))


@pytest.mark.parametrize("name", ["hartmann3", "hartmann6"])
def test_a_hartmann_functions_low_budgets_make_its_optimum_look_worse_not_better_than_it_is(name):
    """'agree' changes the four bumps' weights by bias * w * (0.2, 0.2, -0.2, -0.2), as the docs give it: at the
    lowest budget the minimizer reads above the minimum (-3.78 for -3.86), as the other functions' low budgets
    overestimate the distance to the optimum (the weights' signs swapped, it read -3.94: better than the
    function's own minimum)."""
    from l2l.simulators import SIMULATORS
    from l2l.simulators import fidelity_functions

    minimum, minimizer = getattr(fidelity_functions, f"{name.upper()}_MINIMUM")
    simulator = SIMULATORS.create(name, {"multi_fidelity": True, "fidelity_noise": 0.0})
    params = {f"x{i}": value for i, value in enumerate(minimizer)}
    values = dict(simulator.run_to(params, 0, 81, None).curve["value"])
    assert values[1] > minimum + 0.05 and values[81] == pytest.approx(minimum, abs=1e-4)


def test_a_synthetic_functions_noise_is_drawn_anew_at_each_budget():
    """The low-fidelity noise is a standard normal draw of (seed, budget), independent across budgets: a
    candidate's curve wanders (its scaled deviations have a std near 1 over budgets 1-60), not a fixed offset
    shrinking with t (one draw per seed: std 0)."""
    from l2l.simulators import SIMULATORS

    sphere = SIMULATORS.create("sphere", {"multi_fidelity": True, "bias": 0.0, "fidelity_noise": 0.5})
    for seed in range(4):
        curve = np.asarray(sphere.run_to({"a": 1.0, "b": 2.0}, seed, 60, None).curve["value"])
        t = (81 - curve[:, 0]) / 80
        draws = (curve[:, 1] - 5.0) / (0.5 * t * 5.0)
        assert 0.6 < np.std(draws) < 1.5, (seed, np.std(draws))


# -- spore: the Langevin step's prior -------------------------------------------------------------------------------

def test_spores_prior_pulls_theta_to_its_mean_at_the_rate_its_std_squared_gives():
    """theta <- theta + beta (prior_mean - theta) / prior_std**2 (+ the reward term and the noise, both off here):
    with beta = 0.01 and prior_std = 0.5 each of the 10 updates between 1 and 2 seconds shrinks theta's distance
    to the mean by 1 - 0.04 (divided by prior_std alone, by 1 - 0.02; the default prior_std = 1 hides the
    difference)."""
    from l2l.simulators import SIMULATORS

    spore = SIMULATORS.create("spore", {"duration": 2.0, "min_budget": 1.0})
    params = {"learning_rate": 0.01, "temperature": 0.0, "reward_gain": 0.0, "prior_std": 0.5, "prior_mean": 1.0}
    first = spore.run_to(params, 3, 1.0, None).checkpoint
    second = spore.run_to(params, 3, 2.0, first).checkpoint
    shrunk = (np.asarray(second["theta"]) - 1.0) / (np.asarray(first["theta"]) - 1.0)
    assert shrunk == pytest.approx(np.full(shrunk.shape, 0.96 ** 10), rel=1e-6)


# -- egru: the thresholds' floor ------------------------------------------------------------------------------------

def test_egrus_thresholds_are_kept_at_theta_min_or_above():
    """``theta_min``: the thresholds are clipped to at least it after each update, so with theta_min = 0.3 above
    theta_init = 0.2 every threshold, and their mean, is 0.3 or more after training (unclipped, the mean fell
    below 0.3)."""
    from l2l.simulators import SIMULATORS

    egru = SIMULATORS.create("egru", {"trials": 8, "batch_size": 4, "test_trials": 4, "theta_min": 0.3})
    for seed in range(2):
        assert egru.run({}, seed).metrics["mean_threshold"] >= 0.3 - 1e-12, seed


# -- the config reader ----------------------------------------------------------------------------------------------

def test_an_objective_with_the_name_of_a_parameter_is_refused_as_the_config_loads():
    """Parameters and objectives share one table in ``l2l show``, the exports and l2l.load: an objective named
    as a parameter is refused in one line naming it, before anything runs (without the check, a simulator that
    returns that objective ran with the two columns of one name)."""
    from l2l.config import from_mapping

    config = {"run": {"name": "clash", "generations": 1}, "space": {"loss": {"type": "float", "low": 0, "high": 1}},
              "objectives": [{"name": "loss", "direction": "minimize"}],
              "simulator": {"name": "python", "function": "models_for_tests:with_traces"}}
    with pytest.raises(ConfigError, match="^objective 'loss' has the name of a parameter; rename one$"):
        from_mapping(config)


# -- l2l show -------------------------------------------------------------------------------------------------------

def test_show_counts_the_generation_a_target_stopped_in_as_english_does():
    """'stopped by its target during the 13th' (the progress line of l2l show, watch and the report): 11, 12 and
    13 take 'th' whatever their last digit (the 13rd read oddly)."""
    from l2l.summary.progress import ordinal

    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 111, 113)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "111th", "113th"]


def _sweep_summary(spent: float):
    """What progress_line reads of a sweep's summary (l2l.summary.record.RunSummary): 6 candidates, compute 81."""
    from types import SimpleNamespace

    return SimpleNamespace(planned_evaluations=None, max_time=0, elapsed=None, compute=(spent, 81.0, "epochs"),
                           candidates={"finished": 6, "stopped": 0, "running": 0}, sweep=True, continued_bound=None,
                           evaluations=9, rerun=0, rerun_compute=0.0, unsuccessful=0)


def test_a_sweeps_compute_reads_at_most_its_budget_unless_its_last_segment_went_past_it():
    """A sweep rarely spends its budget, so its line reads 'compute 60 of at most 81 epochs'; one whose last
    segment went past the budget reads 'compute 85 of 81 epochs' (it read 'of at most 81' beside 85)."""
    from l2l.summary.progress import progress_line

    assert "compute 60 of at most 81 epochs" in progress_line(_sweep_summary(60.0), status=False)
    assert "compute 85 of 81 epochs" in progress_line(_sweep_summary(85.0), status=False)


def test_show_ranks_the_first_row_appended_after_the_last_commit(tmp_path):
    """``l2l show`` reads the rows its running statistics kept and every row appended after the last commit (a
    generation interrupted by Ctrl-C): the best candidate there, the first row after the commit, ranks first (that
    row was skipped, and show ranked a worse candidate first)."""
    from l2l.jobs.base import Outcome
    from l2l.objectives import Objective
    from l2l.results_schema import writer as trajectory_writer
    from l2l.results_schema.reader import Trajectory
    from l2l.space import Space
    from l2l.summary.table import best_frame

    path = tmp_path / "run.h5"
    trajectory_writer.create(path, run={"name": "late", "seed": 0, "config": {}, "versions": {}, "host": "h",
                                        "user": "u", "created": "", "optimizer": {"name": "random"},
                                        "simulator": {"name": "f"}, "backend": {"name": "serial"}},
                             space=Space.from_json({"x": {"type": "float", "low": 0.0, "high": 100.0}}),
                             objectives=(Objective("value", "minimize"),), metrics=())
    with trajectory_writer.TrajectoryWriter(path) as writer:
        for generation, values in enumerate(([5.0, 6.0, 7.0, 8.0], [0.5, 9.0])):
            writer.append([Outcome(generation, i, 10 * generation + i, "ok", objectives={"value": v}, started=1e9,
                                   duration=0.1) for i, v in enumerate(values)], [{"x": v} for v in values])
            if generation == 0:  # the second generation is appended, not committed
                writer.commit_generation(0, evaluations=writer.rows, failed=0, started=0.0, finished=1.0,
                                         summary={s: {"value": 5.0} for s in ("best", "median", "worst")},
                                         state={"optimizer": {}, "loop": {"generation": 0}})
    with Trajectory(path) as trajectory:
        frame = best_frame(trajectory, 3)
        assert trajectory.statistics() is not None  # (the path that reads the kept rows and those after them)
        assert sorted(frame["value"])[:3] == [0.5, 5.0, 6.0]


# -- command: the placeholders --------------------------------------------------------------------------------------

def test_the_command_simulator_fills_generation_individual_and_seed_where_the_program_reads_them(tmp_path):
    """``{generation}``, ``{individual}`` and ``{seed}`` reach the program as the evaluation's own (swapped, the
    generation read as the individual; only a SLURM test that runs where SLURM is saw it)."""
    from l2l.simulators import SIMULATORS
    from l2l.simulators.base import EvaluationContext

    command = SIMULATORS.create("command", {
        "argv": ["sh", "-c", 'echo $(( $1 * 100 + $2 * 10 + $3 ))', "sh", "{seed}", "{generation}", "{individual}"],
        "config_dir": str(tmp_path)})
    result = command.evaluate({"x": 0.5}, 17, EvaluationContext(generation=2, individual=5, run_dir=str(tmp_path)))
    assert result.objectives == 1725.0  # seed 17, generation 2, individual 5


def _checkpoint_of(files: dict[str, bytes], links: dict[str, str]) -> dict:
    """A checkpoint as the command simulator stores a checkpoint folder (read_checkpoint_dir's two tables)."""
    def as_array(data: bytes) -> np.ndarray:
        return np.frombuffer(data, dtype=np.uint8).copy()

    return {"files": {name: as_array(data) for name, data in files.items()},
            "links": {name: as_array(target.encode()) for name, target in links.items()}}


def test_a_checkpoint_written_over_an_earlier_ones_link_replaces_the_link_and_leaves_its_target(tmp_path):
    """A checkpoint folder written twice (``l2l checkpoint FILE --out F`` for one checkpoint, then another): where
    the first left a link ``last.ckpt -> epoch1.ckpt`` and the second has a file ``last.ckpt``, the file replaces
    the link, and epoch1.ckpt keeps its bytes (written through the link, the second checkpoint overwrote it)."""
    from l2l.simulators.command import write_checkpoint_dir

    write_checkpoint_dir(tmp_path, _checkpoint_of({"epoch1.ckpt": b"first"}, {"last.ckpt": "epoch1.ckpt"}))
    write_checkpoint_dir(tmp_path, _checkpoint_of({"last.ckpt": b"second"}, {}))
    assert not (tmp_path / "last.ckpt").is_symlink()
    assert (tmp_path / "last.ckpt").read_bytes() == b"second" and (tmp_path / "epoch1.ckpt").read_bytes() == b"first"


def test_a_checkpoint_folder_past_checkpoint_limit_mb_fails_the_evaluation(tmp_path):
    """``checkpoint_limit_mb``: a checkpoint folder holding more is refused with the limit named (at twice the
    limit, a folder 1.5 times its size was taken)."""
    from l2l.errors import EvaluationError
    from l2l.simulators.command import read_checkpoint_dir

    (tmp_path / "a.bin").write_bytes(b"x" * 600)
    (tmp_path / "b.bin").write_bytes(b"y" * 900)
    assert sorted(read_checkpoint_dir(tmp_path, 1500)[0]) == ["a.bin", "b.bin"]  # at the limit: taken
    with pytest.raises(EvaluationError, match="more than checkpoint_limit_mb"):
        read_checkpoint_dir(tmp_path, 1000)


# -- slurm-array: a task that ended without a result ----------------------------------------------------------------

@pytest.mark.parametrize("state, status", [("TIMEOUT", "timeout"), ("DEADLINE", "timeout"), ("FAILED", "failed"),
                                           ("GONE", "failed")])
def test_a_slurm_array_task_that_ran_out_of_time_is_recorded_as_timed_out(tmp_path, state, status):
    """A task SLURM ended at its walltime (TIMEOUT) or at its --deadline (DEADLINE) without writing a result,
    with no resubmission left, is recorded as a timeout, any other end as a failure (DEADLINE was a failure)."""
    from types import SimpleNamespace

    from l2l.jobs import BACKENDS
    from l2l.jobs.base import Task

    executor = BACKENDS.create("slurm-array", {"retries": 0})
    executor._root = tmp_path
    executor._lost(SimpleNamespace(tasks={3: Task(0, 3, 11, {"x": 0.0})}, job_id="77"), 3, state, "None")
    (outcome,) = executor._ready
    assert (outcome.individual, outcome.status) == (3, status)


def test_an_array_tasks_result_whose_new_checkpoint_cannot_be_read_is_a_failed_segment(tmp_path):
    """slurm-array: a task writes its new checkpoint beside its result; one that cannot be read back (damaged on a
    shared file system) makes the segment a failure saying which file, not a success whose candidate would go on
    from scratch unsaid (its status stayed ok, the checkpoint dropped)."""
    from l2l.jobs.array_task import read_outcome, write_outcome
    from l2l.jobs.base import Outcome

    outcome = Outcome(1, 2, 7, "ok", objectives={"value": 0.5}, budget=3.0, from_budget=1.0, trial=4,
                      checkpoint={"simulator": "python", "budget": 3.0, "w": np.arange(3.0)})
    write_outcome(str(tmp_path), 2, outcome)
    assert read_outcome(str(tmp_path), 2).status == "ok"  # as written
    (tmp_path / "2.checkpoint.l2l").write_bytes(b"damaged")
    read = read_outcome(str(tmp_path), 2)
    assert read.status == "failed" and "2.checkpoint.l2l" in read.error and read.checkpoint is None


# -- l2l submit: the job script -------------------------------------------------------------------------------------

def test_submits_stop_grace_ends_before_the_walltime_however_long_it_was_asked(tmp_path, capsys):
    """The job is told to stop ``--signal-seconds`` (60) before its walltime; the loop then gets ``--stop-grace``
    (default 120 s) to commit, but at most signal-seconds - 5 (55 s), and the last resort's interrupt wait what
    is left (3 s), so the job ends before SLURM kills it (unbounded, the shell waited 120 s: past the walltime)."""
    from conftest import write_toml

    from l2l.cli import main

    config = write_toml(tmp_path / "c.toml", {"run": {"name": "outer"}, "space": {"x": {"type": "float", "low": 0,
                                                                                        "high": 1}},
                                              "optimizer": {"name": "random"}, "simulator": {"name": "sphere"}})
    assert main(["submit", str(config), "--dry-run", "--time", "01:00:00", "--signal-seconds", "60"]) == 0
    script = capsys.readouterr().out
    assert "#SBATCH --signal=B:USR1@60" in script
    assert "for _ in $(seq 55); do" in script and "for _ in $(seq 3); do" in script

