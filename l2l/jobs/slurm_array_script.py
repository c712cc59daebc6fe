"""The ``slurm-array`` backend's job script (its ``#SBATCH`` header, the command each task runs, the paths that
reach sbatch) and what the backend refuses or asks sbatch before the run's file and folder exist (a run folder or
a simulator it cannot run, ``sbatch --test-only`` of the script).

A mixin of :class:`l2l.jobs.slurm_array.SlurmArrayExecutor` (it uses the executor's options: partition, account,
walltime, memory, nodes, ntasks, cpus_per_task, launch, max_running, job_extra_directives, prologue, python, and
its run folder ``_root`` and job name ``_job_name``).
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from l2l.errors import ConfigError
from l2l.jobs.slurm_common import check_with_test_only, threads_beyond_cpus
from l2l.jobs.slurm_left import array_job_name
from l2l.jobs.slurm_values import check_script_values, directive, format_walltime, slurm_memory, walltime_seconds
from l2l.simulators.base import Simulator


class ArrayScript:
    def _header(self, job_name: str | None = None) -> list[str]:
        lines = [directive("job-name", job_name or self._job_name), directive("time", format_walltime(
                 walltime_seconds(self.walltime))), directive("nodes", self.nodes),
                 directive("ntasks", self.ntasks), directive("cpus-per-task", self.cpus_per_task)]
        if self.memory:
            lines.append(directive("mem", slurm_memory("backend 'slurm-array'", "memory", self.memory)))
        if self.partition:
            lines.append(directive("partition", self.partition))
        if self.account:
            lines.append(directive("account", self.account))
        lines += [f"#SBATCH {extra}" for extra in self.job_extra_directives]
        return lines

    def job_script(self, spec: str = "RUN.work/array/spec.json", batch: str = "RUN.work/array/batches/BATCH",
                   run_dir: str | None = None) -> str:
        """The script of one array job; every path is quoted for the shell (and absolute: :meth:`_paths`). Given
        ``run_dir`` (what ``l2l run --dry-run`` prints), the arrays are named as that run's will be."""
        python = self.python or sys.executable
        command = [python, "-m", "l2l.jobs.array_task", "--spec", spec, "--tasks", f"{batch}/tasks.json",
                   "--results", f"{batch}/results"]
        launcher = "srun --kill-on-bad-exit=1 " if self.launch == "srun" else ""
        body = ["#!/bin/bash", *self._header(array_job_name(run_dir) if run_dir else None), "", *self.prologue,
                f'{launcher}{" ".join(shlex.quote(part) for part in command)} --index "$SLURM_ARRAY_TASK_ID"']
        return "\n".join(body) + "\n"

    def _paths(self, directory: Path) -> dict[str, str]:
        """The one place where the paths that reach sbatch and the job script are made.

        All derive from the run's folder, made absolute in :meth:`start` (a relative ``--out`` gave
        relative ``--chdir``/``--output`` and job-script paths, which SLURM resolves elsewhere: every
        task failed to launch) and checked there for line breaks; here they are joined, and quoted by
        :meth:`job_script` (shell) or passed as sbatch arguments (no shell).
        """
        assert self._root is not None and self._root.is_absolute(), "start() makes the run folder absolute"
        return {"spec": str(self._root / "spec.json"), "batch": str(directory), "script": str(directory / "job.sh"),
                "output": f"{directory}/logs/%a.log", "chdir": str(directory)}

    @classmethod
    def check_run_dir(cls, run_dir: str, options: dict) -> None:
        """Refuse a run folder with a line break or a ``%``, before anything is created: every path of the run
        derives from it (:meth:`_paths`), and sbatch reads a ``%`` of ``--output`` as a pattern."""
        check_script_values("backend 'slurm-array'", {"the run folder": os.path.abspath(run_dir)},
                            patterns={"the run folder": "choose an output path (--out) without '%'"})

    def check_simulator(self, simulator: Simulator | None) -> None:
        """Refuse ``launch = 'srun'`` on several ranks for a simulator that starts a program of its own per
        evaluation (``command``): every rank ran the evaluation, so the program started once per rank in one working
        directory, each start ending the programs the others had started there (their segments failed as 'killed
        by signal 9') while they raced on its checkpoint folder. Such a program is started by a launcher in its
        ``argv``, and the job books the ranks.

        A function passed to ``l2l.run`` is refused too, before the run's file exists: each task reads its simulator
        from the options written as JSON (before: "the options of simulator 'python' cannot be written as JSON
        (Object of type function ...)", once the file was created)."""
        if not getattr(simulator, "from_options", True):  # a function passed to l2l.run
            raise ConfigError("backend 'slurm-array': its tasks start the simulator from its options, and a function "
                              "passed to l2l.run has none that say where it is: name it in the config instead "
                              "(simulator = {name = \"python\", function = \"module:function\"}, the module beside "
                              "the config file, or in the working folder for a mapping without base_dir), or use "
                              "backend 'slurm', whose workers get the function itself")
        if self.launch == "srun" and self.ntasks > 1 and getattr(simulator, "name", "") == "command":
            raise ConfigError(f"backend 'slurm-array': launch = 'srun' runs every evaluation on each of its ntasks = "
                              f"{self.ntasks} ranks, so simulator 'command' would start its program {self.ntasks} "
                              f"times in one working directory; put the launcher in argv (argv = [\"srun\", \"-n\", "
                              f"\"{self.ntasks}\", ...]) and leave launch = 'python'")

    def prepare(self, simulator: Simulator | None = None) -> None:
        """Make :meth:`pre_run_checks`: no job made, nothing to start ahead of :meth:`start`; a NEST ``threads``
        above ``cpus_per_task`` is warned of in one line (:func:`threads_beyond_cpus`)."""
        self.pre_run_checks(simulator)
        warning = threads_beyond_cpus(simulator, self.cpus_per_task, "cpus_per_task")
        if warning:
            print(warning, file=sys.stderr, flush=True)

    def pre_run_checks(self, simulator: Simulator | None = None) -> list[str]:
        """Refuse ``launch = 'srun'`` on several ranks for a ``command`` simulator (:meth:`check_simulator`) and ask
        sbatch whether it takes the run's arrays (``sbatch --test-only`` of the job script, no job made), before the
        run's file and folder are created, as the ``slurm`` backend asks of its worker jobs: a partition that does
        not exist was refused at the first submission, after both existed."""
        self.check_simulator(simulator)
        throttle = f"%{self.max_running}" if self.max_running else ""
        check_with_test_only(self.job_script(), [f"--array=0-0{throttle}"], "the job arrays")
        lines = []
        if self.launch == "srun" and self.ntasks > 1:
            lines.append(f"launch = 'srun' on ntasks = {self.ntasks} ranks: taken for simulator "
                         f"{getattr(simulator, 'name', '?')!r} (each rank runs the evaluation; rank 0 writes its "
                         f"result)")
        lines.append("sbatch --test-only takes the job arrays (no job made)")
        warning = threads_beyond_cpus(simulator, self.cpus_per_task, "cpus_per_task")
        if warning:  # (l2l run says it as its prepare; the dry run's check lines say it here)
            lines.append(warning.removeprefix("l2l: "))
        return lines
