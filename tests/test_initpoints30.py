"""run.initial_points with the generational optimizers (session 30): ga, cmaes, nsga2, es and the others that
sample whole generations start from known good configurations (the most common warm start in evolutionary
computation), which they refused before. The points are the first members of the first generation, in place of
that many of the optimizer's own (more points than a generation: the next generations' first members), told with
it so that selection keeps the good ones; cmaes, es, nes and cross-entropy start their mean at the first point, and
cmaes clips an injected point's step as CMA-ES does for injected solutions. gradient-descent still refuses
them in one line (nevergrad takes them: test_ngpoints30.py); cmaes-quadratic takes
them through its inner CMA-ES. Runs without points are the runs they were."""

from __future__ import annotations

import os
import signal
import traceback
from pathlib import Path

import numpy as np
import pytest

import l2l
from conftest import comparable, write_toml
from l2l.cli import main
from l2l.initial_points import INJECT_POINTS
from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers._common import Frame
from l2l.optimizers.base import Problem
from l2l.space import Space

TESTS = Path(__file__).resolve().parent

SPACE = {"x": {"low": -2.0, "high": 2.0, "shape": [2]}, "n": {"type": "int", "low": -3, "high": 3}}
POINTS = [{"x": [0.5, -1.0], "n": 3}, {"x": [0.0, 0.0], "n": 0}, {"x": [1.0, 1.0], "n": -2}]
#: Five points: more than a generation of four.
MORE = POINTS + [{"x": [-1.5, 0.25], "n": 1}, {"x": [1.75, -0.5], "n": -1}]
OPTIMUM = {"x": [0.0, 0.0], "n": 0}  # of models_for_tests:quadratic (0)
#: The option that sizes a generation, where it is not population_size.
SIZE = {"face": "min_population_size", "enkf": "ensemble_size", "gradient-descent": "n_random_directions"}
GENERATIONAL = list(INJECT_POINTS)


def config(optimizer: str, points=POINTS, seed: int = 1, generations: int = 3, size: int = 4, **options) -> dict:
    many = optimizer.startswith("nsga")
    function = ("models_for_tests:two_objectives" if many else
                "models_initpoints30:with_outputs" if optimizer == "enkf" else "models_for_tests:quadratic")
    out = {"run": {"seed": seed, "generations": generations},
           "space": SPACE, "optimizer": {"name": optimizer, SIZE.get(optimizer, "population_size"): size, **options},
           "simulator": {"name": "python", "path": str(TESTS), "function": function},
           "backend": {"name": "serial"}}
    if many:
        out["objectives"] = [{"name": "loss", "direction": "minimize"},
                             {"name": "accuracy", "direction": "maximize"}]
    if points is not None:
        out["run"]["initial_points"] = points
    return out


def rows(frame) -> list[dict]:
    """Every row's parameters in the run's order, as the points are written."""
    ordered = frame.sort_values(["generation", "individual"])
    return [{"x": [float(r["x[0]"]), float(r["x[1]"])], "n": int(r["n"])} for _, r in ordered.iterrows()]


def run(tmp_path: Path, data: dict, name: str = "r.h5"):
    return l2l.load(l2l.run(l2l.from_mapping(data), tmp_path / name, progress=False))


@pytest.fixture(scope="module")
def from_points(tmp_path_factory):
    """Each optimizer's run from POINTS (its second point is OPTIMUM), made once for the tests that read it."""
    made: dict[str, Path] = {}

    def path(optimizer: str) -> Path:
        if optimizer not in made:
            made[optimizer] = l2l.run(l2l.from_mapping(config(optimizer)),
                                      tmp_path_factory.mktemp(optimizer) / "r.h5", progress=False)
        return made[optimizer]
    return path


@pytest.mark.parametrize("optimizer", GENERATIONAL)
def test_the_first_rows_are_the_points_in_order_then_the_optimizer_goes_on(from_points, optimizer):
    frame = l2l.load(from_points(optimizer))
    first = frame.sort_values(["generation", "individual"])
    assert rows(frame)[:3] == POINTS
    assert first["generation"].head(3).tolist() == [0, 0, 0]  # the first generation's first members
    assert len(frame) >= 12 and rows(frame)[3] not in POINTS  # the optimizer's own fourth member


