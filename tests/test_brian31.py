"""Brian2's rough edges: an unsafe default cache refused before the run, a cache that outlives a per-job $TMPDIR, no
file of Brian2's left in the temp folder by a terminated worker (its debug log kept on request), and stale hidden
copies in the shared folder removed."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from l2l.cli import main
from l2l.simulators import SIMULATORS

ROOT = Path(__file__).resolve().parent.parent
JOB_VARIABLES = ("SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "PBS_JOBID", "LSB_JOBID", "JOB_ID")

CONFIG = '''
[run]
name = "b31"
generations = 2
[space]
tau_m = { type = "float", low = 10.0, high = 30.0 }
[optimizer]
name = "random"
population_size = 2
[simulator]
%s
[backend]
name = "serial"
'''

MODELS = '''
def walk(brian2, params, seed):
    """A random walk (one code object: cheap to compile)."""
    b = brian2
    group = b.NeuronGroup(10, "v : 1", dt=1 * b.ms)
    group.run_regularly("v += rand() - 0.5")
    b.run(10 * b.ms)
    return float(sum(group.v[:]))
'''

WORKER = '''
import os, signal, sys
from l2l.simulators import SIMULATORS

options = {"function": "brian31_models:walk", "path": os.path.dirname(__file__), "target": sys.argv[1]}
model = SIMULATORS.create("brian2", {**options, **({"debug_log": True} if sys.argv[2] == "debug" else {})})
print(model.run({}, 3).objectives, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # a terminated worker: no atexit
'''


@pytest.fixture
def temp_folder(tmp_path, monkeypatch):
    """Python's temp folder (``$TMPDIR``) is ``tmp_path / 'tmp'``; no batch job."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    for name in JOB_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.mark.parametrize("simulator", ['name = "brian2"\nfunction = "b31_model:model"\ntarget = "cython"',
                                       'name = "lsm"\nengine = "brian2"\ncodegen_target = "cython"'])
