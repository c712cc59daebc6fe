"""Behaviours a hand-made mutation of the product (session 33) changed without any test failing.

Round 4 of tests/test_mutation30.py to tests/test_mutation32.py, over the places a user depends on that those did not
mutate: the optimizers not mutated yet, Pareto dominance, the stop request, the sessions' time, hosts and backends,
where the analysis commands write, l2l watch's sparkline, the rank agreement, provenance, run.initial_points, the PBT
policy, the curves, lineage, data and compare plots, the main guard, Dask's logs and environment, l2l run --dry-run
and the other libraries' names. Each mutation was made in a copy of HEAD and the tests that exercise the place were
run (-x; on a machine at load 15-25, the test files that name the place, not every file that imports the module).
Where a mutation survived and a user would notice, a test below fails with it and passes without it. 63 mutations
in 31 files: 20 caught, 40 survived that a user would notice (each fails one of the 36 new tests below), 3
survived unseen or equivalent. None revealed a defect.

| place | mutation | caught by / new test / why not noticed |
|---|---|---|
| optimizers/kalman.py update | `J gamma I` as `gamma I` in the ensemble-space solve | caught by test_behave31.py |
| optimizers/kalman.py inflation | the spread scaled by `inflation`, not `1 + inflation` | new test 1 |
| optimizers/grid.py levels | an int of k values given k - 1 levels | new test 31 |
| optimizers/annealing.py adaptive | cools after few acceptances (`<` for `>`) | caught by test_mutation31.py |
| optimizers/annealing.py swap | parallel tempering's swap exponent reversed | caught by test_optimizer_batches.py |
| optimizers/gradient.py adam | the first moment not bias-corrected | new test 2 |
| optimizers/gradient.py classic | steps scaled by this gradient, not the largest so far | new test 3 |
| optimizers/nsga.py tell | a failure's NaN kept, not made -inf | equivalent: finite_columns ranks NaN as -inf |
| optimizers/surrogate.py backoff | the model waits 2 x gap, not 2 x gap + 1 | new test 4 |
| optimizers/cross_entropy.py | the temperature never decays | new test 5 |
| optimizers/cross_entropy.py FACE | the elite threshold lowered after a worse generation | new test 32 |
| optimizers/evolution_strategies.py | weight decay pushes the mean away from its start | new test 6 |
| optimizers/evolution_strategies.py nes | step sizes updated by z^2, not z^2 - 1 | equivalent: utilities sum to 0 |
| optimizers/gaussian_process.py | a stopped candidate not capped below the complete | caught by test_partial31.py |
| optimizers/auto.py row 3 | exactly half discrete coordinates not Nevergrad's | new test 7 |
| optimizers/nevergrad.py done | done after budget + 1 evaluations, not budget | new test 8 |
| objectives.py dominates | equal rows dominate each other | new test 9 |
| objectives.py pareto_front_mask | a row equal to a front row dropped | caught by test_show_scale.py |
| objectives.py did you mean | 'min' (three letters) given no hint | caught by test_optuna29.py |
| control.py request_stop | a second request overwrites the first reason | new test 10 |
| control.py request_stop | a stop asked between two runs forgotten | new test 11 |
| analysis/sessions.py active_seconds | a pause counted from the first sign of life | new test 12 |
| analysis/sessions.py hosts_line | hosts left out of the event not counted | new test 13 |
| analysis/sessions.py backend_text | options diffed though one was dropped | new test 14 |
| analysis/outputs.py check_output | a dangling link at the output taken | new test 15 |
| analysis/watch.py sparkline | taller blocks for larger values of a minimized objective | new test 16 |
| analysis/watch.py refresh | a policy run's best so far as a running max | new test 35 |
| analysis/agreement.py interval | standard error with n - 2, not n - 3 | new test 17 |
| analysis/agreement.py frame | a trial that continued trial 0's checkpoint counted | new test 18 |
| analysis/agreement.py sweep_line | ranks counted from 0 | caught by test_persona32.py |
| provenance.py killed_hosts | an earlier session's counts taken as the killed one's | new test 19 |
| provenance.py time_line | a session without an end counted as ended | new test 20 |
| provenance.py changed_versions | an entry the session lacks not recorded as none | new test 21 |
| provenance.py command_files | the Python running l2l hashed as the model | new test 22 |
| provenance.py model_imports | 'capped' said of every model | caught by test_prov29.py |
| initial_points.py _value | an int at its low bound refused | new test 23 |
| initial_points.py parse | a point given twice taken | new test 23 |
| policies/pbt.py truncation | every member below the top exploits | caught by test_policy_loop.py |
| policies/pbt.py tournament | the worse of the two drawn taken as the donor | new test 28 |
| policies/pbt.py decide | exploits queued after the members that continue | caught by test_pbt.py |
| policies/pbt.py explore | a log parameter perturbed linearly | caught by test_pbt.py |
| plot/curves.py value_range | diverged values kept in the y range | caught by test_curves_range.py |
| plot/curves.py off_axes | above and below swapped | caught by test_curves_axis_legend.py |
| plot/curves.py failed starts | the point at the checkpoint's budget left out | caught by test_ux22c_curves_failed.py |
| plot/curves.py lineages | a piece's point at its start budget kept | unseen: a continued curve starts above it |
| plot/lineage.py best | min and max swapped | caught by test_pbt28.py |
| plot/lineage.py schedules | the worst final learner drawn as the best | new test 36 |
| plot/data.py pareto_mask | a tie in the second column kept on the front | caught by test_analysis.py |
| plot/data.py sample_for_scatter | the earliest of equals drawn first, not last | new test 24 |
| plot/compare.py _settled | a run settled at its first point found at its second | new test 25 |
| plot/compare.py _changes | the last point dropped (the line ends early) | new test 25 |
| plot/compare.py best_of_means | a leader whose mean got worse kept | caught by test_compare_repeats.py |
| jobs/main_guard.py | a call in an `async def` taken as unguarded | new test 26 |
| jobs/main_guard.py | `if __name__ != "__main__":` taken as the guard | new test 26 |
| jobs/dask_logs.py | a variable the user changed meanwhile put back | caught by test_envleak29.py |
| jobs/dask_logs.py filter | records at the clusters' level dropped too | new test 33 |
| jobs/signals.py | SIGTERM no longer a stop request | caught by test_ctrl_c.py |
| jobs/worker_signals.py | a local worker not ignoring SIGINT | new test 34 |
| commands/dry_run.py | 'run.evaluations stops it at 80' of 80 | new test 27 |
| commands/dry_run.py | pbt's optimizer said not to be used | new test 27 |
| foreign.py option_hint | a hint for an option the component lacks | caught by test_dehb30.py |
| foreign.py option_hint | n_trials answered as model-based's for every policy | new test 29 |
| parent_death.py spawn | a program not found given to setpriv (exit 127) | new test 30 |

New tests (below):
1. test_enkfs_inflation_widens_the_updated_ensemble_around_its_mean
2. test_gradient_descents_first_adam_step_is_the_learning_rate_in_every_coordinate
3. test_classic_gradient_descent_steps_shrink_as_the_gradient_flattens
4. test_cmaes_quadratic_asks_its_model_again_after_1_then_3_cma_es_candidates
5. test_the_cross_entropy_temperature_decays_every_generation
6. test_es_weight_decay_pulls_the_mean_back_towards_its_start
7. test_auto_takes_nevergrad_where_half_the_coordinates_are_discrete
8. test_nevergrad_is_done_after_its_budget_of_evaluations
9. test_a_point_does_not_dominate_its_equal
10. test_a_second_stop_request_keeps_the_reason_of_the_first
11. test_a_stop_requested_between_two_runs_stops_the_next_one
12. test_a_pause_between_sessions_starts_at_the_last_sign_of_life_before_the_resume
13. test_the_hosts_line_counts_the_hosts_an_event_left_out
14. test_the_backend_line_names_every_option_of_a_resume_that_dropped_one
15. test_a_dangling_link_at_an_output_path_is_not_overwritten_unasked
16. test_watchs_sparkline_is_taller_for_a_better_value_either_way
17. test_the_agreement_interval_uses_the_standard_error_of_n_minus_3_pairs
18. test_the_agreement_leaves_out_a_trial_that_continued_trial_0s_checkpoint
19. test_a_killed_sessions_hosts_are_its_own_not_an_earlier_sessions
20. test_the_time_line_counts_a_session_without_an_end_apart
21. test_a_resume_records_a_version_entry_it_has_not_as_none
22. test_the_python_running_a_command_is_not_hashed_as_the_model
23. test_initial_points_take_an_int_at_its_bound_and_refuse_a_point_given_twice
24. test_the_scatter_draws_the_earliest_of_equal_bests_last
25. test_compares_best_so_far_keeps_its_last_point_and_where_it_settled
26. test_the_main_guard_knows_async_functions_and_the_guards_comparison
27. test_the_dry_run_says_what_caps_a_run_and_who_proposes_under_pbt
28. test_pbts_tournament_takes_the_better_of_the_two_members_it_draws
29. test_optunas_n_trials_is_answered_as_the_policy_at_hand_has_it
30. test_a_program_that_cannot_be_found_is_not_started_through_setpriv
31. test_grid_search_tries_every_value_of_an_int_with_fewer_values_than_points
32. test_faces_elite_threshold_never_falls
33. test_a_local_clusters_critical_log_records_still_reach_the_screen
34. test_a_local_worker_ignores_ctrl_c
35. test_watch_draws_a_policy_runs_best_so_far_as_the_objective_improves
36. test_the_schedules_plot_draws_the_best_final_learner_in_black
"""

