"""The refusals of the Python API name its arguments and calls, those of the command line its options and commands.

Before, ``l2l.run(config, out, simulator=f)`` into the file of an earlier run said "choose another --out, or
continue it with 'l2l resume FILE'" (a command that cannot pass the function), ``export(path, "xml")`` said
"--format must be ...", ``report(path)`` over an existing file "add --force", ``l2l.plot.pareto`` of one objective
"try --kind fitness": words of the command line, said to a Python caller. The same refusals from the command
line keep its words (``l2l.words``, entered by :func:`l2l.cli.main`).
"""

from __future__ import annotations

import re

import pytest

import l2l
from conftest import sphere_run_file
from l2l.cli import main


def _sweep(generations: int) -> dict:
    return {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
            "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": generations, "seed": 1},
            "backend": {"name": "serial"}}


def _bowl(params, seed):
    return float(params["x"]) ** 2


def _said(capsys) -> str:
    """The one line an l2l command printed on stderr, after checking it is one line."""
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def _refusal(error: type[Exception], call, *args, **kwargs) -> str:
    """The message of the one-line ``error`` that ``call(*args, **kwargs)`` raises, checked to name no option."""
    with pytest.raises(error) as raised:
        call(*args, **kwargs)
    text = str(raised.value)
    assert "\n" not in text and not re.search(r"(^|[ '(])--?[a-z]", text), text
    return text


def test_a_function_run_into_an_existing_file_names_out_and_the_resume_call_that_passes_the_function(
        tmp_path, capsys):
    path = sphere_run_file(tmp_path, "s", 1, 2)  # the command line first: its words stay its own
    capsys.readouterr()
    assert main(["run", str(tmp_path / "s.toml"), "--generations", "2", "--no-progress"]) == 2
    err = _said(capsys)
    assert f"choose another --out, or continue it with 'l2l resume {path} --generations 2'" in err, err

    out = tmp_path / "f.h5"
    l2l.run(_sweep(1), out, simulator=_bowl)
    # before: "choose another --out, or continue it with 'l2l resume .../f.h5 --generations 2'"
    text = _refusal(l2l.TrajectoryError, l2l.run, _sweep(2), out, simulator=_bowl)
    assert f"""choose another out=, or continue it with 'l2l.resume("{out}", generations=2, simulator=_bowl)'""" \
        in text, text
    text = _refusal(l2l.TrajectoryError, l2l.run, _sweep(1), out, simulator=_bowl)
    assert f"""extend it with 'l2l.resume("{out}", simulator=_bowl)' and a budget raised (generations=, """ \
           "evaluations= or max_time=)" in text, text


def test_a_resume_refused_names_the_argument_given_to_l2l_resume(tmp_path, capsys):
    path = sphere_run_file(tmp_path, "s", 2, 2)
    capsys.readouterr()
    for option, value, expected in (("--generations", "1", "--generations must be at least 2"),
                                    ("--generations", "0", "--generations must be an integer >= 1"),
                                    ("--compute", "5", "--compute applies to a run with a [policy]")):
        assert main(["resume", str(path), option, value]) == 2
        assert expected in _said(capsys)
    assert main(["resume", str(path), "--drop-unreadable"]) == 2
    assert "--drop-unreadable applies to a run whose candidates" in _said(capsys)

    # before: '--generations must be at least 2', '--drop-unreadable applies to ...'
    assert "generations= must be at least 2" in _refusal(l2l.ConfigError, l2l.resume, path, generations=1)
    assert "generations= must be an integer >= 1" in _refusal(l2l.ConfigError, l2l.resume, path, generations=0)
    assert "compute= applies to a run with a [policy]" in _refusal(l2l.ConfigError, l2l.resume, path, compute=5)
    assert "drop_unreadable=True applies to a run whose candidates" in \
        _refusal(l2l.ConfigError, l2l.resume, path, drop_unreadable=True)


