"""The progress bar of a run, and where a person at a terminal finds the Dask dashboard."""

from __future__ import annotations

import functools
import math
import sys
import threading
from collections.abc import Mapping
from typing import Any

from l2l.jobs import Executor
from l2l.numbers import compute, number


class Progress:
    """A tqdm bar over evaluations with generation, evaluations/s and best so far (one per run).

    ``tqdm.auto`` draws a widget in a notebook and text in a terminal.
    """

    def __init__(self, enabled: bool, total: float, initial: float, unit: str = "eval", fractional: bool = False,
                 per_second: bool | None = None, description: str = ""):
        """``fractional``: the bar counts a fidelity that need not be whole (0.1 biological seconds a segment),
        shown as ``l2l show`` gives its compute (:func:`l2l.numbers.compute`: ``0.3/1.2``,
        ``3703701/10000000``), where tqdm would show a float's every digit and ``.4g`` gave ``3.704e+06``.

        ``per_second``: the rate is given per second however slow (``0.22 epochs/s``, ``0.0017 epochs/s``), where
        tqdm turns it round below one a second (``4.5s/epochs``, read as seconds per epochs) and shows two decimals
        above (``0.00epochs/s``); by default so for a bar that counts a fidelity (``fractional``, or a ``unit`` not
        in :data:`COUNTED`), not for one of evaluations or candidates, whose ``4.5s/eval`` reads well.

        ``description``: shown before the bar from its first line on (``re-evaluating: ``), as :meth:`describe`
        shows one from the next update."""
        self.bar = None
        self.fractional = fractional
        self._minutes: _EveryInterval | None = None
        #: What the best is, after its value where its name alone does not say (a multi-fidelity run's candidate
        #: trained more than once: ``(mean of 2)``, as ``l2l show`` lists it); set by the run before an update.
        self.best_note = ""
        if enabled:
            from tqdm.auto import tqdm
            if per_second is None:
                per_second = fractional or unit not in COUNTED
            # {count}, {rate_per_second} and {desc_text}: see _per_second
            bar_format = (("{l_bar}{bar}| {count} [{elapsed}<{remaining}, {rate_per_second}{postfix}]" if total
                           else "{desc_text}{count} [{elapsed}, {rate_per_second}{postfix}]") if per_second else None)
            redrawn = _redrawn(tqdm)
            timed = _from_first_result(tqdm)
            self.bar = (_per_second(timed, fractional) if per_second else timed)(
                total=total or None, initial=initial, unit=unit, dynamic_ncols=redrawn, bar_format=bar_format,
                desc=description or None,
                **({"file": sys.stderr} if redrawn else {"file": _Lines(sys.stderr), "mininterval": math.inf,
                                                        "miniters": 1}))
            if not redrawn:
                self._minutes = _EveryInterval(self.bar, LOG_INTERVAL)

    def update(self, n: float, generation: int, best: dict[str, float], failed: int, extra: str = "") -> None:
        """Move the bar by ``n`` (a result that came back). The first result of the session starts the rate and the
        time left (see :func:`_from_first_result`): '?' until then."""
        if self.bar is None:
            return
        with self._held():
            self.bar.set_postfix_str(progress_text(generation, best, failed, extra, self.best_note), refresh=False)
            if self.bar.total and self.bar.n + n > self.bar.total:  # the last segments may overshoot a compute
                self.bar.total = self.bar.n + n                     # budget: keep a total (tqdm drops it otherwise)
            first = n > 0 and getattr(self.bar, "since", ()) is None
            self.bar.update(n)
            if first:
                self.bar.start_estimate()
            elif n > 0 and self._minutes is not None:
                self._minutes.count()

    def move_to(self, n: float, generation: int, best: dict[str, float], failed: int, extra: str = "") -> None:
        """Set the bar to ``n`` (never back; rounded to a whole number unless ``fractional``) with the postfix
        of :meth:`update`."""
        if self.bar is not None:
            n = n if self.fractional else int(round(n))
            self.update(max(0, n - self.bar.n), generation, best, failed, extra)

    def describe(self, text: str) -> None:
        """Show ``text`` before the bar ('' for none), redrawn with the next update."""
        if self.bar is not None and text != (self.bar.desc or "").removesuffix(": "):
            with self._held():
                self.bar.set_description_str(f"{text}: " if text else "", refresh=False)

    def close(self) -> None:
        if self._minutes is not None:
            self._minutes.stop()
        if self.bar is not None:
            self.bar.close()

    def _held(self) -> Any:
        """The lock the minute lines are written under (see :class:`_EveryInterval`), or none for a redrawn bar."""
        import contextlib

        return self._minutes.lock if self._minutes is not None else contextlib.nullcontext()


