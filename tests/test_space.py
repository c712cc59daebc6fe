import numpy as np
import pytest

from l2l.errors import ConfigError
from l2l.space import Space


def test_a_space_round_trips_through_json_and_encodes_every_kind():
    space = Space.from_json({
        "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
        "w": {"type": "float", "low": -1, "high": 1, "shape": [2, 3]},
        "n": {"type": "int", "low": 1, "high": 10},
        "act": {"type": "categorical", "choices": ["tanh", "relu"]},
    })
    assert Space.from_json(space.to_json()) == space
    assert space.dimension == 1 + 6 + 1 + 1
    values = {"lr": 0.01, "w": np.arange(6.0).reshape(2, 3) / 10, "n": 7, "act": "relu"}
    decoded = space.decode(space.encode(values))
    assert decoded["lr"] == pytest.approx(0.01)
    assert np.allclose(decoded["w"], values["w"])
    assert decoded["n"] == 7 and isinstance(decoded["n"], int)
    assert decoded["act"] == "relu"
    assert space.columns()[1:3] == ["w[0,0]", "w[0,1]"]


def test_uniform_samples_stay_in_bounds_and_log_parameters_spread_over_decades():
    space = Space.from_json({"lr": {"low": 1e-5, "high": 1.0, "log": True},
                             "n": {"type": "int", "low": 2, "high": 4}})
    samples = [space.decode(row) for row in space.sample(np.random.default_rng(0), 2000)]
    lrs = np.array([s["lr"] for s in samples])
    assert lrs.min() >= 1e-5 and lrs.max() <= 1.0
    assert 0.35 < np.mean(lrs < 1e-3) < 0.45  # 2 of 5 decades
    counts = np.bincount([s["n"] for s in samples])[2:]
    assert counts.min() > 550  # every integer gets its share


@pytest.mark.parametrize("spec, message", [
    ({"x": {"low": 3, "high": 1}}, "low < high must hold, got (low=3.0, high=1.0)"),
    ({"x": {"low": -1e308, "high": 1e308}}, "the width high - low overflows a float"),  # drew 1e308 every time
    ({"x": {"low": 0, "high": 1, "log": True}}, "log-scale parameter needs low > 0"),
    ({"x": {"type": "int", "low": 0.5, "high": 3}}, "low must be an integer"),
    ({"x": {"type": "categorical", "choices": []}}, "choices must be a non-empty list"),
    ({"x": {"type": "float", "low": 0, "high": 1, "shape": [0]}}, "shape must be a list of positive integers"),
    ({"x": {"type": "complex"}}, "type must be one of"),
    ({"x": {"low": 0, "high": 1, "step": 2}}, "unknown key 'step'"),
    ({"seed": {"low": 0, "high": 1}}, "reserved"),
    ({"x": {"low": 0}}, "give both low and high"),
    ({}, "empty"),
])
def test_invalid_parameters_are_refused_with_the_parameter_the_value_and_the_rule(spec, message):
    with pytest.raises(ConfigError) as error:
        Space.from_json(spec)
    assert message in str(error.value)
    if spec:
        assert repr(next(iter(spec))) in str(error.value)


def test_unbounded_parameters_need_a_default_and_a_scale_and_refuse_uniform_sampling():
    with pytest.raises(ConfigError, match="needs a default and a scale"):
        Space.from_json({"x": {"type": "float"}})
    space = Space.from_json({"x": {"type": "float", "default": 1.0, "scale": 0.5}})
    assert space.default()[0] == 1.0
    with pytest.raises(ConfigError, match="'x' is unbounded"):
        space.sample(np.random.default_rng(0), 3)