def test_an_unsafe_default_cache_refuses_the_run_before_it_starts_in_one_line(temp_folder, tmp_path, capsys,
                                                                              simulator):
    """A default cache root left at mode 0775 (by an older l2l) failed every evaluation, each with a line saying to
    remove it, and the run went on to its end (or to stop_after_failures) with a file of failures. Now the run is
    refused before its file exists, exit 2, in one line naming the folder and the fix."""
    if importlib.util.find_spec("brian2") is None:
        pytest.skip("brian2 is not installed")
    root = temp_folder / f"l2l-brian2-{os.getuid()}"
    root.mkdir()
    os.chmod(root, 0o775)
    (tmp_path / "b31_model.py").write_text("def model(brian2, params, seed):\n    return params['tau_m']\n")
    (tmp_path / "c.toml").write_text(CONFIG % simulator)
    assert main(["run", str(tmp_path / "c.toml"), "--out", str(tmp_path / "r.h5"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"the compiled-code cache {root} is not a private directory of this user" in err
    assert f"rm -rf {root}" in err and "or set cache_dir to a folder of your own" in err
    assert not (tmp_path / "r.h5").exists()
    os.chmod(root, 0o700)  # fixed as told: the same config is taken
    SIMULATORS.create("brian2", {"function": "b31_model:model", "path": str(tmp_path), "target": "cython"})


def test_under_a_per_job_tmpdir_the_default_cache_is_in_tmp_which_outlives_the_job(temp_folder, tmp_path,
                                                                                     monkeypatch):
    """Sites that give every job a $TMPDIR of its own (removed when it ends) made every job and array task compile
    the model again: the default cache followed $TMPDIR. Where $TMPDIR's path holds the job's id, it is /tmp's."""
    from l2l.simulators import brian2_cache

    system_temp = tmp_path / "system-tmp"
    system_temp.mkdir()
    monkeypatch.setattr(brian2_cache, "SYSTEM_TEMP", str(system_temp))
    uid = os.getuid()

    def root_of(tmpdir: Path, **job: str) -> Path:
        tmpdir.mkdir(parents=True, exist_ok=True)
        monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
        for name in JOB_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in job.items():
            monkeypatch.setenv(name, value)
        return Path(brian2_cache.worker_cache()).parent

    assert root_of(tmp_path / "job.4242", SLURM_JOB_ID="4242") == system_temp / f"l2l-brian2-{uid}"
    assert root_of(tmp_path / "slurm-77_3", SLURM_JOB_ID="80", SLURM_ARRAY_JOB_ID="77") == \
        system_temp / f"l2l-brian2-{uid}"
    assert root_of(tmp_path / "pbs.91.server", PBS_JOBID="91.server") == system_temp / f"l2l-brian2-{uid}"
    # a $TMPDIR that is not the job's own is followed, as outside a job
    assert root_of(tmp_path / "scratch", SLURM_JOB_ID="4242") == tmp_path / "scratch" / f"l2l-brian2-{uid}"
    assert root_of(tmp_path / "job.42420", SLURM_JOB_ID="4242") == tmp_path / "job.42420" / f"l2l-brian2-{uid}"
    assert root_of(tmp_path / "job.4242") == tmp_path / "job.4242" / f"l2l-brian2-{uid}"


def test_a_killed_brian2_worker_leaves_no_file_of_brian2s_and_debug_log_keeps_its_log_where_it_says(tmp_path):
    """Brian2 writes a debug log and a copy of the main script into the temp folder when imported, and the
    compiler's output when it compiles; it removes them at a normal exit only, so every terminated worker left them
    in /tmp (about 108 a day of tests). Two workers killed after an evaluation: one with target = 'cython' (it
    compiles) leaves nothing of Brian2's outside l2l's cache (whose dead worker folder the next worker removes); one
    with debug_log = true leaves Brian2's debug log, whose path it said on its stderr."""
    pytest.importorskip("Cython")
    (tmp_path / "brian31_models.py").write_text(MODELS)
    (tmp_path / "brian31_worker.py").write_text(WORKER)
    # Brian2's preferences file, read from the working directory: compiled without optimization (by default -O3
    # -march=native), less CPU; nothing here depends on how the module was optimized
    (tmp_path / "brian_preferences").write_text("codegen.cpp.extra_compile_args_gcc = ['-w', '-O0']\n")
    environment = {key: value for key, value in os.environ.items() if key not in JOB_VARIABLES}
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    workers = {}
    for name, target, debug in (("compiled", "cython", "-"), ("debug", "numpy", "debug")):
        (tmp_path / name).mkdir()
        workers[name] = subprocess.Popen([sys.executable, str(tmp_path / "brian31_worker.py"), target, debug],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                                         env={**environment, "TMPDIR": str(tmp_path / name)})
    said = {name: process.communicate(timeout=600) for name, process in workers.items()}
    assert workers["compiled"].returncode == -signal.SIGKILL and said["compiled"][0].strip(), said["compiled"][1]
    compiled = tmp_path / "compiled"
    cache = compiled / f"l2l-brian2-{os.getuid()}"
    assert [path.name for path in compiled.iterdir()] == [cache.name]
    assert list(cache.glob("*-shared/*.so")), "nothing compiled"
    from l2l.simulators.brian2_cache import worker_cache

    worker_cache(str(cache))  # the next worker on the host: the killed one's folder goes
    left = [str(path.relative_to(compiled)) for path in compiled.rglob("*") if path.is_file()]
    assert left and not [name for name in left if "brian_" in name or not name.endswith(".so")], left

    assert workers["debug"].returncode == -signal.SIGKILL and said["debug"][0].strip(), said["debug"][1]
    debug = tmp_path / "debug"
    logs = list(debug.glob("brian_debug_*.log"))
    assert len(logs) == 1 and f"Brian2's debug log of process {workers['debug'].pid} on " \
        f"{socket.gethostname()}: {logs[0]}" in said["debug"][1], (list(debug.iterdir()), said["debug"][1])
    assert "DEBUG" in logs[0].read_text()


def test_stale_hidden_copies_in_the_shared_cache_are_removed_and_others_kept(tmp_path):
    """A copy into the shared folder (where hard links are not allowed) killed half-way left its hidden
    .<module>.<pid>.tmp there for good. Those older than 10 minutes of a process that no longer runs are removed
    when a process first uses the folder; a recent one, this process's or a running process's are kept."""
    from l2l.simulators.brian2_cache import shared_cache

    brian2 = SimpleNamespace(prefs={}, __version__="2.9.0")
    name = Path(shared_cache(brian2, str(tmp_path / "probe"))).name
    folder = tmp_path / "cache" / name
    folder.mkdir(parents=True)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    old = time.time() - 3600
    files = {"stale": f".a.so.{ended.pid}.tmp", "recent": f".b.so.{ended.pid}.tmp", "ours": f".c.so.{os.getpid()}.tmp",
             "running": f".d.so.{os.getppid()}.tmp", "module": "e.so"}
    for key, file_name in files.items():
        (folder / file_name).write_bytes(b"half")
        if key != "recent":
            os.utime(folder / file_name, (old, old))
    assert shared_cache(brian2, str(tmp_path / "cache")) == str(folder)
    assert sorted(path.name for path in folder.iterdir()) == sorted(v for k, v in files.items() if k != "stale")
