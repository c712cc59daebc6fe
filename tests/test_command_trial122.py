"""What a user wrapping a training script as a ``command`` (with a fidelity, on SLURM) was told, found in a trial.

* An argv template with an unpaired brace (``"{budget"``, ``"budget}"``) was refused with Python's words
  ("expected '}' before end of string", "Single '}' encountered in format string"), naming neither the argument
  nor how a brace the program should get is written.
* A program that exited with a non-zero status failed with "command exited with status 1" as the line every
  failure summary shows (``l2l run``, ``l2l show``: ``2 × "EvaluationError: command exited with status 1"``);
  why (the program's last word on stderr: a traceback's exception, ``CUDA out of memory``) was only in the
  ``error`` column's stderr tail.
* An output path with a backslash was taken by ``slurm-array``: SLURM drops a backslash from the log names of
  ``--output`` (and expands no ``%a`` then), so every array task failed to launch (JobLaunchFailure), was
  submitted again up to ``retries`` and recorded failed, with no log; the ``slurm`` backend's worker logs and
  ``l2l submit``'s log go through the same names. Refused now in one line before anything is created, as a ``%``.
"""

from __future__ import annotations

import sys

import pytest
from conftest import l2l_cli, write_toml

import l2l
from l2l.errors import ConfigError
from l2l.summary.failures import error_message


def _config(argv: list, backend: dict | None = None) -> dict:
    return {"run": {"name": "mine", "generations": 1},
            "space": {"lr": {"type": "float", "low": 0.001, "high": 0.5}},
            "optimizer": {"name": "random", "population_size": 2}, "backend": backend or {"name": "serial"},
            "simulator": {"name": "command", "argv": argv}}


@pytest.mark.parametrize("arg", ["--lr={lr", "lr}"])
def test_an_unpaired_brace_in_argv_is_refused_naming_the_argument(arg):
    with pytest.raises(ConfigError) as refused:
        l2l.loop.build(l2l.from_mapping(_config([sys.executable, "train.py", arg])))
    # before: "expected '}' before end of string" / "Single '}' encountered in format string"
    assert str(refused.value) == (f"simulator 'command': argument {arg!r} of argv has a brace without its pair: "
                                  f"write a placeholder as {{budget}}, and a brace the program should get as "
                                  f"{{{{ or }}}}"), refused.value
    doubled = arg.replace("{", "{{").replace("}", "}}")  # as the message says: taken, the program gets arg
    l2l.loop.build(l2l.from_mapping(_config([sys.executable, "train.py", doubled])))


