"""On the ``serial`` backend a training function gets a checkpoint of its own, and what it returns is kept as returned.

A user's training loop updates its weights in place (``w = checkpoint["w"]; w -= lr * grad``), or returns the
arrays of a model object it keeps and changes later. The ``local`` and SLURM backends pickle checkpoints to and
from their workers, so neither can touch what the run stores; ``serial`` handed the function the very object it
had returned at its previous budget, still waiting in memory to be written with that row. The stored checkpoint
of a row was then the state of a later segment (trial 0's row at 1 epoch held the weights after 9), and a
``kill -9`` and ``l2l resume`` continued from it: not the run that was never interrupted.
"""

from __future__ import annotations

import numpy as np

import l2l
from l2l.simulators import SimulationResult


def train_in_place(params, seed, budget, checkpoint=None):
    """The state is ``[budget reached, segments so far]``, updated in place as a training loop updates weights."""
    state = np.zeros(2) if checkpoint is None else checkpoint["state"]
    state[0] = budget
    state[1] += 1
    loss = float(params["lr"] / budget)
    return SimulationResult(objectives={"loss": loss}, curve={"loss": [[budget, loss]]}, checkpoint={"state": state})


class Model:
    """A model object the function keeps between calls, whose arrays it returns without copying."""

    weights = np.zeros(2)


def train_shared_model(params, seed, budget, checkpoint=None):
    Model.weights[:] = (0.0, 0.0) if checkpoint is None else checkpoint["state"]
    Model.weights[0] = budget
    Model.weights[1] += 1
    loss = float(params["lr"] / budget)
    return SimulationResult(objectives={"loss": loss}, curve={"loss": [[budget, loss]]},
                            checkpoint={"state": Model.weights})


def run(tmp_path, function, name: str) -> str:
    config = l2l.from_mapping({
        "run": {"name": name, "seed": 3, "generations": 1, "policy": "asha"},
        "space": {"lr": {"type": "float", "low": 0.001, "high": 0.9, "log": True}},
        "optimizer": {"name": "random", "population_size": 9},
        "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"},
    })
    return l2l.run(config, str(tmp_path / f"{name}.h5"), simulator=function, progress=False)


def stored_states(path: str) -> list[tuple[int, float, float, list[float]]]:
    """(trial, from_budget, budget, the state its stored checkpoint holds) of every row of the file."""
    with l2l.Trajectory(path) as trajectory:
        columns = trajectory._columns(("trial", "from_budget", "budget"), trajectory.n_evaluations)
        return [(int(columns["trial"][row]), float(columns["from_budget"][row]), float(columns["budget"][row]),
                 [float(value) for value in trajectory.checkpoint(row)["state"]])
                for row in range(trajectory.n_evaluations)]


def check(path: str) -> None:
    rows = stored_states(path)
    assert any(from_budget > 0 for _, from_budget, _, _ in rows), "no segment continued from a checkpoint"
    segments_before: dict[int, int] = {}
    for trial, _, budget, state in sorted(rows, key=lambda r: (r[0], r[2])):
        segments_before[trial] = segments_before.get(trial, 0) + 1
        assert state == [budget, segments_before[trial]], (trial, budget, state)


def test_a_function_that_trains_its_checkpoint_in_place_leaves_the_stored_rows_as_they_were(tmp_path):
    check(run(tmp_path, train_in_place, "in-place"))


def test_a_function_that_returns_its_model_arrays_and_changes_them_later_leaves_the_stored_rows(tmp_path):
    check(run(tmp_path, train_shared_model, "shared-model"))


def test_the_continuation_gets_the_values_it_returned(tmp_path):
    """The copy changes nothing a well-behaved function sees: the same results as a function that copies."""

    def train_copying(params, seed, budget, checkpoint=None):
        copied = None if checkpoint is None else {"state": np.array(checkpoint["state"], copy=True)}
        return train_in_place(params, seed, budget, copied)

    mutating = l2l.load(run(tmp_path, train_in_place, "mutating"), segments=True)
    copying = l2l.load(run(tmp_path, train_copying, "copying"), segments=True)
    columns = ["trial", "from_budget", "budget", "loss", "state"]
    assert len(mutating) > 9 and mutating[columns].equals(copying[columns])
