"""The ``sleep`` simulator squares every parameter, like ``sphere``: a space with a categorical
parameter of words is refused before the run starts (it ran every evaluation into a failure)."""

from l2l.cli import main

CONFIG = """
[run]
name = "words"
seed = 1
generations = 2
[space]
x = { type = "float", low = -1.0, high = 1.0 }
k = { type = "categorical", choices = CHOICES }
[optimizer]
name = "random"
population_size = 3
[simulator]
name = "sleep"
median = 0.0
[backend]
name = "serial"
"""


def test_sleep_refuses_a_categorical_parameter_of_words_before_any_file_exists(tmp_path, capsys):
    config = tmp_path / "words.toml"
    config.write_text(CONFIG.replace("CHOICES", '["a", "b"]'))
    assert main(["run", str(config), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "simulator 'sleep' needs numeric parameters, but 'k' has choices ['a', 'b']" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.glob("*.h5"))


def test_sleep_takes_a_categorical_parameter_of_numbers(tmp_path, capsys):
    config = tmp_path / "numbers.toml"
    config.write_text(CONFIG.replace("CHOICES", "[1, 2.5]"))
    assert main(["run", str(config), "--no-progress"]) == 0
    assert "6 evaluations (0 failed)" in capsys.readouterr().out
