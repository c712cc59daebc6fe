"""The grid optimizer spaces each parameter as the parameter is spaced: evenly, or on a log scale."""

import numpy as np

import l2l


def _values(space, points):
    config = l2l.from_mapping({"run": {"name": "g", "generations": 1}, "space": space,
                               "optimizer": {"name": "grid", "points": points, "population_size": 100},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    from l2l.components import build

    components = build(config)
    grid = components.optimizer
    codes, _ = grid.ask(components.problem, grid.init(components.problem, 1))
    return [components.problem.space.decode(c) for c in codes]


def test_an_int_parameter_with_log_true_is_gridded_on_a_log_scale_as_floats_are():
    """1..1000 in 5 points: 1, 6, 32, 178, 1000 (log) rather than 1, 251, 500, 750, 1000, which left the
    decades below 250 untried although log = true asked for them."""
    ints = sorted(v["n"] for v in _values({"n": {"type": "int", "low": 1, "high": 1000, "log": True}}, 5))
    assert ints == [1, 6, 32, 178, 1000]
    floats = sorted(v["r"] for v in _values({"r": {"low": 1.0, "high": 1000.0, "log": True}}, 4))
    assert np.allclose(floats, [1.0, 10.0, 100.0, 1000.0])
    even = sorted(v["n"] for v in _values({"n": {"type": "int", "low": 0, "high": 100}}, 5))
    assert even == [0, 25, 50, 75, 100]
