"""l2l installed as a package (pip install l2l, no extras), not run from the checkout.

A config that needs an optional extra is refused before the run, in one line naming the extra to install, exit
status 2 and no file written (before, ``noisy-sgd``'s ``task = "digits"`` without scikit-learn started the run
and failed every evaluation with an ImportError traceback, exit 1). Every file the package reads at run time is
in its package data (the wheel holds only what pyproject.toml's ``package-data`` names besides the modules).
"""

from __future__ import annotations

import fnmatch
import sys
import tomllib
from pathlib import Path

import pytest

from l2l.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

NEVERGRAD = """
[run]
generations = 2
[space]
x = { type = "float", low = -5.0, high = 5.0, shape = [3] }
[optimizer]
name = "nevergrad"
[simulator]
name = "sphere"
[backend]
name = "serial"
"""


def _refused(capsys, argv: list[str], out: Path) -> str:
    """The one line ``l2l ARGV`` printed, after checking it exited 2 and wrote nothing at ``out``."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("l2l: error: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists()
    return lines[0]


@pytest.mark.parametrize("config, missing, extra", [
    ("pbt_digits.toml", "sklearn", "datasets"),  # noisy-sgd, task = "digits": failed every evaluation before
    ("digits_sgd_sweep.toml", "sklearn", "datasets"),
    ("egru_digits_tradeoff.toml", "sklearn", "datasets"),
    ("nest_sweep.toml", "nest", "nest"),
    ("lsm_engines.toml", "nest", "nest"),
    ("brian2_sweep.toml", "brian2", "brian2"),
    ("nevergrad", "nevergrad", "nevergrad"),
])
def test_a_config_that_needs_a_missing_extra_is_refused_in_one_line_naming_it(config, missing, extra, tmp_path,
                                                                               monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, missing, None)  # as if not installed: find_spec None, import fails
    if config == "nevergrad":
        path = tmp_path / "ng.toml"
        path.write_text(NEVERGRAD)
    else:
        path = EXAMPLES / config
    out = tmp_path / "run.h5"
    line = _refused(capsys, ["run", str(path), "--out", str(out), "--no-progress"], out)
    assert f"pip install 'l2l[{extra}]'" in line


def test_export_to_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch, capsys):
    from conftest import sphere_run_file

    run = sphere_run_file(tmp_path, "small", generations=1, population=2)
    capsys.readouterr()
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    out = tmp_path / "small.parquet"
    line = _refused(capsys, ["export", str(run), "--format", "parquet", "-o", str(out)], out)
    assert "pip install 'l2l[parquet]'" in line


def _package_data() -> dict[str, list[str]]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["tool"]["setuptools"]["package-data"]


def test_every_file_of_the_package_that_is_not_a_module_is_in_its_package_data():
    """A data file missing from package-data is missing from the wheel: the checkout works, the install does not."""
    declared = _package_data()
    missing = []
    for path in sorted((ROOT / "l2l").rglob("*")):
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(ROOT)
        package = ".".join(relative.parent.parts)
        patterns = declared.get(package, []) + declared.get("*", []) + declared.get("", [])
        if not any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns):
            missing.append(str(relative))
    assert not missing, f"not in [tool.setuptools.package-data], so not installed: {missing}"

