"""Figures of benchmarks/results/scale.json (written by benchmarks/scale.py) for docs/scaling.md.

    python benchmarks/plot_scale.py [--results benchmarks/results/scale.json] [--out docs/img]

One PNG per part measured: scaling_population.png, scaling_rows.png,
scaling_files.png, scaling_workers.png. Each states the machine load
(``uptime`` before and after the part), the seed and the settings.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _load_text(settings: dict) -> str:
    def averages(text: str) -> str:
        match = re.search(r"load average: (.*)$", text or "")
        return match.group(1) if match else "?"
    return (f"{settings.get('date', '')}, seed {settings.get('seed')}, nice {settings.get('nice')}; "
            f"load average (1, 5, 15 min) before {averages(settings.get('load_before'))}, "
            f"after {averages(settings.get('load_after'))}; {settings.get('machine', '')}")


def _finish(figure, settings: dict, title: str, path: Path) -> None:
    figure.suptitle(title, fontsize=11)
    figure.text(0.01, 0.01, _load_text(settings), fontsize=7, color="0.3")
    figure.tight_layout(rect=(0, 0.04, 1, 0.95))
    figure.savefig(path, dpi=110)
    plt.close(figure)
    print(f"wrote {path}")


def population(part: dict, out: Path) -> None:
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for optimizer, points in part["points"].items():
        ok = [p for p in points if "per_eval_s" in p]
        n = [p["population"] for p in ok]
        s = part["summary"][optimizer]
        left.loglog(n, [p["per_eval_s"] * 1e6 for p in ok], "o-",
                    label=f"{optimizer} (slope {s['time_slope_ge_1000']} for N >= 1,000)")
        right.semilogx(n, [p["peak_rss_mb"] for p in ok], "o-", label=optimizer)
    left.set(xlabel="population size N", ylabel="outer-loop time per evaluation (us)",
             title="time per evaluation (no-op simulator, serial)")
    right.set(xlabel="population size N", ylabel="peak RSS of the run's process (MB)", title="memory")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    _finish(figure, part["settings"], "Outer-loop cost against population size", out / "scaling_population.png")


def rows(part: dict, out: Path) -> None:
    run = part["long_run"]
    marks = run["marks"][1:]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    x = [m["rows"] for m in marks]
    left.plot(x, [m["per_eval_s"] * 1e6 for m in marks], ".", alpha=0.4, label="each generation")
    left.plot(run["rows"], [t * 1e6 for t in run["per_eval_s"]], "o-",
              label=f"median per tenth (slope {run['time_slope']})")
    left.set(xlabel="rows in the file", ylabel="time per evaluation (us)", ylim=(0, None),
             title=f"one run, population {run['population']:,}, random search")
    right.plot(x, [m["rss_mb"] for m in marks], "-",
               label=f"RSS (+{run.get('rss_bytes_per_row', '?')} bytes per row, second half)")
    right.plot(x, [m["hwm_mb"] for m in marks], "--", label="peak RSS so far")
    right.set(xlabel="rows in the file", ylabel="MB", ylim=(0, None), title="memory of the run")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    _finish(figure, part["settings"], "Outer-loop cost against generations (file size)", out / "scaling_rows.png")


def files(part: dict, out: Path) -> None:
    points = part["points"]
    x = [p["rows"] for p in points]
    s = part["summary"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("load_s", "l2l.load (in-process)"), ("show_s", "l2l show"),
                       ("resume_cli_s", "l2l resume, +1 generation of 10,000"), ("plot_s", "l2l plot")):
        ys = [(xx, p[key]) for xx, p in zip(x, points) if p.get(key)]
        left.loglog([a for a, _ in ys], [b for _, b in ys], "o-", label=f"{label} (slope {s[key + '_slope']})")
    left.set(xlabel="rows in the file", ylabel="seconds (fresh process unless noted)", title="reading a trajectory")
    left.legend(fontsize=7)
    right.semilogx(x, [p["resume_per_eval_s"] * 1e6 if p.get("resume_per_eval_s") else None for p in points], "o-",
                   label="us per evaluation after resume")
    right.set(xlabel="rows in the file", ylabel="us per evaluation", ylim=(0, None), title="continuing a large file")
    twin = right.twinx()
    twin.semilogx(x, [p["resume_peak_rss_mb"] for p in points], "s--", color="C3", label="peak RSS of the resume (MB)")
    twin.set(ylabel="MB", ylim=(0, None))
    right.legend(fontsize=7, loc="upper left")
    twin.legend(fontsize=7, loc="lower right")
    _finish(figure, part["settings"], "Cost against trajectory file size", out / "scaling_files.png")


def workers(part: dict, out: Path) -> None:
    points = [p for p in part["points"] if p.get("utilization") is not None]
    x = [p["workers"] for p in points]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.semilogx(x, [p["utilization"] for p in points], "o-", label="whole run")
    left.semilogx(x, [p["steady_utilization"] for p in points], "s--", label="after generation 0")
    left.axhline(0.9, color="0.5", lw=0.8, ls=":", label="target 0.9")
    left.set(xlabel="simulated workers (Dask threads)", ylabel="busy worker-seconds / (workers x wall)",
             ylim=(0, 1.02), title=f"utilization, {part['evaluation_s']} s sleep evaluations")
    left.legend(fontsize=8)
    right.loglog(x, [max(p["overhead_per_eval_ms"], 1e-3) for p in points], "o-")
    right.set(xlabel="simulated workers", ylabel="idle worker-ms per evaluation",
              title="scheduler overhead (GA, population 4 x workers, 3 generations)")
    _finish(figure, part["settings"], "Dask backend against worker count", out / "scaling_workers.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(ROOT / "benchmarks" / "results" / "scale.json"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"))
    args = parser.parse_args()
    results = json.loads(Path(args.results).read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in (("population", population), ("generations", rows), ("files", files), ("workers", workers)):
        if name in results:
            draw(results[name], out)


if __name__ == "__main__":
    main()
