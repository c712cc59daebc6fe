"""Nevergrad 1.0.12 beside numpy 2.4: refused in one line, not a hung run (session 26)."""

from __future__ import annotations

import importlib.util

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("nevergrad") is None, reason="the nevergrad extra")


def test_nevergrad_beside_a_numpy_it_cannot_run_with_is_refused_and_auto_goes_without_it(monkeypatch, tmp_path, capsys):
    from importlib import metadata

    import numpy as np

    from l2l.cli import main
    from l2l.optimizers import auto

    monkeypatch.setattr(np, "__version__", "2.4.6")
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "1.0.12" if name == "nevergrad" else real(name))
    (tmp_path / "ng.toml").write_text('[run]\nname = "ng"\ngenerations = 2\n[space]\n'
                                      'x = { type = "float", low = -1.0, high = 1.0 }\n'
                                      '[optimizer]\nname = "nevergrad"\n[simulator]\nname = "sphere"\n'
                                      '[backend]\nname = "serial"\n')
    assert main(["run", str(tmp_path / "ng.toml"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nevergrad 1.0.12 does not work with numpy 2.4.6" in err and "numpy<2.4" in err
    assert not (tmp_path / "ng.h5").exists()
    assert not auto._nevergrad_installed()  # auto chooses among the optimizers that run
    monkeypatch.setattr(np, "__version__", "2.3.5")
    assert auto._nevergrad_installed()
