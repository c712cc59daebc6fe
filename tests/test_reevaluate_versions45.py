"""``l2l reevaluate`` says where it runs other versions (numpy, l2l...) than the run's last session did.

A reviewer re-evaluates the authors' file on another machine, or a lab mate a year later after an upgrade: the fresh
seeds' means may then differ from the run's values for that reason alone, and the re-evaluation rows record no
versions. Before, nothing was said (a resume records the difference in its event; a re-evaluation records none).
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py

import l2l
import l2l.reevaluate


def bowl(params, seed):
    return float(params["x"] ** 2)


def test_other_versions_than_the_last_session_are_named(tmp_path, capsys):
    config = {"run": {"seed": 4, "generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": "python", "optimizer": {"name": "random", "population_size": 3},
              "backend": {"name": "serial"}}
    path = Path(l2l.run(config, tmp_path / "run.h5", simulator=bowl, progress=False))
    capsys.readouterr()
    l2l.reevaluate.reevaluate(path, top=1, seeds=1, simulator=bowl, progress=False)
    assert "other versions" not in capsys.readouterr().err  # the versions the run ran: nothing said

    with h5py.File(path, "r+") as f:  # as the authors' numpy and l2l recorded it
        recorded = json.loads(f["run"].attrs["versions"])
        now = dict(recorded)
        recorded.update(numpy="1.26.4", l2l="0.0.9", l2l_source="0" * 40, platform="Darwin-23.1.0-arm64")
        f["run"].attrs["versions"] = json.dumps(recorded)
    l2l.reevaluate.reevaluate(path, top=1, seeds=2, simulator=bowl, progress=False)
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "other versions than the run's last session" in line]
    assert len(notes) == 1, err  # was: nothing said
    assert f"(l2l 0.0.9 -> {now['l2l']}, numpy 1.26.4 -> {now['numpy']})" in notes[0], notes[0]
    assert "l2l_source" not in notes[0] and "Darwin" not in notes[0]  # a checkout's commit, the kernel: not named
    assert len(l2l.load(path, reevaluations=True)) == 2
