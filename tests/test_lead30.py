"""The lead's small fixes of session 30."""

import pytest

import l2l

FIDELITY = {"name": "epochs", "minimum": 1, "maximum": 9}


def _config() -> dict:
    return {"space": {"x": {"low": -1.0, "high": 1.0}},
            "simulator": {"name": "python", "multi_fidelity": FIDELITY},
            "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1, "seed": 1},
            "backend": {"name": "serial"}}


def train_fn(config):  # Ray Tune's trainable: one argument
    return 0.0


def train_with_budget(config, budget=1, checkpoint=None):  # ... with a budget added, still no seed
    return 0.0


@pytest.mark.parametrize("function, expected", [
    # said only "must accept a keyword argument 'budget'": adding it then failed on the seed, passed second
    (train_fn, "it is called as function(params, seed, budget=..., checkpoint=...), the candidate's seed second, "
               "but it takes only 'config'"),
    # said "cannot be called as function(params, seed, **kwargs): multiple values for argument 'budget'"
    (train_with_budget, "cannot be called as function(params, seed, budget=..., checkpoint=..., **kwargs): "
                        "multiple values for argument 'budget'; its second parameter receives the candidate's seed"),
])
def test_a_one_argument_trainable_is_told_the_seed_comes_second(tmp_path, function, expected):
    with pytest.raises(l2l.ConfigError) as caught:
        l2l.run(_config(), tmp_path / "run.h5", simulator=function)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "run.h5").exists()


@pytest.mark.parametrize("value", [["0.5", "0"], __import__("numpy").array(["0.5", "0.5"]), [0.5, b"0"]])
def test_an_initial_point_with_strings_for_an_arrays_numbers_is_refused(tmp_path, value):
    # a single value given as a string was refused; the numbers of an array parameter given as strings were taken
    config = {"space": {"x": {"low": -1.0, "high": 1.0, "shape": [2]}}, "simulator": "python",
              "optimizer": {"name": "random", "population_size": 2},
              "run": {"generations": 1, "seed": 1, "initial_points": [{"x": value}]},
              "backend": {"name": "serial"}}
    with pytest.raises(l2l.ConfigError, match=r"run.initial_points.*x must be a number array, got"):
        l2l.run(config, tmp_path / "run.h5", simulator=lambda params, seed: 0.0)
    assert not (tmp_path / "run.h5").exists()


def test_submit_says_the_stop_signal_must_come_before_the_walltime(tmp_path, capsys):
    from l2l.cli import main
    config = tmp_path / "c.toml"
    config.write_text('[run]\nname = "s"\ngenerations = 1\n[space]\nx = {low = -1.0, high = 1.0}\n'
                      '[optimizer]\nname = "random"\npopulation_size = 2\n[simulator]\nname = "sphere"\n'
                      '[backend]\nname = "serial"\n')
    # said "must be between 0 and the walltime (300 s), got 300", which 300 reads as
    assert main(["submit", str(config), "--dry-run", "--time", "00:05:00", "--signal-seconds", "300"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--signal-seconds must be above 0 and below the walltime (300 s), got 300" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]
    assert main(["submit", str(config), "--dry-run", "--time", "00:05:00", "--signal-seconds", "299"]) == 0


def test_brian2s_default_cache_is_private_and_one_another_user_could_write_is_refused(tmp_path, monkeypatch):
    # the default cache root /tmp/l2l-brian2-<uid> was created with makedirs(exist_ok=True) and never checked:
    # another user of a shared /tmp who made it first (group/world writable) had their modules loaded by ours
    import os
    import stat
    import tempfile

    from l2l.simulators import brian2_cache

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(fresh))
    folder = brian2_cache.worker_cache()
    root = fresh / f"l2l-brian2-{os.getuid()}"
    assert folder.startswith(str(root)) and stat.S_IMODE(root.stat().st_mode) == 0o700

    planted = tmp_path / "planted"
    (planted / f"l2l-brian2-{os.getuid()}").mkdir(parents=True)
    os.chmod(planted / f"l2l-brian2-{os.getuid()}", 0o777)
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(planted))
    with pytest.raises(RuntimeError, match=r"is not a private directory of this user .*mode drwxrwxrwx.*set "
                                           r"cache_dir to a folder of your own"):
        brian2_cache.worker_cache()

    linked = tmp_path / "linked"
    linked.mkdir()
    os.symlink(fresh / f"l2l-brian2-{os.getuid()}", linked / f"l2l-brian2-{os.getuid()}")
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(linked))
    with pytest.raises(RuntimeError, match="is not a private directory"):
        brian2_cache.worker_cache()


def test_choices_on_a_float_parameter_say_to_make_it_categorical():
    from l2l.parameters import parameter_from_json
    # said only "unknown key 'choices' for type 'float'; allowed: ..."
    with pytest.raises(l2l.ConfigError, match=r"unknown key 'choices' for type 'float'; allowed: .* \(choices belong "
                                              r"to a categorical parameter: type = \"categorical\"\)"):
        parameter_from_json("x", {"choices": [1, 2, 3]})


@pytest.mark.parametrize("maximum", [1e300, 2 ** 63, 1e17])
def test_an_integer_fidelity_too_large_to_count_is_refused_by_name(maximum):
    from l2l.simulators.fidelity_tools import fidelity_from_table
    # said "ufunc 'isfinite' not supported for the input types, ..." (1e300, 2**63) or took it (1e17: its
    # budgets counted in float64 are not whole numbers any more)
    with pytest.raises(l2l.ConfigError, match=r"multi_fidelity's 'maximum' must be at most 2\*\*53"):
        fidelity_from_table({"name": "epochs", "minimum": 1, "maximum": maximum}, "python")
    assert fidelity_from_table({"name": "epochs", "minimum": 1, "maximum": 2 ** 53}, "python").maximum == 2 ** 53


def test_l2ls_own_policy_name_spelled_otherwise_is_not_attributed_to_another_library():
    from l2l.foreign import component_hint
    # said "(SMAC's SuccessiveHalving intensifier is 'successive-halving' here)" to a user of l2l's own name
    assert component_hint("policy", "successive_halving") == " (it is spelled 'successive-halving')"
    assert "SuccessiveHalvingPruner" in component_hint("policy", "SuccessiveHalvingPruner")


def test_an_integer_fidelity_too_large_for_a_float_is_refused_in_one_line():
    from l2l.simulators.fidelity_tools import fidelity_from_table
    # 10**400 from Python raised OverflowError ("int too large to convert to float")
    with pytest.raises(l2l.ConfigError, match=r"multi_fidelity's 'maximum' must be a finite number, got 100000000000\.\.\. \(401 digits\)$"):
        fidelity_from_table({"name": "epochs", "minimum": 1, "maximum": 10 ** 400}, "python")