from __future__ import annotations

import json
import math
import os
import sys
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.space import Space


def _bounded(dimension: int, direction: str = "maximize") -> Problem:
    return Problem(Space.from_json({"x": {"type": "float", "low": 0.0, "high": 1.0, "shape": [dimension]}}),
                   (Objective("f", direction),))


def _unbounded(dimension: int) -> Problem:
    return Problem(Space.from_json({"w": {"default": 0.0, "scale": 1.0, "shape": [dimension]}}), (Objective("f"),))


# -- the optimizers -------------------------------------------------------------------------------------------------

def test_enkfs_inflation_widens_the_updated_ensemble_around_its_mean():
    """``inflation``: 'relative spread added to the ensemble around its mean after each update': inflation = 0.5
    leaves the mean as it is and every member 1.5 times as far from it as without (scaled by 0.5, not 1.5, the
    ensemble collapsed faster the more it was inflated)."""
    problem = _unbounded(3)
    after = {}
    for inflation in (0.0, 0.5):
        enkf = OPTIMIZERS.create("enkf", {"ensemble_size": 20, "gamma": 0.04, "sigma": 0.2, "inflation": inflation})
        state = enkf.init(problem, 4)
        x, state = enkf.ask(problem, state)
        state = enkf.tell(problem, state, x, -np.sum(x ** 2, axis=1), outputs=x)
        after[inflation], _ = enkf.ask(problem, state)
    plain, inflated = after[0.0], after[0.5]
    assert inflated.mean(axis=0) == pytest.approx(plain.mean(axis=0))
    assert inflated - inflated.mean(axis=0) == pytest.approx(1.5 * (plain - plain.mean(axis=0)))


