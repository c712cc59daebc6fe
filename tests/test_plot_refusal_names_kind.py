"""``l2l plot --kind schedules`` on a run it cannot draw names the kind asked for, not ``lineage``."""

from __future__ import annotations

import l2l
from l2l.cli import main


def test_the_schedules_refusal_names_schedules(tmp_path, capsys):
    plain = l2l.run(l2l.from_mapping({"run": {"name": "g", "generations": 1},
                                      "space": {"learning_rate": {"low": 1e-3, "high": 0.19}},
                                      "optimizer": {"name": "random", "population_size": 2},
                                      "simulator": {"name": "noisy-sgd"}, "backend": {"name": "serial"}}),
                    tmp_path / "g.h5", progress=False)
    for kind in ("schedules", "lineage"):
        assert main(["plot", str(plain), "--kind", kind, "-o", str(tmp_path / f"{kind}.png")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("l2l: error: ") and f"{kind} plots need" in err[0], err
