"""How long `l2l report` takes on a multi-fidelity run, now and at a start commit, and whether the bytes agree.

Makes three small runs with the serial backend (ASHA and Hyperband on the multi-fidelity sphere,
examples/sphere_asha.toml; PBT on noisy SGD, examples/pbt_noisy_sgd.toml), then times `l2l report FILE` as a user
runs it (a fresh process, imports included, SOURCE_DATE_EPOCH fixed) with this checkout's l2l and with the l2l of
``--start`` (a `git archive` copy), alternately, ``--repeats`` times each, and compares the two reports' bytes.

    nice -n 19 python benchmarks/report_speed.py                     # start commit 968cb54
    nice -n 19 python benchmarks/report_speed.py --repeats 5 --out benchmarks/results/report_speed.json

The last line is one JSON object: the median seconds per run kind, now and at the start, the speed-up, whether
every report is the same bytes as the start's, and ``targets_met`` (every kind at least 30 % faster, same bytes).
The machine's load is printed too: the figures of two such runs agree only at the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"asha": ("examples/sphere_asha.toml", {}),
         "hyperband": ("examples/sphere_asha.toml", {'"asha"': '"hyperband"', "sphere-asha": "sphere-hyperband"}),
         "pbt": ("examples/pbt_noisy_sgd.toml", {})}


def make_run(kind: str, folder: Path) -> Path:
    """The trajectory of run ``kind``, made with this checkout's l2l and the serial backend."""
    config, replacements = KINDS[kind]
    text = (ROOT / config).read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    toml = folder / f"{kind}.toml"
    toml.write_text(text)
    out = folder / f"{kind}.h5"
    subprocess.run([sys.executable, "-m", "l2l", "run", str(toml), "--backend", "serial", "--out", str(out),
                    "--no-progress"], check=True, capture_output=True, env=_env(ROOT), cwd=folder)
    return out


def _env(code: Path) -> dict[str, str]:
    """The environment of a process that imports l2l from ``code``."""
    return {**os.environ, "PYTHONPATH": str(code), "SOURCE_DATE_EPOCH": "1700000000"}


def start_copy(commit: str, folder: Path) -> Path:
    """The l2l package of ``commit``, unpacked under ``folder``."""
    archive = folder / "start.tar"
    with archive.open("wb") as handle:
        subprocess.run(["git", "-C", str(ROOT), "archive", commit, "l2l"], check=True, stdout=handle)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "start", filter="data")
    return folder / "start"


def time_report(code: Path, trajectory: Path, out: Path) -> float:
    """Seconds of `l2l report trajectory` with the l2l package under ``code``, in a fresh process."""
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "l2l", "report", str(trajectory), "--out", str(out), "--force"],
                   check=True, capture_output=True, env=_env(code), cwd=out.parent)  # not this checkout: with
    # `python -m`, the working directory comes before PYTHONPATH, and the start copy would run this code
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="968cb54", help="the commit to compare with (default: 968cb54)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", help="also write the JSON object to this file")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="l2l-report-speed-") as scratch:
        folder = Path(scratch)
        start = start_copy(args.start, folder)
        result: dict = {"start_commit": args.start, "repeats": args.repeats, "kinds": {}}
        for kind in KINDS:
            trajectory = make_run(kind, folder)
            now, then = [], []
            for _ in range(args.repeats):  # alternately, so that a change of load weighs on both
                now.append(time_report(ROOT, trajectory, folder / f"{kind}-now.html"))
                then.append(time_report(start, trajectory, folder / f"{kind}-start.html"))
            same = (folder / f"{kind}-now.html").read_bytes() == (folder / f"{kind}-start.html").read_bytes()
            median_now, median_then = statistics.median(now), statistics.median(then)
            result["kinds"][kind] = {"seconds": round(median_now, 2), "start_seconds": round(median_then, 2),
                                     "faster": round(1 - median_now / median_then, 3), "same_bytes": same}
            print(f"{kind}: {median_now:.2f} s now, {median_then:.2f} s at {args.start} "
                  f"({100 * (1 - median_now / median_then):.0f} % faster), same bytes: {same}", flush=True)
    result["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    result["targets_met"] = all(k["faster"] >= 0.30 and k["same_bytes"] for k in result["kinds"].values())
    line = json.dumps(result)
    if args.out:
        Path(args.out).write_text(line + "\n")
    print(line)


if __name__ == "__main__":
    main()
