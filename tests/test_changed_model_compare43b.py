"""``l2l compare`` and ``l2l report`` say where a run's re-evaluations ran model code other than the run's.

``l2l reevaluate --accept-changed-model`` records the changed code's sha256 in each row, and ``l2l show`` says it
under the ranking; before, ``l2l compare`` printed such a run's re-evaluated value beside another run's (of the
run's own code) without a word, and the report's re-evaluation section said nothing either.
"""

from __future__ import annotations

from pathlib import Path

import h5py

import l2l
import l2l.reevaluate

DIGEST = "ab" * 32


def bowl(params, seed):
    return float(params["x"] ** 2)


def _reevaluated(tmp_path: Path, name: str, changed: bool) -> Path:
    config = {"run": {"seed": 1, "generations": 2}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": "python", "optimizer": {"name": "random", "population_size": 3},
              "backend": {"name": "serial"}}
    path = Path(l2l.run(config, tmp_path / name, simulator=bowl, progress=False))
    l2l.reevaluate.reevaluate(path, top=2, seeds=2, simulator=bowl, progress=False)
    if changed:  # as --accept-changed-model records the rows of changed code: the first candidate's two
        with h5py.File(path, "r+") as f:
            f["reevaluations/model"][:2] = DIGEST.encode()
    return path


def test_compare_and_report_say_which_run_re_evaluated_changed_code(tmp_path, l2l_here):
    own, changed = _reevaluated(tmp_path, "own.h5", False), _reevaluated(tmp_path, "changed.h5", True)
    assert l2l.validate(changed) == []
    line = (f"2 of the 4 re-evaluations (1 candidate) ran model code other than the run's (sha256 {DIGEST[:16]}…; "
            f"accepted with --accept-changed-model)")
    compared = l2l_here("compare", own, changed, cwd=tmp_path)
    assert compared.returncode == 0, compared.stderr
    said = [text for text in compared.stdout.splitlines() if "other than the run's" in text]
    assert len(said) == 1 and "[changed.h5]: " + line in said[0], compared.stdout  # was: nothing said

    assert l2l_here("report", changed, cwd=tmp_path).returncode == 0
    assert line.replace("'", "&#x27;") in (tmp_path / "changed.html").read_text()  # was: nothing said
