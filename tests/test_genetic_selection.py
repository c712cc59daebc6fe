"""The GA's generation without DEAP's individual objects: the same candidates as DEAP's selTournament path.

The reference below is the GA's previous implementation (DEAP individuals with fitness objects): the
optimizer now selects on plain score arrays, which asks in a third of the time at population 1,000.
Scores include ties, NaN (DEAP's fitness comparison ranks NaN above everything) and -0.0.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from deap import base, tools

from l2l.components import build
from l2l.config import from_mapping
from l2l.optimizers.base import python_random


class _Fitness(base.Fitness):
    weights = (1.0,)


class _Individual(list):
    def __init__(self, values, score):
        super().__init__(values)
        self.fitness = _Fitness((float(score),))


def deap_generation(ga, problem, state, size, n_elites):
    """The GA's offspring exactly as the DEAP-object implementation made them (the reference)."""
    parents = [_Individual(row, score) for row, score in zip(state["population"], state["scores"])]
    if "mutation_sigma" in state:
        parents += [_Individual(row, score) for row, score in zip(state["elites"], state["elite_scores"])]
    with python_random(state):
        chosen = tools.selTournament(parents, size - n_elites, tournsize=ga.tournament_size)
        offspring = [_Individual(list(ind), ind.fitness.values[0]) for ind in chosen]
        for i in range(1, len(offspring), 2):
            if random.random() < ga.crossover_probability:
                tools.cxBlend(offspring[i - 1], offspring[i], ga.blend_alpha)
        small = "mutation_sigma" in state
        for ind in offspring:
            if small or random.random() < ga.mutation_probability:
                tools.mutGaussian(ind, 0.0, state.get("mutation_sigma", ga.mutation_sigma),
                                  1.0 if small else ga.gene_mutation_probability)
    units = np.clip(np.array([list(ind) for ind in offspring], dtype=float).reshape(-1, problem.space.dimension),
                    0.0, 1.0)
    if n_elites:
        units = np.vstack([state["elites"][:n_elites], units])
    return problem.space.from_unit(units)


def _ga(population: int, tournament: int, dims: int = 3):
    space = {f"x{i}": {"type": "float", "low": -2.0, "high": 3.0} for i in range(dims)}
    config = from_mapping({"run": {"name": "ga", "seed": 3, "generations": 5}, "space": space,
                           "optimizer": {"name": "ga", "population_size": population,
                                         "tournament_size": tournament, "elite_size": 2},
                           "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    components = build(config, None)
    return components.optimizer, components.problem


@pytest.mark.parametrize("population, tournament", [(100, 3), (31, 2), (8, 5), (1000, 3)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generations_equal_the_deap_object_implementation(population, tournament, seed):
    ga, problem = _ga(population, tournament)
    rng = np.random.default_rng(seed)
    state = ga.init(problem, seed)
    for generation in range(4):
        codes, after = ga.ask(problem, state)
        if generation:  # the reference replays the same ask from the same state
            n_elites = min(ga.elite_size, len(state["elites"]), max(len(codes) - 1, 0))
            expected = deap_generation(ga, problem, dict(state), len(codes), n_elites)
            assert np.array_equal(codes, expected)
        scores = rng.normal(size=(len(codes), 1)).round(1)  # many ties
        if generation == 2:
            scores[::7] = np.nan
            scores[1::11] = -0.0
        state = ga.tell(problem, after, codes, scores)


def test_the_random_stream_after_a_generation_is_the_reference_s():
    ga, problem = _ga(50, 3)
    state = ga.init(problem, 7)
    codes, state = ga.ask(problem, state)
    state = ga.tell(problem, state, codes, np.arange(len(codes), dtype=float)[:, None])
    _, after = ga.ask(problem, state)
    reference = dict(state)
    deap_generation(ga, problem, reference, 50, min(ga.elite_size, len(state["elites"]), 49))
    # python_random(state) writes the generator's state back into the dict it was given
    assert after["python_random"] == reference["python_random"]
