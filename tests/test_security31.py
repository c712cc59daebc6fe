"""What an admin reviewing l2l for a shared machine would check: other users of the host cannot reach a run's
processes, and names other users can plant in a shared folder are never written through."""

import os
import shlex

import pytest

from l2l.jobs import BACKENDS
from l2l.jobs.base import Settings
from l2l.simulators import SIMULATORS

#: Dask makes TLS credentials with the cryptography package, which distributed does not require: without it the
#: local and slurm backends talk plain TCP (docs/security.md). Installed here and in CI.
try:
    import cryptography  # noqa: F401
    TLS = True
except ImportError:
    TLS = False


def test_another_user_of_the_host_cannot_run_code_in_a_local_runs_cluster(tmp_path, monkeypatch):
    """The local backend's scheduler listened on 127.0.0.1 in plain TCP: any user of a shared login node could
    connect a Dask client to it and run code as the user who started the run. And Dask's scratch folder,
    ``<temp folder>/dask-scratch-space``, was used when another user had made it, and put first on ``sys.path``
    of l2l's process: a module they left there was imported in place of the one meant."""
    import importlib.util
    import tempfile

    from distributed import Client
    from distributed.comm.addressing import parse_address, parse_host_port

    shared = tmp_path / "tmp" / "dask-scratch-space"  # made by another user, writable by all
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    (shared / "l2l_planted_module.py").write_text("raise SystemExit('their code ran')\n")
    monkeypatch.setattr(tempfile, "tempdir", str(shared.parent))
    executor = BACKENDS.create("local", {"workers": 1})
    try:
        executor.start(SIMULATORS.create("sphere", {}), Settings(objectives=("fitness",)))
        assert importlib.util.find_spec("l2l_planted_module") is None
        folders = executor._client.run(lambda dask_worker: dask_worker.local_directory)
        assert not [folder for folder in folders.values() if folder.startswith(str(shared))]
        cluster = executor._cluster
        scheme, location = parse_address(cluster.scheduler_address)
        assert scheme == ("tls" if TLS else "tcp")
        if TLS:
            with pytest.raises(Exception):  # noqa: B017 - refused however Dask words it (no client comes up)
                Client(f"tcp://{location}", timeout="2s", set_as_default=False)
        assert parse_host_port(location)[0] == "127.0.0.1"
        # the scheduler's HTTP server (Dask's dashboard) listened on every interface: other hosts saw the run
        served = {sock.getsockname()[0] for sock in cluster.scheduler.http_server._sockets.values()}
        assert served == {"127.0.0.1"}
    finally:
        executor.close()


# -- names other users can plant in a shared folder ---------------------------------------------------------------

@pytest.fixture
def precious(tmp_path):
    """A file of the user's own, elsewhere (their ~/.bashrc), that a symbolic link planted in a shared folder names."""
    home = tmp_path / "home"
    home.mkdir()
    target = home / "precious.txt"
    target.write_text("mine\n")
    return target


def _plant(link, target):
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def test_a_run_does_not_write_through_a_link_planted_at_its_lock_files_name(tmp_path, precious):
    import l2l
    from conftest import make_config

    out = tmp_path / "shared" / "run.h5"
    _plant(out.with_name(".run.h5.lock"), precious)
    l2l.run(make_config(run={"generations": 1}), out)
    assert precious.read_text() == "mine\n"  # was truncated and given the lock's JSON line
    assert len(l2l.load(out)) == 8


def test_a_run_does_not_write_through_a_link_planted_at_its_temporary_files_name(tmp_path, precious):
    import l2l
    from conftest import make_config

    out = tmp_path / "shared" / "run.h5"
    _plant(out.with_name(f".run.h5.{os.getpid()}.tmp"), precious)  # the trajectory is made under this name first
    l2l.run(make_config(run={"generations": 1}), out)
    assert precious.read_text() == "mine\n"  # was made an empty HDF5 file, then moved over run.h5
    assert len(l2l.load(out)) == 8


def test_a_large_checkpoint_is_not_written_through_a_link_planted_at_its_temporary_name(tmp_path, precious):
    import hashlib

    from l2l.results_schema.checkpoint_store import CheckpointStore

    store = CheckpointStore(tmp_path / "shared" / "run.h5")
    data = b"weights" * 100
    digest = hashlib.sha256(data).hexdigest()
    _plant(store.path(digest).with_name(f".{digest}.l2lc.{os.getpid()}.tmp"), precious)
    reference = store.put([memoryview(data)])
    assert precious.read_text() == "mine\n"
    assert store.get(reference) == data


def test_an_output_file_is_not_written_through_a_link_planted_at_its_temporary_name(tmp_path, precious):
    from l2l.analysis.outputs import write_atomically

    target = tmp_path / "shared" / "report.md"
    _plant(target.with_name(f".report.md.{os.getpid()}.tmp"), precious)
    write_atomically(target, lambda tmp: tmp.write_text("report\n"))
    assert precious.read_text() == "mine\n"
    assert target.read_text() == "report\n"


def test_an_array_tasks_result_is_not_written_through_a_link_planted_at_its_temporary_name(tmp_path, precious):
    from l2l.jobs.array_task import write_bytes_atomically

    target = tmp_path / "shared" / "0.json"
    _plant(target.with_name(f".0.json.{os.getpid()}"), precious)
    write_bytes_atomically(str(target), b"{}")
    assert precious.read_text() == "mine\n"
    assert target.read_bytes() == b"{}"


