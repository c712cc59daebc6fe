"""What the SLURM backends and ``l2l submit`` share: one way to call a command, and its errors.

Every SLURM command goes through :func:`call`, with an argv list (never a
shell string), so that run names, paths and parameter values cannot reach a
shell. Every value that goes into a job script, on every SLURM path (the
``slurm`` backend through dask-jobqueue, ``slurm-array`` and ``l2l submit``),
is first checked by :func:`l2l.jobs.slurm_values.check_script_values` (no line breaks, no control
characters: refused when the config is read), then written by
:func:`l2l.jobs.slurm_values.directive` / :func:`l2l.jobs.slurm_values.sbatch_value` (``#SBATCH`` lines, quoted
the way sbatch reads them) or :func:`shlex.quote` (the script body); walltimes, memory sizes and network interfaces
are read there too (:mod:`l2l.jobs.slurm_values`). The jobs' names, and those a run's folder names for a
later session to cancel, are :mod:`l2l.jobs.slurm_left`'s.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Sequence

from l2l.errors import ExecutorError, L2LError
from l2l.jobs.slurm_values import sbatch_environment


class SlurmError(L2LError):
    """A SLURM command failed; the message holds its exit code, stdout and stderr."""

    def __init__(self, argv: Sequence[str], returncode: int, stdout: str, stderr: str):
        self.argv, self.returncode, self.stdout, self.stderr = list(argv), returncode, stdout, stderr
        # one line, what SLURM said first: the CLI prints it after 'l2l: error:', and an error of several lines
        # there (the command, an empty stdout, then stderr) read as l2l's own failure
        self.said = one_line(stdout, stderr)
        super().__init__(f"{self.argv[0]} failed (exit status {returncode}): {self.said or 'it printed nothing'} "
                         f"(the command: {' '.join(self.argv)})")

    @property
    def refused(self) -> bool:
        """True if the command answered no (a non-zero exit status of its own): not missing (127), not silent
        past its timeout, not killed by a signal."""
        return self.returncode > 0 and self.returncode != 127


class JobsRefused(ExecutorError):
    """sbatch refuses the jobs a run needs after the run has started (a per-user job or QOS limit reached, a
    partition closed, an account spent) and none of the run's jobs is left to go on with.

    Raised from the executor's ``wait``: the loop then keeps every evaluation that finished in the file and adds
    where that is and how to continue (l2l.driver); ``resume_when`` says when continuing is worth trying.
    """

    resume_when = "once SLURM takes the jobs again"


class SlurmUnreachable(ExecutorError):
    """squeue has not answered for :data:`SQUEUE_OUTAGE_SECONDS` in a row (slurmctld down, restarting or failing
    over for longer than a maintenance's minutes): raised from the executor's ``wait``, after which the loop keeps
    every finished evaluation in the file and says how to continue (l2l.driver)."""

    resume_when = "once SLURM answers again"


#: How long a run goes on while squeue fails (slurmctld restarting, failing over, overloaded: 'Unable to contact
#: slurm controller', 'Socket timed out'), reading the results its tasks write, before it ends with
#: :class:`SlurmUnreachable`, seconds. Before, the first squeue that failed ended the run (status failed).
SQUEUE_OUTAGE_SECONDS = 900.0


#: What SLURM's commands say when slurmctld cannot be reached or does not answer in time (not a refusal of the job).
_UNREACHABLE = ("Unable to contact slurm controller", "Socket timed out", "Zero Bytes were transmitted",
                "Slurm temporarily unable", "Resource temporarily unavailable", "Connection refused",
                "no answer within")


def unreachable(said: str) -> bool:
    """Whether a SLURM command's message ``said`` is slurmctld out of reach (down, restarting, failing over,
    overloaded), not an answer about the job: worth asking again later."""
    return any(words.lower() in said.lower() for words in _UNREACHABLE)


class WorkersRefused(L2LError):
    """sbatch refuses the first worker jobs of a ``slurm`` run (sbatch --test-only took them): nothing ran, so
    there is nothing to resume; a caller with finished work of its own (l2l reevaluate) says how to go on."""


def one_line(stdout: str, stderr: str) -> str:
    """What a SLURM command printed, stderr first, as one line (``'; '`` between its lines)."""
    return "; ".join(line.strip() for line in (stderr + "\n" + stdout).splitlines() if line.strip())


def call(argv: Sequence[str], *, timeout: float = 60.0, input: str | None = None) -> str:
    """Run ``argv`` (no shell) and return its stdout; raise :class:`SlurmError` if it fails."""
    argv = [str(a) for a in argv]
    if shutil.which(argv[0]) is None:
        raise SlurmError(argv, 127, "", f"{argv[0]}: command not found (is SLURM installed and on PATH? "
                                        f"For a local test cluster: bash scripts/slurm-up.sh)")
    env = None
    if argv[0] == "sbatch":  # the job script's own #SBATCH lines win over sbatch's SBATCH_* variables
        env = sbatch_environment(input if input is not None else script_text(argv[-1]))
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input,
                              check=False, env=env)
    except subprocess.TimeoutExpired as exc:
        raise SlurmError(argv, -1, exc.stdout or "", f"no answer within {timeout} s") from None
    if done.returncode != 0:
        raise SlurmError(argv, done.returncode, done.stdout, done.stderr)
    return done.stdout


def script_text(path: str) -> str:
    """The text of the job script sbatch is given as its last argument ('' where it is no readable file)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def check_with_test_only(script: str, options: Sequence[str], jobs: str) -> None:
    """Raise an L2LError of one line if sbatch refuses ``script`` given ``options`` (``sbatch --test-only``: no job
    is made), naming ``jobs`` (what the run would submit, e.g. 'the job arrays').

    Asked before the run's file exists: a partition that does not exist, or a walltime above its limit, refused at
    the first real submission left a file that held nothing computed (and refused the corrected config until it
    was deleted). A missing sbatch, or one that does not answer, raises its SlurmError: nothing could be submitted.
    """
    try:
        call(["sbatch", "--test-only", *options], input=script, timeout=60)
    except SlurmError as exc:
        if not exc.refused:
            raise
        said = exc.said or f"exit status {exc.returncode}, no message"
        raise L2LError(f"sbatch refused {jobs}: {said} (checked with 'sbatch --test-only' before submitting any; "
                       f"correct [backend] in the config, e.g. its partition, account, walltime or "
                       f"job_extra_directives)") from None


