"""l2l show says what the model-based policy's endgame did: when it may start (the last exploit_share of
run.compute, once the top budget holds endgame_results candidates, the default 0 read as the number it stands for),
how many candidates the top budget holds, how many of its results are repeats, how many local steps were taken, and
that a run past its compute share still short of candidates did not start it. Before, the policy line showed
"endgame_results": 0 and nothing said whether the endgame ran."""

from __future__ import annotations

import re
from pathlib import Path

import l2l
from l2l.cli import main


def _run(folder: Path, name: str, compute: float, **policy) -> Path:
    config = l2l.from_mapping({"run": {"name": name, "seed": 4, "compute": compute},
                               "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
                               "policy": {"name": "model-based", **policy},
                               "simulator": {"name": "sphere", "multi_fidelity": True, "noise": 1.0},
                               "backend": {"name": "serial"}})
    return Path(l2l.run(config, folder / f"{name}.h5", progress=False))


def _endgame(path: Path, capsys) -> str:
    assert main(["show", str(path)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("endgame ")]
    assert len(lines) == 1, "l2l show of a model-based run has one endgame line"
    return lines[0]


def _top_results(path: Path) -> int:
    segments = l2l.load(path, segments=True)
    return int(((segments["status"] == "ok") & (segments["budget"] == segments["budget"].max())).sum())


def test_show_says_the_endgame_waits_then_takes_local_steps(tmp_path, capsys):
    path = _run(tmp_path, "small", 81 * 6)
    line = _endgame(path, capsys)
    assert "once the top budget holds 12 candidates (endgame_results = 0: 2 x max(dimension 2 + 2, 6))" in line
    held = re.search(r"the top budget holds (\d+) candidates?(?: \((\d+) more results? of repeats\))?; (\d+) local",
                     line)
    assert held, line
    candidates, repeats, local = int(held[1]), int(held[2] or 0), int(held[3])
    assert candidates + repeats == _top_results(path)
    assert candidates < 12 and local == 0
    assert f"not started: {12 - candidates} more needed at the top budget" in line

    assert main(["resume", str(path), "--compute", str(81 * 60), "--no-progress"]) == 0
    capsys.readouterr()
    line = _endgame(path, capsys)
    held = re.search(r"the top budget holds (\d+) candidates(?: \((\d+) more results? of repeats\))?; (\d+) local",
                     line)
    assert held and int(held[1]) >= 12 and int(held[3]) > 0, line
    assert int(held[1]) + int(held[2] or 0) == _top_results(path)
    assert "not started" not in line and "from 3256.2 of 4860" in line


def test_show_names_an_explicit_endgame_results_and_an_endgame_turned_off(tmp_path, capsys):
    line = _endgame(_run(tmp_path, "five", 81 * 10, endgame_results=5), capsys)
    assert "once the top budget holds 5 candidates (endgame_results = 5)" in line
    line = _endgame(_run(tmp_path, "off", 81 * 10, exploit_share=0), capsys)
    assert line.startswith("endgame    off (exploit_share = 0); the top budget holds ")
    assert line.endswith("; 0 local steps")


def test_report_says_what_the_endgame_did(tmp_path, capsys):
    path = _run(tmp_path, "report", 81 * 6)
    line = _endgame(path, capsys)
    assert main(["report", str(path), "-o", str(tmp_path / "report.html")]) == 0
    import html

    text = html.unescape((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert "endgame" in text and line.split(None, 1)[1] in text
    assert "not started" in text
