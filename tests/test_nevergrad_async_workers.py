"""``nevergrad`` in ``run.mode = 'async'`` keeps at most num_workers candidates asked and untold; the asynchronous
loop keeps two per worker out at once.

Before, a run with more out at once than num_workers was accepted, created its file, and failed at its first ask
past the limit ("asking 1 more candidates would leave 5 untold, more than num_workers = 4"), leaving a file that
blocked the corrected config's run. Now it is refused in one line when the config is read, as a generation larger
than num_workers is.
"""

from __future__ import annotations

import pytest
from conftest import write_toml
from inprocess_cli import l2l_main

import l2l
from l2l.errors import ConfigError


def _mapping(backend: dict, **optimizer) -> dict:
    return {"run": {"name": "ng-async", "seed": 2, "generations": 3, "mode": "async"},
            "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
            "optimizer": {"name": "nevergrad", "method": "CMA", **optimizer},
            "simulator": {"name": "sphere"}, "backend": backend}


def test_more_candidates_out_than_num_workers_is_refused_in_one_line_before_the_file_is_created(tmp_path):
    # in this process (a 'python -m l2l' process spent seconds of CPU importing Nevergrad)
    config = write_toml(tmp_path / "c.toml", _mapping({"name": "serial"}, population_size=1))
    out = tmp_path / "ng.h5"
    refused = l2l_main("run", config, "--out", out, "--no-progress")
    lines = refused.stderr.strip().splitlines()
    # before: the run started, then 'asking 1 more candidates would leave 2 untold, more than num_workers = 1'
    assert refused.returncode == 2 and len(lines) == 1, refused.stderr
    assert lines[0] == ("l2l: error: optimizer 'nevergrad' keeps at most num_workers = 1 candidates asked and not "
                        "told, and run.mode = 'async' keeps 2 per worker out at once, 2 with 1 worker of backend "
                        "'serial'; set [optimizer] num_workers = 2"), lines[0]
    assert not out.exists()
    # the advice, followed, runs
    write_toml(config, _mapping({"name": "serial"}, population_size=1, num_workers=2))
    done = l2l_main("run", config, "--out", out, "--no-progress")
    assert done.returncode == 0, done.stderr
    assert len(l2l.load(out)) == 3


@pytest.mark.parametrize("backend, out", [({"name": "local", "workers": 3}, 6),
                                          ({"name": "slurm", "minimum_jobs": 1, "maximum_jobs": 5}, 10),
                                          ({"name": "slurm-array", "max_running": 4}, 8)])
def test_the_workers_counted_are_the_most_the_backend_plans(backend, out):
    # slurm-array counts its slots (max_running), not workers of a cluster (fcbb148)
    planned = (rf"{out} with the 4 slots of backend 'slurm-array' \(max_running\); set \[optimizer\] num_workers = "
               rf"{out} \(or max_running = 2\)$") if backend["name"] == "slurm-array" else (
        rf"{out} with \d+ workers of backend '{backend['name']}'; set \[optimizer\] num_workers = {out} \(or at "
        rf"most 2 workers\)$")
    with pytest.raises(ConfigError, match=rf"num_workers = 4 candidates .* {planned}"):
        l2l.loop.build(l2l.from_mapping(_mapping(backend, population_size=4)))
    l2l.loop.build(l2l.from_mapping(_mapping(backend, population_size=4, num_workers=out)))  # enough: accepted
    # a generational run asks one generation at a time: population_size is what counts there
    generational = _mapping(backend, population_size=4)
    generational["run"]["mode"] = "generational"
    l2l.loop.build(l2l.from_mapping(generational))
