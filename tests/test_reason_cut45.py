"""A reason too long for the failure line (l2l show), the closing line of a run whose every evaluation failed, or
the stop-after-failures line is cut between two words, not in one ('... so the ru...')."""

from __future__ import annotations

import re

import l2l
from conftest import make_config
from l2l.summary import finished_text

WORDS = ("the membrane potential of neuron group excitatory diverged after the synaptic weights were rescaled by "
         "the homeostatic rule so the run was abandoned before the first readout of spikes could be recorded")
MESSAGE = f"RuntimeError: {WORDS}"


def long_reason(params, seed):
    raise RuntimeError(WORDS)


def _kept(line: str) -> str:
    return re.search(r'× "(.*?)\.\.\."', line).group(1)


def test_a_long_reason_is_cut_between_words(tmp_path, capsys):
    config = make_config(run={"name": "cut", "generations": 1}, optimizer={"name": "random", "population_size": 2},
                         simulator={"name": "python"})
    path = l2l.run(config, tmp_path / "cut.h5", simulator=long_reason)
    kept = _kept(finished_text(path, 1.0).splitlines()[1])
    assert MESSAGE.startswith(kept + " ") and len(kept) > 100, kept  # was '... the first re...'
    closing = next(line for line in capsys.readouterr().err.splitlines() if "every evaluation" in line)
    kept = _kept(closing)
    assert MESSAGE.startswith(kept + " ") and len(kept) > 120, closing  # was '... so the ru...'


def test_the_stop_after_failures_reason_is_cut_between_words():
    from l2l.driver_failures import FailureWatch

    watch = FailureWatch(lambda: 2, "evaluation")
    for _ in range(2):
        watch.saw("failed", f"Traceback (most recent call last):\n{MESSAGE}\n", ever_succeeded=False)
    kept = watch.detail(2)["failures"]["error"]
    assert kept.endswith("...") and MESSAGE.startswith(kept[:-3] + " "), kept  # was '... so the ru...'
