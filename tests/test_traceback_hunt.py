"""Bad input found by a systematic hunt ends in one line ``l2l: error: ...``, exit status 2, and no file.

Each case below printed a traceback, hung without a word, or ran a whole run whose every evaluation failed for a
reason the config could have named: huge counts (run.generations x population_size of a policy, a policy's
max_candidates, run.reevaluate seeds, ``--generations`` on a policy run), a run.timeout past the platform's clock,
component options that are infinite or beyond 64 bits, a parameter shape of more dimensions than HDF5 holds,
``l2l watch --interval`` that is NaN, infinite or past the clock, and an ``--out`` or run.out that names a folder
to be ('runs/' wrote a file named runs) or nothing ('' ran to the default file unsaid).
"""

from __future__ import annotations

import pytest
from test_config_fuzz import time_limit  # a hang becomes a failure

from l2l.cli import main

SPHERE = """
[run]
name = "hunt"
seed = 1
{run}
[space]
x = {{ type = "float", low = -5.0, high = 5.0, shape = {shape} }}
[optimizer]
name = "{optimizer}"
{options}
[simulator]
name = "sphere"
{simulator}
[backend]
name = "serial"
{policy}
"""

HUGE = 10 ** 30


def config(tmp_path, run="generations = 2", shape="[2]", optimizer="ga", options="population_size = 4",
           simulator="", policy="") -> str:
    path = tmp_path / "hunt.toml"
    path.write_text(SPHERE.format(run=run, shape=shape, optimizer=optimizer, options=options,
                                  simulator=simulator, policy=policy))
    return str(path)


def halving(tmp_path, run: str, policy_options: str = "") -> str:
    """A successive-halving sweep of the multi-fidelity sphere."""
    return config(tmp_path, run=run, optimizer="random", simulator="multi_fidelity = true",
                  policy=f'[policy]\nname = "successive-halving"\n{policy_options}')


def guard(seconds: int = 30):
    """Turn a hang (the old behaviour of some cases) into a failure rather than a stuck test run."""
    return time_limit(seconds)