def _linear_moves(options: dict, slopes: list[float]) -> list[np.ndarray]:
    """How far gradient-descent's point moves in each generation on the scores slope * (x . c), one slope each."""
    problem = _bounded(3)
    c = np.array([1.0, -2.0, 0.5])
    descent = OPTIMIZERS.create("gradient-descent", {"learning_rate": 0.01, **options})
    state = descent.init(problem, 0)
    moves = []
    for slope in slopes:
        before = state["point"].copy()
        x, state = descent.ask(problem, state)
        state = descent.tell(problem, state, x, (slope * x @ c)[:, None])
        moves.append(state["point"] - before)
    return moves


def test_gradient_descents_first_adam_step_is_the_learning_rate_in_every_coordinate():
    """Adam's moments are bias-corrected, so its first step is ``learning_rate`` along the sign of the gradient in
    every coordinate, as Adam's paper has it (uncorrected, the first step was 3.16 times as long: 0.1 g / sqrt(0.001
    g^2))."""
    (move,) = _linear_moves({"method": "adam"}, [1.0])
    assert move == pytest.approx(0.01 * np.sign([1.0, -2.0, 0.5]), rel=1e-4)


def test_classic_gradient_descent_steps_shrink_as_the_gradient_flattens():
    """``classic``: x += learning_rate * g / G with G the largest gradient norm estimated so far: a gradient ten
    times flatter than the first gives a step ten times shorter (G the gradient's own norm, every step was
    learning_rate long)."""
    first, second = _linear_moves({"method": "classic"}, [10.0, 1.0])
    assert np.linalg.norm(first) == pytest.approx(0.01, rel=1e-4)
    assert np.linalg.norm(second) == pytest.approx(0.001, rel=1e-4)


def test_cmaes_quadratic_asks_its_model_again_after_1_then_3_cma_es_candidates():
    """After a model proposal that did not improve on the best result, CMA-ES gets 1, 3, 7, ... candidates before
    the model is asked again (the module's docstring): asked one at a time, the model proposes at the asks 0, 2 and
    6 (waiting 2 x gap candidates, at 0, 2 and 5)."""
    problem = _bounded(2)
    optimizer = OPTIMIZERS.create("cmaes-quadratic", {"population_size": 40})
    rng = np.random.default_rng(1)
    x, state = optimizer.ask(problem, optimizer.init(problem, 0), 20)  # results enough for the model at once
    state = optimizer.tell(problem, state, x, rng.random((20, 1)))
    proposals: list[int] = []
    for ask in range(8):
        x, state = optimizer.ask(problem, state, 1)
        if state["proposals"] > len(proposals):
            proposals.append(ask)
        worst = proposals and proposals[-1] == ask  # the model's proposal never improves
        state = optimizer.tell(problem, state, x, np.full((1, 1), -1e9) if worst else rng.random((1, 1)))
    assert proposals[:3] == [0, 2, 6]


def test_the_cross_entropy_temperature_decays_every_generation():
    """The elites' weights sharpen as the temperature is multiplied by ``temperature_decay`` every generation:
    4 x 0.5^3 after three (without the decay it stayed 4, and every elite weighed about the same for the whole
    run)."""
    problem = _bounded(2)
    method = OPTIMIZERS.create("cross-entropy", {"population_size": 10, "temperature": 4.0, "temperature_decay": 0.5})
    state = method.init(problem, 0)
    for _ in range(3):
        x, state = method.ask(problem, state)
        state = method.tell(problem, state, x, x.sum(axis=1)[:, None])
    assert state["temperature"] == pytest.approx(0.5)


