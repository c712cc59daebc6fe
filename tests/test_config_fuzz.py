"""Bad configs end in one line, exit status 2 and no file: the named cases of issue 16, `--workers`, and a fuzz.

The fuzz mutates a good config at random (fixed seeds): hostile values, missing and unknown keys, flipped
and cut bytes. Every case must end in success or in one clean line with exit status 2, within a time limit.
"""

from __future__ import annotations

import copy
import json
import signal
from contextlib import contextmanager

import numpy as np
import pytest

from l2l.cli import main
from l2l.config import from_mapping
from l2l.errors import ConfigError

GOOD = {
    "run": {"name": "fuzz", "seed": 1, "generations": 2, "timeout": 0, "retries": 0},
    "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2]},
              "k": {"type": "int", "low": 1, "high": 4},
              "c": {"type": "categorical", "choices": [0.5, 1.5]}},  # sphere takes numeric choices only
    "optimizer": {"name": "ga", "population_size": 4, "crossover_probability": 0.5},
    "simulator": {"name": "sphere", "noise": 0.0},
    "backend": {"name": "serial"},
}


def refused(tmp_path, capsys, argv, *words):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert all(word in err for word in words), err
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".h5", ".work") or p.name.endswith(".work")]
    return err


def config_with(tmp_path, **changes):
    data = copy.deepcopy(GOOD)
    for section, values in changes.items():
        data[section] = values if not isinstance(values, dict) else {**data.get(section, {}), **values}
    path = tmp_path / "c.toml"
    path.write_text(to_toml_text(data))
    return str(path)


@pytest.mark.parametrize("changes, words", [
    ({"optimizer": {"population_size": 1_000_000_000_000}}, ["population_size must be <= 1000000"]),
    ({"space": {"w": {"type": "float", "low": 0.0, "high": 1.0, "shape": [100000, 100000]}}},
     ["parameter 'w'", "10000000000 values"]),
    ({"run": {"name": "a" * 300}}, ["run.name", "at most 100 characters"]),
    ({"run": {"name": "../escape"}}, ["run.name"]),
    ({"run": {"name": ".hidden"}}, ["run.name"]),
    ({"run": {"name": "caf\u00e9"}}, ["run.name"]),
    ({"backend": {"name": "local", "memory_limit": "lots"}}, ["backend 'local'", "memory_limit", "'lots'"]),
    ({"backend": {"name": "local", "memory_limit": "4GB\ntouch /tmp/X"}}, ["memory_limit"]),
    ({"objectives": [{"name": "nosuch", "direction": "minimize"}]},
     ["objective 'nosuch' is not produced by simulator 'sphere'", "'value'"]),
])
def test_a_bad_config_ends_in_one_line_exit_2_and_no_file(tmp_path, capsys, changes, words):
    refused(tmp_path, capsys, ["run", config_with(tmp_path, **changes), "--no-progress"], *words)


@pytest.mark.parametrize("content, words", [
    (b"\x00\x01\x02\x03binary\xff", ["not UTF-8"]),
    (b"[run]\nname = \"x\"\x00\n", ["NUL bytes"]),
    ('[run]\nname = "x"\n'.encode("utf-16"), ["UTF-16", "UTF-8"]),
    (b"[run]\nname = \"caf\xe9\"\n", ["not UTF-8", "0xe9"]),
    (b"[run\nname=", ["not valid TOML"]),
    (b"a = " + b"[" * 100_000, ["not valid TOML"]),
])
def test_a_config_file_that_is_no_utf8_toml_is_refused_in_one_line(tmp_path, capsys, content, words):
    path = tmp_path / "c.toml"
    path.write_bytes(content)
    refused(tmp_path, capsys, ["run", str(path), "--no-progress"], str(path), *words)


def test_a_folder_a_device_or_a_missing_file_given_as_the_config_is_refused_in_one_line(tmp_path, capsys):
    refused(tmp_path, capsys, ["run", str(tmp_path), "--no-progress"], "is a folder")
    refused(tmp_path, capsys, ["run", "/dev/zero", "--no-progress"], "not a regular file")
    refused(tmp_path, capsys, ["run", str(tmp_path / "none.toml"), "--no-progress"], "does not exist")


# -- --workers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("backend, key", [("local", "workers"), ("slurm", "maximum_jobs"),
                                          ("slurm-array", "max_running")])
def test_workers_sets_how_many_evaluations_run_at_once_on_every_backend_that_has_workers(backend, key):
    config = from_mapping({**GOOD, "backend": {"name": backend}}).with_overrides(workers=3)
    assert config.backend.name == backend and config.backend.options[key] == 3
    if backend == "slurm":
        assert config.backend.options["minimum_jobs"] == 1
        assert from_mapping({**GOOD, "backend": {"name": "slurm", "minimum_jobs": 5}}).with_overrides(
            workers=2).backend.options == {"minimum_jobs": 2, "maximum_jobs": 2}


@pytest.mark.parametrize("backend, words", [
    ({"name": "serial"}, ["--workers does not apply to backend 'serial'", "--backend local"]),
    ({"name": "dask", "address": "tcp://127.0.0.1:1"}, ["--workers does not apply to backend 'dask'"]),
])
def test_workers_is_refused_in_one_line_where_it_means_nothing(tmp_path, capsys, backend, words):
    refused(tmp_path, capsys, ["run", config_with(tmp_path, backend=backend), "--workers", "2", "--dry-run"],
            *words)


