"""A misspelt function of a ``python`` simulator names the one meant (goes with python_import_typo.patch)."""

import pytest

from l2l.errors import ConfigError
from l2l.simulators.python_import import load_function


@pytest.mark.parametrize("spec, said", [
    ("typo45_model:simulat", "module 'typo45_model' has no attribute 'simulat' (did you mean 'simulate'?)"),
    ("typo45_model:run", "module 'typo45_model' has no attribute 'run'; it defines helper, simulate"),
    ("typo45_model.simulate", "function must look like 'module:function', got 'typo45_model.simulate' "
                              "('typo45_model:simulate'?)"),
])
def test_a_misspelt_function_names_the_one_meant(tmp_path, spec, said):
    (tmp_path / "typo45_model.py").write_text("import math\ndef simulate(p, seed):\n    return 1.0\n"
                                              "def helper():\n    pass\n")
    with pytest.raises(ConfigError) as refused:
        load_function(spec, str(tmp_path))
    assert str(refused.value) == f"simulator 'python': {said}"
