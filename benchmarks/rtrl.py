"""Sparse vs dense RTRL vs BPTT on an EGRU: measured MACs, wall time and memory.

Run by hand: ``python benchmarks/rtrl.py [--quick] [--no-trained]``. Single-threaded BLAS, so
the figures compare algorithms, not thread pools; on a shared machine the wall
times are noisy. Activity sparsity is set by construction: a fraction ``s`` of
the units get threshold 3 (they can never come near it, since |a| < 1), the
others threshold 0 with pseudo-derivative half-width 1 (so their pseudo-
derivative is never zero: always active). The measured fraction of silent
units is reported next to the target. Every step carries a loss (the worst
case for the gradient accumulation).

Second part (needs ``l2l[datasets]``): an EGRU *trained* with the activity
penalty on scikit-learn's digits (the setting of ``scripts/egru_digits.py``,
seed 100), so that its silence is learned, not built in. On held-out test
digits it times sparse RTRL, dense RTRL, and dense RTRL on a network of only
the live units (units without any event on these digits removed: the same
outputs), with the MACs each counts. The last line is one JSON object.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

from l2l.simulators.rtrl import Cell, bptt, init_params, pruning_mask  # noqa: E402
from l2l.simulators.rtrl import macs as cost  # noqa: E402
from l2l.simulators.rtrl.readout import init_readout  # noqa: E402
from l2l.simulators.rtrl.rtrl import RTRL  # noqa: E402

INPUTS, CLASSES = 4, 2
PENALTY = 8.0   # the digits network: the "penalty 8, long" setting of scripts/egru_digits.py


def problem(n: int, sparsity: float, density: float, length: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    cell = Cell(INPUTS, n, events=True, gamma=1.0, epsilon=1.0)
    mask = pruning_mask(cell, density, rng)
    params = init_params(cell, rng, 0.0, mask)
    silent = rng.permutation(n)[:int(round(sparsity * n))]
    params[cell.threshold_slice()][silent] = 3.0
    readout = init_readout(n, CLASSES, rng)
    inputs = rng.normal(size=(length, INPUTS))
    targets = rng.integers(0, CLASSES, length)
    return cell, mask, params, readout, inputs, targets


def time_rtrl(cell, mask, params, readout, inputs, targets, sparse: bool):
    learner = RTRL(cell, params, readout, mask, sparse=sparse, record=True)
    start = time.perf_counter()
    for x, target in zip(inputs, targets):
        learner.step(x, int(target))
    learner.result()                  # completes the deferred rows: the whole sequence's work
    seconds = time.perf_counter() - start
    model = cost.rtrl_sequence_macs(cell.n_units, learner.n_columns, learner.n_immediate,
                                    learner.active_counts, targets, sparse)
    return learner, seconds / len(inputs), model


def compute_table(sizes, sparsities, densities, length):
    rows = []
    for n in sizes:
        for sparsity in sparsities:
            for density in densities:
                setup = problem(n, sparsity, density, length)
                cell, mask, params, readout, inputs, targets = setup
                sparse, sparse_time, sparse_model = time_rtrl(*setup, sparse=True)
                dense, dense_time, dense_model = time_rtrl(*setup, sparse=False)
                start = time.perf_counter()
                reference = bptt(cell, params, readout, inputs, targets)
                bptt_time = (time.perf_counter() - start) / length
                rows.append({
                    "n": n, "sparsity": sparsity, "density": density,
                    "measured_sparsity": 1.0 - sparse.active_total / (length * n),
                    "sparse_macs": sparse.macs / length, "dense_macs": dense.macs / length,
                    "bptt_macs": reference.macs / length,
                    "model_error": max(abs(sparse.macs - sparse_model) / sparse_model,
                                       abs(dense.macs - dense_model) / dense_model),
                    "sparse_us": 1e6 * sparse_time, "dense_us": 1e6 * dense_time,
                    "bptt_us": 1e6 * bptt_time, "speedup": dense_time / sparse_time,
                    "mac_ratio": dense.macs / sparse.macs,
                })
                print(format_row(rows[-1]), flush=True)
    return rows


HEADER = ("|   n | s target | s measured | density | sparse RTRL MACs | dense RTRL MACs | BPTT MACs "
          "| model err | sparse us | dense us | BPTT us | MAC ratio | speedup |")


def format_row(row) -> str:
    return (f"| {row['n']:3d} | {row['sparsity']:8.1f} | {row['measured_sparsity']:10.3f} "
            f"| {row['density']:7.1f} | {row['sparse_macs']:16,.0f} | {row['dense_macs']:15,.0f} "
            f"| {row['bptt_macs']:9,.0f} | {row['model_error']:9.1e} | {row['sparse_us']:9.0f} "
            f"| {row['dense_us']:8.0f} | {row['bptt_us']:7.0f} | {row['mac_ratio']:8.1f}x "
            f"| {row['speedup']:6.1f}x |")


def peak_bytes(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def memory_table(n, sparsity, density, lengths):
    rows = []
    for length in lengths:
        cell, mask, params, readout, inputs, targets = problem(n, sparsity, density, length)

        def run_rtrl(sparse):
            learner = RTRL(cell, params, readout, mask, sparse=sparse)
            for x, target in zip(inputs, targets):
                learner.step(x, int(target))

        columns, _ = cost.kept_columns(n, INPUTS, density, True)
        active = n - int(round(sparsity * n))
        rows.append({
            "length": length,
            "sparse_rtrl": peak_bytes(lambda: run_rtrl(True)),
            "dense_rtrl": peak_bytes(lambda: run_rtrl(False)),
            "bptt": peak_bytes(lambda: bptt(cell, params, readout, inputs, targets)),
            "sparse_rtrl_model": cost.rtrl_memory_bytes(n, columns, active, sparse=True),
            "dense_rtrl_model": cost.rtrl_memory_bytes(n, cell.n_params, n),
            "bptt_model": cost.bptt_memory_bytes(n, INPUTS, length),
        })
        row = rows[-1]
        print(f"| {length:6d} | {row['sparse_rtrl'] / 1e3:14,.0f} | {row['dense_rtrl'] / 1e3:13,.0f} "
              f"| {row['bptt'] / 1e3:7,.0f} | {row['sparse_rtrl_model'] / 1e3:20,.0f} "
              f"| {row['dense_rtrl_model'] / 1e3:19,.0f} | {row['bptt_model'] / 1e3:13,.0f} |", flush=True)
    return rows


def trained_network(epochs: int, penalty: float, learning_rate: float, seed: int = 100):
    """An EGRU trained on the digits with the activity penalty; its cell, weights, readout and test digits."""
    from l2l.simulators import SIMULATORS
    from l2l.simulators.rtrl.tasks import Digits

    options = {"task": "digits", "rule": "bptt", "units": 64, "batch_size": 32, "learning_rate": learning_rate,
               "test_trials": 360, "held_out": "test", "theta_init": 0.05, "epsilon": 0.05, "gamma": 2.0,
               "activity_penalty": penalty, "event_budget": 1, "trials": epochs * 1077}
    simulator = SIMULATORS.create("egru", options)
    result = simulator.run_to({}, seed, simulator.trials, None)
    cell = Cell(Digits.n_inputs, 64, events=True, gamma=2.0, epsilon=0.05)
    inputs, targets = Digits().sample(np.random.default_rng(seed), 360, "test")
    return cell, result.checkpoint["weights"], result.checkpoint["readout"], inputs, targets, result


def live_subnetwork(cell, params, readout, live):
    """The network restricted to the units in ``live`` (the others never fire: the outputs are the same)."""
    from l2l.simulators.rtrl.readout import split

    small = Cell(cell.n_inputs, live.size, events=True, gamma=cell.gamma, epsilon=cell.epsilon)
    views, flat = cell.views(params), np.zeros(small.n_params)
    new = small.views(flat)
    new.W[...] = views.W[:, live]
    new.V[...] = views.V[:, live][:, :, live]
    new.b[...] = views.b[:, live]
    new.theta[...] = views.theta[live]
    w_out, b_out = split(readout, cell.n_units)
    return small, flat, np.concatenate([w_out[:, live].ravel(), b_out])


def time_sequences(cell, params, readout, inputs, targets, sparse: bool):
    """Per-step wall time and counted MACs of RTRL over the given sequences; the per-sequence losses."""
    seconds, macs, steps, losses = 0.0, 0, 0, []
    learner = RTRL(cell, params, readout, sparse=sparse)
    for sequence, labels in zip(inputs, targets):
        learner.reset()
        start = time.perf_counter()
        for x, target in zip(sequence, labels):
            learner.step(x, int(target))
        learner.result()
        seconds += time.perf_counter() - start
        macs, steps = macs + learner.macs, steps + learner.steps
        losses.append(learner.loss)
    return seconds / steps, macs / steps, np.array(losses)


def trained_table(epochs: int, penalty: float, learning_rate: float, sequences: int):
    from l2l.simulators.rtrl.batched import forward_batch

    cell, params, readout, inputs, targets, result = trained_network(epochs, penalty, learning_rate)
    steps = forward_batch(cell, params, inputs)
    live = np.flatnonzero(np.stack([s["o"] for s in steps]).any(axis=(0, 1)))
    small, small_params, small_readout = live_subnetwork(cell, params, readout, live)
    inputs, targets = inputs[:sequences], targets[:sequences]
    sparse_time, sparse_macs, sparse_loss = time_sequences(cell, params, readout, inputs, targets, True)
    dense_time, dense_macs, dense_loss = time_sequences(cell, params, readout, inputs, targets, False)
    live_time, live_macs, live_loss = time_sequences(small, small_params, small_readout, inputs, targets, False)
    assert np.allclose(sparse_loss, dense_loss) and np.allclose(live_loss, dense_loss)
    row = {"accuracy": result.objectives["accuracy"],
           "silent": result.metrics["test_activity_sparsity"], "no_event": result.metrics["test_event_sparsity"],
           "live_units": int(live.size), "units": cell.n_units,
           "sparse_us": 1e6 * sparse_time, "dense_us": 1e6 * dense_time, "live_dense_us": 1e6 * live_time,
           "sparse_macs": sparse_macs, "dense_macs": dense_macs, "live_dense_macs": live_macs}
    row["mac_ratio"] = dense_macs / sparse_macs
    row["speedup"] = dense_time / sparse_time
    row["mac_ratio_vs_live"] = live_macs / sparse_macs
    row["speedup_vs_live"] = live_time / sparse_time
    print(f"\nTrained EGRU on the digits ({epochs} epochs at learning rate {learning_rate}, seed 100, activity "
          f"penalty {penalty:g}, budget 1): test accuracy "
          f"{row['accuracy']:.3f}, {row['silent']:.3f} of unit-steps silent (no event, psi = 0), "
          f"{row['no_event']:.3f} without an event, {row['live_units']} of {row['units']} units live; "
          f"RTRL over {sequences} test digits of 9 steps")
    print("| rule | network | MACs/step | us/step | MAC ratio to sparse | time ratio to sparse |")
    print("|---|---|---|---|---|---|")
    print(f"| sparse RTRL | all {cell.n_units} units | {sparse_macs:,.0f} | {row['sparse_us']:,.0f} | 1.0x | 1.0x |")
    print(f"| dense RTRL | all {cell.n_units} units | {dense_macs:,.0f} | {row['dense_us']:,.0f} "
          f"| {row['mac_ratio']:.1f}x | {row['speedup']:.1f}x |")
    print(f"| dense RTRL | {live.size} live units only | {live_macs:,.0f} | {row['live_dense_us']:,.0f} "
          f"| {row['mac_ratio_vs_live']:.1f}x | {row['speedup_vs_live']:.1f}x |")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, shorter memory sweep")
    parser.add_argument("--no-trained", action="store_true", help="skip the trained digits network")
    parser.add_argument("--epochs", type=int, default=20, help="training epochs of the digits network")
    parser.add_argument("--penalty", type=float, default=PENALTY, help="its activity penalty")
    parser.add_argument("--learning-rate", type=float, default=0.005, help="its learning rate")
    parser.add_argument("--sequences", type=int, default=40, help="test digits timed")
    parser.add_argument("--steps", type=int, default=60, help="time steps per timing run")
    args = parser.parse_args()
    begin = time.perf_counter()
    steps = 20 if args.quick else args.steps
    lengths = (100, 1000) if args.quick else (100, 1000, 10000)
    print(f"Per-step MACs and wall time ({steps} steps, {INPUTS} inputs, loss every step, "
          f"1 BLAS thread)")
    print(HEADER)
    print("|" + "|".join("-" * (len(c)) for c in HEADER.split("|")[1:-1]) + "|")
    rows = compute_table((16, 32, 64), (0.0, 0.5, 0.9), (1.0, 0.5, 0.2), steps)
    memory_n, memory_sparsity, memory_density = 32, 0.9, 0.2
    print(f"\nPeak memory (tracemalloc, kB) of one sequence, n={memory_n}, "
          f"s={memory_sparsity}, density={memory_density}")
    print("| length | sparse RTRL kB | dense RTRL kB | BPTT kB | sparse RTRL model kB "
          "| dense RTRL model kB | BPTT model kB |")
    print("|--------|----------------|---------------|---------|----------------------"
          "|---------------------|---------------|")
    memory = memory_table(memory_n, memory_sparsity, memory_density, lengths)
    headline = next(r for r in rows if r["n"] == 64 and r["sparsity"] == 0.9 and r["density"] == 0.2)
    trained = None if args.no_trained else trained_table(args.epochs, args.penalty, args.learning_rate,
                                                         10 if args.quick else args.sequences)
    figures = {}
    if trained is not None:
        figures = {"trained_" + key: round(value, 3) if isinstance(value, float) else value
                   for key, value in trained.items()}
        # wall-clock follows the operations saved: at least half of the MAC saving shows up as time
        figures["targets_met"] = bool(trained["speedup"] >= 0.5 * trained["mac_ratio"]
                                      and trained["silent"] >= 0.8 and trained["speedup_vs_live"] > 1.0)
    print(json.dumps({**figures,
        "speedup_sparse_vs_dense_rtrl_n64_s0.9_d0.2": round(headline["speedup"], 1),
        "mac_ratio_dense_vs_sparse_n64_s0.9_d0.2": round(headline["mac_ratio"], 1),
        "measured_sparsity_n64_s0.9": round(headline["measured_sparsity"], 3),
        "max_mac_model_relative_error": max(r["model_error"] for r in rows),
        "sparse_rtrl_peak_bytes": {r["length"]: r["sparse_rtrl"] for r in memory},
        "dense_rtrl_peak_bytes": {r["length"]: r["dense_rtrl"] for r in memory},
        "bptt_peak_bytes": {r["length"]: r["bptt"] for r in memory},
        "seconds": round(time.perf_counter() - begin, 1),
    }))


if __name__ == "__main__":
    main()
