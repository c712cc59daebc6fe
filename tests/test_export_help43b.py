"""``l2l export --help`` names the provenance file export writes: ``paper.csv`` -> ``paper.provenance.json``.

Before, it said ``OUTPUT.provenance.json`` (``paper.csv.provenance.json``, which is never written), and a reviewer
who looked for that file found none.
"""

from __future__ import annotations

import l2l


def test_the_help_names_the_file_the_export_writes(tmp_path, l2l_here):
    said = "".join(l2l_here("export", "--help").stdout.split())  # wrapped at any width ($COLUMNS)
    assert "(-opaper.csv:paper.provenance.json)" in said and "OUTPUT.provenance.json" not in said, said
    path = l2l.run({"run": {"seed": 1, "generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
                    "simulator": "sphere", "optimizer": {"name": "random", "population_size": 2},
                    "backend": {"name": "serial"}}, tmp_path / "run.h5", progress=False)
    assert l2l_here("export", path, "-o", "paper.csv", "--provenance", cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir() if "paper" in p.name) == ["paper.csv", "paper.provenance.json"]
