"""``l2l watch`` of a run finished in under ten seconds gives its time to a tenth of a second. Before, a run of
0.7 s read 'finished ... after 0 s' above 'evaluations  608 done, 859 per second': a rate over no time."""

from __future__ import annotations

import re

from conftest import l2l_cli

import l2l


def test_a_sub_second_run_is_not_said_to_have_run_0_s(tmp_path):
    config = l2l.from_mapping({"run": {"name": "quick", "seed": 1, "generations": 2},
                               "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "random", "population_size": 4},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "quick.h5", progress=False)
    watched = l2l_cli("watch", path, "--once", cwd=tmp_path)
    assert watched.returncode == 0, watched.stderr
    status = next(line for line in watched.stdout.splitlines() if line.startswith("status"))
    assert re.fullmatch(r"status +finished \S+ \S+ after \d\.\d s", status), status
    rate = next(line for line in watched.stdout.splitlines() if line.startswith("evaluations"))
    assert rate.startswith("evaluations  8 done, "), rate