def test_es_weight_decay_pulls_the_mean_back_towards_its_start():
    """``weight_decay``: 'L2 pull of the mean towards the start point': on flat scores an sgd step moves the mean
    back by learning_rate x weight_decay of its distance from the start (its sign flipped, the mean ran away)."""
    problem = _unbounded(3)
    es = OPTIMIZERS.create("es", {"population_size": 8, "update": "sgd", "fitness_shaping": False,
                                  "weight_decay": 0.5, "learning_rate": 0.2})
    state = es.init(problem, 0)
    x, state = es.ask(problem, state)
    state = es.tell(problem, state, x, x.sum(axis=1)[:, None])  # uphill along (1, 1, 1)
    moved = state["mean"] - state["start"]
    assert np.linalg.norm(moved) > 0.01
    x, state = es.ask(problem, state)
    state = es.tell(problem, state, x, np.zeros((len(x), 1)))  # flat: the decay alone moves the mean
    assert state["mean"] - state["start"] == pytest.approx((1 - 0.2 * 0.5) * moved)


def test_auto_takes_nevergrad_where_half_the_coordinates_are_discrete():
    """``auto``'s row 3: 'half or more of the coordinates are ints/categoricals' picks Nevergrad's NGOpt: a float
    and an int take it (half alone fell through to tpe)."""
    from l2l.optimizers.auto import _nevergrad_installed

    if not _nevergrad_installed():  # (without importing it: seconds)
        pytest.skip("needs nevergrad beside a numpy it runs with")
    problem = Problem(Space.from_json({"x": {"type": "float", "low": 0.0, "high": 1.0},
                                       "n": {"type": "int", "low": 1, "high": 8}}), (Objective("f"),))
    name, _, row = OPTIMIZERS.create("auto").choose(problem)
    assert (name, row) == ("nevergrad", 3)


def test_nevergrad_is_done_after_its_budget_of_evaluations():
    """``budget``: 'evaluations the run will spend': with budget 6 the optimizer is done once 6 candidates were
    asked (after 7, it asked a third generation of 3: 9 evaluations, past the budget NGOpt was told)."""
    problem = _bounded(2, "minimize")
    optimizer = OPTIMIZERS.create("nevergrad", {"budget": 6, "population_size": 3})
    # (the state as init makes it, without init, which imports Nevergrad: seconds)
    state = {"seed": 0, "events": np.empty(0, dtype=np.int64), "losses": np.empty(0)}
    assert not optimizer.done(problem, {**state, "codes": np.zeros((5, 2))})
    assert optimizer.done(problem, {**state, "codes": np.zeros((6, 2))})


def test_a_point_does_not_dominate_its_equal():
    """``l2l.optimizers.pareto.dominates(a, b)``: at least as good everywhere and better somewhere; two equal
    points do not dominate each other (they did, where 'somewhere' took >=)."""
    from l2l.optimizers.pareto import dominates

    assert dominates(np.array([2.0, 1.0]), np.array([1.0, 1.0]))
    assert not dominates(np.array([1.0, 1.0]), np.array([1.0, 1.0]))


# -- the stop request -----------------------------------------------------------------------------------------------

def test_a_second_stop_request_keeps_the_reason_of_the_first():
    """SLURM sends USR1 before the walltime and TERM at it: the run stopped for the first, and its ``stopped``
    event says so (the second request's reason replaced the first)."""
    from l2l.control import RunControl

    control = RunControl()
    control.request_stop("signal SIGUSR1")
    control.request_stop("signal SIGTERM")
    assert control.stop_reason == "signal SIGUSR1"


def test_a_stop_requested_between_two_runs_stops_the_next_one():
    """One handle for ``l2l.run`` then ``l2l.resume``: the stop the first run honoured ends with it, but a stop
    requested after it ended is the next run's (forgotten as the next run started, the resume ran on unstopped)."""
    from l2l.control import RunControl

    control = RunControl()
    control.run_starts()
    control.request_stop("signal SIGUSR1")
    control.run_ends()  # the first run honoured it
    control.request_stop("requested")  # asked between the two
    control.run_starts()
    assert control.stop_requested and control.stop_reason == "requested"


# -- sessions: time, hosts, backends --------------------------------------------------------------------------------

def test_a_pause_between_sessions_starts_at_the_last_sign_of_life_before_the_resume():
    """A run started at 0 whose evaluations finished at 10 and 20 s, resumed at 100 s, that finished one more at
    110 s ran 30 s: the pause is 20 to 100 (from the first sign of life, 10 to 100, the run read 20 s)."""
    from l2l.sessions import active_seconds

    done = np.array([10.0, 20.0, 110.0])
    assert list(active_seconds(done, 0.0, [0.0, 100.0], ["started", "resumed"], done)) == [10.0, 20.0, 30.0]


