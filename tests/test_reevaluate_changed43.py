"""Re-evaluation rows of a model whose code changed since the run, accepted with ``--accept-changed-model``,
record which code they ran (``/reevaluations/model``), and ``l2l show`` says so under the ranking.

Before, the acceptance was a warning line and nothing more: the file held the changed model's rows beside the run's
own, and ``l2l show``, ``compare`` and ``l2l.load(..., reevaluations=True)`` could not tell them apart.
"""

from __future__ import annotations

import hashlib

import h5py
from test_reevaluate_model42 import MODEL, _run  # the same run of the same model

import l2l


def test_rows_of_an_accepted_changed_model_are_recorded_and_said(tmp_path, l2l_here):
    path = _run(tmp_path)
    same = l2l_here("reevaluate", path, "--top", 2, "--seeds", 2, "--no-progress", cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    assert "other than the run's" not in same.stdout

    changed = MODEL.replace("0.3", "0.5")
    (tmp_path / "models.py").write_text(changed)
    digest = hashlib.sha256(changed.encode()).hexdigest()
    accepted = l2l_here("reevaluate", path, "--top", 2, "--seeds", 3, "--no-progress", "--accept-changed-model",
                        cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr

    rows = l2l.load(path, reevaluations=True)
    assert len(rows) == 6
    assert rows["model"].isna().sum() == 4  # the run's own code: nothing recorded
    assert list(rows.loc[rows["repeat"] == 2, "model"]) == [digest, digest]
    assert l2l.validate(path) == []

    line = (f"note: 2 of the 6 re-evaluations (2 candidates) ran model code other than the run's (sha256 "
            f"{digest[:16]}…; accepted with --accept-changed-model)")
    assert line in accepted.stdout, accepted.stdout  # under the re-evaluation's own ranking
    shown = l2l_here("show", path, cwd=tmp_path)
    assert shown.returncode == 0 and line in shown.stdout, shown.stdout


def test_a_group_of_an_older_l2l_gains_the_column_and_a_wrong_value_is_named(tmp_path, l2l_here):
    path = _run(tmp_path)
    assert l2l_here("reevaluate", path, "--top", 1, "--seeds", 1, "--no-progress", cwd=tmp_path).returncode == 0
    with h5py.File(path, "r+") as f:  # as an l2l before the column wrote it
        del f["reevaluations/model"]
    assert l2l.validate(path) == []
    assert l2l.load(path, reevaluations=True)["model"].isna().all()

    (tmp_path / "models.py").write_text(MODEL.replace("0.3", "0.6"))
    again = l2l_here("reevaluate", path, "--top", 1, "--seeds", 2, "--no-progress", "--accept-changed-model",
                     cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert l2l.load(path, reevaluations=True)["model"].notna().tolist() == [False, True]
    assert l2l.validate(path) == []

    with h5py.File(path, "r+") as f:
        f["reevaluations/model"][0] = b"not a digest"
    assert l2l.validate(path) == ["/reevaluations/model is neither empty nor 64 hexadecimal digits in 1 row "
                                  "(first: row 0)"]


def test_a_changed_model_in_another_folder_is_recorded_too(tmp_path, l2l_here):
    """--model-dir DIR --accept-changed-model: a reviewer's copy of the model that is not the run's code."""
    run_folder, copy = tmp_path / "run", tmp_path / "copy"
    run_folder.mkdir()
    copy.mkdir()
    path = _run(run_folder)
    changed = MODEL.replace("0.3", "0.7")
    (copy / "models.py").write_text(changed)
    (run_folder / "models.py").unlink()  # the run's folder without its model: the reviewer has the copy only
    accepted = l2l_here("reevaluate", path, "--top", 1, "--seeds", 2, "--no-progress", "--model-dir", copy,
                        "--accept-changed-model", cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    assert l2l.load(path, reevaluations=True)["model"].tolist() == [hashlib.sha256(changed.encode()).hexdigest()] * 2

    (copy / "models.py").write_text(MODEL)  # the run's own code: nothing recorded
    again = l2l_here("reevaluate", path, "--top", 1, "--seeds", 3, "--no-progress", "--model-dir", copy, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert l2l.load(path, reevaluations=True)["model"].isna().tolist() == [False, False, True]