@pytest.mark.parametrize("optimizer", ["ga", "cmaes", "nsga2", "es"])
def test_more_points_than_a_generation_fill_the_next_generations_first_members(tmp_path, optimizer):
    frame = run(tmp_path, config(optimizer, points=MORE))
    assert rows(frame)[:5] == MORE
    ordered = frame.sort_values(["generation", "individual"])
    assert ordered[["generation", "individual"]].head(5).values.tolist() == [[0, 0], [0, 1], [0, 2], [0, 3], [1, 0]]
    assert frame.groupby("generation").size().tolist() == [4, 4, 4]


@pytest.mark.parametrize("optimizer", [o for o in GENERATIONAL if not o.startswith("nsga")])
def test_a_known_optimum_given_as_a_point_is_the_runs_best(from_points, optimizer):
    assert POINTS[1] == OPTIMUM  # (the run of the test above: one run for both)
    best = l2l.best(from_points(optimizer))
    assert best.objectives == {"value": 0.0} and (best.generation, best.individual) == (0, 1)


def test_the_ga_keeps_a_known_optimum_in_every_later_generation(tmp_path):
    """Told with the first generation, the optimum is the GA's elite: copied unchanged into every generation."""
    frame = run(tmp_path, config("ga", points=[POINTS[0], OPTIMUM], generations=5))
    for generation in range(1, 5):
        members = rows(frame[frame["generation"] == generation])
        assert OPTIMUM in members, generation


def test_nsga2_keeps_a_dominating_point_among_its_parents(tmp_path):
    """Both objectives of models_for_tests:two_objectives are best at the optimum: a given optimum dominates every
    other candidate, so selection keeps it and its offspring crowd around it: the later generations are nearer it
    than a run without it, over several seeds."""
    def spread(points, seed):
        frame = run(tmp_path, config("nsga2", points=points, seed=seed, generations=4), f"n{seed}{points is None}.h5")
        last = frame[frame["generation"] == 3]
        return float(np.median(last["loss"]))
    given = [spread([OPTIMUM], seed) for seed in range(3)]
    without = [spread(None, seed) for seed in range(3)]
    assert np.mean(given) < 0.5 * np.mean(without), (given, without)


def _cmaes_distances(inject: bool, seeds: range, generations: int = 3, dimension: int = 5) -> np.ndarray:
    """How far cmaes' mean lies from a good point (the optimum of a shifted sphere, far from the middle where the
    search starts) after ``generations``, with the point injected or not, one figure per seed."""
    problem = Problem(Space.from_json({"x": {"type": "float", "low": -2.0, "high": 2.0, "shape": [dimension]}}),
                      (Objective("value"),))
    cmaes = OPTIMIZERS.create("cmaes", {})
    good = np.where(np.arange(dimension) % 2 == 0, 1.5, -1.5)
    target = Frame(problem).to_frame(good)
    out = []
    for seed in seeds:
        state = cmaes.init(problem, seed)
        if inject:
            state = cmaes.inject(problem, state, good[None, :])
        for _ in range(generations):
            candidates, state = cmaes.ask(problem, state)
            state = cmaes.tell(problem, state, candidates, -np.sum((candidates - good) ** 2, axis=1))
        out.append(float(np.linalg.norm(state["mean"] - target)))
    return np.asarray(out)


def test_cmaes_started_from_a_good_point_stays_nearer_it_than_a_search_without_it():
    given, without = _cmaes_distances(True, range(12)), _cmaes_distances(False, range(12))
    assert given.mean() < 0.5 * without.mean(), (given.mean(), without.mean())
    assert (given < without).mean() >= 0.75