def test_the_hosts_line_counts_the_hosts_an_event_left_out():
    """An event that held only some hosts records how many it left out (``more_hosts``); l2l show's hosts line
    counts them with those past the eighth named: 'and 3 more hosts' for 9 named and 2 left out (it said 1)."""
    from l2l.sessions import hosts_line

    hosts = {f"node{i:02d}": 10 - i for i in range(9)}
    line = hosts_line([{"session": 1, "ended": "finished", "hosts": hosts, "more_hosts": 2}])
    assert line.endswith("node07 (3) and 3 more hosts")


def test_the_backend_line_names_every_option_of_a_resume_that_dropped_one():
    """A resume on the same backend names the options that changed; one that dropped an option names all of its
    own (diffed, it read 'local (resumed, session 2)', as if nothing had changed)."""
    from l2l.sessions import backend_text

    text = backend_text({"name": "local", "workers": 2, "threads_per_worker": 2}, ["resumed"],
                        [json.dumps({"backend": {"name": "local", "workers": 2}})])
    assert text == "local workers=2 threads_per_worker=2 (created), local workers=2 (resumed, session 2)"


# -- the analysis commands ------------------------------------------------------------------------------------------

def test_a_dangling_link_at_an_output_path_is_not_overwritten_unasked(tmp_path):
    """``l2l report/export/plot --output``: a link at the path, even one to nowhere, is a file there: refused
    without ``--force`` (taken, the report replaced the user's link unasked)."""
    from l2l.analysis.outputs import check_output

    link = tmp_path / "report.html"
    link.symlink_to(tmp_path / "gone.html")
    with pytest.raises(ConfigError, match="already exists"):
        check_output(link)
    assert check_output(link, force=True) == link


def test_watchs_sparkline_is_taller_for_a_better_value_either_way():
    """l2l watch's 'per gen.' line: 'taller: better' for a minimized objective too (its falling loss drew a falling
    line)."""
    from l2l.analysis.watch import sparkline

    assert sparkline(np.array([3.0, 2.0, 1.0]), Objective("loss", "minimize")) == "▁▅█"
    assert sparkline(np.array([3.0, 2.0, 1.0]), Objective("accuracy", "maximize")) == "█▅▁"


def test_the_agreement_interval_uses_the_standard_error_of_n_minus_3_pairs():
    """The 90 % interval l2l show prints beside a rung's rank correlation: Fisher's z with standard error
    sqrt(1.06 / (n - 3)): 0.5 of 10 pairs reads [-0.09, 0.83] (with n - 2, [-0.05, 0.81]: too sure)."""
    from l2l.analysis.agreement import interval

    low, high = interval(0.5, 10)
    half = 1.6448536269514722 * math.sqrt(1.06 / 7)
    assert (low, high) == pytest.approx((math.tanh(math.atanh(0.5) - half), math.tanh(math.atanh(0.5) + half)))
    assert (round(low, 2), round(high, 2)) == (-0.09, 0.83)


def test_the_agreement_leaves_out_a_trial_that_continued_trial_0s_checkpoint():
    """A candidate that went on from another's checkpoint (run.inherit) is no independent candidate, whoever its
    parent: one that continued trial 0 is left out of the pairs (``parent <= 0`` counted it: 7 pairs, not 6)."""
    from l2l.analysis.agreement import agreement_frame

    rows = []
    for trial in range(7):
        parent = 0 if trial == 6 else -1
        for budget, value in ((1.0, trial), (9.0, trial * (1 if trial % 2 else 1.5))):
            rows.append({"trial": trial, "budget": budget, "status": "ok", "loss": float(value), "parent": parent})
    frame = pd.DataFrame(rows)
    trajectory = SimpleNamespace(run={"fidelity": {"rungs": [1.0, 9.0]}, "config": {"policy": {"name": "asha"}}},
                                 objectives=[Objective("loss")], multi_fidelity=True, path="run.h5",
                                 evaluations=lambda **options: frame[options["columns"]])
    assert list(agreement_frame(trajectory)["pairs"]) == [6]


# -- provenance -----------------------------------------------------------------------------------------------------

def test_a_killed_sessions_hosts_are_its_own_not_an_earlier_sessions():
    """A resume records the hosts of the session before it that was killed, from the run state's counts of that
    session; counts of an earlier session (killed before its first commit, the state is the session before's) are
    not its (taken, l2l show counted the earlier session's evaluations twice)."""
    from l2l.provenance import killed_hosts

    records = [{"session": 1, "ended": "finished"}, {"session": 2}]
    assert killed_hosts(records, {"hosts": {"session": 1, "counts": {"vm": 4}}}) is None
    assert killed_hosts(records, {"hosts": {"session": 2, "counts": {"vm": 3}}}) == {"session": 2, "hosts": {"vm": 3}}