def test_an_unpaired_brace_is_one_line_with_exit_status_2_and_no_file(tmp_path):
    config = _config([sys.executable, "train.py", "{lr}", "--epochs", "{budget"])
    config["simulator"]["multi_fidelity"] = {"name": "epochs", "minimum": 1, "maximum": 9}
    refused = l2l_cli("run", write_toml(tmp_path / "mine.toml", config), "--no-progress", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert refused.stderr.startswith("l2l: error: simulator 'command': argument '{budget' of argv has a brace "), \
        refused.stderr
    assert not (tmp_path / "mine.h5").exists()


def test_a_program_that_exits_with_an_error_is_failed_with_its_last_stderr_line(tmp_path):
    program = ("import sys; print('epoch 1', file=sys.stderr); "
               "sys.exit('RuntimeError: CUDA out of memory' if float(sys.argv[1]) > 0 else 3)")
    frame = l2l.load(l2l.run(l2l.from_mapping(_config([sys.executable, "-c", program, "{lr}"])), tmp_path / "a.h5"))
    assert (frame["status"] == "failed").all()
    for error in frame["error"]:
        # before: "EvaluationError: command exited with status 1", the reason only in the stderr tail below it
        assert error.startswith("EvaluationError: command exited with status 1: RuntimeError: CUDA out of memory\n"), \
            error
        assert error_message(error) == "EvaluationError: command exited with status 1: RuntimeError: CUDA out of memory"
        assert "--- stderr (tail) ---\nepoch 1\nRuntimeError: CUDA out of memory" in error, error  # the tail as before


def test_a_program_that_exits_with_an_error_and_says_nothing_is_said_to_say_nothing(tmp_path):
    program = "import sys; print('epoch 1'); sys.exit(3)"
    frame = l2l.load(l2l.run(l2l.from_mapping(_config([sys.executable, "-c", program, "{lr}"])), tmp_path / "a.h5"))
    for error in frame["error"]:
        assert error.startswith("EvaluationError: command exited with status 3 (nothing on stderr)\n"), error


@pytest.mark.parametrize("backend, hint", [
    ({"name": "slurm-array"}, "choose an output path (--out) without a backslash"),
    ({"name": "slurm", "memory": "1GB"}, "choose an output path (--out) without a backslash, or a log_directory")])
def test_a_backslash_in_the_run_folder_is_refused_before_anything_is_created(tmp_path, backend, hint):
    config = l2l.from_mapping(_config([sys.executable, "-c", "print(1)"], backend))
    out = tmp_path / "a\\b" / "run.h5"
    # before: taken; on slurm-array every task ended FAILED (JobLaunchFailure) 3 times, with no log
    with pytest.raises(ConfigError) as refused:
        l2l.loop.check_out(out, config)
    assert str(refused.value) == (f"backend {backend['name']!r}: the run folder '{tmp_path}/a\\b/run.work' contains "
                                  f"a backslash, which SLURM drops from the names of log files (and then expands no "
                                  f"%j in them): the logs could not be written and every job would fail to launch; "
                                  f"{hint}")
    assert not out.parent.exists()


def test_a_backslash_in_the_slurm_log_directory_is_refused_when_the_config_is_read(tmp_path):
    with pytest.raises(ConfigError, match=r"^backend 'slurm': log_directory '.*/lo\\gs' contains a backslash, .*; "
                                          r"choose a log_directory without a backslash$"):
        l2l.loop.build(l2l.from_mapping(_config(
            [sys.executable, "-c", "print(1)"], {"name": "slurm", "log_directory": str(tmp_path / "lo\\gs")})))


def test_the_tasks_of_a_cancelled_array_fail_for_one_reason_with_their_job_ids_below_it(tmp_path):
    from l2l.jobs.base import Task
    from l2l.jobs.slurm_array import SlurmArrayExecutor, _Array

    executor = SlurmArrayExecutor(retries=0)
    executor._root = tmp_path / "run.work" / "array"
    tasks = [Task(2, individual, 7, {"lr": 0.1}, budget=9, from_budget=3, trial=individual) for individual in (0, 1)]
    array = _Array(tmp_path / "batch", tasks, "17826", {0, 1})
    for index in (0, 1):
        executor._lost(array, index, "CANCELLED", "None")
    errors = [outcome.error for outcome in executor._ready]
    # before: "SLURM job 17826_0 ended CANCELLED without writing a result, after 1 submission(s); its log is in
    # ...", one reason per task in l2l show ('4 failed: 1 × "SLURM job 17826_0 ...", 3 with 3 other reasons')
    assert [error_message(error) for error in errors] == ["SLURM job ended CANCELLED without writing a result, "
                                                          "after 1 submission(s)"] * 2, errors
    log = tmp_path / "run.work" / "array" / "logs" / "generation-00002.log"
    assert [error.splitlines()[1] for error in errors] == [f"--- SLURM job 17826_{index}; its log: {log}"
                                                           for index in (0, 1)], errors


HOSTILE = "my sweep/it's \"q\" $(echo run) `x` \\ *"


@pytest.mark.parametrize("shell", [["bash", "-c"], ["sh", "-ec"], ["/bin/bash", "-o", "pipefail", "-c"],
                                   ["bash", "-euo", "pipefail", "-c"], ["sh", "-c", "--"]])
# (a cluster ending in o and a '--' after -c were missed)
def test_a_value_in_a_shell_script_of_argv_reaches_the_shell_as_the_text_it_is(tmp_path, shell):
    # bare, in double quotes, in single quotes, next to text, in a command substitution in double quotes (its own
    # quotes inside), in backquotes; the raw value comes as $1, an argument of its own
    script = ('got=$(printf "%s|" {mode} "{mode}" \'{mode}\' pre-{mode} "$(printf %s "{mode}")" "`printf %s {mode}`"); '
              'want=$(printf "%s|" "$1" "$1" "$1" "pre-$1" "$1" "$1"); [ "$got" = "$want" ] && echo 1.0 || echo 2.0')
    config = _config([*shell, script, "sh", HOSTILE])
    config["space"]["mode"] = {"type": "categorical", "choices": [HOSTILE]}
    frame = l2l.load(l2l.run(l2l.from_mapping(config), tmp_path / "s.h5"))
    # before: the shell split the value at its blanks, ran $(echo run), globbed *: 2.0 (or a failure)
    assert list(frame["status"]) == ["ok", "ok"] and list(frame["value"]) == [1.0, 1.0], frame["error"].tolist()


def test_a_checkpoint_dir_under_a_folder_with_a_blank_reaches_a_shell_wrapper_whole(tmp_path):
    script = 'n=$(cat {checkpoint_dir}/n 2>/dev/null || echo 0); echo {budget} > {checkpoint_dir}/n; echo "$n"'
    config = {**_config(["bash", "-c", script]), "policy": {"name": "successive-halving"}}
    config["simulator"]["multi_fidelity"] = {"name": "epochs", "minimum": 1, "maximum": 3}
    config["run"] = {"name": "mine", "generations": 1}
    path = l2l.run(l2l.from_mapping(config), tmp_path / "my sweep" / "run.h5")
    segments = l2l.load(path, segments=True)
    continued = segments[segments["from_budget"] > 0]
    # before: the folder reached the script as two words, its state went nowhere: every segment printed 0 and
    # restarted from scratch, with no failure
    assert len(continued) and (continued["value"] == continued["from_budget"]).all(), segments


def test_a_result_printed_to_stderr_is_named_where_nothing_came_on_stdout(tmp_path):
    program = "import sys; print('loading', file=sys.stderr); print('0.25', file=sys.stderr)"
    frame = l2l.load(l2l.run(l2l.from_mapping(_config([sys.executable, "-c", program, "{lr}"])), tmp_path / "a.h5"))
    for error in frame["error"]:
        # before: "command printed nothing on stdout", where the result had gone left to the stderr tail below
        assert error_message(error) == ("EvaluationError: command printed nothing on stdout; its last line on stderr: "
                                        "'0.25' (the result is read from stdout)"), error


def test_launch_srun_on_several_ranks_is_refused_for_a_command_before_the_file_is_created(tmp_path):
    backend = {"name": "slurm-array", "launch": "srun", "ntasks": 2}
    out = tmp_path / "run.h5"
    # before: each rank started the program in one working directory and ended the others' ('command was killed
    # by signal 9 (SIGKILL: ...)'), and the survivors raced on its checkpoint folder
    with pytest.raises(ConfigError, match=r"^backend 'slurm-array': launch = 'srun' runs every evaluation on each of "
                                          r"its ntasks = 2 ranks, so simulator 'command' would start its program 2 "
                                          r"times in one working directory; put the launcher in argv \(argv = "
                                          r"\[\"srun\", \"-n\", \"2\", \.\.\.\]\) and leave launch = 'python'$"):
        l2l.run(l2l.from_mapping(_config([sys.executable, "-c", "print(1)"], backend)), out)
    assert not out.exists()
    from l2l.jobs.slurm_array import SlurmArrayExecutor
    from l2l.simulators.command import Command

    command = Command(argv=("srun", "-n", "2", "./model"))
    SlurmArrayExecutor(launch="srun", ntasks=1).check_simulator(command)  # one rank: one program
    SlurmArrayExecutor(launch="python", ntasks=2).check_simulator(command)  # the program's own srun starts the ranks


def test_an_array_task_whose_node_cannot_set_up_the_simulator_writes_a_failed_result(tmp_path, monkeypatch):
    import os
    import uuid

    from l2l.jobs.array_task import main, read_outcome, write_json_atomically, write_tasks
    from l2l.jobs.base import Task

    module = f"model_{uuid.uuid4().hex}"  # imported afresh: a module of that name is not cached
    (tmp_path / f"{module}.py").write_text(
        "import os\nif os.environ.get('ON_THE_NODE'):\n    raise ImportError('libcudart.so.12: cannot open shared "
        "object file')\ndef simulate(params, seed):\n    return 1.0\n")
    spec = {"simulator": {"name": "python", "options": {"function": f"{module}:simulate", "path": str(tmp_path)}},
            "settings": {"objectives": ["value"], "timeout": None, "run_dir": str(tmp_path / "run.work")}}
    write_json_atomically(str(tmp_path / "spec.json"), spec)
    write_tasks(str(tmp_path), [Task(0, 0, 7, {"x": 0.5})])
    (tmp_path / "results").mkdir()
    monkeypatch.setenv("ON_THE_NODE", "1")  # what the login node had, the compute node has not
    # before: the ConfigError ended the task without a result: SLURM's job FAILED (NonZeroExitCode), submitted
    # again up to retries, recorded as 'SLURM job ended FAILED (NonZeroExitCode) without writing a result'
    assert main(["--spec", str(tmp_path / "spec.json"), "--tasks", str(tmp_path / "tasks.json"),
                 "--results", str(tmp_path / "results"), "--index", "0"]) == 0
    outcome = read_outcome(str(tmp_path / "results"), 0)
    assert outcome.status == "failed"
    assert error_message(outcome.error) == (f"simulator 'python' cannot be set up on {os.uname().nodename}: cannot "
                                            f"import module {module!r}: libcudart.so.12: cannot open shared object "
                                            f"file"), outcome.error


def test_an_empty_curve_of_a_program_without_a_fidelity_is_taken_as_before(tmp_path):
    # a program that reports a curve in any case (the script of a multi-fidelity run, run once): l2l reads no curve
    # of a run without a fidelity, but the check that names an empty one's stderr failed every evaluation
    program = "import json; print(json.dumps(dict(objectives=dict(value=0.5), curve=dict(value=[]))))"
    frame = l2l.load(l2l.run(l2l.from_mapping(_config([sys.executable, "-c", program, "{lr}"])), tmp_path / "e.h5"))
    assert list(frame["status"]) == ["ok", "ok"] and list(frame["value"]) == [0.5, 0.5], frame["error"].tolist()
