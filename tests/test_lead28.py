"""The lead's checks of session 28's loose ends."""
from __future__ import annotations

from l2l import cli
from l2l.control import RunControl


def _stopped_line(capsys, monkeypatch, batch_job: str | None) -> tuple[int, str]:
    if batch_job is None:
        monkeypatch.delenv("L2L_BATCH_JOB", raising=False)
    else:
        monkeypatch.setenv("L2L_BATCH_JOB", batch_job)
    control = RunControl()
    control.request_stop("signal SIGUSR1")
    status = cli._stopped(control, "runs/sweep.h5")
    return status, capsys.readouterr().err.strip()


def test_a_run_stopped_by_a_signal_says_how_to_continue(capsys, monkeypatch):
    status, line = _stopped_line(capsys, monkeypatch, None)
    assert status == 138  # 128 + SIGUSR1
    assert line.startswith("stopped (signal SIGUSR1)") and line.endswith("continue with: l2l resume runs/sweep.h5")


def test_inside_l2l_submits_job_the_stop_line_leaves_what_comes_next_to_the_job(capsys, monkeypatch):
    # the job's script requeues the job (time limit) or says how to go on (scancel): a user reading the job's log
    # should not be told to resume by hand a run that the requeued job resumes by itself
    status, line = _stopped_line(capsys, monkeypatch, "4242")
    assert status == 138
    assert "l2l resume" not in line and "requeues itself" in line and line.count("\n") == 0


def _unstorable(params, seed):
    raise TypeError(f"cannot store {object()} in a checkpoint")  # '<object object at 0x7f...>', new each time


def test_failures_whose_texts_differ_only_by_an_object_s_address_are_one_reason(tmp_path):
    import l2l
    from conftest import make_config
    from l2l.summary import finished_text

    config = make_config(run={"name": "addr", "generations": 1}, optimizer={"name": "random", "population_size": 6},
                         simulator={"name": "python"})
    path = l2l.run(config, tmp_path / "addr.h5", simulator=_unstorable, progress=False)
    line = finished_text(path, 1.0).splitlines()[1]
    # before: '6 failed: 1 × "TypeError: ... at 0x7f…", 1 × ..., 4 with 4 other reasons' (one reason per address)
    assert line.startswith('6 failed: 6 × "TypeError: cannot store <object object at 0x…> in a checkpoint"'), line


def test_a_policy_over_zdt1_is_not_told_to_set_multi_fidelity_which_zdt1_refuses(tmp_path):
    import subprocess
    import sys

    config = tmp_path / "z.toml"
    config.write_text('[run]\nname = "z"\ncompute = 300\n[space]\nx = { type = "float", low = 0.0, high = 1.0, '
                      'shape = [3] }\n[optimizer]\nname = "random"\n[simulator]\nname = "zdt1"\n[policy]\n'
                      'name = "asha"\n[backend]\nname = "serial"\n')
    result = subprocess.run([sys.executable, "-m", "l2l", "run", str(config), "--dry-run"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    # before: '(set multi_fidelity = true in [simulator], or use one of: ..., zdt1)', and doing so was refused:
    # "simulator 'zdt1' has no multi-fidelity variant"
    assert "'zdt1' has none (use one of: " in result.stderr and "multi_fidelity" not in result.stderr
    assert "zdt1" not in result.stderr.split("use one of: ")[1]


def test_resume_on_dask_without_a_scheduler_speaks_python_to_a_python_caller(tmp_path, monkeypatch):
    import dask.config
    import pytest

    import l2l
    from conftest import make_config
    from l2l.results_schema.writer import TrajectoryWriter

    out = l2l.run(make_config(run={"name": "d", "generations": 1}, optimizer={"name": "random", "population_size": 2},
                              simulator={"name": "sphere"}, backend={"name": "serial"}), tmp_path / "d.h5",
                  progress=False)
    with TrajectoryWriter(out) as writer:  # a session on dask, killed
        writer.event("resumed", {"generation": 1, "backend": {"name": "dask", "address": "tcp://10.1.2.3:8786",
                                                              "address_from": "DASK_SCHEDULER_ADDRESS"}})
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with dask.config.set({"scheduler-address": None}), pytest.raises(l2l.ConfigError) as refused:
        l2l.resume(out, generations=2, backend="dask")
    # before: '--backend dask starts from its defaults', the command line's words
    assert "no scheduler to connect to: backend=\"dask\" starts from its defaults" in str(refused.value)
    assert "--backend" not in str(refused.value) and len(l2l.load(out)) == 2


def test_l2l_plot_of_an_empty_name_is_refused_in_one_line(tmp_path):
    import subprocess
    import sys

    for extra in ([], ["--kind", "fitness"]):
        result = subprocess.run([sys.executable, "-m", "l2l", "plot", "", *extra], capture_output=True, text=True,
                                cwd=tmp_path, timeout=120)
        # before: pathlib's ValueError "PosixPath('.') has an empty name" as a traceback, exit 1
        assert result.returncode == 2 and result.stderr == ("l2l: error: argument FILE is empty (an unset shell "
                                                            "variable?); give a trajectory file (.h5) (see 'l2l "
                                                            "plot --help')\n")
