"""The policies' outer loop at a cost per segment that does not grow with the candidates (issue 17).

Commits store a delta of the run state (the trial records that changed, the policy state's changes) instead
of every trial; ASHA and median stopping decide from indexes instead of passing over every trial. What a run
decides must not change: the same segments as the code before, for every policy (fingerprints taken with it:
``python tests/test_policy_loop.py FOLDER`` writes them), and the state a file holds after every commit equals
the whole state.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import l2l
import l2l.driver
from l2l.driver_files import Commits
from l2l.errors import TrajectoryError
from l2l.policies import POLICIES, TrialTable, budget_key
from l2l.results_schema import codec, state_log
from l2l.results_schema.validate import validate

GOLDEN = Path(__file__).parent / "data" / "policy_loop_golden.json"

SPHERE = {"name": "sphere", "multi_fidelity": True}
FAILING = {"name": "python", "function": "models_policy_fixes:mostly_failing",
           "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 27}}

#: name -> (policy table, simulator, compute)
CASES = {
    "asha": ({"name": "asha", "eta": 3}, SPHERE, 1500),
    "asha-failing": ({"name": "asha", "eta": 3}, FAILING, 300),
    "hyperband": ({"name": "hyperband", "eta": 3}, SPHERE, 1500),
    "successive-halving": ({"name": "successive-halving", "eta": 3}, SPHERE, 1000),
    "median-stopping": ({"name": "median-stopping", "eta": 3}, SPHERE, 1500),
    "median-failing": ({"name": "median-stopping", "eta": 3}, FAILING, 300),
    "model-based": ({"name": "model-based", "eta": 3}, SPHERE, 1200),
    "pbt": ({"name": "pbt", "population": 6, "interval": 9}, SPHERE, 1500),
}


#: name -> the compute of the run whose every commit is checked (one commit per segment costs ~10 times the run's
#: own work): enough for more than 10 commits, most of them deltas, and every rung (the failing cases: up to 27)
COMMITTED = {"asha": 500, "asha-failing": 180, "hyperband": 500, "successive-halving": 400, "median-stopping": 900,
             "median-failing": 180, "model-based": 720, "pbt": 1500}


def mapping(case: str, seed: int = 3, compute: float | None = None) -> dict:
    policy, simulator, full = CASES[case]
    return {"run": {"name": case, "seed": seed, "compute": full if compute is None else compute},
            "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [3]}},
            "optimizer": {"name": "random"}, "policy": policy, "simulator": simulator,
            "backend": {"name": "serial"}}


def fingerprint(path) -> dict:
    """What a run decided, row by row: the segments in order (trial, budgets, seed, status, value)."""
    frame = l2l.load(path, segments=True)
    with l2l.Trajectory(path) as trajectory:
        rows = trajectory.rows(("generation", "individual", "seed", "status", "trial", "budget", "from_budget",
                                "parent", "objectives/value"))
    text = json.dumps({k: np.asarray(v).tolist() for k, v in rows.items()}, sort_keys=True)
    return {"segments": int(len(frame)), "trials": int(frame["trial"].nunique()),
            "sha256": hashlib.sha256(text.encode()).hexdigest()}


def _record_full_states(monkeypatch) -> list:
    """Commit after every segment, and keep the whole state of every commit as the code before stored it."""
    full: list = []
    write_pending = Commits.write_pending

    def recording(self):
        if self.pending is not None:  # multi-fidelity commits are written when taken: the trials are as then
            whole = {**self.pending[4], "trials": {k: {**v, "running": False} for k, v in self.trials.items()}}
            full.append(codec.decode(codec.encode(whole)))
        write_pending(self)

    monkeypatch.setattr(l2l.driver, "FLUSH_SECONDS", 0.0)
    monkeypatch.setattr(Commits, "write_pending", recording)
    return full


@pytest.fixture(scope="module")
def made_runs(tmp_path_factory) -> dict:
    """case -> its run at the golden compute, committed as any run is (about once a second: what a run decides
    does not depend on when it commits; the golden fingerprints were taken so), made once for the tests here."""
    return {}


def made_run(made_runs: dict, tmp_path_factory, case: str) -> Path:
    if case not in made_runs:
        made_runs[case] = l2l.run(l2l.from_mapping(mapping(case)), tmp_path_factory.mktemp(case) / "r.h5",
                                  progress=False)
    return made_runs[case]


@pytest.mark.parametrize("case", list(CASES))
def test_every_policy_makes_the_segments_it_made_before(made_runs, tmp_path_factory, case):
    path = made_run(made_runs, tmp_path_factory, case)
    assert fingerprint(path) == json.loads(GOLDEN.read_text())[case]
    assert validate(path) == []


@pytest.mark.parametrize("case", list(CASES))
def test_every_commit_of_every_policy_holds_the_whole_state(tmp_path, monkeypatch, case):
    """A commit after every segment (a smaller compute than the golden run's: the state check is per commit)."""
    full = _record_full_states(monkeypatch)
    path = l2l.run(l2l.from_mapping(mapping(case, compute=COMMITTED[case])), tmp_path / "r.h5", progress=False)
    assert validate(path) == []
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.n_generations == len(full) > 10
        for generation in sorted({*range(0, len(full), max(1, len(full) // 12)), len(full) - 1}):
            stored, expected = trajectory.state(generation), full[generation]
            assert stored.pop("hosts")["counts"]  # the session's hosts so far (provenance: l2l.provenance)
            assert stored == expected
            assert list(stored["trials"]) == list(expected["trials"])  # the same order too
    with h5py.File(path, "r") as f:  # most commits were deltas, each far smaller than the whole state
        lengths = f["generations/state_length"][:]
        states = f["blobs/states"]
        kinds = [state_log.is_delta(codec.decode(states[s:s + n])) for s, n in
                 zip(f["generations/state_start"][:], lengths)]
    assert sum(kinds) > len(kinds) / 2
    assert np.median(lengths[np.array(kinds)]) < np.max(lengths) / 4


def test_a_resumed_run_of_deltas_validates_and_equals_an_uninterrupted_run(tmp_path, made_runs, tmp_path_factory):
    from test_multifidelity import comparable_segments, kill_and_resume

    config = l2l.from_mapping(mapping("asha"))
    reference = comparable_segments(l2l.load(made_run(made_runs, tmp_path_factory, "asha"), segments=True))
    path = tmp_path / "killed.h5"
    # (a commit every 20 ms in the child: each round kills; four sessions and the one that finishes are plenty;
    # that one finishes in this process, committing as a run does, not in a child committing every 20 ms)
    kills = kill_and_resume(config, path, np.random.default_rng(11), max_delay=0.05, rounds=4, finish_here=True)
    assert kills >= 2
    assert validate(path) == []
    assert comparable_segments(l2l.load(path, segments=True)).equals(reference)
    with l2l.Trajectory(path) as trajectory:  # every session (a resume too) starts its chain with a whole state
        generations, events = trajectory.n_generations, trajectory.events()
        assert trajectory.state()["loop"]["next_trial"] == reference["trial"].max() + 1
    # a resumed session's first commit is the row numbered by its 'resumed' event's generation (a session killed
    # before its first commit has none, and the next one starts at the same row)
    firsts = {0} | {json.loads(d)["generation"] for d in events.loc[events["kind"] == "resumed", "detail"]}
    firsts = sorted(g for g in firsts if g < generations)
    assert [g for g in firsts if state_log.is_delta(_stored(path, g))] == []
    assert any(state_log.is_delta(_stored(path, g)) for g in range(generations))  # a run of deltas it is


def _stored(path, row: int):
    with h5py.File(path, "r", libver="latest", swmr=True, locking=False) as f:
        start, length = int(f["generations/state_start"][row]), int(f["generations/state_length"][row])
        return codec.decode(f["blobs/states"][start:start + length])


def test_a_file_of_schema_version_2_with_whole_states_stays_valid_and_resumes_writing_whole_states(
        tmp_path, monkeypatch):
    import l2l.results_schema.files as files

    monkeypatch.setattr(l2l.driver, "FLUSH_SECONDS", 0.0)  # a commit per segment
    config = l2l.from_mapping({**mapping("asha"), "run": {"name": "v2", "seed": 3, "compute": 200}})
    with monkeypatch.context() as patch:  # created as l2l wrote files before schema version 3
        patch.setattr(files, "SCHEMA_VERSION", 2)
        path = l2l.run(config, tmp_path / "v2.h5", progress=False)
    assert validate(path) == []
    l2l.resume(path, compute=400)
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.schema_version == 2
        for generation in range(trajectory.n_generations):
            assert not state_log.is_delta(_stored(path, generation))
    assert validate(path) == []


def test_a_delta_in_a_file_of_schema_version_2_or_a_broken_chain_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(l2l.driver, "FLUSH_SECONDS", 0.0)  # a commit per segment: deltas from the second on
    path = l2l.run(l2l.from_mapping(mapping("asha", compute=100)), tmp_path / "d.h5", progress=False)
    with h5py.File(path, "r+") as f:
        f.attrs["schema_version"] = 2
    assert any("needs schema version 3" in p for p in validate(path))
    with h5py.File(path, "r+") as f:
        f.attrs["schema_version"] = 3
        start, length = int(f["generations/state_start"][2]), int(f["generations/state_length"][2])
        delta = codec.decode(f["blobs/states"][start:start + length])
        assert state_log.is_delta(delta)
        broken = np.frombuffer(codec.encode({**delta, "policy": [[["nowhere", 3], "append", [1]]]}), "u1")
        f["blobs/states"].resize((f["blobs/states"].shape[0] + len(broken),))
        f["blobs/states"][-len(broken):] = broken
        f["generations/state_start"][2] = f["blobs/states"].shape[0] - len(broken)
        f["generations/state_length"][2] = len(broken)
    problems = validate(path)
    assert len(problems) == 1 and "does not exist" in problems[0], problems
    with l2l.Trajectory(path) as trajectory, pytest.raises(TrajectoryError, match="does not exist"):
        trajectory.state(2)


@pytest.mark.parametrize("old, new", [
    ({"a": [1, 2], "b": {"c": 1}}, {"a": [1, 2, 3], "b": {"c": 1, "d": [4]}}),
    ({"rungs": [[1], [2]], "x": 1.5}, {"rungs": [[1], [2, 5]], "x": float("nan")}),
    ({"a": [1, 2, 3], "k": {"p": 1, "q": 2}}, {"a": [3, 2], "k": {"q": 2, "p": 1}}),
    ({"a": [np.arange(3)], "s": "x"}, {"a": [np.arange(4)], "s": "y", "n": None}),
    ([1, 2], {"now": "a dict"}),
])
def test_a_policy_state_delta_rebuilds_the_new_state_with_its_key_order(old, new):
    ops = state_log.diff(old, new)
    rebuilt = state_log.apply(codec.decode(codec.encode(old)), codec.decode(codec.encode(ops)))
    assert codec.encode(rebuilt) == codec.encode(new)  # equal, NaN and key order included


def _random_table(rng, n: int, budgets, failing: float):
    trials = {}
    for t in range(n):
        reached = budgets[int(rng.integers(0, len(budgets)))]
        scores = {budget_key(b): float(rng.normal()) for b in budgets if b <= reached}
        trials[str(t)] = {"code": [0.0], "budget": reached, "scores": scores, "running": False,
                          "ok": bool(rng.random() > failing)}
    return trials


@pytest.mark.parametrize("seed", range(3))
def test_median_stopping_index_gives_the_median_of_every_other_successful_score(seed):
    rng = np.random.default_rng(seed)
    budgets = [1.0, 3.0, 9.0, 27.0]
    trials = _random_table(rng, 60, budgets, failing=0.2)
    table = TrialTable(trials)
    policy = POLICIES.create("median-stopping", {"min_trials": 1})
    state = policy.init(budgets, 1, seed)
    for step in range(200):  # trials report one after the other, their scores and status changing
        trial = int(rng.integers(0, 60))
        record = trials[str(trial)]
        budget = budgets[min(budgets.index(record["budget"]) + 1, len(budgets) - 2)]
        record["scores"] = {**record["scores"], budget_key(budget): float(rng.normal())}
        record["budget"], record["ok"] = budget, bool(rng.random() > 0.2)
        before = len(state["stopped"])
        state = policy.report(state, table, trial, budget, record["scores"][budget_key(budget)])
        others = [r["scores"][budget_key(budget)] for t, r in trials.items() if int(t) != trial
                  and budget_key(budget) in r["scores"] and not (not r["ok"] and r["budget"] == budget)]
        stopped = not record["ok"] or bool(others) and record["scores"][budget_key(budget)] < np.median(others)
        assert (len(state["stopped"]) > before) == stopped, step


def _reference_asha_next(policy, state, trials):
    """ASHA's decision as the code before the index made it: a sort of every rung (tests only)."""
    from l2l.policies.base import Action, survivors

    budgets = state["budgets"]
    for rung in range(len(budgets) - 2, -1, -1):
        top = int(len(state["rungs"][rung]) / policy.eta + 1e-9)
        if top == 0:
            continue
        for trial in survivors(trials, budgets[rung], state["rungs"][rung], top):
            if trial not in state["promoted"][rung]:
                return Action("continue", budgets[rung + 1], trial)
    return Action("start", budgets[0])


@pytest.mark.parametrize("seed", range(4))
def test_asha_decides_as_a_sort_of_every_rung_with_restarts_failures_and_ties(seed):
    """Segments that restart from scratch rewrite a candidate's scores at lower rungs, failures rank last,
    equal scores rank by id: ASHA's index follows all of it (checked against the sort, decision by decision)."""
    rng = np.random.default_rng(seed)
    budgets = [1.0, 3.0, 9.0, 27.0, 81.0]
    policy = POLICIES.create("asha", {"eta": 3})
    state = policy.init(budgets, 1, seed)
    trials: dict[str, dict] = {}
    table = TrialTable(trials)
    running: list[tuple[int, float]] = []
    for step in range(500):
        while len(running) < 3:
            action, after = policy.next(state, table)
            assert action == _reference_asha_next(policy, state, table), step
            state = after
            if action.kind == "start":
                trial = len(trials)
                trials[str(trial)] = {"code": [0.0], "budget": 0.0, "scores": {}, "running": True, "ok": True}
            else:
                trial = action.trial
                trials[str(trial)]["running"] = True
            running.append((trial, action.budget))
        trial, budget = running.pop(int(rng.integers(0, len(running))))  # any order of completion
        record = trials[str(trial)]
        ok = bool(rng.random() > 0.1)
        scores = {budget_key(budget): float(rng.integers(0, 5))}  # few values: many ties
        if ok and rng.random() < 0.3:  # restarted from scratch: its curve rewrites the lower rungs
            scores.update({budget_key(b): float(rng.integers(0, 5)) for b in budgets if b < budget})
        record.update(scores={**record["scores"], **scores}, budget=budget, running=False, ok=ok)
        state = policy.report(state, table, trial, budget, scores[budget_key(budget)])
    assert sum(len(p) for p in state["promoted"]) > 30


def main(folder: str) -> None:
    """Run every case into ``folder`` and write the fingerprints (done once, with the code before)."""
    out = {}
    for case in CASES:
        path = Path(folder) / f"{case}.h5"
        if path.exists():
            path.unlink()
        l2l.run(l2l.from_mapping(mapping(case)), path, progress=False)
        out[case] = fingerprint(path)
        print(case, out[case], flush=True)
    GOLDEN.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp")
