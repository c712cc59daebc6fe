"""The optimizer contract (l2l.testing), checked for every optimizer in the registry."""

from __future__ import annotations

import pytest

from l2l.optimizers import OPTIMIZERS
from l2l.testing import AsynchronousOptimizerContract, OptimizerContract
from l2l.testing.optimizers import GenerationalOptimizerContract
from optimizer_helpers import optimizer

NAMES = OPTIMIZERS.names()
ASYNC_NAMES = [n for n in NAMES if OPTIMIZERS.get(n).supports_async]
GENERATIONAL_NAMES = [n for n in NAMES if getattr(OPTIMIZERS.get(n), "generational", False)]
#: Optimizers whose candidates do not depend on the seed.
UNSEEDED = {"grid"}


class TestEveryRegisteredOptimizer(OptimizerContract):
    @pytest.fixture(params=NAMES)
    def make_optimizer(self, request):
        return lambda: optimizer(request.param)

    @pytest.fixture
    def seeded_candidates(self, optimizer):
        return optimizer.name not in UNSEEDED


class TestEveryAsynchronousOptimizer(AsynchronousOptimizerContract):
    @pytest.fixture(params=ASYNC_NAMES)
    def make_optimizer(self, request):
        return lambda: optimizer(request.param)


def test_some_optimizers_support_the_asynchronous_mode():
    assert {"random", "grid", "tpe", "motpe", "gp"} <= set(ASYNC_NAMES)


class TestEveryGenerationalOptimizer(GenerationalOptimizerContract):
    @pytest.fixture(params=GENERATIONAL_NAMES)
    def make_optimizer(self, request):
        return lambda: optimizer(request.param)


def test_every_population_optimizer_is_generational():
    assert {"cmaes", "es", "nes", "ga", "nsga2", "nsga3", "cross-entropy", "face", "gradient-descent",
            "simulated-annealing", "parallel-tempering", "enkf"} <= set(GENERATIONAL_NAMES)
