"""A Brian2 model that sets the cpp_standalone device is refused, and the refusal sent the modeller to the command
simulator without saying where the build goes: a fixed build directory, shared by the evaluations of slurm-array that
run at once, made them run each other's programs without a word (rates 38, 25 and 12 Hz all gave 13.35 Hz, measured
on the single-node SLURM). The refusal now names each evaluation's own folder ({workdir})."""

from __future__ import annotations

import pytest

pytest.importorskip("brian2")

from l2l.simulators.brian2_sim import Brian2Model  # noqa: E402

MODEL = '''
def standalone(brian2, params, seed):
    brian2.set_device("cpp_standalone", directory="/shared/build", build_on_run=False)
    return 1.0
'''


def test_the_standalone_refusal_says_where_each_evaluation_builds(tmp_path):
    (tmp_path / "standalone46_model.py").write_text(MODEL)
    simulator = Brian2Model(function="standalone46_model:standalone", path=str(tmp_path))
    with pytest.raises(RuntimeError) as caught:
        simulator.run({}, 1)
    said = str(caught.value)
    assert "'command' simulator" in said and '"{workdir}/build"' in said, said
    assert "evaluations sharing one directory run each other's programs" in said
