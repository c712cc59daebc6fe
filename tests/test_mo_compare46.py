"""``l2l compare`` of runs of several objectives: what it says of runs of different model code, and of a
hypervolume of 0.

* Two runs of one ``python`` simulator whose model file differs (the file edited between them) were compared
  without a word, as if one model had been searched twice; the model line of ``l2l show`` has the hashes, compare
  now says they differ (a copy of the same file elsewhere is the same model: nothing said).
* The hypervolume's reference point is the worst value of each objective over all compared results, so a run
  whose best rate is the worst of all (a constant rate) or runs whose members all returned the same values got
  0 in the table without a word, as if they had found nothing.
"""

from __future__ import annotations

from pathlib import Path

import l2l

MODEL = '''
import numpy as np

def simulate(params, seed):
    rng = np.random.default_rng(seed)
    g = float(params["gain"])
    return {"err": float(np.exp(-2 * g) + abs(rng.normal(0, 0.01))), "rate": float(RATE)}
'''


def _run(tmp_path: Path, folder: str, rate: str, seed: int = 1) -> Path:
    where = tmp_path / folder
    where.mkdir()
    (where / "ratemodel.py").write_text(MODEL.replace("RATE", rate))
    config = {"run": {"name": "mo", "seed": seed, "generations": 1}, "space": {"gain": {"low": 0.0, "high": 3.0}},
              "simulator": {"name": "python", "function": "ratemodel:simulate", "path": str(where)},
              "optimizer": {"name": "random", "population_size": 4},
              "objectives": [{"name": "err", "direction": "minimize"}, {"name": "rate", "direction": "maximize"}],
              "backend": {"name": "serial"}}
    return Path(l2l.run(config, where / "run.h5", progress=False))


def _notes(*paths: Path) -> tuple[list[str], dict]:
    """The note lines ``l2l compare PATHS`` prints under its table, and the table's hypervolume of each run (as
    l2l compare's command makes them, without drawing the figure)."""
    from l2l.plot.compare_hypervolume import hypervolume_note
    from l2l.plot.compare_runs import common_objectives
    from l2l.plot.comparison_table import _table, changed_model_notes
    from l2l.plot.data import load_run

    runs = [load_run(path, errors=False) for path in paths]
    shared = common_objectives(runs)
    table = _table(runs, shared)
    notes = [note for note in (hypervolume_note(runs, shared), *changed_model_notes(runs)) if note]
    return notes, dict(zip(table["run"], table["hypervolume"]))


def test_runs_of_different_model_code_are_said(tmp_path):
    a = _run(tmp_path, "a", "10 * g + rng.normal(0, 0.1)")
    b = _run(tmp_path, "b", "8 * g + rng.normal(0, 0.1)", seed=2)  # the model edited: another rate
    same = _run(tmp_path, "c", "10 * g + rng.normal(0, 0.1)", seed=3)  # a's model, copied to another folder
    notes, _ = _notes(a, b, same)
    differ = [line for line in notes if "different model code" in line]
    assert len(differ) == 1, notes  # was: nothing said
    assert "a/run.h5], mo (random) [c/run.h5]: ratemodel.py sha256 " in differ[0], differ[0]
    assert "mo (random) [b/run.h5]: ratemodel.py sha256 " in differ[0], differ[0]
    notes, _ = _notes(a, same)
    assert not [line for line in notes if "model code" in line], notes


def test_a_hypervolume_of_zero_says_why(tmp_path):
    flat = _run(tmp_path, "flat", "3.0")  # a constant rate: the worst of all compared results
    moving = _run(tmp_path, "moving", "10 * g + 3.5", seed=2)
    notes, volumes = _notes(flat, moving)
    assert volumes["mo (random) [flat/run.h5]"] == 0.0 and volumes["mo (random) [moving/run.h5]"] > 0, volumes
    hypervolume = [line for line in notes if line.startswith("note: hypervolume")]
    assert len(hypervolume) == 1, notes
    assert "a hypervolume of 0 (mo (random) [flat/run.h5]: its best rate is the worst of the compared results" \
        in hypervolume[0], hypervolume[0]  # was: a 0 in the table, nothing said
    assert "[moving/run.h5]:" not in hypervolume[0]

    # a rate constant in every run compared: every front is 0 wide there, whatever err reached
    again = _run(tmp_path, "again", "3.0", seed=5)
    notes, volumes = _notes(flat, again)
    assert set(volumes.values()) == {0.0}, volumes
    assert any("every hypervolume is 0: rate (always 3) took one value in every result compared" in line
               for line in notes), notes


def _err_acc(params, seed):
    err = float((params["gain"] - 1.0) ** 2)
    return {"err": err, "acc": 1.0 - err}


def test_a_front_of_one_candidate_is_one_candidate_in_the_legend_and_title(tmp_path):
    from l2l import plot

    config = {"run": {"name": "one", "seed": 1, "generations": 2}, "space": {"gain": {"low": 0.0, "high": 3.0}},
              "simulator": "python",  # the GA's elite is evaluated again: the front is of means
              "optimizer": {"name": "ga", "population_size": 4, "weights": [1.0, 1.0]},
              "objectives": [{"name": "err", "direction": "minimize"}, {"name": "acc", "direction": "maximize"}],
              "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "one.h5", simulator=_err_acc, progress=False)
    assert len(l2l.front(path)) == 1  # err and acc move together: one candidate beats every other on both
    figure = plot.pareto(path)
    texts = [text.get_text() for ax in figure.axes if ax.get_legend() for text in ax.get_legend().get_texts()]
    assert "Pareto front (1 candidate, repeats averaged)" in texts, texts  # was: (1 candidates, ...)
    title = " ".join(figure._suptitle.get_text().split())  # the title wraps where it is long
    assert title.startswith("one: ga on python: 1 non-dominated candidate (a candidate evaluated more than once at "
                            "its means) of 8 successful"), title  # was: 1 non-dominated candidates
    import matplotlib.pyplot as plt

    plt.close(figure)
