"""Exceptions raised by l2l.

Every error that comes from user input derives from :class:`ConfigError`, so
the command line can print one clear line and exit without a traceback.
"""


class L2LError(Exception):
    """Base class of every error l2l raises on purpose."""


class ConfigError(L2LError, ValueError):
    """A configuration, parameter space or option is invalid.

    The message names the key, the value and what is allowed.
    """


class TrajectoryError(L2LError):
    """A file is not a valid l2l trajectory, or cannot be used as asked."""


class EvaluationError(L2LError):
    """An evaluation returned something the run cannot use."""


class ContractError(L2LError):
    """A component (a plug-in's optimizer) gave the loop something its contract rules out, such as more
    candidates than asked or a NaN candidate: said in one line naming the component, not passed on to fail
    every evaluation as if the simulator were at fault."""


class ExecutorError(L2LError):
    """A backend could not start or reach its workers (a cluster that never came up, no SLURM)."""


def command(*words: object) -> str:
    """A command l2l suggests in a message, ready to paste into a shell: every word quoted where it needs to be
    (a file name with a space, a quote or a ``$``), the one place messages build such commands."""
    import shlex

    return " ".join(shlex.quote(str(word)) for word in words)
