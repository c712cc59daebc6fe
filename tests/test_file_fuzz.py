"""Random corruptions of a real trajectory, from fixed seeds: every command ends cleanly, in bounded time.

Eight kinds of damage take turns (truncation at a random offset, bytes
flipped anywhere or in the metadata, a dataset of another dtype, a deleted
object, an out-of-range value, a link, a malformed run attribute; see
``file_corruptions.random_case``). On each file ``validate``, ``show``,
``load``, ``plot`` and ``export`` must succeed or end with one line and exit
status 1 (validate) or 2; never a traceback, never more than a minute. A file
validate accepts must be readable by every command.
"""

from __future__ import annotations

from file_corruptions import build_base, run_cases

SEEDS = range(72)


def test_every_command_ends_cleanly_on_randomly_damaged_files(tmp_path):
    base = build_base(tmp_path)
    # the kind of damage is the seed modulo 8 and the runners are dealt every other case: in seed order one runner
    # got the four kinds that leave most files plottable (a figure is most of the work), and worked 5 times longer
    # than the other; in order of kind each runner gets half of every kind
    cases = [f"random-{seed}" for seed in sorted(SEEDS, key=lambda seed: (seed % 8, seed))]
    results = run_cases(base, tmp_path, cases, limit=60.0, processes=2)  # two runners: the machine's two cores
    problems = {case: result["bad"] for case, result in results.items() if result["bad"]}
    assert problems == {}
    for case, result in results.items():
        if result["codes"]["validate"] == 0:
            assert set(result["codes"].values()) == {0}, (case, result)
    refused = sum(result["codes"]["validate"] == 1 for result in results.values())
    assert refused >= len(cases) // 2  # the damage is real: most files are invalid
