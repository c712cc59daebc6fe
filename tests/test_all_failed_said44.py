"""l2l.run of a run that ends with every evaluation failed, before run.stop_after_failures was due (a sweep of
fewer candidates than its 20), says so in one line on stderr, as `l2l run` does with its last line and exit
status 1. Before, the Python call returned in silence and the next l2l.best raised 'no successful evaluation'."""

import l2l


def diverges(params, seed, budget=None, checkpoint=None):
    raise ValueError("diverged")


def test_generational_run_whose_every_evaluation_failed_says_so(tmp_path, capsys):
    config = {"space": {"x": {"low": 0.0, "high": 1.0}}, "run": {"generations": 2},
              "optimizer": {"name": "random", "population_size": 3}, "simulator": {"name": "python"},
              "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "run.h5", simulator=diverges)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l:")]
    assert lines == [f'l2l: every evaluation of the run failed (6 of 6): 6 × "ValueError: diverged"; fix the '
                     f"model, then run the config again into a new file (all errors: "
                     f"l2l.load({str(path)!r})['error'])"]
    l2l.resume(path, simulator=diverges)  # a finished run: nothing ran, nothing said again
    assert "every evaluation" not in capsys.readouterr().err


def test_policy_run_whose_every_segment_failed_says_so(tmp_path, capsys):
    config = {"space": {"x": {"low": 0.0, "high": 1.0}}, "policy": {"name": "asha", "max_candidates": 3},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}},
              "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "asha.h5", simulator=diverges)
    err = capsys.readouterr().err
    assert "l2l: every segment of the run failed (3 of 3): 3 × \"ValueError: diverged\"" in err
    assert f"l2l.load({str(path)!r}, segments=True)['error']" in err


def test_a_run_with_one_success_says_nothing(tmp_path, capsys):
    def once(params, seed):
        if params["x"] < 0.5:
            raise ValueError("diverged")
        return params["x"]
    config = {"space": {"x": {"low": 0.0, "high": 1.0}}, "run": {"generations": 1, "initial_points": [{"x": 0.9}]},
              "optimizer": {"name": "random", "population_size": 3}, "simulator": {"name": "python"},
              "backend": {"name": "serial"}}
    l2l.run(config, tmp_path / "run.h5", simulator=once)
    assert "every evaluation" not in capsys.readouterr().err
