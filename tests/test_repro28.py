"""What a methods section still could not say (helper-180, session 28): which code of the user's model ran (a sha256
per session, and a warning where a resume runs other code), where the evaluations ran (the driver's host and CPU,
the nodes of the evaluations), the re-evaluation rows and a provenance JSON from ``l2l export``, and a report that
is the same bytes when made twice. See docs/reproducibility.md."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from pathlib import Path

import pytest

import l2l
from l2l.cli import main
from module_files import module_from_file

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _config(folder: Path, generations: int = 2, reevaluate: str = "", simulator: str = "") -> Path:
    """examples/reproducible_sweep.toml, smaller, with its model bowl.py beside it in ``folder``."""
    shutil.copyfile(EXAMPLES / "noisy_bowl.py", folder / "bowl.py")
    text = (EXAMPLES / "reproducible_sweep.toml").read_text()
    text = text.replace("generations = 4", f"generations = {generations}").replace(
        "reevaluate = { top = 3, seeds = 4 }", reevaluate).replace("noisy_bowl:simulate", "bowl:simulate")
    if simulator:
        text = text.replace('[simulator]\nname = "python"\nfunction = "bowl:simulate"', simulator)
    (folder / "sweep.toml").write_text(text)
    return folder / "sweep.toml"


def _show(capsys, path: Path) -> dict[str, str]:
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    return {line[:10].strip(): line[11:] for line in capsys.readouterr().out.splitlines() if line[:1] != " "}


def _started(path: Path) -> dict:
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    return [json.loads(detail) for kind, detail in zip(events["kind"], events["detail"])
            if kind in ("started", "resumed")]


def test_a_run_records_the_sha256_of_its_model_file_and_l2l_show_names_it(tmp_path, capsys):
    config = _config(tmp_path)
    out = tmp_path / "paper.h5"
    assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 0
    model = tmp_path.resolve() / "bowl.py"
    assert _started(out)[0]["model"] == [[str(model), _sha256(model)]]
    assert _show(capsys, out)["model"] == f"{model} sha256 {_sha256(model)}"


def test_a_resume_that_runs_changed_model_code_says_so_in_one_warning_and_l2l_show_marks_the_session(tmp_path,
                                                                                                      capsys):
    config = _config(tmp_path, generations=1)
    out = tmp_path / "paper.h5"
    assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["resume", str(out), "--generations", "2", "--no-progress"]) == 0  # the same code: nothing said
    assert "model" not in capsys.readouterr().err
    model = tmp_path.resolve() / "bowl.py"
    before = _sha256(model)
    model.write_text(model.read_text().replace("0.1 * rng", "0.2 * rng"))
    assert main(["resume", str(out), "--generations", "3", "--no-progress"]) == 0
    said = [line for line in capsys.readouterr().err.splitlines() if "model's code" in line]
    assert len(said) == 1 and said[0].startswith("l2l: warning: the model's code differs from what the session "
                                                 "before ran") and before[:16] in said[0], said
    assert _show(capsys, out)["model"] == (f"{model} sha256 {before}; session 3 (resumed): {model} sha256 "
                                           f"{_sha256(model)} (changed)")


def _notebook_function(folder: Path, body: str):
    """``simulate`` as a notebook cell run again defines it: the same module and name, maybe another body."""
    cell = folder / "cell.py"
    cell.write_text(f"def simulate(params, seed):\n    return {body}\n")
    return module_from_file("notebook_cell", cell).simulate


def test_a_function_passed_to_l2l_run_records_its_source_text_s_sha256_and_a_changed_one_is_said(tmp_path, capsys):
    first = _notebook_function(tmp_path, "float(sum((x - 0.3) ** 2 for x in params['x']))")
    config = l2l.load_config(_config(tmp_path, generations=1))
    out = l2l.run(config, tmp_path / "fn.h5", simulator=first, progress=False)
    (where, digest), = _started(out)[0]["model"]
    source = (tmp_path / "cell.py").read_text()
    assert digest == hashlib.sha256(source.encode()).hexdigest()
    assert where == f"function notebook_cell:simulate ({tmp_path / 'cell.py'}:1)"
    capsys.readouterr()
    l2l.resume(out, generations=2, simulator=first, progress=False)  # the same code: nothing said
    assert "warning" not in capsys.readouterr().err
    edited = _notebook_function(tmp_path, "float(sum((x - 0.4) ** 2 for x in params['x']))")
    l2l.resume(out, generations=3, simulator=edited, progress=False)
    said = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(said) == 1 and "the model's code differs from what the session before ran" in said[0], said


def test_a_command_simulator_records_the_script_its_argv_names_not_the_interpreter(tmp_path, capsys):
    script = tmp_path / "model.py"
    script.write_text("import sys\nprint(float(sys.argv[2]) ** 2)\n")
    config = _config(tmp_path, generations=1, simulator=(
        '[simulator]\nname = "command"\nargv = ["python3", "{config_dir}/model.py", "--lr", "{lr}"]'))
    out = tmp_path / "cmd.h5"
    assert main(["run", str(config), "--out", str(out), "--no-progress", "--evaluations", "2"]) == 0
    assert _started(out)[0]["model"] == [[str(script.resolve()), _sha256(script)]]


def test_a_file_over_10_mb_the_command_names_is_named_not_read(tmp_path):
    from l2l.model_code import command_files

    data = tmp_path / "recording.dat"
    with open(data, "wb") as handle:
        handle.truncate(10 * 2 ** 20 + 1)  # sparse: nothing to write, everything to read
    (tmp_path / "model.py").write_text("print(1)\n")
    found = command_files(["python3", "{config_dir}/model.py", "--data={config_dir}/recording.dat"], str(tmp_path))
    assert found == [[str(tmp_path / "model.py"), _sha256(tmp_path / "model.py")],
                     [str(data), "not hashed: larger than 10 MB"]]


def test_a_run_records_the_driver_host_and_the_node_each_evaluation_ran_on(tmp_path, capsys, monkeypatch):
    from l2l.provenance import cpu_model

    monkeypatch.setenv("SLURMD_NODENAME", "node-a")  # as SLURM sets it in a job; serial evaluates in this process
    out = tmp_path / "paper.h5"
    assert main(["run", str(_config(tmp_path)), "--out", str(out), "--no-progress"]) == 0
    assert _started(out)[0]["driver"]["host"] == socket.gethostname()
    hosts = _show(capsys, out)["hosts"]
    assert hosts.startswith(f"driver {socket.gethostname()} ({cpu_model()}, ") and \
        hosts.endswith("CPUs); evaluations on node-a (16)"), hosts


def test_a_slurm_array_task_hands_its_node_to_the_driver_with_its_result(tmp_path):
    from l2l.jobs.array_task import read_outcome, write_outcome
    from l2l.jobs.base import Outcome

    write_outcome(str(tmp_path), 0, Outcome(0, 0, 1, "ok", objectives={"loss": 1.0}, host="node-17"))
    assert read_outcome(str(tmp_path), 0).host == "node-17"


@pytest.fixture(scope="module")
def reevaluated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("repro28")
    out = folder / "paper.h5"
    config = _config(folder, reevaluate="reevaluate = { top = 2, seeds = 3 }")
    assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 0
    return out


def test_l2l_export_writes_the_re_evaluation_rows_and_a_provenance_json_a_reviewer_reads_without_l2l(
        reevaluated, tmp_path, capsys):
    import pandas as pd

    rows = tmp_path / "paper.reevaluations.csv"
    assert main(["export", str(reevaluated), "--reevaluations", "-o", str(rows), "--provenance"]) == 0
    beside = tmp_path / "paper.reevaluations.provenance.json"
    assert capsys.readouterr().out.splitlines() == [str(rows), str(beside)]
    table = pd.read_csv(rows)
    assert len(table) == 6 and sorted(table["repeat"].unique()) == [0, 1, 2]
    record = json.loads(beside.read_text())
    assert record["exported"] == {"file": rows.name, "format": "csv", "rows": 6, "view": "reevaluations",
                                  "sha256": _sha256(rows)}
    assert record["reevaluations"]["fresh_seeds"] == sorted(set(table["seed"]), key=list(table["seed"]).index)
    model = reevaluated.parent.resolve() / "bowl.py"
    assert record["sessions"][0]["model"] == [[str(model), _sha256(model)]]
    assert record["run"]["seed"] == 7 and record["run"]["versions"]["l2l"] == l2l.__version__
    again = tmp_path / "again.reevaluations.csv"
    assert main(["export", str(reevaluated), "--reevaluations", "-o", str(again), "--provenance"]) == 0
    record_again = json.loads((tmp_path / "again.reevaluations.provenance.json").read_text())
    assert record_again == {**record, "exported": {**record["exported"], "file": again.name}}


def test_l2l_export_of_re_evaluations_a_run_has_not_got_is_one_line(tmp_path, capsys):
    out = tmp_path / "paper.h5"
    assert main(["run", str(_config(tmp_path, generations=1)), "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["export", str(out), "--reevaluations"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds no re-evaluation: run l2l reevaluate" in err, err
    assert not (tmp_path / "paper.reevaluations.csv").exists()


def test_two_reports_of_one_file_are_the_same_bytes_whatever_the_clock(reevaluated, tmp_path, monkeypatch):
    import time as real_time

    from l2l.analysis import report

    class Clock:  # a clock that moves on between the two reports
        calls = 0

        def __getattr__(self, name):
            return getattr(real_time, name)

        def strftime(self, form, moment=None):
            Clock.calls += 1
            return real_time.strftime(form, real_time.gmtime(1e9 + 3600 * Clock.calls) if moment is None else moment)

    monkeypatch.setattr(report, "time", Clock())
    monkeypatch.setattr(report.figures, "KINDS", ())  # the figures are the same bytes too (test_repro27), and slow
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    report.report(reevaluated, first, dpi=20)
    report.report(reevaluated, second, dpi=20)
    assert first.read_bytes() == second.read_bytes()
    with l2l.Trajectory(reevaluated) as trajectory:
        last = trajectory.events()["time"].iloc[-1]
    assert f"as of its last event, {last:%Y-%m-%d %H:%M:%S} UTC by l2l" in first.read_text()


def test_a_report_says_the_source_date_epoch_it_was_given_and_refuses_one_that_is_no_number(
        reevaluated, tmp_path, monkeypatch, capsys):
    from l2l.plot import figures

    monkeypatch.setattr(figures, "KINDS", ())  # not this test's subject, and slow
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "r.html"
    assert main(["report", str(reevaluated), "-o", str(out), "--dpi", "20"]) == 0
    text = out.read_text()
    assert "made 2023-11-14 22:13:20 UTC by l2l" in text
    assert "<th>model code</th>" in text and "<th>hosts</th>" in text
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    capsys.readouterr()
    assert main(["report", str(reevaluated), "-o", str(tmp_path / "bad.html"), "--dpi", "20"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SOURCE_DATE_EPOCH must be a whole number of seconds" in err
    assert not (tmp_path / "bad.html").exists()


def test_a_session_s_record_never_costs_its_event_its_own_entries(tmp_path):
    from types import SimpleNamespace

    from l2l.provenance import with_session
    from l2l.results_schema.files import event_text

    deep = tmp_path
    while len(str(deep)) < 230:  # a path of 230 to 250 characters, wherever tmp_path is
        deep = deep / "a_long_folder_name"
    deep.mkdir(parents=True)
    (deep / "train.py").write_text("print(1)\n")
    simulator = SimpleNamespace(argv=("python3", "{config_dir}/train.py"), config_dir=str(deep))
    detail = {"generation": 3, "backend": {"name": "slurm", "maximum_jobs": 8}, "file": str(deep / "run.h5"),
              "versions": {"numpy": "2.3.5", "l2l": "0.2.0"}}
    recorded = with_session(detail, simulator)
    assert json.loads(event_text(recorded)) == recorded  # fits the event whole: nothing cut short
    assert {key: recorded[key] for key in detail} == detail
    (name, digest), = recorded["model"]  # the file's name alone; its hash whole, or 16 digits where a long CPU
    assert name == "train.py" and len(digest) >= 16 and _sha256(deep / "train.py").startswith(digest)  # name left
    assert len(json.dumps(with_session({}, simulator)["model"][0][0])) > 200  # a short event takes the whole path
