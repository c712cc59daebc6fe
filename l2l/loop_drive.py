"""One session's drive: :func:`l2l.driver.drive` in the run's folder, with the event that ends the session in the file
whatever ends it (``failed`` with the error, ``stopped`` for a Ctrl-C before the driver's loop began) and the hosts
its outcomes came from. :mod:`l2l.loop` hands each run and resume here once its file is open for writing."""

from __future__ import annotations

from typing import Any, Callable

from l2l.components import Components
from l2l.control import RunControl
from l2l.errors import command
from l2l.jobs import Outcome, Settings
from l2l.provenance import SessionHosts
from l2l.words import passed_as


def drive_recording_failure(components: Components, writer, state: dict[str, Any], **options: Any) -> None:
    """:func:`_drive`, with a ``failed`` event (and the error) in the file if the run dies of an exception, and a
    ``stopped`` one (reason ``interrupted``) for a Ctrl-C before the driver's loop began, which writes its own
    after: one while the local cluster was still starting left the session's ``started`` event the last, which
    ``l2l show`` read as a run whose process was killed ("interrupted (no process writes the file ...)")."""
    told = _EventsTold(writer, options.pop("session", 1))
    told.executor = components.executor  # (the results of a killed session it took: the event that ends this one)
    try:
        _drive(components, told, state, **options)
    except KeyboardInterrupt as exc:
        if told.last is None:  # nothing of this session computed: the file holds what it held before it
            try:
                told.event("stopped", {"generation": state["loop"].get("generation", 0), "reason": "interrupted"})
            except Exception:  # noqa: BLE001 - the file itself may be what failed; the interrupt goes on up
                pass
        # What finished is committed (the driver's stop): said under the traceback a script or notebook shows
        # (l2l run and resume print their own line instead), which before named neither the file nor the way on.
        where = writer.path.absolute()
        passed = passed_as(components.config.simulator.options)
        if passed:  # passed again (by its name, as the notebook or script that ran it knows it); no command can
            again = f"l2l.resume({str(where)!r}, simulator={passed})"
        else:
            again = f"l2l.resume({str(where)!r}) (or: {command('l2l', 'resume', where)})"
        exc.add_note(f"l2l: interrupted; every committed evaluation is in {where}; continue with {again}")
        raise
    except Exception as exc:
        try:
            told.event("failed", {"error": f"{type(exc).__name__}: {exc}"[:400]})  # with its hosts
        except Exception:  # noqa: BLE001 - the file itself may be what failed; the error goes on up
            pass
        raise



class _EventsTold:
    """A trajectory writer that notes the kind of the last event written through it (None: none yet), and the hosts
    of the outcomes appended through it, recorded in the event that ends the session (l2l.provenance.SessionHosts),
    and in each commit of the run state, from which a resume recovers them where the session ``session`` (its number
    among the run's) is killed."""

    def __init__(self, writer, session: int = 1) -> None:
        self._writer, self.last, self.hosts = writer, None, SessionHosts(session)
        self.executor = None

    def commit_generation(self, generation: int, *, state: Any, **commit: Any) -> None:
        self._writer.commit_generation(generation, state=self.hosts.in_state(state), **commit)

    def append(self, outcomes: Any, params: Any) -> None:
        self.hosts.saw(outcomes)
        self._writer.append(outcomes, params)

    def event(self, kind: str, detail: Any = "") -> None:
        if kind in ("finished", "stopped", "failed"):
            taken = getattr(self.executor, "finished_taken", 0)  # slurm-array's (l2l.jobs.array_finished)
            if isinstance(detail, dict) and isinstance(taken, int) and taken > 0:
                detail = {**detail, "taken": taken}
            detail = self.hosts.added(detail)
        self._writer.event(kind, detail)
        self.last = kind

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)



def _drive(components: Components, writer, state: dict[str, Any], *, reuse: dict[int, Outcome],
           progress: bool, on_generation: Callable[[dict], None] | None, control: RunControl,
           drop_unreadable: bool = False, on_evaluation: Callable[[dict], None] | None = None) -> None:
    from l2l.driver import drive

    settings = Settings(objectives=tuple(o.name for o in components.problem.objectives),
                        timeout=components.config.timeout, run_dir=str(writer.path.with_suffix(".work")),
                        resumed=bool(state["loop"].get("evaluations")))
    # run.target ends the run at the first result that reaches it, not with the others its backend batched it with
    components.executor.each_result = components.config.target is not None
    begin, end = (getattr(components.simulator, name, None) for name in ("begin_run", "end_run"))  # (command's)
    if begin is not None and end is not None:
        begin(settings.run_dir)
    try:
        drive(components, writer, state, reuse=reuse, progress=progress, on_generation=on_generation,
              settings=settings, control=control, drop_unreadable=drop_unreadable, on_evaluation=on_evaluation)
    finally:
        if begin is not None and end is not None:
            end(settings.run_dir)
