"""``l2l reevaluate`` of a run whose model code changed where it was since the run.

Before, the re-evaluation went on silently with the new code: ``l2l show`` and ``l2l compare`` then put the
changed model's means beside the run's rows as if they were the same model's (a reviewer checking that the
winners generalise measured another model). ``l2l resume`` warns of such a change; a re-evaluation is refused in one
line naming the two hashes, unless ``--accept-changed-model`` (then a warning line), as ``--model-dir`` already did
for a model found in another folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import l2l
from l2l.errors import ConfigError

MODEL = "def bowl(params, seed):\n    return {'value': (params['x'] - 0.3) ** 2}\n"


def _run(tmp_path: Path, model: str = MODEL) -> Path:
    (tmp_path / "models.py").write_text(model)
    config = l2l.from_mapping({
        "run": {"name": "bowl", "seed": 1, "generations": 2},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 4},
        "simulator": {"name": "python", "function": "models:bowl"}, "backend": {"name": "serial"}},
        base_dir=tmp_path)
    return Path(l2l.run(config, tmp_path / "run.h5", progress=False))


def _rows(path: Path) -> int:
    return len(l2l.load(path, reevaluations=True))


def test_a_changed_model_is_refused_unless_accepted_and_the_same_model_runs_without_a_word(tmp_path, l2l_here):
    path = _run(tmp_path)
    same = l2l_here("reevaluate", path, "--top", 2, "--seeds", 2, "--no-progress", cwd=tmp_path)
    assert same.returncode == 0 and "warning" not in same.stderr, same.stderr
    assert _rows(path) == 4

    (tmp_path / "models.py").write_text(MODEL.replace("0.3", "0.5"))
    refused = l2l_here("reevaluate", path, "--top", 2, "--seeds", 3, "--no-progress", cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "the model's code differs from what the run ran (sha256 models.py" in lines[0] \
        and "--accept-changed-model" in lines[0], refused.stderr
    assert _rows(path) == 4  # nothing run, nothing stored

    accepted = l2l_here("reevaluate", path, "--top", 2, "--seeds", 3, "--no-progress", "--accept-changed-model",
                        cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    assert "l2l: warning: the model's code differs from what the run ran" in accepted.stderr
    assert _rows(path) == 6


def test_from_python_the_refusal_names_the_keyword(tmp_path):
    path = _run(tmp_path)
    (tmp_path / "models.py").write_text(MODEL.replace("0.3", "0.4"))
    with pytest.raises(ConfigError, match="accept_changed_model="):
        l2l.reevaluate.reevaluate(path, top=1, seeds=1)
    assert not len(l2l.load(path, reevaluations=True))
    ranking = l2l.reevaluate.reevaluate(path, top=1, seeds=1, accept_changed_model=True)
    assert len(ranking) == 1


def test_a_changed_module_the_model_imports_is_said_in_a_warning_line_not_refused(tmp_path, l2l_here):
    """Which modules of the model's folder a process had imported depends on the process (a run from a notebook or
    a test process, the re-evaluation from the command line): a difference there is a sign, said as a resume says
    it, not a refusal (the suite's kill test of test_reevaluate.py was refused: 200 files then, 1 now)."""
    (tmp_path / "helper.py").write_text("CENTRE = 0.3\n")
    path = _run(tmp_path, "import helper\n\ndef bowl(params, seed):\n    return {'value': (params['x'] - "
                          "helper.CENTRE) ** 2}\n")
    (tmp_path / "helper.py").write_text("CENTRE = 0.3  # unchanged value, changed file\n")
    said = l2l_here("reevaluate", path, "--top", 1, "--seeds", 1, "--no-progress", cwd=tmp_path)
    assert said.returncode == 0, said.stderr
    assert "l2l: warning: the modules the model imports from" in said.stderr and "may be of other code" in said.stderr
    assert _rows(path) == 1
