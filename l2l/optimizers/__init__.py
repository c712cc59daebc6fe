"""Outer-loop optimizers, looked up by name in :data:`OPTIMIZERS`.

See :mod:`l2l.optimizers.base` for the contract every optimizer follows.
"""

from l2l.optimizers.base import Optimizer, Problem, State
from l2l.registry import Registry

OPTIMIZERS = Registry("optimizer", {
    "random": "l2l.optimizers.random_search:RandomSearch",
    "grid": "l2l.optimizers.grid:GridSearch",
    "ga": "l2l.optimizers.genetic:GeneticAlgorithm",
    "nsga2": "l2l.optimizers.nsga:NSGA2",
    "nsga3": "l2l.optimizers.nsga:NSGA3",
    "tpe": "l2l.optimizers.bayesian:TPE",
    "gp": "l2l.optimizers.gaussian_process:GaussianProcess",
    "motpe": "l2l.optimizers.bayesian:MultiObjectiveTPE",
    "cmaes": "l2l.optimizers.cmaes:CMAES",
    "cmaes-quadratic": "l2l.optimizers.surrogate:QuadraticCMAES",
    "cross-entropy": "l2l.optimizers.cross_entropy:CrossEntropy",
    "face": "l2l.optimizers.cross_entropy:FACE",
    "es": "l2l.optimizers.evolution_strategies:EvolutionStrategies",
    "nes": "l2l.optimizers.evolution_strategies:NaturalES",
    "gradient-descent": "l2l.optimizers.gradient:FiniteDifferenceGradient",
    "simulated-annealing": "l2l.optimizers.annealing:SimulatedAnnealing",
    "parallel-tempering": "l2l.optimizers.annealing:ParallelTempering",
    "enkf": "l2l.optimizers.kalman:EnsembleKalmanFilter",
    "nevergrad": "l2l.optimizers.nevergrad:Nevergrad",
    "auto": "l2l.optimizers.auto:Auto",
})

__all__ = ["OPTIMIZERS", "Optimizer", "Problem", "State"]