def test_the_time_line_counts_a_session_without_an_end_apart():
    """l2l show's time line: a session killed without an event that ended it is counted apart, not guessed: '30.0 s
    of wall time in 1 session; 1 more without an end ...' (it read 'in 2 sessions', the killed one's time left
    out unsaid)."""
    from l2l.provenance import time_line

    t = pd.Timestamp("2026-12-06 10:00:00")
    events = pd.DataFrame({"time": [t, t + pd.Timedelta(seconds=100), t + pd.Timedelta(seconds=130)],
                           "kind": ["started", "resumed", "finished"], "detail": ["{}"] * 3})
    assert time_line(SimpleNamespace(events=lambda: events)) == \
        "30.0 s of wall time in 1 session; 1 more killed (no event ended it) not counted"
    # the last session without an end may be running still; one followed by another was killed (session 41)
    running = events.iloc[:2]
    assert time_line(SimpleNamespace(events=lambda: running)) == \
        "0.0 s of wall time in 0 sessions; 2 more without an end not counted (1 killed; the last killed, or running)"
    assert time_line(SimpleNamespace(events=lambda: events.iloc[[0]])) == \
        "0.0 s of wall time in 0 sessions; 1 more without an end (killed, or running) not counted"


def test_a_resume_records_a_version_entry_it_has_not_as_none(monkeypatch):
    """A run created from a git checkout records ``l2l_source``; a resume from an installed l2l, which has none,
    records it as None, so l2l show says 'l2l_source ... -> none' (left out, the resume seemed to run the same
    code)."""
    from l2l import provenance

    monkeypatch.setattr(provenance, "versions", lambda: {"l2l": "0.2.0", "python": "3.11.7"})
    assert provenance.changed_versions({"l2l": "0.2.0", "python": "3.11.7", "l2l_source": "1a94daf"}) == \
        {"versions": {"l2l_source": None}}
    assert provenance.changed_versions({"l2l": "0.2.0", "python": "3.11.7"}) == {}


def test_the_python_running_a_command_is_not_hashed_as_the_model(tmp_path):
    """A ``command`` simulator's model is the files its argv names, not the programs: ``[sys.executable,
    "train.py"]`` records train.py alone (the Python binary was hashed as the model's code too)."""
    from l2l.model_code import command_files

    (tmp_path / "train.py").write_text("print(1)\n")
    found = command_files([sys.executable, "train.py", "--epochs", "{budget}"], str(tmp_path))
    assert [where for where, _ in found] == [os.path.realpath(tmp_path / "train.py")]


def test_initial_points_take_an_int_at_its_bound_and_refuse_a_point_given_twice():
    """run.initial_points: an int's bounds are inclusive (n = 1 of [1, 8] was refused as outside it), and a point
    given twice is refused in one line naming both (taken, it was evaluated twice)."""
    from l2l.initial_points import parse

    space = Space.from_json({"x": {"type": "float", "low": 0.0, "high": 1.0},
                             "n": {"type": "int", "low": 1, "high": 8}})
    assert parse([{"x": 0.0, "n": 1}, {"x": 1.0, "n": 8}], space) == ({"x": 0.0, "n": 1}, {"x": 1.0, "n": 8})
    with pytest.raises(ConfigError, match=r"^run.initial_points\[2\] is the same point as run.initial_points\[0\]"):
        parse([{"x": 0.5, "n": 2}, {"x": 0.25, "n": 2}, {"x": 0.5, "n": 2}], space)


# -- the plots ------------------------------------------------------------------------------------------------------

def test_the_scatter_draws_the_earliest_of_equal_bests_last():
    """The scatter panels draw the rows worst first; of equal values the earliest comes last, on top: the best
    the figure's title names (the first of equals) is the point seen (the latest of equals was on top)."""
    from l2l.plot.data import sample_for_scatter

    frame = pd.DataFrame({"loss": [1.0, 3.0, 1.0, 2.0]})
    assert list(sample_for_scatter(frame, Objective("loss")).index) == [1, 3, 2, 0]


def test_compares_best_so_far_keeps_its_last_point_and_where_it_settled():
    """l2l compare's best-so-far keeps only where the curve changes, and its last point: the line reaches the run's
    last evaluation (dropped, it ended at the last improvement); a run whose first result was its best 'found at'
    that one (it read the second point)."""
    from l2l.plot.best_so_far import _changes, _settled

    x, best = _changes(np.arange(1, 6), np.array([3.0, 2.0, 2.0, 2.0, 2.0]))
    assert list(x) == [1, 2, 5] and list(best) == [3.0, 2.0, 2.0] and _settled(best) == 1
    x, best = _changes(np.arange(1, 6), np.full(5, 0.5))
    assert list(x) == [1, 5] and _settled(best) == 0


# -- the main guard, the dry run ------------------------------------------------------------------------------------

