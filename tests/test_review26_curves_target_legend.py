"""The learning curves of a run that ended by reaching its run.target: the candidates it left below the top budget
read as stopped (as ``l2l show`` counts them), and the legend no longer says the policy stopped them all (before:
'stopped by the policy (15)' of an asha run, which stops none of its own: it leaves them paused)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import l2l  # noqa: E402
from test_run_target import policy_config  # noqa: E402


def _legend(path) -> list[str]:
    from l2l.plot.curves import curves_figure

    figure = curves_figure(str(path))
    return [t.get_text() for t in figure.axes[0].get_legend().get_texts()]


def test_the_candidates_a_reached_target_left_are_not_said_stopped_by_the_policy(tmp_path):
    reached = l2l.run(policy_config("models_compute_limit:curve", 6.0), tmp_path / "reached.h5", progress=False)
    assert l2l.load(reached).attrs["target"] is not None
    stopped = [t for t in _legend(reached) if t.startswith("stopped")]
    assert len(stopped) == 1 and stopped[0].startswith("stopped by the policy, or left as the run reached its "
                                                       "target ("), stopped