def test_cmaes_clips_a_far_injected_points_step_as_cma_es_does():
    """A point injected into a later generation (far from the mean) pulls the mean by about one step at most:
    its step is clipped to sqrt(n) + 2 n / (n + 2) before the update."""
    problem = Problem(Space.from_json({"x": {"type": "float", "low": -100.0, "high": 100.0, "shape": [3]}}),
                      (Objective("value"),))
    cmaes = OPTIMIZERS.create("cmaes", {"sigma": 0.01})
    state = cmaes.init(problem, 1)
    candidates, state = cmaes.ask(problem, state)  # a generation sampled before: the point goes in the next one
    state = cmaes.tell(problem, state, candidates, -np.sum(candidates ** 2, axis=1))
    far = np.array([[100.0, 100.0, 100.0]])
    mean = state["mean"]
    state = cmaes.inject(problem, state, far)
    candidates, state = cmaes.ask(problem, state)
    assert np.array_equal(candidates[0], far[0])
    state = cmaes.tell(problem, state, candidates, np.sum(candidates, axis=1))  # the far point is the best
    limit = np.sqrt(3) + 2 * 3 / 5
    assert 0 < np.linalg.norm(state["mean"] - mean) <= limit * 0.01 * 1.5  # unclipped: about 0.5 * 0.87 / 0.01


@pytest.mark.parametrize("optimizer", ["es", "nes"])
def test_es_keeps_the_evaluated_point_as_its_best_not_its_clipped_step(optimizer):
    problem = Problem(Space.from_json({"x": {"type": "float", "low": -100.0, "high": 100.0, "shape": [3]}}),
                      (Objective("value"),))
    es = OPTIMIZERS.create(optimizer, {"sigma": 0.01})
    state = es.inject(problem, es.init(problem, 1), np.array([[0.0, 0.0, 0.0], [90.0, 90.0, 90.0]]))
    candidates, state = es.ask(problem, state)
    state = es.tell(problem, state, candidates, np.sum(candidates, axis=1))  # the far point is the best
    assert state["best"].tolist() == [90.0, 90.0, 90.0]
    assert np.all(Frame(problem).from_frame(state["mean"]) < 50)  # the update moved by a clipped step


@pytest.mark.parametrize("options, size", [({"noisy": True, "population_size": 4}, 14),  # row 5: cmaes
                                           ({}, 7)])  # row 7: cmaes-quadratic, 4 + 3 ln 3 a generation
def test_auto_takes_the_points_where_the_optimizer_it_picks_does(tmp_path, options, size):
    data = config("cmaes", generations=2)
    data["optimizer"] = {"name": "auto", **options}
    frame = run(tmp_path, data)
    assert rows(frame)[:3] == POINTS and len(frame) == 2 * size


def test_cmaes_quadratic_asked_one_at_a_time_hands_out_the_points_first(tmp_path):
    """run.mode = 'async': one candidate per free worker, each told as it comes; its quadratic model waits."""
    data = config("cmaes-quadratic", points=MORE)
    data["run"] = {**data["run"], "mode": "async", "evaluations": 9}
    del data["run"]["generations"]
    frame = run(tmp_path, data)
    assert rows(frame)[:5] == MORE and len(frame) == 9


def killed_run(data: dict, path: Path, at: int, tmp_path: Path) -> None:
    """``l2l.run`` in a forked child of this process, killed (kill -9) at its ``at``-th evaluation (models_kill26).
    (It was a ``python -c`` process, test_enqueue29's, which spent a second or more of CPU importing l2l.)"""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            os.environ["L2L_KILL26_AT"] = f"{at} {tmp_path / f'calls{at}'}"
            l2l.run(l2l.from_mapping(data), path, progress=False)
        except BaseException:  # noqa: BLE001 - said, then the child ends without the parent's cleanup
            traceback.print_exc()
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status


@pytest.mark.parametrize("optimizer, at", [("cmaes", 3), ("ga", 6)])
def test_a_run_killed_and_resumed_evaluates_no_point_twice_and_equals_the_whole(tmp_path, monkeypatch, optimizer, at):
    """Killed in the first generation (the points') or in the second (its first member the fifth point): the
    resumed run's rows are the uninterrupted run's."""
    data = config(optimizer, points=MORE)
    data["simulator"]["function"] = "models_kill26:sphere"
    monkeypatch.setenv("L2L_KILL26_STEP", "0")
    whole = run(tmp_path, data, "whole.h5")
    killed = tmp_path / "killed.h5"
    killed_run(data, killed, at, tmp_path)
    l2l.resume(killed, progress=False)
    resumed = l2l.load(killed)
    assert comparable(resumed).equals(comparable(whole))
    assert rows(resumed)[:5] == MORE and len(resumed) == 12