def test_the_main_guard_knows_async_functions_and_the_guards_comparison():
    """The local backend refuses a script that calls l2l at import time: a call inside ``async def`` runs only when
    called (it was refused), and ``if __name__ != "__main__":`` is no guard (it was taken as one)."""
    from l2l.jobs.main_guard import unguarded_line

    source = "import l2l\nasync def main():\n    l2l.run('c.toml')\nl2l.run('c.toml')\n"
    assert not unguarded_line(source, 3) and unguarded_line(source, 4)
    source = ("import l2l\nif __name__ != '__main__':\n    l2l.run('c.toml')\nif __name__ == '__main__':\n"
              "    l2l.run('c.toml')\n")
    assert unguarded_line(source, 3) and not unguarded_line(source, 5)


def test_the_dry_run_says_what_caps_a_run_and_who_proposes_under_pbt():
    """``l2l run --dry-run``: 'run.evaluations stops it at N' only where N is below the generations' evaluations
    (it said so of 80 of 80); under pbt the optimizer draws the first population, so it is named, not 'optimizer
    ... is not used' (as it is under model-based)."""
    from l2l.commands.dry_run import _evaluations, proposer

    components = SimpleNamespace(policy=None, schedule=None, optimizer=SimpleNamespace(population_size=8))
    assert _evaluations(SimpleNamespace(generations=10, evaluations=80), components) == \
        " (80 evaluations: 8 a generation)"
    assert _evaluations(SimpleNamespace(generations=10, evaluations=50), components) == \
        " (80 evaluations: 8 a generation; run.evaluations stops it at 50)"
    components = SimpleNamespace(policy=SimpleNamespace(proposes=True), optimizer=SimpleNamespace())
    config = SimpleNamespace(optimizer=SimpleNamespace(name="random"), policy=SimpleNamespace(name="pbt"))
    assert proposer(config, components) == "random"
    config.policy.name = "model-based"
    assert proposer(config, components) == "model-based (optimizer 'random' is not used)"


# -- pbt, the other libraries' names, the programs a run starts -----------------------------------------------------

def test_pbts_tournament_takes_the_better_of_the_two_members_it_draws():
    """``selection = "tournament"``: the donor is 'the better of two members drawn at random from the upper half':
    of four members the upper half is the best two, and the best of them is drawn every time (the worse of the two
    was taken)."""
    from l2l.policies import POLICIES

    pbt = POLICIES.create("pbt", {"selection": "tournament"})
    scores = {10: 4.0, 11: 3.0, 12: 2.0, 13: 1.0}
    assert {pbt._donor(np.random.default_rng(seed), [10, 11, 12, 13], [10], scores) for seed in range(5)} == {10}


def test_optunas_n_trials_is_answered_as_the_policy_at_hand_has_it():
    """``n_trials`` in a [policy] table is refused with l2l's name for it: ``max_candidates`` of the halving
    policies; only model-based, which has no candidate budget, is told about run.compute (every policy was)."""
    from l2l.foreign import option_hint

    assert option_hint("n_trials", ["eta", "max_candidates", "min_budget"]).startswith(
        "Optuna's n_trials is max_candidates here")
    assert option_hint("n_trials", ["eta", "refine_fraction"]).startswith("model-based proposes candidates until")


def test_a_program_that_cannot_be_found_is_not_started_through_setpriv(monkeypatch):
    """Where no guard runs, a program is started by ``setpriv --pdeathsig KILL -- ...``; one that cannot be found is
    started as it is, so subprocess raises the FileNotFoundError it always did (through setpriv, the evaluation
    failed with exit status 127)."""
    from l2l import parent_death

    monkeypatch.setattr(parent_death, "guard", lambda: None)
    monkeypatch.setattr(parent_death, "setpriv", lambda: "/usr/bin/setpriv")
    assert parent_death.spawn(["no-such-program-l2l-33"])[0] == ["no-such-program-l2l-33"]
    assert parent_death.spawn(["sh", "-c", "true"])[0] == \
        ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "sh", "-c", "true"]


def test_grid_search_tries_every_value_of_an_int_with_fewer_values_than_points():
    """An int of 1..3 under ``points = 5`` takes 'at most this many' levels: all three values (it got 1 and 3,
    and n = 2 was never tried)."""
    problem = Problem(Space.from_json({"n": {"type": "int", "low": 1, "high": 3}}), (Objective("f"),))
    grid = OPTIMIZERS.create("grid", {"points": 5})
    points, _ = grid.ask(problem, grid.init(problem, 0))
    assert [problem.space.decode(row)["n"] for row in points] == [1, 2, 3]


