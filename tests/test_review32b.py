"""Second review of session 32 (review32b, helper-256).

b2d6f77 wrote compute figures whole in ``l2l show``'s progress line and the closing line, but the line right under
the progress line (the target's: 'after 13 segments / 3.7037e+06 steps of compute') and ``l2l run``'s banner
('compute 1.23457e+08 steps') kept ``:g``: the same run's compute in two spellings, one missing its last digits."""

from __future__ import annotations

import textwrap

import l2l
from l2l.cli import main

TRAIN = '''
def train(params, seed, budget, checkpoint=None):
    return {"loss": params["x"] + 1.0 / budget}
'''


def test_a_run_of_a_million_steps_says_its_compute_whole_in_the_banner_and_the_target_line(tmp_path, capsys):
    (tmp_path / "train_review32b.py").write_text(textwrap.dedent(TRAIN))
    (tmp_path / "run.toml").write_text(textwrap.dedent('''
        [run]
        seed = 1
        target = 0.9
        [simulator]
        name = "python"
        function = "train_review32b:train"
        multi_fidelity = {name = "steps", unit = "steps", minimum = 137174, maximum = 1234567}
        [optimizer]
        name = "random"
        [policy]
        name = "asha"
        [backend]
        name = "serial"
        [space]
        x = {low = 0.0, high = 1.0}
        [[objectives]]
        name = "loss"
        direction = "minimize"
        '''))
    out = tmp_path / "run.h5"
    assert main(["run", str(tmp_path / "run.toml"), "--out", str(out), "--no-progress"]) == 0
    said = capsys.readouterr()
    banner = next(line for line in (said.err + said.out).splitlines() if line.startswith("l2l ") and "run:" in line)
    assert "compute 123456700 steps" in banner, banner  # 100 x 1,234,567; before: 'compute 1.23457e+08 steps'
    assert main(["show", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    progress = next(line for line in lines if line.startswith("progress"))
    target = next(line for line in lines if line.startswith("target"))
    spent = progress.split("compute ")[1].split(" of ")[0]
    assert spent.isdigit() and int(spent) > 1_000_000, progress
    # the same figure in both lines; before: 'compute 3703699 of ...' above '... / 3.7037e+06 steps of compute'
    assert f"/ {spent} steps of compute" in target, (progress, target)