@pytest.mark.parametrize("folder", ["run.work", "run.h5.checkpoints"])
def test_a_run_whose_side_folder_another_user_made_first_is_refused(tmp_path, monkeypatch, folder):
    """In a shared /tmp, ``<run>.work`` made by someone else would hold our programs' working directories and
    slurm-array's job scripts, which its owner can replace; nothing is created."""
    import l2l
    from conftest import make_config

    (tmp_path / folder).mkdir()
    mine = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: mine + 1)  # the folder is now another user's
    with pytest.raises(l2l.TrajectoryError, match=f"the run's .*{folder} belongs to another user"):
        l2l.run(make_config(run={"generations": 1}), tmp_path / "run.h5")
    assert not (tmp_path / "run.h5").exists()


def test_a_slurm_worker_job_script_is_not_written_through_a_link_put_at_its_temporary_name(
        tmp_path, monkeypatch, precious):
    """dask-jobqueue wrote the script to the name ``mkstemp`` gave after removing that file: another user of a
    shared $TMPDIR who put a link (or a file of theirs) at the name in between got the script written there."""
    import tempfile

    from l2l.jobs.slurm import _job_class, _Submissions

    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    made, remove, mkstemp = [], os.remove, tempfile.mkstemp

    def named(*args, **kwargs):
        descriptor, path = mkstemp(*args, **kwargs)
        made.append(path)
        return descriptor, path

    def removed(path):  # the other user is quick: the name is theirs as soon as it is free
        remove(path)
        if path in made:
            made.remove(path)
            os.symlink(precious, path)

    monkeypatch.setattr(tempfile, "mkstemp", named)
    monkeypatch.setattr(os, "remove", removed)
    job = _job_class(_Submissions(1))(scheduler="tcp://127.0.0.1:8786", name="w", cores=1, memory="1GB")
    with job.job_file() as script:
        assert not os.path.islink(script)
        assert open(script).read() == job.job_script()
    assert precious.read_text() == "mine\n"


def test_another_user_of_the_cluster_cannot_run_code_in_a_slurm_runs_scheduler(tmp_path, monkeypatch):
    """The slurm backend's scheduler listened on the login node's network in plain TCP: anyone who reached its port
    could connect a Dask client and run code as the run's user. Its worker jobs now get the TLS credentials in files
    only the user can read, named in the job script (quoted: a run's folder may hold a blank or a quote)."""
    import stat
    import sys
    import tempfile

    from distributed import Client
    from distributed.comm.addressing import parse_address

    import l2l.jobs.slurm
    from l2l.jobs.slurm import SlurmExecutor

    cluster_class = l2l.jobs.slurm.slurm_cluster_class()

    class Unscaled(cluster_class):
        def adapt(self, *args, **kwargs):  # no job submitted: the scheduler and the job script are what is checked
            return None

    monkeypatch.setattr(l2l.jobs.slurm, "slurm_cluster_class", lambda: Unscaled)
    monkeypatch.setattr(SlurmExecutor, "check_submission", lambda self: None)
    shared = tmp_path / "tmp" / "dask-scratch-space"  # made by another user, writable by all
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    monkeypatch.setattr(tempfile, "tempdir", str(shared.parent))
    executor = SlurmExecutor()
    executor._run_dir = str(tmp_path / "it's a run.work")
    executor._client = executor._connect()
    cluster = executor._cluster
    try:
        # the scheduler's folder goes first on sys.path: one in another user's folder, they could swap for theirs
        assert not [path for path in sys.path if path.startswith(str(shared))]
        scheme, location = parse_address(cluster.scheduler_address)
        assert scheme == ("tls" if TLS else "tcp")
        if not TLS:
            return
        with pytest.raises(Exception):  # noqa: B017 - refused however Dask words it (no client comes up)
            Client(f"tcp://{location}", timeout="2s", set_as_default=False)
        script = cluster.job_script()
        credentials = sorted((tmp_path / "it's a run.work" / "slurm-logs").glob(".dask-jobqueue.worker.*"))
        assert len(credentials) == 3
        for path in credentials:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert shlex.quote(str(path)) in script
    finally:
        executor.close()


# -- run files from someone else ------------------------------------------------------------------------------------

@pytest.mark.parametrize("group", ["evaluations", "generations"])
def test_a_file_declaring_rows_it_does_not_hold_is_refused_before_any_is_read(tmp_path, group):
    """A file of 2 MB may declare 10^13 rows (resized, its chunks never written): every reader asked for the memory
    of the declared rows (``l2l show`` said 'Unable to allocate 72.8 TiB'; a claim of 10^9 rows took gigabytes
    of memory before it said anything)."""
    import h5py

    import l2l
    from conftest import make_config

    path = l2l.run(make_config(run={"generations": 1}), tmp_path / "run.h5")
    declared = 10 ** 13
    def declare(_, item):
        if isinstance(item, h5py.Dataset) and item.maxshape[0] is None and item.name != "/evaluations/committed":
            item.resize((declared, *item.shape[1:]))

    with h5py.File(path, "r+") as f:
        f[group].visititems(declare)
        if group == "evaluations":
            f["evaluations/committed"][-1] = declared
    with pytest.raises(l2l.TrajectoryError, match=f"{declared} rows, more than the file's [0-9]+ bytes hold"):
        l2l.load(path)
