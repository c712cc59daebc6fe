"""`l2l.run(config, out, simulator=f)` with a mapping that has no `simulator` table runs `f` as the python simulator
(the only reading of it); before, it was refused with 'the config needs a [simulator] table with at least a name'."""

import l2l


def bowl46(params, seed):
    return float(params["x"]) ** 2


def test_a_function_given_needs_no_simulator_table(tmp_path):
    config = {"run": {"name": "bowl", "seed": 2, "generations": 2}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 3}, "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "bowl.h5", simulator=bowl46)
    rows = l2l.load(path)
    assert len(rows) == 6 and rows["status"].eq("ok").all()
    assert (rows["value"] - rows["x"] ** 2).abs().max() < 1e-12  # the function's value of each row