def test_export_and_report_refusals_name_format_out_and_force(tmp_path, capsys):
    from l2l.analysis.export import export
    from l2l.analysis.report import report

    path = sphere_run_file(tmp_path, "s", 1, 2)
    capsys.readouterr()
    table = tmp_path / "t.parquet"
    assert main(["export", str(path), "--format", "csv", "-o", str(table)]) == 2
    assert f"-o {table} names a parquet file and --format is csv: give -o {tmp_path / 't.csv'} or --format parquet" \
        in _said(capsys)
    assert main(["export", str(path)]) == 0 and main(["export", str(path)]) == 2
    assert "already exists; choose another -o, or add --force to overwrite it" in _said(capsys)
    (tmp_path / "s.html").write_text("an earlier report")  # refused before the report is made
    assert main(["report", str(path)]) == 2
    assert "already exists; choose another -o, or add --force to overwrite it" in _said(capsys)

    # before: '-o ... names a parquet file and --format is csv: give -o ... or --format parquet'
    assert f'out="{table}" names a parquet file and format= is csv: give out="{tmp_path / "t.csv"}" or ' \
           'format="parquet"' in _refusal(l2l.ConfigError, export, path, "csv", table)
    assert "format= must be one of csv, parquet, got 'xml'" in _refusal(l2l.ConfigError, export, path, "xml")
    # without pyarrow: 'format="parquet" needs pyarrow ... or use format="csv"'; with it: 'only format="csv" can be
    # written to standard output (out="-")'
    assert 'format="csv"' in _refusal(l2l.ConfigError, export, path, "parquet", "-")
    for write in (export, report):  # before: 'choose another -o, or add --force to overwrite it'
        assert "already exists; choose another out=, or add force=True to overwrite it" in \
            _refusal(l2l.ConfigError, write, path)


def test_figure_refusals_name_the_plot_function_and_the_arguments_of_save(tmp_path, capsys):
    from l2l import plot

    path = sphere_run_file(tmp_path, "s", 1, 2)
    capsys.readouterr()
    for kind in ("pareto", "lineage"):
        assert main(["plot", str(path), "--kind", kind]) == 2
        assert "try --kind fitness" in _said(capsys)
    assert main(["plot", str(path), "--kind", "fitness"]) == 0
    assert main(["plot", str(path), "--kind", "fitness"]) == 2
    assert "already exists; choose another -o, or add --force to overwrite it" in _said(capsys)

    # before: 'try --kind fitness'
    assert _refusal(l2l.TrajectoryError, plot.pareto, path).endswith("try l2l.plot.fitness")
    assert _refusal(l2l.TrajectoryError, plot.figure, path, "lineage").endswith("try l2l.plot.fitness")
    figure = plot.fitness(path)
    # before: 'choose another -o, or add --force to overwrite it', of a function whose arguments are path, overwrite
    assert "already exists; choose another path=, or add overwrite=True to overwrite it" in \
        _refusal(l2l.ConfigError, plot.save, figure, tmp_path / "s.fitness.png", overwrite=False)


def test_the_words_are_the_command_lines_only_inside_a_command_even_one_that_failed(tmp_path, capsys):
    from l2l import words

    assert main(["resume", str(tmp_path / "none.h5")]) == 2
    capsys.readouterr()
    assert not words.on_command_line()
    with pytest.raises(RuntimeError), words.command_line():
        assert words.call("resume", "a b.h5", compute=words.Placeholder("N")) == "l2l resume 'a b.h5' --compute N"
        assert words.option("format", "csv") == "--format csv" and words.option("force") == "--force"
        raise RuntimeError
    assert words.call("resume", "a b.h5", compute=words.Placeholder("N")) == 'l2l.resume("a b.h5", compute=N)'
    assert words.option("format", "csv") == 'format="csv"' and words.option("force") == "force=True"
    assert words.call("reevaluate", "r.h5", top=3) == 'l2l.reevaluate.reevaluate("r.h5", top=3)'
