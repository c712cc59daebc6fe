"""A [policy] giving endgame_results with exploit_share = 0 (no endgame, so the option does nothing) was taken
without a word: one warning line names both options as the run starts from the config (and on --dry-run), and
the run goes on."""

from __future__ import annotations

from pathlib import Path

from conftest import write_toml

from l2l.cli import main


def _config(folder: Path, name: str, compute: float, policy: dict) -> Path:
    data = {"run": {"name": name, "seed": 4, "compute": compute},
            "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
            "policy": policy,
            "simulator": {"name": "sphere", "multi_fidelity": True, "noise": 1.0},
            "backend": {"name": "serial"}}
    return write_toml(folder / f"{name}.toml", data)


def test_endgame_results_without_an_endgame_is_one_warning_line(tmp_path, capsys):
    given = {"name": "model-based", "exploit_share": 0, "endgame_results": 5}
    config = _config(tmp_path, "off", 81 * 2, given)
    warning = ("l2l: warning: [policy] endgame_results = 5 does nothing with exploit_share = 0 (no endgame: the run "
               "proposes candidates until run.compute is spent); give exploit_share > 0 for an endgame, or leave "
               "endgame_results out")
    assert main(["run", str(config), "--dry-run"]) == 0
    assert capsys.readouterr().err.splitlines().count(warning) == 1
    assert main(["run", str(config), "--out", str(tmp_path / "off.h5"), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert [line for line in captured.err.splitlines() if "warning" in line] == [warning]
    assert "done in " in captured.out and (tmp_path / "off.h5").is_file()
    assert main(["resume", str(tmp_path / "off.h5"), "--compute", str(81 * 3), "--no-progress"]) == 0
    assert "warning" not in capsys.readouterr().err  # said as the run started from the config, not again
    # either option alone is no mistake
    for name, policy in (("share", {"name": "model-based", "exploit_share": 0}),
                         ("results", {"name": "model-based", "endgame_results": 5})):
        path = _config(tmp_path, name, 81 * 2, policy)
        assert main(["run", str(path), "--out", str(tmp_path / f"{name}.h5"), "--no-progress"]) == 0
        assert "warning" not in capsys.readouterr().err
