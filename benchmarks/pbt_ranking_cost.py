"""The CPU an asynchronous PBT policy spends ranking its population, at policy level, with 100 members.

A replay of ``[policy] name = "pbt"``, ``synchronous = false`` (``interval = 5``, ``max_budget = 40``, ``fraction =
0.25``), in this process with simulated workers and clocks, as tests/test_pbtasync35.py's ``replay`` plays it: member
``k``'s parameter ``x`` (0 best) and its time per epoch are drawn from the run seed (``x`` uniform in [0, 1), time
lognormal(0, 0.5)); a learner's loss falls towards 1, halving its distance every ``1 + 20 x`` epochs, and a member
that copies another goes on from that one's loss. For each run seed (``--seeds``, default 0 and 1), number of
workers (``--workers``, default 2 and 7) and selection (truncation, tournament), it counts the rankings
(``l2l.policies.pbt._ranked``'s calls) and exploits, and times in CPU (``time.process_time``): the rankings alone, and
the policy's decisions (every ``next``, ``launched`` and ``report``, rankings included). ``--index`` asks the table's
questions of the driver's score index (``l2l.policies.base.ScoreIndex``, kept up to date after every change, as the
driver keeps it), which is what a run does; without it they are answered from the trials' dicts, as in tests. The
decisions are summed into a digest (every start, continue, donor and explored code), so that two versions of the
code can be checked to decide the same.

    python benchmarks/pbt_ranking_cost.py [--members 100] [--seeds 0 1] [--workers 2 7] [--index]

prints one line per setting and the totals; the last line is one JSON object. Timings: say the load (printed) and
run it more than once. No target.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import os
import sys
import time
from pathlib import Path

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import l2l.policies.pbt as pbt  # noqa: E402
from l2l.policies import POLICIES, TrialTable, budget_key  # noqa: E402
from l2l.space import Space  # noqa: E402

BUDGETS = [5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0]
CLOCK = {"ranking": 0.0, "rankings": 0}
_ranked = pbt._ranked  # noqa: SLF001


def _timed_ranked(*args, **kwargs):
    start = time.process_time()
    try:
        return _ranked(*args, **kwargs)
    finally:
        CLOCK["ranking"] += time.process_time() - start
        CLOCK["rankings"] += 1


pbt._ranked = _timed_ranked  # noqa: SLF001


def _loss(x: float, start: float, epochs: float) -> float:
    return 1.0 + (start - 1.0) * 0.5 ** (epochs / (1 + 20 * x))


def replay(members: int, workers: int, seed: int, selection: str, index: bool) -> dict:
    """One run; returns its counts, CPU seconds and digest."""
    rng = np.random.default_rng(seed)
    codes, durations = rng.uniform(0.0, 1.0, members), rng.lognormal(0.0, 0.5, members)
    policy = POLICIES.create("pbt", {"population": members, "interval": 5, "max_budget": 40, "fraction": 0.25,
                                     "synchronous": False, "selection": selection})
    space = Space.from_json({"x": {"low": 0.0, "high": 1.0}})
    trials: dict[str, dict] = {}
    loop = {"next_trial": 0, "compute": 0.0}
    scores = None
    if index:
        from l2l.policies.base import ScoreIndex
        scores = ScoreIndex(trials)
    table = TrialTable(trials, None, loop, space, index=scores)
    digest = hashlib.sha256()
    CLOCK.update(ranking=0.0, rankings=0)
    decisions = 0.0
    state = policy.init(BUDGETS, 1, seed)
    losses: dict[int, float] = {}
    origin: dict[int, int] = {}
    clock, events, exploits, count = 0.0, [], 0, 0
    while True:
        while len(events) < workers:
            start = time.process_time()
            action, state = policy.next(state, table)
            decisions += time.process_time() - start
            digest.update(repr((action.kind, action.budget, getattr(action, "trial", None),
                                getattr(action, "parent", None),
                                None if getattr(action, "code", None) is None else [float(c) for c in action.code]))
                          .encode())
            if action.kind in ("wait", "done"):
                break
            if action.kind == "start":
                trial = loop["next_trial"]
                loop["next_trial"] += 1
                parent = action.parent
                code = [float(c) for c in action.code] if action.code is not None else [float(codes[trial])]
                reached = trials[str(parent)]["budget"] if parent >= 0 else 0.0
                trials[str(trial)] = {"code": code, "budget": reached, "scores": {}, "running": True,
                                      "parent": parent}
                losses[trial] = losses[parent] if parent >= 0 else 10.0
                origin[trial] = origin[parent] if parent >= 0 else trial
                exploits += parent >= 0
                if scores is not None:
                    scores.update(trial, trials[str(trial)])
                start = time.process_time()
                state = policy.launched(state, trial, action.budget)
                decisions += time.process_time() - start
            else:
                trial = action.trial
                trials[str(trial)]["running"] = True
            count += 1
            took = (action.budget - trials[str(trial)]["budget"]) * durations[origin[trial]]
            heapq.heappush(events, (clock + took, count, trial, action.budget))
        if not events:
            break
        clock, _, trial, budget = heapq.heappop(events)
        record = trials[str(trial)]
        losses[trial] = _loss(record["code"][0], losses[trial], budget - record["budget"])
        record["scores"] = {**record["scores"], budget_key(budget): -losses[trial]}
        record["budget"], record["running"] = budget, False
        if scores is not None:
            scores.update(trial, record)
        start = time.process_time()
        state = policy.report(state, table, trial, budget, -losses[trial])
        decisions += time.process_time() - start
    final = sorted(-r["scores"][budget_key(40.0)] for r in trials.values() if budget_key(40.0) in r["scores"])
    return {"members": members, "workers": workers, "seed": seed, "selection": selection, "index": index,
            "rankings": CLOCK["rankings"], "exploits": exploits, "ranking_cpu": round(CLOCK["ranking"], 4),
            "decision_cpu": round(decisions, 4), "best": final[0], "worst": final[-1],
            "digest": digest.hexdigest()[:16]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100, help="population (default 100)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="run seeds (default 0 1)")
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 7], help="simulated workers (default 2 7)")
    parser.add_argument("--index", action="store_true", help="answer from the driver's score index, as a run does")
    args = parser.parse_args()
    if args.members < 4 or min(args.workers) < 1:
        parser.error("--members must be at least 4 and --workers at least 1")
    load_before = os.getloadavg()[0]
    rows = []
    for seed in args.seeds:
        for workers in args.workers:
            for selection in ("truncation", "tournament"):
                row = replay(args.members, workers, seed, selection, args.index)
                rows.append(row)
                print(f"seed {seed} workers {workers} {selection:10s}: {row['rankings']} rankings "
                      f"{row['ranking_cpu']:.2f} s, decisions {row['decision_cpu']:.2f} s, {row['exploits']} exploits, "
                      f"final losses {row['best']:.4f}..{row['worst']:.4f}, digest {row['digest']}", flush=True)
    rankings = sum(r["rankings"] for r in rows)
    ranking = sum(r["ranking_cpu"] for r in rows)
    decision = sum(r["decision_cpu"] for r in rows)
    digest = hashlib.sha256("".join(r["digest"] for r in rows).encode()).hexdigest()[:16]
    print(f"{args.members} members, index {'on' if args.index else 'off'}: {rankings} rankings in {ranking:.2f} s of "
          f"CPU ({1000 * ranking / max(rankings, 1):.2f} ms each), decisions {decision:.2f} s, "
          f"{sum(r['exploits'] for r in rows)} exploits, digest {digest}")
    print(json.dumps({"benchmark": "pbt_ranking_cost", "members": args.members, "seeds": args.seeds,
                      "workers": args.workers, "index": args.index, "rankings": rankings,
                      "exploits": sum(r["exploits"] for r in rows), "ranking_cpu": round(ranking, 3),
                      "decision_cpu": round(decision, 3), "digest": digest,
                      "load": [round(load_before, 2), round(os.getloadavg()[0], 2)], "rows": rows,
                      "targets_met": None}))


if __name__ == "__main__":
    main()
