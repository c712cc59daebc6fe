"""Large checkpoints: in the trajectory, or in the content-addressed folder beside it.

A multi-fidelity run (ASHA, eta 3, budgets 1..27, serial backend) of a training function whose checkpoint
holds ``--weights`` float64 weights (default 500,000: 4 MB a segment) runs three times into new files:
``run.checkpoints = "file"`` (every checkpoint in the one trajectory), ``"auto"`` (the default: these, all
above 1 MiB, go to ``NAME.h5.checkpoints/``) and the same training loop writing each checkpoint by hand with
``numpy.save`` into a folder per trial, fsynced (the peer: what a user's script or Ray Tune's per-trial
checkpoint folders do, without a trajectory). Measured: the size of the trajectory and of the folder, the
wall time of the run, and the time to read one checkpoint back (a continuation's first step).

Each l2l run is a forked child, so its peak memory (RSS growth) is its own; ``"auto"`` runs once more with the
loop keeping every paused candidate's checkpoint in memory for the whole run, as it did before large
checkpoints were released once written (the figure "before").

Targets: the trajectory of ``"auto"`` at most 5 % of the one-file trajectory; its run at most 1.25x the
wall time of the one-file run and at most 1.5x the peer's (the peer has no trajectory, no checksums, no
commit log); the loop's peak memory at most a quarter of "before"'s; every segment of every l2l run equal
to the one-file run's.

Run: ``python benchmarks/checkpoint_store.py [--weights N] [--compute C]``. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import l2l
from l2l.simulators.base import SimulationResult

#: Weights in a checkpoint (the l2l runs import this module afresh: --weights reaches them through the environment).
WEIGHTS = int(os.environ.get("L2L_BENCH_CHECKPOINT_WEIGHTS", 500_000))


def train(params, seed, budget, checkpoint=None):
    """A learning curve whose checkpoint is WEIGHTS weights, shrunk every epoch (continuing != restarting)."""
    if checkpoint is None:
        weights, start = np.random.default_rng(seed).normal(size=WEIGHTS), 0
    else:
        weights, start = checkpoint["weights"], int(checkpoint["epochs"])
    epochs = np.arange(start + 1, int(budget) + 1)
    values = []
    for epoch in epochs:
        weights = 0.95 * weights
        values.append((float(params["x"]) - 0.3) ** 2 + 1.0 / epoch + 1e-3 * float(np.abs(weights[:10]).sum()))
    return SimulationResult({"loss": values[-1]}, curve={"loss": np.column_stack([epochs, values])},
                            checkpoint={"weights": weights, "epochs": float(budget)})


def config(choice: str, compute: float):
    return l2l.from_mapping({
        "run": {"seed": 2, "compute": compute, "checkpoints": choice}, "space": {"x": {"low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha"},
        "simulator": {"name": "python", "function": "checkpoint_store:train",
                      "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 27}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}},
        base_dir=str(Path(__file__).resolve().parent))


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0


def _run_child(choice: str, compute: float, path: Path, keep: bool, queue) -> None:
    import resource

    if keep:  # the loop as before: every paused candidate's checkpoint kept in memory for the whole run
        from l2l.driver_files import Commits
        Commits.release = lambda self, outcomes: None
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    l2l.run(config(choice, compute), path, progress=False)
    seconds = time.perf_counter() - started
    queue.put((seconds, before * 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


def run_l2l(choice: str, compute: float, where: Path, keep: bool = False) -> dict:
    """One run in a forked child (its peak memory its own): wall time, sizes, peak RSS, one read back."""
    import multiprocessing

    path = where / f"{choice}{'-kept' if keep else ''}.h5"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_run_child, args=(choice, compute, path, keep, queue))
    child.start()
    seconds, rss_before, rss_peak = queue.get()
    child.join()
    segments = l2l.load(path, segments=True)
    with l2l.Trajectory(path) as trajectory:
        row = int(np.flatnonzero((segments["budget"] == 27).to_numpy())[0]) if (segments["budget"] == 27).any() else 0
        started = time.perf_counter()
        trajectory.checkpoint(row)
        read = time.perf_counter() - started
    from l2l.results_schema.checkpoint_store import folder_of
    return {"seconds": round(seconds, 2), "trajectory_bytes": os.path.getsize(path),
            "folder_bytes": folder_bytes(folder_of(path)), "segments": len(segments),
            "peak_rss_growth_bytes": int(rss_peak - rss_before),
            "read_one_seconds": round(read, 4), "frame": segments[["trial", "budget", "from_budget", "loss"]]}


def run_peer(frame, where: Path) -> dict:
    """The same segments, trained by the same function, each checkpoint saved by hand (numpy.save, fsync)
    into a folder per trial and loaded back to continue: the training and checkpoint I/O without l2l."""
    started = time.perf_counter()
    reached: dict[int, float] = {}
    for trial, budget, from_budget in frame[["trial", "budget", "from_budget"]].itertuples(index=False):
        folder = where / "peer" / f"trial_{int(trial)}"
        checkpoint = None
        if from_budget > 0:
            with np.load(folder / f"epochs_{from_budget:g}.npz") as data:
                checkpoint = {"weights": data["weights"], "epochs": float(data["epochs"])}
        result = train({"x": 0.5}, int(trial), budget, checkpoint)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"epochs_{budget:g}.npz"
        with open(target, "wb") as handle:
            np.savez(handle, **result.checkpoint)
            handle.flush()
            os.fsync(handle.fileno())
        reached[int(trial)] = budget
    seconds = time.perf_counter() - started
    target = next((where / "peer").rglob("epochs_27.npz"), None) or next((where / "peer").rglob("*.npz"))
    started = time.perf_counter()
    with np.load(target) as data:
        data["weights"]
    read = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "folder_bytes": folder_bytes(where / "peer"),
            "read_one_seconds": round(read, 4)}


def main() -> int:
    global WEIGHTS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=int, default=500_000, help="float64 weights in a checkpoint")
    parser.add_argument("--compute", type=float, default=27 * 12, help="run.compute in epochs")
    args = parser.parse_args()
    WEIGHTS = args.weights
    os.environ["L2L_BENCH_CHECKPOINT_WEIGHTS"] = str(WEIGHTS)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="l2l-ckpt-") as tmp:
        where = Path(tmp)
        results = {choice: run_l2l(choice, args.compute, where) for choice in ("file", "auto")}
        kept = run_l2l("auto", args.compute, where, keep=True)
        same = results["file"].pop("frame").equals(results["auto"]["frame"]) and \
            kept.pop("frame").equals(results["auto"]["frame"])
        peer = run_peer(results["auto"].pop("frame"), where)
    file, auto = results["file"], results["auto"]
    ratio_size = auto["trajectory_bytes"] / file["trajectory_bytes"]
    ratio_file = auto["seconds"] / file["seconds"]
    ratio_peer = auto["seconds"] / peer["seconds"]
    mb = 1 << 20
    print(f"{auto['segments']} segments, checkpoints of {WEIGHTS * 8 / mb:.1f} MiB; load before {load[0]:.2f}")
    print(f"{'':28s} {'trajectory':>12s} {'folder':>10s} {'run':>8s} {'read one':>9s}")
    print(f"{'l2l, checkpoints = file':28s} {file['trajectory_bytes'] / mb:10.1f} MiB {file['folder_bytes'] / mb:6.1f} MiB "
          f"{file['seconds']:6.2f} s {file['read_one_seconds'] * 1e3:6.1f} ms")
    print(f"{'l2l, checkpoints = auto':28s} {auto['trajectory_bytes'] / mb:10.1f} MiB {auto['folder_bytes'] / mb:6.1f} MiB "
          f"{auto['seconds']:6.2f} s {auto['read_one_seconds'] * 1e3:6.1f} ms")
    print(f"{'l2l auto, all kept in memory':28s} {kept['trajectory_bytes'] / mb:10.1f} MiB "
          f"{kept['folder_bytes'] / mb:6.1f} MiB {kept['seconds']:6.2f} s {kept['read_one_seconds'] * 1e3:6.1f} ms")
    print(f"memory of the loop (peak RSS growth): auto {auto['peak_rss_growth_bytes'] / mb:.0f} MiB, file "
          f"{file['peak_rss_growth_bytes'] / mb:.0f} MiB, every paused candidate's checkpoint kept (as before) "
          f"{kept['peak_rss_growth_bytes'] / mb:.0f} MiB; all checkpoints together {auto['folder_bytes'] / mb:.0f} MiB")
    print(f"{'peer: numpy.save per trial':28s} {'-':>12s} {peer['folder_bytes'] / mb:6.1f} MiB "
          f"{peer['seconds']:6.2f} s {peer['read_one_seconds'] * 1e3:6.1f} ms")
    targets = {"trajectory_at_most_5_percent": ratio_size <= 0.05, "run_at_most_1.25x_one_file": ratio_file <= 1.25,
               "run_at_most_1.5x_peer": ratio_peer <= 1.5, "same_segments": bool(same),
               "memory_at_most_a_quarter_of_kept": auto["peak_rss_growth_bytes"] <= kept["peak_rss_growth_bytes"] / 4}
    print(json.dumps({"benchmark": "checkpoint_store", "weights": WEIGHTS, "segments": auto["segments"],
                      "file": file, "auto": auto, "auto_all_kept_in_memory": kept, "peer": peer,
                      "ratios": {"trajectory_size": round(ratio_size, 4), "run_vs_one_file": round(ratio_file, 3),
                                 "run_vs_peer": round(ratio_peer, 3)},
                      "load_before": [round(x, 2) for x in load], "load_after": [round(x, 2) for x in os.getloadavg()],
                      "targets": targets, "targets_met": all(targets.values())}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
