"""A refused ``l2l submit`` (sbatch says no: a partition that does not exist) leaves nothing behind: the job script
it wrote (NAME.h5.submit.sh) is removed, an earlier submission's script is put back as it was, the folders it
made for --out are removed, and the one error line says so. Against the real single-node SLURM."""

from __future__ import annotations

import pytest

from l2l.cli import main
from slurm_helpers import require_slurm
from test_submit_existing import RUN
from test_slurm import write_toml

PARTITION = "no-such-partition-ux22"


@pytest.mark.slurm
def test_a_refused_submission_removes_the_script_it_wrote(tmp_path, capsys):
    require_slurm()
    config = write_toml(tmp_path / "c.toml", RUN)
    out = tmp_path / "new" / "deeper" / "outer.h5"
    assert main(["submit", str(config), "--out", str(out), "--partition", PARTITION]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("l2l: error: sbatch failed") and PARTITION in err[0], err
    assert err[0].endswith("nothing was submitted and outer.h5.submit.sh is removed (--dry-run prints the script)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]  # no script, no folders made for it

    earlier = tmp_path / "outer.h5.submit.sh"  # an earlier submission's script stays as it was
    earlier.write_text("#!/bin/bash\n# an earlier job's script\n")
    assert main(["submit", str(config), "--out", str(tmp_path / "outer.h5"), "--partition", PARTITION]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith("outer.h5.submit.sh is as it was (--dry-run prints the script)"), err
    assert earlier.read_text() == "#!/bin/bash\n# an earlier job's script\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "outer.h5.submit.sh"]
