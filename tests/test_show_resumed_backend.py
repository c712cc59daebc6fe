"""`l2l show`, the report and `l2l watch` name the backend every session ran on, not only the one the file was
created with.

A run created on `serial`, stopped by its compute and resumed with `l2l resume FILE --backend local --workers 2`
ran every later evaluation on a Dask cluster of two workers (its `resumed` event says so), yet `l2l show`'s backend
line and the report's provenance said `{"name": "serial"}`. They now say
`serial (created), local workers=2 (resumed, session 2)`; a run resumed where it was created keeps its line.
"""

from __future__ import annotations

import json

from l2l.analysis.report import report
from l2l.sessions import backend_text
from l2l.cli import main
from l2l.results_schema.reader import Trajectory
from l2l.summary import show_text, summary_of

CONFIG = """
[run]
name = "moved"
seed = 1
compute = 60

[space]
x = { type = "float", low = -5, high = 5 }

[optimizer]
name = "random"

[policy]
name = "asha"
min_budget = 1
max_budget = 9
eta = 3

[simulator]
name = "sphere"
multi_fidelity = true
max_budget = 9

[backend]
name = "serial"
"""


def backend_line(path) -> str:
    with Trajectory(path) as trajectory:
        lines = [line for line in show_text(trajectory).splitlines() if line.startswith("backend ")]
    assert len(lines) == 1
    return lines[0].split(None, 1)[1]


def test_show_and_the_report_name_the_backend_a_resume_ran_on(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG)
    path = tmp_path / "r.h5"
    assert main(["run", str(config), "--out", str(path), "--no-progress"]) == 0  # stopped by its compute
    assert backend_line(path) == '{"name": "serial"}'
    assert main(["resume", str(path), "--compute", "120", "--no-progress"]) == 0  # where it was created
    assert backend_line(path) == '{"name": "serial"}'
    assert main(["resume", str(path), "--compute", "180", "--backend", "local", "--workers", "2",
                 "--no-progress"]) == 0
    with Trajectory(path) as trajectory:
        events = trajectory.events()
        assert list(events["kind"]) == ["started", "finished", "resumed", "finished", "resumed", "finished"]
        assert json.loads(events["detail"].iloc[-2])["backend"] == {"name": "local", "workers": 2}
    expected = "serial (created), local workers=2 (resumed, session 3)"
    assert backend_line(path) == expected
    assert summary_of(path).description == f"random + asha on sphere, backend {expected}"  # l2l watch's run line
    html = report(path).read_text()
    assert f"<th>backend</th><td>{expected}</td>" in html


def test_the_line_names_each_stretch_of_sessions_on_one_backend_and_counts_those_it_leaves_out():
    created = {"name": "local", "workers": 2}

    def resumed(**backend):
        return json.dumps({"generation": 1, "backend": backend})

    kinds = ["started", "stopped", "resumed", "stopped", "resumed", "stopped", "resumed"]
    details = ["{}", "{}", resumed(name="serial"), "{}", resumed(name="serial"), "{}",
               resumed(name="local", workers=4)]
    assert backend_text(created, kinds, details) == \
        "local workers=2 (created), serial (resumed, sessions 2-3), local workers=4 (resumed, session 4)"
    # the same backend with other options: only those that changed
    assert backend_text(created, ["started", "resumed"], ["{}", resumed(name="local", workers=8)]) == \
        "local workers=2 (created), local workers=8 (resumed, session 2)"
    # a resume that records no backend (a log of another version) changed nothing
    assert backend_text(created, ["started", "resumed"], ["{}", '{"generation": 1}']) == json.dumps(created)
    # many moves: the created stretch, how many were left out, the latest three
    names = ["serial", "local", "serial", "local", "serial", "local"]
    many = backend_text({"name": "local"}, ["resumed"] * len(names), [resumed(name=name) for name in names])
    assert many == ("local (created), 3 more changes, local (resumed, session 5), serial (resumed, session 6), "
                    "local (resumed, session 7)")