CASES = {
    "policy sweep of 10**8 generations": (
        lambda t: ["run", halving(t, "generations = 100000000"), "--dry-run"],
        ["run.generations x population_size is 400000000 candidates, more than the 1000000",
         "'successive-halving'"]),
    "policy sweep of 10**30 generations": (
        lambda t: ["run", halving(t, f"generations = {HUGE}"), "--dry-run"],
        ["run.generations must be an integer from 1 to 1000000000", str(HUGE)]),
    "policy max_candidates of 10**30": (
        lambda t: ["run", halving(t, "compute = 200", f"max_candidates = {HUGE}"), "--dry-run"],
        ["[policy] max_candidates must be at most 1000000", f"got {HUGE}"]),
    "--generations 10**8 on a policy sweep": (
        lambda t: ["run", halving(t, "generations = 1"), "--generations", "100000000", "--dry-run"],
        ["--generations x population_size is 400000000 candidates"]),
    "run.generations of 10**30 for optimizer auto": (
        lambda t: ["run", config(t, run=f"generations = {HUGE}", optimizer="auto", options=""), "--dry-run"],
        ["run.generations must be an integer from 1 to 1000000000", str(HUGE)]),
    "--max-time nan, named as typed": (
        lambda t: ["run", config(t), "--max-time", "nan", "--dry-run"],
        ["l2l: error: --max-time must be a number of seconds >= 0, got nan"]),
    "--compute inf, named as typed": (
        lambda t: ["run", halving(t, "compute = 200"), "--compute", "inf", "--dry-run"],
        ["l2l: error: --compute must be a finite number of fidelity units (at most 1e+15), got inf"]),
    "run.timeout past the clock": (
        lambda t: ["run", config(t, run="generations = 1\ntimeout = 1e12"), "--no-progress"],
        ["run.timeout must be a number of seconds from 0 to 1000000000", "1000000000000.0"]),
    "run.reevaluate seeds 10**30": (
        lambda t: ["run", config(t, run=f"generations = 1\nreevaluate = {{top = 1, seeds = {HUGE}}}"),
                   "--no-progress"],
        ["run.reevaluate.seeds must be at most 1000", str(HUGE)]),
    "float option infinite": (
        lambda t: ["run", config(t, optimizer="cmaes", options="population_size = 4\nmin_sigma = inf"),
                   "--no-progress"],
        ["optimizer 'cmaes': option 'min_sigma' must be a finite number, got inf"]),
    "float option an integer past the largest float": (
        lambda t: ["run", config(t, optimizer="cmaes", options=f"population_size = 4\nsigma = 1{'0' * 400}"),
                   "--no-progress"],
        ["option 'sigma' must be a finite number, got an integer of 401 digits"]),
    "int option of 10**30": (
        lambda t: ["run", config(t, optimizer="grid", options=f"points = {HUGE}"), "--no-progress"],
        ["optimizer 'grid': option 'points' must be an integer from -2**63 to 2**63 - 1", str(HUGE)]),
    "optional int option of 10**30": (
        lambda t: ["run", config(t, optimizer="nevergrad", options=f"budget = {HUGE}"), "--no-progress"],
        ["optimizer 'nevergrad': option 'budget' must be an integer from -2**63 to 2**63 - 1", str(HUGE)]),
    "int option 1e308": (
        lambda t: ["run", config(t, optimizer="grid", options="points = 1e308"), "--no-progress"],
        ["option 'points' must be an integer from -2**63 to 2**63 - 1", "got 1000... (309 digits)"]),
    "shape of 32 dimensions": (
        lambda t: ["run", config(t, shape="[" + ", ".join(["1"] * 32) + "]"), "--no-progress"],
        ["parameter 'x': shape may have at most 31 dimensions", "got 32"]),
    "watch --interval nan": (
        lambda t: ["watch", str(t / "none.h5"), "--interval", "nan"], ["--interval must be", "got nan"]),
    "watch --interval inf": (
        lambda t: ["watch", str(t / "none.h5"), "--interval", "inf"], ["--interval must be", "got inf"]),
    "watch --interval past the clock": (
        lambda t: ["watch", str(t / "none.h5"), "--interval", "1e12"],
        ["--interval must be a number of seconds > 0 and at most 86400", "got 1000000000000"]),
    "--out naming a folder to be": (lambda t: ["run", config(t), "--out", str(t / "runs") + "/", "--no-progress"],
                                    ["--out must name a file, e.g.", "runs/run.h5"]),
    "--out empty": (lambda t: ["run", config(t), "--out", "", "--no-progress"],
                    ["--out must name a file, e.g. run.h5, got ''"]),
    "run.out naming a folder to be": (lambda t: ["run", config(t, run='generations = 1\nout = "runs/"'),
                                                 "--no-progress"], ["run.out must be a file name, got 'runs/'"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_ends_in_one_line_exit_2_and_no_file(tmp_path, capsys, case):
    argv, words = CASES[case]
    with guard():
        status = main(argv(tmp_path))
    out, err = capsys.readouterr()
    assert status == 2, (status, err)
    assert err.startswith("l2l: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert all(word in err for word in words), err
    assert not [p for p in tmp_path.iterdir() if p.name != "hunt.toml"]  # nothing created



@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> str:
    """A finished run of two generations of four."""
    folder = tmp_path_factory.mktemp("finished")
    assert main(["run", config(folder), "--no-progress"]) == 0
    return str(folder / "hunt.h5")


READS = {  # an empty value was taken for the option left out: the default written or drawn, exit 0
    "plot -o ''": (["plot", "{file}", "-o", ""], ["-o/--output must name a file, got ''"]),
    "plot --objective ''": (["plot", "{file}", "--objective", ""], ["--objective must name an objective", "''"]),
    "compare --objective ''": (["compare", "{file}", "--objective", ""], ["--objective must name", "''"]),
    "report -o ''": (["report", "{file}", "-o", ""], ["-o/--output must name a file, got ''"]),
    "export -o ''": (["export", "{file}", "-o", ""], ["-o/--output must name a file, got ''"]),
    "resume --backend ''": (["resume", "{file}", "--backend", ""], ["unknown backend ''"]),
}


@pytest.mark.parametrize("case", list(READS))
def test_an_empty_option_of_a_command_on_a_run_is_refused_in_one_line(finished, capsys, case):
    from pathlib import Path

    argv, words = READS[case]
    folder = Path(finished).parent
    before, content = sorted(folder.iterdir()), Path(finished).read_bytes()
    capsys.readouterr()
    with guard():
        status = main([word.format(file=finished) for word in argv])
    out, err = capsys.readouterr()
    assert status == 2, (status, err)
    assert err.startswith("l2l: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert all(word in err for word in words), err
    assert sorted(folder.iterdir()) == before and Path(finished).read_bytes() == content


@pytest.mark.parametrize("command", ["validate", "prune", "compare"])
def test_a_loop_of_symbolic_links_is_named_so_not_a_missing_file(tmp_path, capsys, command):
    (tmp_path / "a.h5").symlink_to("b.h5")
    (tmp_path / "b.h5").symlink_to("a.h5")
    assert main([command, str(tmp_path / "a.h5")]) == 2
    err = capsys.readouterr().err
    assert err == f"l2l: error: {tmp_path / 'a.h5'}: a symbolic link to b.h5 that leads back to itself, not a file\n"
