"""The progress bar of a policy run (not a one-line sweep) counts its candidates so that the counts cannot be read
as every state: '16 of 989 candidates completed, 0 running, best value=0.2662'. Before, it said '989 candidates:
0 running, 16 completed best value=0.2662', a list of states after a colon that left out the 973 paused (and any
stopped) ones, and ran 'running' into 'best'. A sweep's bar ('40 started, 0 running, 1 completed, 39 stopped, ...')
lists every state and keeps its words, now with a comma before the best.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import l2l
import l2l.progress


@pytest.fixture
def postfixes(monkeypatch) -> list[str]:
    """The texts beside the bar's figures, in order."""
    texts: list[str] = []
    original = l2l.progress.progress_text

    def noting(*args, **kwargs):
        texts.append(original(*args, **kwargs))
        return texts[-1]

    monkeypatch.setattr(l2l.progress, "progress_text", noting)
    return texts


def _config(run: dict, **policy) -> l2l.RunConfig:
    return l2l.from_mapping({"run": {"name": "counts", "seed": 1, **run}, **policy,
                             "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
                             "optimizer": {"name": "random", "population_size": 20},
                             "simulator": {"name": "sphere", "multi_fidelity": True},
                             "backend": {"name": "serial"}})


def test_an_asha_run_s_bar_counts_the_completed_of_all_its_candidates(tmp_path, postfixes):
    path = Path(l2l.run(_config({"compute": 600}, policy={"name": "asha"}), tmp_path / "asha.h5", progress=True))
    frame = l2l.load(path)  # one row per candidate, with its state
    completed, started = int((frame["state"] == "completed").sum()), len(frame)
    assert 0 < completed < started  # most are paused: the old bar's states did not add up
    last = postfixes[-1]
    assert re.fullmatch(rf"{completed} of {started} candidates completed, 0 running, best value=\S+", last), last
    assert all(re.match(r"\d+ of \d+ candidates? completed, \d+ running(, best value=\S+)?$", text)
               for text in postfixes if "running" in text), postfixes


def test_a_sweep_s_bar_lists_every_state_then_the_best_after_a_comma(tmp_path, postfixes):
    l2l.run(_config({"generations": 2, "policy": "hyperband"}), tmp_path / "sweep.h5", progress=True)
    assert re.fullmatch(r"40 started, 0 running, 1 completed, 39 stopped, \d+ synthetic budget units, "
                        r"best value=\S+", postfixes[-1]), postfixes[-1]
