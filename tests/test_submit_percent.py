"""``l2l submit --out`` with a '%' in the path: sbatch reads the job's log name beside it (OUT.slurm-%j.log) as a
pattern, so the log went elsewhere; refused in one line before anything is written (the run backends refuse it
since dea1e8f)."""

from __future__ import annotations

from l2l.cli import main
from test_slurm import write_toml
from test_submit_existing import RUN


def test_submit_refuses_an_output_path_with_a_percent_sign(tmp_path, capsys):
    config = write_toml(tmp_path / "c.toml", RUN)
    out = tmp_path / "runs%j" / "outer.h5"
    assert main(["submit", str(config), "--out", str(out), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("l2l: error: l2l submit: --out "), err
    assert "contains '%'" in err[0] and "choose an --out without '%'" in err[0], err
    assert not out.parent.exists()