def test_faces_elite_threshold_never_falls():
    """FACE grows a generation until ``min_elites`` samples beat the elite threshold, which only rises: after a
    generation of 100-103 (threshold 102) a worse one of 0-3 leaves it at 102 (it fell to 2, and the next
    generation stopped growing at its first samples)."""
    problem = _bounded(2)
    face = OPTIMIZERS.create("face", {"min_population_size": 4, "max_population_size": 4, "min_elites": 3})
    state = face.init(problem, 0)
    thresholds = []
    for scores in ([100.0, 101.0, 102.0, 103.0], [0.0, 1.0, 2.0, 3.0]):
        x, state = face.ask(problem, state)
        state = face.tell(problem, state, x, np.array(scores)[:, None])
        thresholds.append(state["threshold"])
    assert thresholds == [102.0, 102.0]


def test_a_local_clusters_critical_log_records_still_reach_the_screen():
    """While a local backend's cluster lives, distributed's stream handlers print the records at its level
    (CRITICAL) or above alone; after it closed, everything again (the filter took '>' for '>=': nothing at all)."""
    import io
    import logging

    from l2l.jobs import dask_logs

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger, parent = logging.getLogger("distributed.l2l_test_mutation33"), logging.getLogger("distributed")
    logger.setLevel(logging.DEBUG)  # (whatever level another test left distributed's logger at)
    parent.addHandler(handler)
    try:
        dask_logs.clusters_quiet(logging.CRITICAL)
        try:
            logger.error("an error while the cluster lives")
            logger.critical("a critical record")
        finally:
            dask_logs.cluster_closed(logging.CRITICAL)
        logger.error("after the cluster")
    finally:
        parent.removeHandler(handler)
    assert stream.getvalue().splitlines() == ["a critical record", "after the cluster"]


def test_a_local_worker_ignores_ctrl_c(monkeypatch):
    """Ctrl-C reaches the local backend's workers too: each ignores SIGINT (Dask's preload hook), so the run stops
    cleanly without a screen of the workers' tracebacks (the hook only moved stdout)."""
    import signal

    from l2l.jobs import worker_signals

    calls: list = []
    monkeypatch.setattr(worker_signals, "stdout_to_stderr", lambda: calls.append("stdout to stderr"))
    monkeypatch.setattr(worker_signals.signal, "signal", lambda *handler: calls.append(handler))
    worker_signals.dask_setup(None)
    assert calls == [(signal.SIGINT, signal.SIG_IGN), "stdout to stderr"]


def test_watch_draws_a_policy_runs_best_so_far_as_the_objective_improves(monkeypatch, tmp_path):
    """l2l watch of a policy run draws, after each commit, the best so far at the top budget: a minimized loss's
    3, -, 2, 4 read 3, 3, 2, 2 (a running maximum of the loss drew 3, 3, 3, 4: its worst so far). The file's
    reader and the summary stand in for a run's."""
    from l2l.analysis import watch

    class File:  # what a refresh reads of a policy run's file
        objectives = [Objective("loss")]
        n_generations = 4

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def generations(self):
            return pd.DataFrame({"loss_best": [3.0, np.nan, 2.0, 4.0], "at_top_budget": [1, 0, 1, 1]})

        def events(self):
            return pd.DataFrame({"kind": ["started"]})

    monkeypatch.setattr(watch, "Trajectory", lambda path: File())
    monkeypatch.setattr(watch, "_best_candidate", lambda trajectory: None)
    monkeypatch.setattr(watch, "summarize", lambda trajectory, previous=None: SimpleNamespace(
        evaluations=8, status="running", last_event_time=None, last_completion=None, started=None, ended=False))
    snapshot = watch.Watcher(tmp_path / "run.h5").refresh()
    assert snapshot.so_far and list(snapshot.best_per_generation) == [3.0, 3.0, 2.0, 2.0]


def test_the_schedules_plot_draws_the_best_final_learner_in_black():
    """``l2l plot FILE --kind schedules``: 'black: best' is the final learner with the lowest loss of a minimized
    objective, 0.3 of 0.3 and 0.4 (sorted the other way, the worst was drawn in black and named the best)."""
    from l2l.plot.data import RunData
    from l2l.plot.lineage import schedules_figure

    segments = pd.DataFrame({
        "trial": [0, 0, 1, 2], "budget": [1.0, 2.0, 1.0, 2.0], "from_budget": [0.0, 1.0, 0.0, 1.0],
        "parent": [-1, -1, -1, 0], "status": ["ok"] * 4, "seed": [1, 1, 2, 3], "generation": [0, 1, 0, 1],
        "loss": [0.5, 0.4, 0.9, 0.3], "lr": [0.1, 0.1, 0.5, 0.12]})
    segments.attrs["objectives"] = [{"name": "loss", "direction": "minimize"}]  # as l2l.load gives them
    run = RunData(name="pbt", frame=segments.drop_duplicates("trial", keep="last"), objectives=(Objective("loss"),),
                  parameters=["lr"], segments=segments, fidelity={"rungs": [1.0, 2.0], "unit": "epochs"})
    assert "2 final learners (black: best, loss = 0.3;" in schedules_figure(run)._suptitle.get_text()
