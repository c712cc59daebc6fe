"""``l2l show`` says where the model file a run hashed is still there but edited since.

A lab mate a year later reads the run's ``model`` line (the file and its sha256) beside a model file that has been
edited since: before, nothing told them the two differ (only ``l2l reevaluate`` refused, once run); they had to
``sha256sum`` the file by hand. A file that is gone (the run came from another machine) is not mentioned.
"""

from __future__ import annotations

import hashlib
import sys

import l2l

MODEL = "def simulate(params, seed):\n    return float(params['x'] ** 2)\n"


def _model_line(path) -> str:
    """``l2l show``'s model line, as it prints it (l2l.summary.text), read in this process."""
    from l2l.provenance import provenance_lines
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:
        return dict(provenance_lines(trajectory))["model"]


def test_an_edited_model_file_is_said_on_the_model_line(tmp_path):
    (tmp_path / "edited_bowl45.py").write_text(MODEL)
    config = {"run": {"seed": 1, "generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": {"name": "python", "function": "edited_bowl45:simulate", "path": str(tmp_path)},
              "optimizer": {"name": "random", "population_size": 2}, "backend": {"name": "serial"}}
    try:
        path = l2l.run(config, tmp_path / "run.h5", progress=False)
    finally:
        sys.modules.pop("edited_bowl45", None)
    assert "edited_bowl45.py sha256" in _model_line(path) and "now differs" not in _model_line(path)  # as it ran

    edited = MODEL.replace("** 2", "** 4")
    (tmp_path / "edited_bowl45.py").write_text(edited)
    now = hashlib.sha256(edited.encode()).hexdigest()[:16]
    line = _model_line(path)
    assert f"; the file there now differs: edited_bowl45.py sha256 {now} (edited since the run" in line, \
        line  # was: the recorded hash alone

    (tmp_path / "edited_bowl45.py").unlink()  # gone, as on another machine: nothing said
    assert "now differs" not in _model_line(path)
