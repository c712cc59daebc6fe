"""Pareto fronts and 2-D hypervolume: they live in :mod:`l2l.objectives`, re-exported here for the optimizers."""

from l2l.objectives import dominates, hypervolume_2d, pareto_front, pareto_front_mask

__all__ = ["dominates", "hypervolume_2d", "pareto_front", "pareto_front_mask"]