def test_workers_must_be_a_positive_count(tmp_path, capsys):
    refused(tmp_path, capsys, ["run", config_with(tmp_path, backend={"name": "slurm-array"}), "--workers", "0",
                               "--dry-run"], "--workers must be an integer >= 1 (0, one worker per core, is the local "
                                             "backend's), got 0")
    # on local, 0 is what [backend] workers = 0 is: one worker process per core (session 46; refused before)
    assert from_mapping(GOOD).with_overrides(backend="local", workers=0).backend.options["workers"] == 0
    with pytest.raises(ConfigError, match="workers= must be"):  # from Python: its argument (l2l.words)
        from_mapping(GOOD).with_overrides(backend="local", workers=-1)


# -- the fuzz -------------------------------------------------------------------------------------

HOSTILE = [None, True, -1, 0, 2**63, -(2**70), 1e308, float("inf"), float("nan"), -0.0, "", " ", "x" * 5000,
           "a\nb", "\x00", "\u202e", "../../etc/passwd", "{x}", "$(touch /tmp/X)", [], [1, "a"], [[[]]],
           {"name": 1}, {"": ""}, "ga", "random", "slurm-array", "categorical", "float"]


class TookTooLong(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    def on_alarm(signum, frame):
        raise TookTooLong(f"no answer within {seconds} s")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def mutate(rng: np.random.Generator) -> dict:
    data = copy.deepcopy(GOOD)
    if rng.random() < 0.3:
        data["backend"] = {"name": "slurm-array"}
    for _ in range(int(rng.integers(1, 4))):
        section = str(rng.choice(list(data)))
        table = data[section]
        if section == "space" and rng.random() < 0.7:
            table = table[str(rng.choice(list(table)))]
        keys = list(table) if isinstance(table, dict) else []
        roll = rng.random()
        value = HOSTILE[int(rng.integers(len(HOSTILE)))]
        if keys and roll < 0.6:
            table[str(rng.choice(keys))] = value
        elif keys and roll < 0.8:
            table.pop(str(rng.choice(keys)))
        elif isinstance(table, dict):
            table[str(rng.choice(["unknown", "shape", "log", "default", "name", "choices", "scale"]))] = value
    return data


def to_toml_text(data: dict) -> str | None:
    """TOML for ``data``, or None where TOML cannot say it (None values, non-finite numbers as keys...)."""
    def value(v):
        if v is None:
            raise ValueError
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "nan" if v != v else "inf" if v == float("inf") else "-inf" if v == -float("inf") else repr(v)
        if isinstance(v, int):
            if not -(2**63) <= v < 2**63:
                raise ValueError
            return str(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
        raise ValueError
    lines = []
    try:
        # top-level values first: after a [table] header a key belongs to that table
        for section, table in sorted(data.items(), key=lambda item: isinstance(item[1], dict)):
            if not isinstance(table, dict):
                lines.append(f"{section} = {value(table)}")
                continue
            lines.append(f"[{section}]")
            lines += [f"{json.dumps(k)} = {value(v)}" for k, v in table.items()]
    except ValueError:
        return None
    return "\n".join(lines) + "\n"


def assert_clean(tmp_path, capsys, path) -> int:
    """The exit status of ``l2l run PATH --dry-run``, checked: 0, or 2 with one clean line; no file made."""
    with time_limit(30):
        status = main(["run", str(path), "--dry-run"])
    captured = capsys.readouterr()
    assert status in (0, 2), (path.read_bytes()[:300], captured.err)
    if status == 2:
        assert captured.err.startswith("l2l: error: ") and captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err
    assert not list(tmp_path.glob("*.h5"))
    return status


@pytest.fixture
def one_parser(monkeypatch):
    """The command line's parser built once for a fuzz's hundreds of commands: they parse the same arguments (run
    CONFIG --dry-run) and differ in the config file only; building it again was three quarters of each command's
    CPU (12 of 16 ms). The parser is read, never changed, by a parse: the same exit statuses and lines either way."""
    import functools

    from l2l import cli

    monkeypatch.setattr(cli, "parser", functools.cache(cli.parser))


def test_randomly_mangled_configs_end_in_success_or_one_clean_line(tmp_path, capsys, one_parser):
    rng = np.random.default_rng(16)
    path = tmp_path / "c.toml"
    checked = accepted = 0
    while checked < 400:
        text = to_toml_text(mutate(rng))
        if text is None:
            continue
        path.write_text(text)
        accepted += assert_clean(tmp_path, capsys, path) == 0
        checked += 1
    # some mangled configs are still good ones (an unknown key warned about, a seed changed...): the fuzz goes past
    # the config's checks into building the run (it never did while GOOD itself was refused: 0 of 400)
    assert accepted >= 20, accepted


def test_configs_with_flipped_or_cut_bytes_end_in_success_or_one_clean_line(tmp_path, capsys, one_parser):
    rng = np.random.default_rng(61)
    good = to_toml_text(GOOD).encode()
    path = tmp_path / "c.toml"
    for _ in range(200):
        raw = bytearray(good)
        if rng.random() < 0.3:
            raw = raw[:int(rng.integers(len(raw)))]
        for _ in range(int(rng.integers(1, 6))):
            if raw:
                raw[int(rng.integers(len(raw)))] = int(rng.integers(256))
        path.write_bytes(bytes(raw))
        assert_clean(tmp_path, capsys, path)