#: Seconds between the progress lines written where standard error is no terminal (a log file, a CI or SLURM job's
#: log, nohup): a line every minute, and one as the run ends, where a bar redrawn in place wrote ten lines a second
#: joined by carriage returns (50 KB in a 9-minute run, one unreadable line in the log).
LOG_INTERVAL = 60.0


class _EveryInterval:
    """Writes the line of a bar that is not redrawn every ``interval`` seconds, from the start, whether results came
    back or not (tqdm, asked for one a minute at most, wrote it only as a result came: a run whose evaluations took
    longer than the interval, a 70 s simulation or SLURM jobs waiting in the queue, wrote its 0 % line and then
    nothing until a result came; a 77 s run had no line at 60 s).

    tqdm writes no line of its own (``mininterval`` infinite) but the first and the last; a thread (a daemon,
    stopped by :meth:`Progress.close`) writes the others. The rate is still fed to tqdm's smoothing as each result
    comes (:meth:`count`: the results since the last one over the time since), so that a line between two results
    does not take the wait for the next one for a slower rate."""

    def __init__(self, bar: Any, interval: float) -> None:
        self.bar, self.interval = bar, interval
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.last_line = bar._time()
        self.thread = threading.Thread(target=self._run, name="l2l-progress-lines", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        wait = self.interval
        while not self.stopped.wait(max(wait, 0.01)):
            wait = self.tick()

    def tick(self) -> float:
        """Write the line if ``interval`` has passed since the last one; the seconds until the next."""
        with self.lock:
            now = self.bar._time()
            since = now - self.last_line
            if self.stopped.is_set() or since < self.interval:
                return self.interval - since
            self.last_line = now
            self.bar.refresh()
            return self.interval

    def count(self) -> None:
        """Feed tqdm's smoothed rate with the results since it was last fed (called under :attr:`lock` as the bar
        moves, as tqdm's ``update`` fed it when it wrote a line)."""
        bar = self.bar
        now = bar._time()
        dn, dt = bar.n - bar.last_print_n, now - bar.last_print_t
        if bar.smoothing and dn and dt > 0:
            bar._ema_dn(dn)
            bar._ema_dt(dt)
        bar.last_print_n, bar.last_print_t = bar.n, now

    def stop(self) -> None:
        with self.lock:
            self.stopped.set()


def _redrawn(tqdm: type) -> bool:
    """Whether the bar is redrawn in place: on a terminal, and in a notebook (tqdm's widget, or its text in a
    notebook's standard error, which reads carriage returns as a terminal does); not into a file or a pipe."""
    if any("notebook" in klass.__module__ for klass in tqdm.__mro__):
        return True
    if type(sys.stderr).__module__.split(".")[0] in ("ipykernel", "IPython"):
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stderr worth the name (closed, or an object without isatty)
        return False


class _Lines:
    """Standard error for a bar that is not redrawn: each state tqdm draws becomes a line of its own (tqdm writes
    it after a carriage return, padded with spaces over the longer one before); what only clears is left out."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.encoding = getattr(stream, "encoding", None)

    def write(self, text: str) -> None:
        line = text.replace("\r", "").rstrip()
        if line:
            self.stream.write(f"{line}\n")

    def flush(self) -> None:
        flush = getattr(self.stream, "flush", None)
        if flush is not None:
            flush()

    def isatty(self) -> bool:
        return False


@functools.cache
def _from_first_result(base: type) -> type:
    """``base`` (tqdm.auto's bar class) whose rate and time left count from the first result of the session.

    A bar is made as the run starts, before its workers are: tqdm's first estimate took the start-up of a Dask
    cluster (several seconds; a minute at load 30) for the time of the first evaluation, and said a run of 100
    evaluations of 0.5 s on 2 workers, after a 10 s start, would take 16 minutes more (its smoothing then held on
    to that for dozens of updates, and a file's line every minute gave it whole). The rate and the time left read
    '?' until a result has come back (:meth:`Progress.update` calls :meth:`start_estimate` then), and count from it:
    tqdm's smoothed rate over the updates since, or the mean since where it has none (the closing line). The
    elapsed time still counts from the start."""

    class FromFirstResult(base):  # type: ignore[misc, valid-type]
        #: (time, count) as the first result came back; None before
        since: tuple[float, float] | None = None

        def start_estimate(self) -> None:
            """The first result is in: the rate counts from now (tqdm's smoothing restarts with it)."""
            now = self._time()
            self.since = (now, self.n)
            self._ema_dn, self._ema_dt = type(self._ema_dn)(self.smoothing), type(self._ema_dt)(self.smoothing)
            self.last_print_t, self.last_print_n = now, self.n

        @property
        def format_dict(self):  # noqa: ANN202 (tqdm's)
            values = super().format_dict
            if self.since is None:
                values["rate"] = 0  # shown '?' (None made tqdm take the mean since the start: start-up included)
            elif values.get("rate") is None:
                at, count = self.since
                spent = self._time() - at
                values["rate"] = (self.n - count) / spent if self.n > count and spent > 0 else 0
            return values

    return FromFirstResult


#: The units of bars that count things one at a time (evaluations, a sweep's candidates), whose rate tqdm gives as
#: it does: ``4.5s/eval`` below one a second reads well.
COUNTED = frozenset({"eval", "candidate"})


@functools.cache
def _per_second(base: type, fractional: bool) -> type:
    """``base`` (tqdm.auto's bar class) with its ``{rate_per_second}`` and ``{count}`` (of a ``fractional`` bar as
    ``l2l show`` gives compute) for a ``bar_format`` (see :class:`Progress`)."""

    class PerSecond(base):  # type: ignore[misc, valid-type]
        @classmethod
        def format_meter(cls, n, total, elapsed, **kwargs):  # noqa: ANN001, ANN206 (tqdm's signature)
            rate, unit = kwargs.get("rate"), kwargs.get("unit", "it")
            if rate is None and elapsed:  # as tqdm does before its first smoothed rate
                rate = (n - kwargs.get("initial", 0)) / elapsed
            shown = total if total and n < total + 0.5 and math.isfinite(total) else None  # as tqdm drops it
            if fractional:
                count = f"{compute(n)}/{compute(shown)}" if shown else f"{compute(n)}{unit}"
            else:
                count = f"{n}/{shown}" if shown else f"{n}{unit}"
            prefix = kwargs.get("prefix") or ""  # Progress.describe's ends in ': ' already
            desc_text = prefix if not prefix or prefix.endswith(": ") else f"{prefix}: "
            return base.format_meter(n, total, elapsed, **kwargs, count=count, desc_text=desc_text,
                                     rate_per_second=f"{per_second_text(rate)}{unit}/s")

    return PerSecond


def per_second_text(rate: float | None) -> str:
    """A rate per second for a bar: 2 decimals from one a second up (as tqdm: ``12.30``), whole from 1000 on
    (``196765492``, not ``196765492.15``), 2 significant digits below one (``0.16``, ``0.0017``: tqdm's ``0.00``
    said nothing), ``?`` before there is one."""
    if rate is None or not math.isfinite(rate) or rate <= 0:
        return "?"
    if rate >= 1000:
        return number(float(round(rate)))
    return f"{rate:5.2f}" if rate >= 1 else f"{rate:.2g}"


#: Fidelity names that count time: their rate per second of the wall clock needs the declared unit, which says
#: what time it is ('biological seconds/s'); the name alone read 'seconds/s'.
TIME_NAMES = frozenset({"s", "sec", "secs", "second", "seconds", "ms", "millisecond", "milliseconds", "us",
                        "microsecond", "microseconds", "min", "minute", "minutes", "h", "hour", "hours"})


def rate_unit(fidelity: Any) -> str:
    """What a multi-fidelity run's bar counts its compute in, for its rate (``epochs/s``, ``iterations/s``): the
    fidelity's unit where it is one word (``multi_fidelity = { name = "epochs" }`` declares it so), else its name
    (the built-in simulators' units are phrases for people, ``training iterations (Adam steps)``, which read
    badly before ``/s``), else ``budget`` for a simulator that declares neither. A fidelity of time (its name
    in :data:`TIME_NAMES`) keeps its unit as declared (``biological seconds``, as the run's closing line gives
    it), after a space, since tqdm writes the unit right after the number (``82.4 biological seconds/s``).

    ``fidelity`` is the simulator's :class:`~l2l.simulators.base.Fidelity` or a stored run's ``fidelity`` mapping:
    the closing line of ``l2l run`` and ``l2l resume`` gives its rate by this rule too (without the space), where it
    gave the phrase in full (``135 training iterations (Adam steps)/s`` below a bar saying ``iterations/s``)."""
    if isinstance(fidelity, Mapping):
        unit, name = fidelity.get("unit"), fidelity.get("name")
    else:
        unit, name = getattr(fidelity, "unit", ""), getattr(fidelity, "name", "")
    unit = " ".join(str(unit or "").split())
    name = str(name or "").strip()
    if unit and len(unit.split()) == 1:
        return unit
    if unit and name.lower() in TIME_NAMES:
        return f" {unit}"
    return name or "budget"


def progress_text(generation: int, best: dict[str, float], failed: int, where: str = "", note: str = "") -> str:
    """The progress bar's postfix: no "best" before there is one. ``where`` replaces "gen G"; ``note`` follows the
    best's value (see :attr:`Progress.best_note`). Several objectives' bests come from different candidates, so
    they read ``best of each: err=0.12 spikes=3``, not ``best err=0.12 spikes=3`` (which read as one candidate).
    A best is written by :func:`l2l.numbers.number`, as ``l2l show`` gives it to six digits: ``123457``, where
    ``.4g`` gave ``1.235e+05``; ``0.123457``; ``1.23457e-06``."""
    parts = [where or f"gen {generation}"]
    if best:
        label = "best of each: " if len(best) > 1 else "best "
        parts.append(label + " ".join(f"{k}={number(v)}" for k, v in best.items()) + (f" {note}" if note else ""))
    if failed:
        parts.append(f"failed {failed}")
    if where and len(parts) > 1:  # a policy run's counts end in a word: "0 running, best value=0.27", not
        parts[0] += ","           # "0 running best value=0.27"
    return " ".join(parts)


def announce(executor: Executor, progress: bool) -> None:
    """Tell a person at a terminal where the Dask dashboard is."""
    link = getattr(executor, "dashboard_link", None)
    if progress and link:
        import importlib.util

        # without bokeh the page only says to install it: say so here rather than send the user there first
        needs = "" if importlib.util.find_spec("bokeh") else " (install bokeh>=3.1 to see it: pip install bokeh)"
        print(f"dask dashboard: {link}{needs}", file=sys.stderr)
