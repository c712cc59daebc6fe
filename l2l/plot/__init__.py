"""Figures of trajectories, for scripts and notebooks (the ``l2l plot`` and ``l2l compare`` commands use them).

Every function takes a trajectory path (or an open :class:`l2l.Trajectory`, an
evaluations DataFrame from :func:`l2l.load`, or a :class:`RunData`) and returns
a :class:`matplotlib.figure.Figure`; nothing is shown and pyplot is not used::

    from l2l import plot
    fig = plot.overview("run.h5")
    plot.save(fig, "run.png")           # .png, .svg or .pdf
    plot.fitness("run.h5")              # best, median, IQR band, best so far per objective
    plot.parameters("run.h5", top=6)    # parameter values per generation, coloured by fitness
    plot.scatter("run.h5", top=4)       # parameters against the objectives and each other
    plot.pareto("run.h5")               # two objectives: all evaluations faded, the front highlighted
    plot.failures("run.h5")             # status per generation, durations, frequent errors
    plot.compare(["a.h5", "b.h5"])      # best so far against evaluations and wall time
"""

# The module l2l.plot.curves is loaded before the function of that name is bound here: a later first import
# of the module (figures import it lazily) would otherwise rebind l2l.plot.curves to the module.
import l2l.plot.curves  # noqa: F401  (isort: keep before the function of the same name)
from l2l.plot.compare import compare
from l2l.plot.comparison_table import table as compare_table
from l2l.plot.data import RunData, load_run
from l2l.plot.figures import (KINDS, curves, failures, figure, fitness, overview, parameters, pareto, save,
                              scatter)

__all__ = ["KINDS", "RunData", "compare", "compare_table", "curves", "failures", "figure", "fitness", "load_run",
           "overview", "parameters", "pareto", "save", "scatter"]
