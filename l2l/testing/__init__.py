"""Contract test suites for optimizers, executors, scheduling policies and simulators, for l2l and plug-in authors.

Subclass a suite in a pytest module (the class name must start with ``Test``)
and say what to test; every check of the suite then runs on it::

    from l2l.testing import OptimizerContract

    class TestMyOptimizer(OptimizerContract):
        optimizer_class = MyOptimizer          # or: name = "my-optimizer" (a registered one)
        options = {"population_size": 6}       # small, so that the suite stays fast

:class:`AsynchronousOptimizerContract` adds the checks of the asynchronous
(steady-state) mode; :class:`ExecutorContract` checks a backend;
:class:`PolicyContract` a scheduling policy of multi-fidelity runs (:func:`l2l.testing.policies.play` plays the
loop's part for one, ``run.initial_points`` too: docs/multifidelity.md, "Your own policy");
:class:`SimulatorContract` a simulator (set ``params``, one candidate's values), and
:class:`MultiFidelitySimulatorContract` one with a fidelity (budgets, curves,
checkpoints, continuation). The suites
need pytest (``pip install 'l2l[test]'``); ``import l2l`` never imports
this package. :mod:`l2l.testing.problems` holds the small problems and the
ask/tell driver they use.
"""

from l2l.testing.executors import ExecutorContract
from l2l.testing.optimizers import AsynchronousOptimizerContract, OptimizerContract
from l2l.testing.policies import PolicyContract
from l2l.testing.problems import drive, evaluate, mixed_problem, objectives, sphere_problem
from l2l.testing.simulators import MultiFidelitySimulatorContract, SimulatorContract

__all__ = ["AsynchronousOptimizerContract", "ExecutorContract", "MultiFidelitySimulatorContract", "OptimizerContract",
           "PolicyContract", "SimulatorContract", "drive", "evaluate", "mixed_problem", "objectives", "sphere_problem"]
