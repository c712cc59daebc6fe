"""``l2l reevaluate`` asked for less than an earlier re-evaluation stored (``--top 2 --seeds 3`` after ``--top 5
--seeds 4``) evaluates nothing and says so in one note line, what is stored against what was asked, before the
stored ranking, printed whole: its means over more seeds are not thrown away. A request that needs more runs
what is missing and prints no such note."""

from __future__ import annotations

from test_reevaluate import NOISY

import l2l
from l2l.cli import main


def test_a_smaller_request_says_that_the_stored_re_evaluation_covers_it(tmp_path, capsys):
    path = str(l2l.run(l2l.from_mapping(NOISY), tmp_path / "run.h5", progress=False))
    assert main(["reevaluate", path, "--top", "5", "--seeds", "4"]) == 0
    first = capsys.readouterr()
    assert "nothing new" not in first.err
    stored = l2l.load(path, reevaluations=True)
    assert len(stored) == 20

    assert main(["reevaluate", path, "--top", "2", "--seeds", "3"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == ["l2l: note: nothing new to evaluate: the stored re-evaluation (5 candidates, up to 4 "
                                "seeds each) already covers the request (2 best candidates on 3 seeds each); its "
                                "ranking follows"], err
    assert out == first.out  # the stored ranking, whole: every candidate on every seed stored
    assert len(l2l.load(path, reevaluations=True)) == 20  # nothing evaluated, nothing lost

    assert main(["reevaluate", path, "--top", "1", "--seeds", "6"]) == 0  # more seeds for the best: they run
    out, err = capsys.readouterr()
    assert "l2l: note" not in err and "up to 6 seeds each" in out
    assert len(l2l.load(path, reevaluations=True)) == 22
