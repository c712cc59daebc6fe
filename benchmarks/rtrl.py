"""Sparse vs dense RTRL vs BPTT on an EGRU: measured MACs, wall time and memory.

Run by hand: ``python benchmarks/rtrl.py [--quick] [--no-trained] [--no-synthetic]``.
Single-threaded BLAS, so the figures compare algorithms, not thread pools; on a
shared machine the wall times are noisy, so rules are timed interleaved in one
process and the 1-minute load average is printed beside them.

First part (synthetic): activity sparsity set by construction: a fraction ``s``
of the units get threshold 3 (they can never come near it, since |a| < 1), the
others threshold 0 with pseudo-derivative half-width 1 (so their pseudo-
derivative is never zero: always active). The measured fraction of silent
units is reported next to the target. Every step carries a loss (the worst
case for the gradient accumulation). Sparse and dense runs alternate, 3 each;
medians.

Second part (needs ``l2l[datasets]``): EGRUs *trained* with the activity
penalty on scikit-learn's digits (the setting of ``scripts/egru_digits.py``,
seeds 100-102), so that their silence is learned, not built in. On held-out
test digits it times sparse RTRL, dense RTRL, and dense RTRL on a network of
only the live units (units without any event on these digits removed: the same
outputs), with the MACs each counts, three ways in one run: the batched
learners (``BatchRTRL``: each call runs a batch of ``BATCH`` (10) sequences,
every numpy call of the forward pass and of the bookkeeping made once for the
batch), the rules alternating batch by batch; the one-sequence learners
(``RTRL``) alternating sequence by sequence; and the one-sequence learners
taking turns of ``TURN`` (10) sequences, so that each runs on its own caches as
in training. The batched learners give each sequence the one-sequence rule's
MACs and (to rounding) loss; the script checks it. The target: on every seed
the wall-clock speed-up of sparse over dense RTRL is at least ``FOLLOW`` (0.8)
times the ratio of their MACs, at >= 80 % silence, and sparse RTRL beats the
live-unit network: ``targets_met`` for the batched learners,
``targets_met_sequences`` and ``targets_met_turns`` for the one-sequence
learners. The last line is one JSON object.
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
                runs = [(time_rtrl(*setup, sparse=True), time_rtrl(*setup, sparse=False)) for _ in range(3)]
                (sparse, _, sparse_model), (dense, _, dense_model) = runs[0]   # interleaved, median of 3
                sparse_time = float(np.median([run[0][1] for run in runs]))
                dense_time = float(np.median([run[1][1] for run in runs]))
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
               "activity_penalty": penalty, "trials": epochs * 1077}
    if penalty > 0:  # the budget belongs to the penalty: with --penalty 0 it is refused, and it changed nothing
        options["event_budget"] = 1
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


FOLLOW = 0.8   # "time follows the operations saved": speed-up >= FOLLOW x MAC ratio
TURN = 10      # sequences per turn in the one-sequence timing with turns
BATCH = 10     # sequences per batch of the batched learners (BatchRTRL)


def time_interleaved(learners: dict, inputs, targets, repeats: int, turn: int = 1, batched: bool = False):
    """Wall and CPU seconds per step of each learner (one total per repeat), counted MACs per step and
    per-sequence losses. The learners take turns, ``turn`` sequences each (the order rotating), in this
    process, so that the machine's load falls on all of them alike. With ``turn = 1`` every sequence
    starts on caches the other learners have just filled; a training run feeds one learner sequence
    after sequence, which longer turns resemble. ``batched``: the learners are ``BatchRTRL``s and each
    turn is one batch of ``turn`` sequences (one call of ``run``, timed as a whole)."""
    names = list(learners)
    wall = {name: np.zeros(repeats) for name in names}
    cpu = {name: np.zeros(repeats) for name in names}
    macs = dict.fromkeys(names, 0)
    losses = {name: [] for name in names}
    for repeat in range(repeats):
        for index, first in enumerate(range(0, len(inputs), turn)):
            chunk_inputs, chunk_targets = inputs[first:first + turn], targets[first:first + turn]
            for name in names[index % len(names):] + names[:index % len(names)]:
                learner = learners[name]
                if batched:
                    wall_start, cpu_start = time.perf_counter(), time.process_time()
                    results = learner.run(chunk_inputs, chunk_targets)
                    wall[name][repeat] += time.perf_counter() - wall_start
                    cpu[name][repeat] += time.process_time() - cpu_start
                    if repeat == 0:
                        macs[name] += sum(result.macs for result in results)
                        losses[name].extend(result.loss for result in results)
                    continue
                for sequence, labels in zip(chunk_inputs, chunk_targets):
                    learner.reset()
                    wall_start, cpu_start = time.perf_counter(), time.process_time()
                    for x, target in zip(sequence, labels):
                        learner.step(x, int(target))
                    learner.result()          # completes any pending work: the whole sequence's
                    wall[name][repeat] += time.perf_counter() - wall_start
                    cpu[name][repeat] += time.process_time() - cpu_start
                    if repeat == 0:
                        macs[name] += learner.macs
                        losses[name].append(learner.loss)
    steps = sum(len(sequence) for sequence in inputs)
    return ({name: wall[name] / steps for name in names}, {name: cpu[name] / steps for name in names},
            {name: macs[name] / steps for name in names}, {name: np.array(losses[name]) for name in names})


def _speedups(row: dict, prefix: str, wall: dict, cpu: dict) -> None:
    """Per-step times, speed-ups (median and range of the per-repeat ratios) and ``follows`` into row."""
    for clock, times in ((prefix, wall), (prefix + "cpu_", cpu)):
        speedups = times["dense"] / times["sparse"]        # per repeat: both measured in the same minutes
        row[clock + "sparse_us"] = 1e6 * float(np.median(times["sparse"]))
        row[clock + "dense_us"] = 1e6 * float(np.median(times["dense"]))
        row[clock + "live_dense_us"] = 1e6 * float(np.median(times["live"]))
        row[clock + "speedup"] = float(np.median(speedups))
        row[clock + "speedup_range"] = [float(speedups.min()), float(speedups.max())]
        row[clock + "speedup_vs_live"] = float(np.median(times["live"] / times["sparse"]))
        row[clock + "follows"] = row[clock + "speedup"] / row["mac_ratio"]


def trained_row(seed: int, epochs: int, penalty: float, learning_rate: float, sequences: int, repeats: int):
    from l2l.simulators.rtrl.batch import BatchRTRL
    from l2l.simulators.rtrl.batched import forward_batch

    cell, params, readout, inputs, targets, result = trained_network(epochs, penalty, learning_rate, seed)
    steps = forward_batch(cell, params, inputs)
    live = np.flatnonzero(np.stack([s["o"] for s in steps]).any(axis=(0, 1)))
    small, small_params, small_readout = live_subnetwork(cell, params, readout, live)
    learners = {"sparse": RTRL(cell, params, readout, sparse=True),
                "dense": RTRL(cell, params, readout, sparse=False),
                "live": RTRL(small, small_params, small_readout, sparse=False)}
    batch_learners = {"sparse": BatchRTRL(cell, params, readout, sparse=True),
                      "dense": BatchRTRL(cell, params, readout, sparse=False),
                      "live": BatchRTRL(small, small_params, small_readout, sparse=False)}
    inputs, targets = inputs[:sequences], targets[:sequences]
    # the batched learners (the headline): batches of BATCH sequences, the rules alternating batch by batch
    load_batches = os.getloadavg()[0]
    wall, cpu, macs, batch_losses = time_interleaved(batch_learners, inputs, targets, repeats, BATCH, batched=True)
    row = {"seed": seed, "accuracy": result.objectives["accuracy"],
           "silent": result.metrics["test_activity_sparsity"], "no_event": result.metrics["test_event_sparsity"],
           "live_units": int(live.size), "units": cell.n_units,
           "sparse_macs": macs["sparse"], "dense_macs": macs["dense"], "live_dense_macs": macs["live"],
           "mac_ratio": macs["dense"] / macs["sparse"], "mac_ratio_vs_live": macs["live"] / macs["sparse"]}
    _speedups(row, "batch_", wall, cpu)
    row["batch_load"] = [load_batches, os.getloadavg()[0]]
    # the one-sequence learners, sequence by sequence (the previous definition), in the same run
    load_before = os.getloadavg()[0]
    wall, cpu, macs_one, losses = time_interleaved(learners, inputs, targets, repeats)
    for name in learners:   # the batch gives each sequence the one-sequence rule's MACs and (to rounding) loss
        assert macs_one[name] == macs[name] and np.allclose(batch_losses[name], losses[name], rtol=1e-12)
    assert np.allclose(losses["sparse"], losses["dense"]) and np.allclose(losses["live"], losses["dense"])
    _speedups(row, "", wall, cpu)
    row["load"] = [load_before, os.getloadavg()[0]]
    # the same, with turns of TURN sequences (each learner's caches as in training)
    load_turns = os.getloadavg()[0]
    wall, cpu, _, _ = time_interleaved(learners, inputs, targets, repeats, TURN)
    _speedups(row, "turns_", wall, cpu)
    row["turns_load"] = [load_turns, os.getloadavg()[0]]
    # the same runs with the BLAS products skipped (wrong gradients, timing only): the per-step work that
    # does not shrink with the MACs (forward pass, gathers, immediate influence, numpy calls)
    from l2l.simulators.rtrl import kernels
    product = kernels.accumulate
    kernels.accumulate = lambda target, left, right, overwrite=False: None
    try:
        _, fixed, _, _ = time_interleaved(learners, inputs, targets, 2)
        _, batch_fixed, _, _ = time_interleaved(batch_learners, inputs, targets, 2, BATCH, batched=True)
    finally:
        kernels.accumulate = product
    for name, key in (("sparse", "sparse"), ("dense", "dense"), ("live", "live_dense")):
        row[f"cpu_{key}_fixed_us"] = 1e6 * float(np.median(fixed[name]))
        row[f"batch_cpu_{key}_fixed_us"] = 1e6 * float(np.median(batch_fixed[name]))
    for prefix in ("", "batch_"):
        row[prefix + "cpu_products_speedup"] = (
            (row[prefix + "cpu_dense_us"] - row[prefix + "cpu_dense_fixed_us"])
            / (row[prefix + "cpu_sparse_us"] - row[prefix + "cpu_sparse_fixed_us"]))
    return row


def trained_table(seeds, epochs: int, penalty: float, learning_rate: float, sequences: int, repeats: int):
    print(f"\nEGRUs trained on the digits ({epochs} epochs at learning rate {learning_rate}, activity penalty "
          f"{penalty:g}{', budget 1' if penalty > 0 else ''}, 64 units); RTRL over the first {sequences} test "
          f"digits (9 steps each), "
          f"{repeats} repeats; medians over the repeats [min, max of the per-repeat time ratio]; 'follows' = "
          f"speed-up / MAC ratio (target >= {FOLLOW}); load = 1-minute load average before/after on this "
          f"2-core machine")
    print(f"\nBatched learners (BatchRTRL, batches of {BATCH} sequences; the rules alternate batch by batch, "
          f"the order rotating): the headline, targets_met")
    print("| seed | test accuracy | silent | live units | sparse MACs/step | dense MACs/step | MAC ratio "
          "| sparse us/step | dense us/step | speed-up (wall) | follows | speed-up (CPU time) | follows (CPU) "
          "| live-units dense: MAC ratio | its time ratio | load |")
    print("|" + "---|" * 16)
    single, split, turns = [], [], []
    rows = []
    for seed in seeds:
        row = trained_row(seed, epochs, penalty, learning_rate, sequences, repeats)
        rows.append(row)
        print(f"| {seed} | {row['accuracy']:.3f} | {row['silent']:.3f} | {row['live_units']} of {row['units']} "
              f"| {row['sparse_macs']:,.0f} | {row['dense_macs']:,.0f} | {row['mac_ratio']:.2f}x "
              + _timing_cells(row, "batch_") + f"| {row['mac_ratio_vs_live']:.2f}x "
              f"| {row['batch_speedup_vs_live']:.2f}x | {row['batch_load'][0]:.1f} / {row['batch_load'][1]:.1f} |",
              flush=True)
        single.append(f"| {seed} " + _timing_cells(row, "") + f"| {row['speedup_vs_live']:.2f}x "
                      f"| {row['load'][0]:.1f} / {row['load'][1]:.1f} |")
        turns.append(f"| {seed} " + _timing_cells(row, "turns_") + f"| {row['turns_speedup_vs_live']:.2f}x "
                     f"| {row['turns_load'][0]:.1f} / {row['turns_load'][1]:.1f} |")
        split.append(f"| {seed} | {row['cpu_sparse_us']:,.0f} | {row['cpu_sparse_fixed_us']:,.0f} "
                     f"| {row['cpu_dense_us']:,.0f} | {row['cpu_dense_fixed_us']:,.0f} "
                     f"| {row['cpu_products_speedup']:.2f}x | {row['batch_cpu_sparse_us']:,.0f} "
                     f"| {row['batch_cpu_sparse_fixed_us']:,.0f} | {row['batch_cpu_dense_us']:,.0f} "
                     f"| {row['batch_cpu_dense_fixed_us']:,.0f} | {row['batch_cpu_products_speedup']:.2f}x "
                     f"| {row['mac_ratio']:.2f}x |")
    header = ("| seed | sparse us/step | dense us/step | speed-up (wall) | follows | speed-up (CPU time) "
              "| follows (CPU) | over live-units dense | load |")
    print("\nOne-sequence learners (RTRL), the rules alternating sequence by sequence (same run, just after): "
          "targets_met_sequences")
    print(header + "\n|" + "---|" * 9)
    print("\n".join(single))
    print(f"\nOne-sequence learners taking turns of {TURN} sequences (same run, just after): targets_met_turns")
    print(header + "\n|" + "---|" * 9)
    print("\n".join(turns))
    print("\nCPU time per step (us) split: total, and with the BLAS products skipped (the rest of the step); "
          "one-sequence learners sequence by sequence, then batched")
    print("| seed | sparse | sparse without products | dense | dense without products | products alone: speed-up "
          "| batched: sparse | without products | dense | without products | products alone: speed-up "
          "| MAC ratio |")
    print("|" + "---|" * 12)
    print("\n".join(split) + "\n")
    return rows


def _timing_cells(row: dict, prefix: str) -> str:
    return (f"| {row[prefix + 'sparse_us']:,.0f} | {row[prefix + 'dense_us']:,.0f} "
            f"| {row[prefix + 'speedup']:.2f}x [{row[prefix + 'speedup_range'][0]:.2f}, "
            f"{row[prefix + 'speedup_range'][1]:.2f}] | {row[prefix + 'follows']:.2f} "
            f"| {row[prefix + 'cpu_speedup']:.2f}x [{row[prefix + 'cpu_speedup_range'][0]:.2f}, "
            f"{row[prefix + 'cpu_speedup_range'][1]:.2f}] | {row[prefix + 'cpu_follows']:.2f} ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, shorter memory sweep")
    parser.add_argument("--no-trained", action="store_true", help="skip the trained digits network")
    parser.add_argument("--epochs", type=int, default=20, help="training epochs of the digits network")
    parser.add_argument("--penalty", type=float, default=PENALTY, help="its activity penalty")
    parser.add_argument("--learning-rate", type=float, default=0.005, help="its learning rate")
    parser.add_argument("--sequences", type=int, default=40, help="test digits timed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102], help="training seeds")
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats (interleaved rules)")
    parser.add_argument("--steps", type=int, default=60, help="time steps per timing run")
    parser.add_argument("--no-synthetic", action="store_true", help="only the trained digits networks")
    args = parser.parse_args()
    begin = time.perf_counter()
    steps = 20 if args.quick else args.steps
    lengths = (100, 1000) if args.quick else (100, 1000, 10000)
    rows, memory, headline = [], [], None
    if not args.no_synthetic:
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
    trained = None if args.no_trained else trained_table(
        args.seeds, args.epochs, args.penalty, args.learning_rate, 10 if args.quick else args.sequences,
        2 if args.quick else args.repeats)
    figures = {}
    if trained:
        figures = {"trained": [{key: round(value, 3) if isinstance(value, float) else value
                                for key, value in row.items()} for row in trained],
                   "follow_target": FOLLOW}
        for prefix, name in (("batch_", ""), ("", "_sequences"), ("turns_", "_turns")):
            figures[f"trained_min_follows{name}"] = round(min(row[prefix + "follows"] for row in trained), 3)
            figures[f"trained_min_cpu_follows{name}"] = round(min(row[prefix + "cpu_follows"] for row in trained), 3)
            # wall-clock follows the operations saved on every seed: speed-up >= FOLLOW x MAC ratio, at >= 80 %
            # silence, and sparse RTRL faster than dense RTRL of the live units
            figures[f"targets_met{name}"] = bool(all(
                row[prefix + "follows"] >= FOLLOW and row["silent"] >= 0.8 and row[prefix + "speedup_vs_live"] > 1.0
                for row in trained))
    if headline is not None:
        figures.update({
            "speedup_sparse_vs_dense_rtrl_n64_s0.9_d0.2": round(headline["speedup"], 1),
            "mac_ratio_dense_vs_sparse_n64_s0.9_d0.2": round(headline["mac_ratio"], 1),
            "measured_sparsity_n64_s0.9": round(headline["measured_sparsity"], 3),
            "max_mac_model_relative_error": max(r["model_error"] for r in rows),
            "sparse_rtrl_peak_bytes": {r["length"]: r["sparse_rtrl"] for r in memory},
            "dense_rtrl_peak_bytes": {r["length"]: r["dense_rtrl"] for r in memory},
            "bptt_peak_bytes": {r["length"]: r["bptt"] for r in memory}})
    print(json.dumps({**figures, "seconds": round(time.perf_counter() - begin, 1)}))


if __name__ == "__main__":
    main()