@pytest.mark.parametrize("optimizer, said", [
    ({"name": "gradient-descent"}, "run.initial_points: optimizer 'gradient-descent' cannot start from given points; "
                                   "initial points work with optimizer tpe, motpe, gp, random, grid, ga, nsga2"),
])
def test_the_optimizers_that_cannot_take_points_refuse_them_with_exit_2_and_create_nothing(tmp_path, capsys,
                                                                                           optimizer, said):
    data = config("random")
    data["space"] = {"x": {"low": -2.0, "high": 2.0}, "n": SPACE["n"]}  # half discrete: auto's nevergrad row
    data["run"]["initial_points"] = [{"x": 0.5, "n": 1}]
    data["optimizer"] = optimizer
    path = write_toml(tmp_path / "c.toml", data)
    assert main(["run", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert said in err and len(err.splitlines()) == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]


def test_the_optimizers_said_to_take_points_are_those_that_do():
    takes = [name for name in OPTIMIZERS.names() if name != "nevergrad"
             and getattr(OPTIMIZERS.get(name), "takes_initial_points", False)]
    assert sorted(takes) == sorted(INJECT_POINTS)


#: What 2 runs without points of each generational optimizer evaluated, as before session 30: per column, the sum of
#: its values weighted by their rank in (generation, individual) order. These were sha256 hashes of the rows until
#: 6 December (session 35); the rows' last bits depend on the OpenBLAS kernel the CPU selects (Haswell and Sandybridge
#: kernels of one machine gave other hashes for cmaes, cmaes-quadratic, enkf and gradient-descent; an AMD EPYC
#: other hashes than the Intel machines they were made on for cross-entropy and face too), while these sums agree
#: to 2e-13 across kernels: compared to 1e-9, any other point evaluated still shows.
WITHOUT_POINTS = {
    "ga": [{"n": -26.0, "seed": 7.603903455351286e+20, "value": 368.2144936175372, "x[0]": 63.31737271192222, "x[1]": -40.195118498874024},
        {"n": 309.0, "seed": 1.6760105533428935e+21, "value": 1204.7349497132855, "x[0]": -67.63397254694956, "x[1]": 138.25579366099538}],
    "nsga2": [{"accuracy": 52.71541451412911, "loss": 410.75889827310016, "n": -21.0, "seed": 7.603903455351286e+20, "x[0]": 164.2901013037763, "x[1]": -43.76894819435253},
        {"accuracy": 72.95786772137129, "loss": 3224.594081630422, "n": -53.0, "seed": 2.518185296297394e+21, "x[0]": -93.19458454001773, "x[1]": 57.47417700447762}],
    "nsga3": [{"accuracy": 42.81710299538883, "loss": 571.7152831922, "n": -95.0, "seed": 7.603903455351286e+20, "x[0]": -29.308513341612993, "x[1]": -44.09018355061441},
        {"accuracy": 72.95786772137129, "loss": 3224.594081630422, "n": -53.0, "seed": 2.518185296297394e+21, "x[0]": -93.19458454001773, "x[1]": 57.47417700447762}],
    "cmaes": [{"n": 14.0, "seed": 7.603903455351286e+20, "value": 298.5255761349176, "x[0]": 31.82984587747148, "x[1]": 16.072090871289635},
        {"n": 73.0, "seed": 1.701276433550933e+21, "value": 1522.7112046446464, "x[0]": -600.2905702134419, "x[1]": 150.24369152958337}],
    "cmaes-quadratic": [{"n": 10.0, "seed": 7.603903455351286e+20, "value": 301.93537799018975, "x[0]": 38.61444593690985, "x[1]": 13.897548998028908},
        {"n": 259.0, "seed": 1.6528913067787553e+21, "value": 912.916866831749, "x[0]": -112.7728990890742, "x[1]": 84.6329301553776}],
    "es": [{"n": 27.0, "seed": 7.603903455351286e+20, "value": 197.8545269205416, "x[0]": -41.81255688115748, "x[1]": 78.82103893667613},
        {"n": -157.0, "seed": 2.096466356756389e+21, "value": 1538.3040742392418, "x[0]": -496.2442024474606, "x[1]": 117.31555614377555}],
    "nes": [{"n": 15.0, "seed": 7.603903455351286e+20, "value": 636.9652391232521, "x[0]": 24.12037764335507, "x[1]": 37.53362347532973},
        {"n": -34.0, "seed": 1.701276433550933e+21, "value": 1306.0094222431533, "x[0]": -463.13686947879455, "x[1]": 77.31957249760056}],
    "cross-entropy": [{"n": 37.0, "seed": 7.603903455351286e+20, "value": 159.76093336547288, "x[0]": 34.994844122027274, "x[1]": -0.14318491257959298},
        {"n": 102.0, "seed": 1.6760105533428935e+21, "value": 1700.185978995226, "x[0]": -636.6438438736246, "x[1]": 152.65558574613468}],
    "face": [{"n": 37.0, "seed": 7.603903455351286e+20, "value": 159.76093336547288, "x[0]": 34.994844122027274, "x[1]": -0.14318491257959298},
        {"n": 131.0, "seed": 1.6760105533428935e+21, "value": 1719.8110285095468, "x[0]": -633.4773356276603, "x[1]": 152.75014160125627}],
    "simulated-annealing": [{"n": -130.0, "seed": 7.603903455351286e+20, "value": 783.390625162144, "x[0]": 8.239187536745817, "x[1]": 10.470296209935022},
        {"n": -15.0, "seed": 2.0955949643217943e+21, "value": 1517.690530632129, "x[0]": -548.3536397391482, "x[1]": 249.01105994945308}],
    "parallel-tempering": [{"n": -186.0, "seed": 7.603903455351286e+20, "value": 1196.72034684898, "x[0]": -36.60282783508872, "x[1]": 47.776085075612514},
        {"n": -199.0, "seed": 2.0955949643217943e+21, "value": 2663.5769275479515, "x[0]": -356.19458985051006, "x[1]": 151.76388387400732}],
    "enkf": [{"n": -1.0, "seed": 7.603903455351286e+20, "value": 42.82365590779655, "x[0]": -2.7703758794495075, "x[1]": 3.895876152317508},
        {"n": 208.0, "seed": 2.2544133113832617e+21, "value": 1542.0411617350137, "x[0]": -89.08489482491619, "x[1]": 39.22661682695113}],
    "gradient-descent": [{"n": 0.0, "seed": 1.0423230315260193e+21, "value": 8.313698206665329, "x[0]": 22.722833290666326, "x[1]": -24.91655867786557},
        {"n": 110.0, "seed": 2.0955949643217943e+21, "value": 1434.44288873714, "x[0]": -520.1253978162051, "x[1]": 245.60642591617884}],
}


def fingerprint(frame) -> dict[str, float]:
    """Per column of parameters, objectives and seeds: its values weighted by their rank (1, 2, ...) and summed."""
    columns = [c for c in frame.columns if c.startswith(("x[", "n", "value", "loss", "accuracy", "seed"))]
    ordered = frame.sort_values(["generation", "individual"])
    weights = np.arange(1, len(ordered) + 1, dtype=float)
    return {c: float(np.dot(weights, ordered[c].to_numpy(dtype=float))) for c in sorted(columns)}


@pytest.mark.parametrize("optimizer", GENERATIONAL + ["gradient-descent"])
def test_runs_without_points_evaluate_what_they_did_before(tmp_path, optimizer):
    """Three generations, and a budget small enough for the start-up design (run.evaluations = 30)."""
    generations = config(optimizer, points=None, size=6)
    budget = config(optimizer, points=None, seed=2)
    del budget["run"]["generations"]
    budget["run"]["evaluations"] = 30
    budget["optimizer"].pop(SIZE.get(optimizer, "population_size"))  # sized by default: the design
    got = [fingerprint(run(tmp_path, generations, "g.h5")), fingerprint(run(tmp_path, budget, "b.h5"))]
    want = WITHOUT_POINTS[optimizer]
    assert [sorted(g) for g in got] == [sorted(w) for w in want]
    for g, w in zip(got, want):
        assert g == pytest.approx(w, rel=1e-9, abs=1e-9), (optimizer, g, w)
