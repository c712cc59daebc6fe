"""A methods paragraph from a trajectory, and the files a reviewer opens with pandas alone.

    python examples/methods_section.py paper.h5

prints what ran (l2l and the code it ran at, Python and the packages, the optimizer and its options, the seeds,
the backend and its workers, the evaluations, the time, the sha256 of the model's code, the hosts) as read from the
file, and writes beside it ``paper.csv`` (the evaluations, as ``l2l export``), ``paper.reevaluations.csv`` (where
the run was re-evaluated, as ``l2l export --reevaluations``), a ``.provenance.json`` beside each (as ``l2l export
--provenance``: the config, versions, each session's model hash and hosts, the CSV's sha256) and ``paper.run.json``
(the file's ``/run`` attributes and its events); each opens with one call: ``pandas.read_csv("paper.csv")``,
``json.load(open("paper.run.json"))``. Existing files are not overwritten. See docs/reproducibility.md.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import l2l
from l2l.analysis.export import provenance_output, provenance_record
from l2l.sessions import hosts_line, model_line, session_records
from l2l.provenance import reevaluation_seeds_line, time_line


def paragraph(trajectory: l2l.Trajectory) -> str:
    """The methods paragraph: every figure read from the file."""
    run = trajectory.run
    versions = run.get("versions", {})
    config = run.get("config", {})
    settings = config.get("run", {})
    optimizer = dict(run.get("optimizer", {}))
    backend = dict(run.get("backend", {}))
    frame = l2l.load(trajectory.path)
    source = f" at commit {versions['l2l_source']}" if "l2l_source" in versions else ""
    packages = ", ".join(f"{name} {value}" for name, value in versions.items()
                         if name not in ("l2l", "l2l_source", "python", "platform") and value != "not installed")
    budget = (f"{settings['generations']} generations" if settings.get("generations") else
              f"{len(frame)} evaluations")
    text = [f"Parameters were optimized with l2l {versions.get('l2l', '?')}{source} (Python "
            f"{versions.get('python', '?')}; {packages}; {versions.get('platform', '?')}).",
            f"Optimizer: {optimizer.pop('name', '?')} ({json.dumps(optimizer) if optimizer else 'defaults'}), "
            f"{budget}, run seed {run.get('seed')} ({settings.get('mode', 'generational')} mode); each "
            f"evaluation's seed derived from (run seed, generation, individual).",
            f"{len(frame)} evaluations ({int((frame['status'] != 'ok').sum())} failed) on the "
            f"{backend.pop('name', '?')} backend ({json.dumps(backend) if backend else 'defaults'}) on host "
            f"{run.get('host', '?')}, created {run.get('created', '?')}; {time_line(trajectory)}; "
            f"evaluation time {frame['duration'].sum():.3g} s in total."]
    records = session_records(trajectory.events())
    model, hosts = model_line(records), hosts_line(records)
    if model:
        text.append(f"Model code: {model}.")
    if hosts:
        text.append(f"Hosts: {hosts}.")
    seeds = reevaluation_seeds_line(trajectory).split("; each row's")[0]  # where to find them: the reader's
    if seeds:
        ranking = l2l.reevaluate.ranking(trajectory)
        text.append(f"The {len(ranking)} best candidates were re-evaluated on "
                    f"{int(ranking['seeds'].max())} {seeds}.")
    return "\n".join(text)


def reviewer_files(trajectory: l2l.Trajectory) -> dict[Path, str]:
    """The reviewer's files beside the trajectory, by path: their text."""
    path = Path(trajectory.path)
    stem = path.with_suffix("")
    tables = {Path(f"{stem}.csv"): ("evaluations", l2l.load(path))}
    if trajectory.has_reevaluations:
        tables[Path(f"{stem}.reevaluations.csv")] = ("reevaluations", l2l.load(path, reevaluations=True))
    files = {}
    for table, (view, frame) in tables.items():  # each with what l2l export --provenance writes beside it
        files[table] = text = frame.to_csv(index=False)
        exported = {"file": table.name, "format": "csv", "rows": len(frame), "view": view,
                    "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
        files[provenance_output(table)] = json.dumps(provenance_record(trajectory, exported), indent=2,
                                                     default=str) + "\n"
    events = [{"time": f"{time:%Y-%m-%dT%H:%M:%S.%fZ}", "kind": kind, "detail": detail}
              for time, kind, detail in trajectory.events().itertuples(index=False)]
    files[Path(f"{stem}.run.json")] = json.dumps({**trajectory.run, "events": events}, indent=2, default=str) + "\n"
    return files


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_file():
        print("usage: python examples/methods_section.py RUN.h5 (an existing trajectory)", file=sys.stderr)
        return 2
    with l2l.Trajectory(argv[0]) as trajectory:
        files = reviewer_files(trajectory)
        taken = [str(out) for out in files if out.exists()]
        if taken:
            print(f"methods_section: {', '.join(taken)} exist{'s' * (len(taken) == 1)}; move them away first",
                  file=sys.stderr)
            return 2
        print(paragraph(trajectory))
    for out, text in files.items():
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