def max_array_size(default: int = 1001) -> int:
    """The cluster's MaxArraySize (array indices go from 0 to MaxArraySize - 1)."""
    try:
        text = call(["scontrol", "show", "config"], timeout=30)
    except SlurmError:
        return default
    match = re.search(r"^MaxArraySize\s*=\s*(\d+)", text, re.MULTILINE)
    return int(match.group(1)) if match else default


def parse_job_id(sbatch_output: str) -> str:
    """The job id from ``sbatch --parsable`` output ('123' or '123;cluster')."""
    job_id = sbatch_output.strip().split(";")[0]
    if not job_id.isdigit():
        raise L2LError(f"sbatch printed {sbatch_output.strip()!r}, expected a job id")
    return job_id


def threads_beyond_cpus(simulator: object, cpus: int, key: str) -> str:
    """A warning line where a NEST simulator's ``threads`` (``nest``, ``lsm``/``lsnn`` on engine ``nest``) is above
    the CPUs each SLURM job books (``key = cpus``: ``cpus_per_task`` of ``slurm-array``, ``cores`` of ``slurm``); ''
    otherwise. NEST then starts more threads than the job has CPUs: where the cluster binds a job to its CPUs (task
    affinity, cgroups) they share them, spinning while they wait for each other, and every evaluation slows many
    times over (docs/simulators.md measured 190 s against 7.8 s for 2 threads on one busy core). Before, this was
    said for ``local`` and ``serial`` runs only (:func:`l2l.run_warnings.threads_warning`)."""
    threads = getattr(simulator, "threads", 0)
    if not isinstance(threads, int) or isinstance(threads, bool) or threads <= max(1, cpus) \
            or getattr(simulator, "engine", "nest") != "nest":
        return ""
    return (f"l2l: warning: [simulator] threads = {threads} in SLURM jobs of {key} = {cpus}: NEST starts {threads} "
            f"threads on {cpus} CPU{'s' * (cpus != 1)} booked, which wait for each other spinning where the cluster "
            f"binds jobs to their CPUs (every evaluation many times slower); set [backend] {key} = {threads}, or "
            f"threads = 0 (each evaluation takes the CPUs its job books)")
