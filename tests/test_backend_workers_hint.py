"""'workers = 2', the README's [backend] line, on slurm-array or slurm is refused with the option that does it there
('... allowed: account, ..., walltime; the most array tasks running at once is max_running (what --workers sets)');
before, the allowed list alone, where nothing says which of the sixteen options is the workers'."""

from __future__ import annotations

import pytest

from l2l.errors import ConfigError
from l2l.jobs import BACKENDS


@pytest.mark.parametrize("backend, instead", [("slurm-array", "max_running"), ("slurm", "maximum_jobs")])
def test_workers_on_a_slurm_backend_names_the_option_that_does_it_there(backend, instead):
    with pytest.raises(ConfigError) as refused:
        BACKENDS.create(backend, {"workers": 2})
    message = str(refused.value)
    assert message.startswith(f"backend {backend!r}: unknown option 'workers'; allowed: ")
    assert message.endswith(f"is {instead} (what --workers sets)") and "\n" not in message
    with pytest.raises(ConfigError) as refused:  # another unknown option: the allowed list alone, as before
        BACKENDS.create(backend, {"cores_per_node": 2})
    assert str(refused.value).endswith(", walltime")

