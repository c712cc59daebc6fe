"""Where the model-based policy's compute goes, and what its variants choose, from kept benchmark runs.

Reads the ``--keep`` folders of ``benchmarks/multifidelity.py`` (runs of this version keep each segment's trial
and the trials' roles: probes, repeats, local steps of the endgame, and the compute at which the endgame started)
and prints, per problem and folder (one folder per set of ``--model-based-options``):

* the share of the compute spent on candidates stopped below the top budget (halving brackets' losers), on
  candidates that reached the top budget (probes; survivors of halving brackets), on repeats of the chosen
  candidate before the endgame, on the endgame's race (repeats) and on its local steps;
* how many distinct candidates got a top-budget result, how many results the final choice rests on, the rung
  agreement the policy measured, and the compute fraction at which its endgame started;
* the chosen candidate's honest quality after a third of the compute and at the end (mean ± SE over seeds), paired
  by seed against a reference method's final quality (full-fidelity TPE) and against the defaults' folder.

Honest qualities come from the folders' ``truth-*.json`` files (never computed here). Last line: one JSON object.

    python benchmarks/mf_compute_split.py --problem egru --seeds 10..24 --reference D --folders D,E0,R1 \\
        --root /tmp/k --out split.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mf_paired import seed_list, truth  # noqa: E402
from peers.mf_problems import SPECS, Problem  # noqa: E402
from peers.mf_report import chosen, standard_error  # noqa: E402

PARTS = ("stopped below the top", "probes (to the top)", "halving survivors (to the top)", "repeats before the endgame",
         "endgame race (repeats)", "endgame local steps")


def load(folder: Path, name: str, method: str, seed: int) -> dict | None:
    path = folder / f"{name}-{method}-{seed}.json"
    if not path.exists():
        return None
    result = json.loads(path.read_text())
    result["log"] = [(spent, budget, value, tuple(key)) for spent, budget, value, key in result["log"]]
    return result


def split(problem: Problem, result: dict) -> dict:
    """One model-based run's compute by part (shares of the problem's compute) and its counts."""
    log, roles = result["log"], result["roles"]
    top = float(problem.max_budget)
    trials = roles["trial"]
    probes, repeats, local = set(roles["probes"]), set(roles["repeats"]), set(roles["local"])
    began = roles.get("endgame_from")
    reached = {t for t, (_, budget, _, _) in zip(trials, log) if budget >= top}
    parts = dict.fromkeys(PARTS, 0.0)
    third = dict.fromkeys(PARTS, 0.0)  # the same, of the first third of the compute
    before = 0.0
    for trial, (spent, budget, _, _) in zip(trials, log):
        cost, before = spent - before, spent
        early = max(0.0, min(spent, problem.compute / 3) - (spent - cost))
        in_endgame = began is not None and spent - cost >= began - 1e-9
        if trial in local:
            part = "endgame local steps"
        elif trial in repeats:
            part = "endgame race (repeats)" if in_endgame else "repeats before the endgame"
        elif trial not in reached:
            part = "stopped below the top"
        elif trial in probes:
            part = "probes (to the top)"
        else:
            part = "halving survivors (to the top)"
        parts[part] += cost / problem.compute
        third[part] += early / (problem.compute / 3)
    final, at_third = chosen(problem, log, (1.0, 1 / 3))
    results_of_final = sum(1 for _, budget, value, key in log if key == final and budget >= top and np.isfinite(value))
    results_at_third = sum(1 for spent, budget, value, key in log if key == at_third and budget >= top
                           and np.isfinite(value) and spent <= problem.compute / 3 + 1e-9)
    candidates = {key for _, budget, _, key in log if budget >= top}
    candidates_third = {key for spent, budget, _, key in log if budget >= top and spent <= problem.compute / 3 + 1e-9}
    return {"parts": parts, "parts_third": third, "top_candidates": len(candidates),
            "top_candidates_third": len(candidates_third), "third_on_one_result": results_at_third <= 1,
            "candidates": len(set(trials) - repeats),
            "final_results": results_of_final, "endgame_from": None if began is None else began / problem.compute,
            "agreement": result.get("agreement")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problem", required=True, help="one problem, e.g. egru")
    parser.add_argument("--seeds", required=True, help="seeds: 10..24 or 10,11")
    parser.add_argument("--root", type=Path, required=True, help="the folder holding the --keep folders")
    parser.add_argument("--folders", required=True, help="comma-separated --keep folders under --root (first: the "
                        "defaults)")
    parser.add_argument("--reference", default="", help="the folder with the reference method's runs (default: the "
                        "first folder)")
    parser.add_argument("--reference-method", default="tpe", help="the method paired against (default tpe)")
    parser.add_argument("--method", default="model-based", help="the method of the folders (default model-based)")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON summary here")
    args = parser.parse_args()
    if args.problem not in SPECS:
        parser.error(f"unknown problem {args.problem!r}; problems: {', '.join(SPECS)}")
    seeds = seed_list(args.seeds)
    folders = [f for f in args.folders.split(",") if f]
    missing = [f for f in folders + ([args.reference] if args.reference else []) if not (args.root / f).is_dir()]
    if missing:
        parser.error(f"no such folder: {args.root / missing[0]}")
    problem = Problem(args.problem)
    values = truth([args.root / f for f in folders + [args.reference or folders[0]]], args.problem)

    def quality(result: dict | None, fraction: float) -> float:
        key = chosen(problem, result["log"], (fraction,))[0] if result else None
        return values.get(key, np.nan) if key else np.nan

    reference = {s: load(args.root / (args.reference or folders[0]), args.problem, args.reference_method, s)
                 for s in seeds}
    ref_final = np.array([quality(reference[s], 1.0) for s in seeds])
    ref_third = np.array([quality(reference[s], 1 / 3) for s in seeds])
    summary = {"benchmark": "multifidelity-compute-split", "problem": args.problem, "seeds": seeds,
               "reference": {"method": args.reference_method, "final": round(float(np.nanmean(ref_final)), 4),
                             "se": round(standard_error(ref_final[np.isfinite(ref_final)]), 4),
                             "third": round(float(np.nanmean(ref_third)), 4)},
               "variants": {}}
    print(f"{args.problem}, seeds {seeds[0]}..{seeds[-1]}: {args.reference_method} final "
          f"{summary['reference']['final']:.4f} ± {summary['reference']['se']:.4f}")
    base_final = None
    for folder in folders:
        runs = {s: load(args.root / folder, args.problem, args.method, s) for s in seeds}
        done = [s for s in seeds if runs[s] is not None]
        if not done:
            print(f"  {folder}: no runs")
            continue
        final = np.array([quality(runs[s], 1.0) for s in seeds])
        third = np.array([quality(runs[s], 1 / 3) for s in seeds])
        keys = {s: chosen(problem, runs[s]["log"], (1.0,))[0] for s in done}
        row: dict = {"seeds": len(done),
                     "final": round(float(np.nanmean(final)), 4),
                     "final_se": round(standard_error(final[np.isfinite(final)]), 4),
                     "third": round(float(np.nanmean(third)), 4),
                     "third_se": round(standard_error(third[np.isfinite(third)]), 4)}
        versus = final - ref_final
        ok = np.isfinite(versus)
        row[f"minus_{args.reference_method}"] = round(float(np.mean(versus[ok])), 4)
        row[f"minus_{args.reference_method}_se"] = round(standard_error(versus[ok]), 4)
        row[f"minus_{args.reference_method}_by_seed"] = {s: round(float(v), 4) for s, v in zip(seeds, versus)
                                                         if np.isfinite(v)}
        early = third - ref_third  # a third of the compute each, paired by seed
        ok = np.isfinite(early)
        row[f"third_minus_{args.reference_method}_third"] = round(float(np.mean(early[ok])), 4) if ok.any() else None
        row[f"third_minus_{args.reference_method}_third_se"] = round(standard_error(early[ok]), 4)
        if base_final is None:
            base_final, base_third, base_keys = final, third, keys
        else:
            paired = final - base_final
            ok = np.isfinite(paired)
            row["minus_defaults"] = round(float(np.mean(paired[ok])), 4)
            row["minus_defaults_se"] = round(standard_error(paired[ok]), 4)
            paired = third - base_third
            ok = np.isfinite(paired)
            row["third_minus_defaults"] = round(float(np.mean(paired[ok])), 4)
            row["third_minus_defaults_se"] = round(standard_error(paired[ok]), 4)
            row["same_choice_as_defaults"] = sum(keys[s] == base_keys.get(s) for s in done)
        splits = [split(problem, runs[s]) for s in done if "roles" in runs[s]]
        if splits:
            row["compute"] = {part: round(float(np.mean([x["parts"][part] for x in splits])), 3) for part in PARTS}
            row["compute_first_third"] = {part: round(float(np.mean([x["parts_third"][part] for x in splits])), 3)
                                          for part in PARTS}
            row["top_candidates"] = round(float(np.mean([x["top_candidates"] for x in splits])), 1)
            row["top_candidates_third"] = round(float(np.mean([x["top_candidates_third"] for x in splits])), 1)
            row["third_on_one_result"] = sum(x["third_on_one_result"] for x in splits)
            row["candidates"] = round(float(np.mean([x["candidates"] for x in splits])), 1)
            row["final_on_one_result"] = sum(x["final_results"] == 1 for x in splits)
            started = [x["endgame_from"] for x in splits if x["endgame_from"] is not None]
            row["endgame_started"] = len(started)
            row["endgame_from"] = round(float(np.mean(started)), 3) if started else None
            agreements = [x["agreement"][:-1] for x in splits if x["agreement"]]
            if agreements:
                columns = list(zip(*agreements))
                row["agreement_mean"] = [round(float(np.mean([a for a in c if a is not None])), 2)
                                         if any(a is not None for a in c) else None for c in columns]
                row["agreement_trusted"] = [sum(1 for a in c if a is not None and a >= 0.5) for c in columns]
        summary["variants"][folder] = row
        shares = ", ".join(f"{part} {share:.2f}" for part, share in row.get("compute", {}).items())
        print(f"  {folder:6s} final {row['final']:.4f} ± {row['final_se']:.4f} (a third {row['third']:.4f}); "
              f"minus {args.reference_method} {row[f'minus_{args.reference_method}']:+.4f} "
              f"(SE {row[f'minus_{args.reference_method}_se']:.4f}); at a third minus its at a third "
              f"{row[f'third_minus_{args.reference_method}_third']:+.4f} "
              f"(SE {row[f'third_minus_{args.reference_method}_third_se']:.4f})"
              + (f"; minus defaults {row['minus_defaults']:+.4f} (SE {row['minus_defaults_se']:.4f}, same choice "
                 f"{row['same_choice_as_defaults']}/{len(done)}; at a third {row['third_minus_defaults']:+.4f}, SE "
                 f"{row['third_minus_defaults_se']:.4f})" if "minus_defaults" in row else ""))
        if shares:
            early = ", ".join(f"{share:.2f}" for share in row["compute_first_third"].values())
            print(f"         first third: {early} (same parts); top candidates {row['top_candidates_third']}, choice "
                  f"on one result {row['third_on_one_result']}/{len(splits)}")
            print(f"         compute: {shares}; top candidates {row['top_candidates']}, candidates "
                  f"{row['candidates']}, final on one result {row['final_on_one_result']}/{len(splits)}, endgame "
                  f"from {row['endgame_from']} ({row['endgame_started']} runs), agreement {row.get('agreement_mean')}"
                  f" (>= 0.5 on {row.get('agreement_trusted')} runs)")
    line = json.dumps(summary)
    if args.out:
        args.out.write_text(json.dumps(summary, indent=1) + "\n")
    print(line)


if __name__ == "__main__":
    main()
