"""The failure line gives a run whose failures all have one message the line's whole width for it: a NEST that
does not import on the workers read '8 × "l2l.errors.ConfigError: simulator 'nest': PyNEST cannot be imported..."',
the reason after it cut off; several messages are still cut to their share."""

from __future__ import annotations

import l2l
from conftest import make_config
from l2l.summary import finished_text

CAUSE = "(libnestkernel.so: cannot open shared object file)"


def broken(params, seed):
    raise ImportError(f"simulator 'nest': PyNEST cannot be imported {CAUSE}")


def broken_twice(params, seed):
    raise ImportError(f"simulator 'nest': PyNEST cannot be imported {CAUSE} on worker {seed % 2}")


def test_one_long_message_is_shown_whole_and_two_are_cut_to_their_share(tmp_path):
    config = make_config(run={"name": "broken", "generations": 1}, optimizer={"name": "random", "population_size": 4},
                         simulator={"name": "python"})
    one = l2l.run(config, tmp_path / "one.h5", simulator=broken, progress=False)
    line = finished_text(one, 1.0).splitlines()[1]
    assert line.startswith("4 failed: 4 × ") and CAUSE in line and len(line) <= 150
    two = l2l.run(config, tmp_path / "two.h5", simulator=broken_twice, progress=False)
    line = finished_text(two, 1.0).splitlines()[1]
    assert CAUSE not in line and line.count('..."') >= 1
