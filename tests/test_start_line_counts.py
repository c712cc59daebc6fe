"""The lines l2l run and l2l resume start and end with count one thing in the singular: the start line read
'1 generations, at most 1 evaluations', a policy run's '1 candidates, ... at most 1 segments', l2l reevaluate's
'1 candidates, up to 1 seeds each'."""

from __future__ import annotations

from l2l.cli import main

CONFIG = """
[run]
name = "one"
seed = 1
generations = 1
{extra}
[space]
x = {{ type = "float", low = -5.0, high = 5.0 }}
[optimizer]
name = "random"
population_size = 1
[simulator]
name = "sphere"
{fidelity}
[backend]
name = "serial"
"""


def _run(tmp_path, capsys, name: str, extra: str = "", fidelity: str = "") -> tuple[str, str]:
    config = tmp_path / f"{name}.toml"
    config.write_text(CONFIG.format(extra=extra, fidelity=fidelity))
    assert main(["run", str(config), "--no-progress", "--out", str(tmp_path / f"{name}.h5")]) == 0
    out = capsys.readouterr()
    return out.err.splitlines()[0], out.out.splitlines()[0]


def test_one_generation_and_one_evaluation_read_in_the_singular(tmp_path, capsys):
    start, done = _run(tmp_path, capsys, "one", "evaluations = 1")
    assert ": random x sphere on serial, 1 generation, at most 1 evaluation -> " in start, start
    assert done.startswith("done in ") and ": 1 generation, 1 evaluation (0 failed), " in done, done
    assert main(["resume", str(tmp_path / "one.h5"), "--evaluations", "2", "--no-progress"]) == 0
    assert "its 1 generation (run.generations) is used up: raise --generations too" in capsys.readouterr().err
    assert main(["reevaluate", str(tmp_path / "one.h5"), "--top", "1", "--seeds", "1"]) == 0
    assert "re-evaluated on fresh seeds: 1 candidate, up to 1 seed each, by mean value" in capsys.readouterr().out
    start, _ = _run(tmp_path, capsys, "plain")
    assert "on serial, 1 generation -> " in start, start
    assert main(["show", str(tmp_path / "plain.h5")]) == 0
    assert "progress   1 of 1 generations, 1 evaluation (0 failed), status: finished" in capsys.readouterr().out


def test_a_sweep_of_one_candidate_and_one_segment_reads_in_the_singular(tmp_path, capsys):
    start, done = _run(tmp_path, capsys, "policy", 'evaluations = 1\npolicy = "asha"', "multi_fidelity = true")
    assert "policy asha, 1 candidate, compute at most " in start, start
    assert start.endswith(", at most 1 segment (run.evaluations) -> " + str(tmp_path / "policy.h5")), start
    assert "1 candidate (" in done and "1 of 1 segments (0 failed)" in done, done
