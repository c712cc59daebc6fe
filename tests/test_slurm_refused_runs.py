"""What a new user met on the single-node SLURM when sbatch refused a run's options, and around it.

* The ``slurm`` backend with a partition that does not exist waited for ever, repeating dask-jobqueue's
  tracebacks ("Command exited with non-zero exit code ... invalid partition") until it was killed.
* A ``slurm-array`` run refused at once left its output file with nothing computed: the corrected config, run
  again, was told the file exists (resume it), and ``l2l resume`` ran the stored, refused partition again.
* ``l2l run CONFIG --dry-run`` was refused when the output file existed, though it only prints.
* A ``slurm`` run that ends well must not print a traceback or a CRITICAL line while it closes its cluster.
"""

from __future__ import annotations

import sys

import pytest
from conftest import l2l_cli, write_toml

import l2l
from l2l.cli import main


def _config(tmp_path, backend: dict, name: str = "c.toml"):
    return write_toml(tmp_path / name, {
        "run": {"name": "refused", "generations": 1}, "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 2},
        "simulator": {"name": "command", "argv": [sys.executable, "-c", "print(1)", "{x}"]},
        "backend": {**({"walltime": "00:05:00"} if backend["name"] != "serial" else {}), **backend}})


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("l2l 0.")]  # the banner aside


@pytest.mark.slurm
def test_the_slurm_backend_refused_by_sbatch_ends_in_one_line_and_creates_nothing(tmp_path):
    config = _config(tmp_path, {"name": "slurm", "partition": "no-such-partition", "memory": "1GB"})
    # before: no end (tracebacks every second); the timeout makes that a failure of this test
    refused = l2l_cli("run", config, "--out", tmp_path / "np.h5", "--no-progress", cwd=tmp_path, timeout=90)
    errors = _errors(refused.stderr)
    assert refused.returncode == 2 and len(errors) == 1, refused.stderr
    assert errors[0].startswith("l2l: error: sbatch refused the worker jobs: sbatch: error: invalid partition "
                                "specified: no-such-partition"), refused.stderr
    assert not (tmp_path / "np.h5").exists()  # nothing to delete before running the corrected config


@pytest.mark.slurm
def test_a_slurm_run_that_ends_well_closes_without_a_traceback(tmp_path):
    config = _config(tmp_path, {"name": "slurm", "partition": "debug", "memory": "1GB"})
    done = l2l_cli("run", config, "--out", tmp_path / "ok.h5", "--no-progress", cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "CRITICAL" not in done.stderr, done.stderr
    assert len(l2l.load(tmp_path / "ok.h5")) == 2


@pytest.mark.slurm
def test_a_file_of_a_refused_slurm_array_run_is_named_as_holding_nothing_and_kept(tmp_path):
    import subprocess

    from test_slurm_refused_later import Sbatch

    out = tmp_path / "a.h5"
    # sbatch --test-only takes the array (an unknown partition is refused before the file exists since
    # test_slurm_array_test_only.py), the submission is refused as a job limit refuses it: the file holds nothing
    refused = _config(tmp_path, {"name": "slurm-array", "partition": "debug"}, "refused.toml")
    first = subprocess.run([sys.executable, "-m", "l2l", "run", str(refused), "--out", str(out), "--no-progress"],
                           cwd=tmp_path, env=Sbatch(tmp_path / "sbatch", "refuse").env(), capture_output=True,
                           text=True, timeout=120, check=False)
    assert first.returncode == 2 and out.exists(), first.stderr
    corrected = _config(tmp_path, {"name": "slurm-array", "partition": "debug"}, "corrected.toml")
    again = l2l_cli("run", corrected, "--out", out, "--no-progress", cwd=tmp_path, timeout=120)
    errors = _errors(again.stderr)
    # before: "a.h5 already exists; choose another --out, or continue it with 'l2l resume a.h5'" (the refused one)
    assert again.returncode == 2 and len(errors) == 1, again.stderr
    assert "holds nothing computed" in errors[0] and f"rm {out}" in errors[0], errors[0]
    assert out.exists()  # told, never deleted by l2l
    out.unlink()
    assert l2l_cli("run", corrected, "--out", out, "--no-progress", cwd=tmp_path, timeout=300).returncode == 0
    assert len(l2l.load(out)) == 2
    # a file holding results keeps the message that points to l2l resume
    kept = l2l_cli("run", corrected, "--out", out, "--no-progress", cwd=tmp_path, timeout=120)
    assert kept.returncode == 2, kept.stderr
    assert "finished run; choose another --out, or extend it with 'l2l resume" in kept.stderr, kept.stderr


def test_a_dry_run_ignores_an_existing_output_file(tmp_path, capsys):
    config = _config(tmp_path, {"name": "serial"})
    out = tmp_path / "done.h5"
    assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    before = out.read_bytes()
    # before: "l2l: error: done.h5 already exists; ..."
    assert main(["run", str(config), "--out", str(out), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "is valid" in captured.out and f"note: l2l run would stop here: {out} already exists" in captured.err
    assert out.read_bytes() == before


@pytest.mark.slurm
def test_the_comm_closed_noise_of_a_slurm_shutdown_is_dropped_and_nothing_else(tmp_path):
    import logging

    from distributed.comm.core import CommClosedError

    class Keep(logging.Handler):
        def __init__(self):
            super().__init__(logging.DEBUG)
            self.records: list[logging.LogRecord] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record)

    from l2l.jobs.slurm import SlurmExecutor

    kept = Keep()
    logging.getLogger("distributed").addHandler(kept)
    try:
        # a slurm run's cluster, started and closed as a run does, without its worker job (minimum_jobs 0): the run
        # itself is test_a_slurm_run_that_ends_well_closes_without_a_traceback's
        executor = SlurmExecutor(partition="debug", memory="1GB", minimum_jobs=0, maximum_jobs=1,
                                 log_directory=str(tmp_path / "logs"))
        executor._client = executor._connect()
        executor.close()
        kept.records.clear()
        # what the scheduler and a batched stream log, late, when the closed client's comm is written to
        try:
            raise CommClosedError("in <TCP (closed)>: Stream is closed")
        except CommClosedError:
            logging.getLogger("distributed.scheduler").critical("Closed comm %r while trying to write %s",
                                                                "<BatchedSend: closed>", [{"op": "event"}],
                                                                exc_info=True)
            logging.getLogger("distributed.batched").info("Batched Comm Closed %r", "<TCP (closed)>", exc_info=True)
        logging.getLogger("distributed.scheduler").critical("something else went wrong")
        # before: both reached Dask's handler, printed with their tracebacks after a run that ended well
        assert [r.getMessage() for r in kept.records] == ["something else went wrong"]
    finally:
        logging.getLogger("distributed").removeHandler(kept)
