"""No value of a config or of `l2l submit` can add a line to a SLURM job script, on any of the three paths.

Offline: the scripts are those `--dry-run` prints; nothing is submitted.
"""

from __future__ import annotations

import shutil
import socket
import subprocess

import pytest

from l2l.cli import main
from l2l.jobs.slurm_values import memory_bytes, sbatch_value, slurm_memory
from slurm_helpers import write_toml

BASH = shutil.which("bash") or "/bin/bash"

SPACE = {"x": {"type": "float", "low": -1.0, "high": 1.0}}
INJECTIONS = ["debug\ntouch /tmp/X", "debug\rtouch /tmp/X", "debug\u2028touch /tmp/X", "debug\x00x",
              "debug\x1b[2J"]


def config(tmp_path, backend: dict) -> str:
    return str(write_toml(tmp_path / "c.toml", {
        "run": {"name": "inj", "generations": 1}, "space": SPACE, "optimizer": {"name": "random"},
        "simulator": {"name": "sphere"}, "backend": backend}))


def refused(capsys, argv: list[str], *words: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2l: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert all(word in err for word in words), err
    return err


@pytest.mark.parametrize("backend", ["slurm", "slurm-array"])
@pytest.mark.parametrize("key", ["partition", "account", "memory", "walltime"])
@pytest.mark.parametrize("value", INJECTIONS)
def test_a_line_break_or_control_character_in_a_backend_option_is_refused_in_one_line(
        tmp_path, capsys, backend, key, value):
    path = config(tmp_path, {"name": backend, key: value})
    refused(capsys, ["run", path, "--no-progress"], f"backend {backend!r}", key, "control character")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]


@pytest.mark.parametrize("key", ["interface", "lifetime", "log_directory", "prologue", "job_extra_directives"])
def test_every_script_option_of_the_slurm_backend_goes_through_the_same_gate(tmp_path, capsys, key):
    value = "x\ntouch /tmp/X"
    path = config(tmp_path, {"name": "slurm", key: [value] if key in ("prologue", "job_extra_directives")
                             else value})
    refused(capsys, ["run", path, "--dry-run"], "backend 'slurm'", key, "line break")


@pytest.mark.parametrize("option", ["--partition", "--account", "--mem", "--time", "--prologue", "--sbatch",
                                    "--python"])
def test_submit_refuses_a_line_break_in_any_option(tmp_path, capsys, option):
    path = config(tmp_path, {"name": "serial"})
    value = "--qos=a\ntouch /tmp/X" if option == "--sbatch" else "debug\ntouch /tmp/X"
    refused(capsys, ["submit", path, "--dry-run", f"{option}={value}"], "l2l submit", "line break")


HOSTILE = 'de bug"#x\\y'


@pytest.fixture
def no_sbatch(tmp_path, monkeypatch):
    """No sbatch on PATH: --dry-run's 'sbatch --test-only' check is not made (said in its plan), so the job
    script is printed whatever the local SLURM would say of the hostile partition (it has no such one: exit 2).
    The scripts' quoting is what these tests read; bash is called by its absolute path."""
    empty = tmp_path / "no-sbatch"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def script_lines(capsys, argv: list[str]) -> list[str]:
    assert main(argv) == 0
    out = capsys.readouterr().out
    start = out.index("#!")
    return out[start:].splitlines()


def assert_one_quoted_directive(lines: list[str], flag: str) -> None:
    """The hostile value sits, quoted as sbatch reads it, in exactly one #SBATCH line, and nowhere else."""
    holding = [line for line in lines if "bug" in line]
    assert holding == [f"#SBATCH {flag}{sbatch_value(HOSTILE)}"], holding
    assert not any(line.lstrip().startswith("touch") for line in lines)


def test_slurm_worker_script_quotes_partition_and_account_as_sbatch_reads_them(tmp_path, capsys, no_sbatch):
    lines = script_lines(capsys, ["run", config(tmp_path, {"name": "slurm", "partition": HOSTILE}), "--dry-run"])
    assert_one_quoted_directive(lines, "-p ")
    lines = script_lines(capsys, ["run", config(tmp_path, {"name": "slurm", "account": HOSTILE}), "--dry-run"])
    assert_one_quoted_directive(lines, "-A ")
    subprocess.run([BASH, "-n"], input="\n".join(lines), text=True, check=True)


def test_slurm_array_script_quotes_partition_and_account_as_sbatch_reads_them(tmp_path, capsys, no_sbatch):
    for key in ("partition", "account"):
        lines = script_lines(capsys, ["run", config(tmp_path, {"name": "slurm-array", key: HOSTILE}),
                                      "--dry-run"])
        assert_one_quoted_directive(lines, f"--{key}=")
        subprocess.run([BASH, "-n"], input="\n".join(lines), text=True, check=True)


def test_submit_script_quotes_partition_and_account_as_sbatch_reads_them(tmp_path, capsys, no_sbatch):
    path = config(tmp_path, {"name": "serial"})
    for key in ("partition", "account"):
        lines = script_lines(capsys, ["submit", path, "--dry-run", f"--{key}={HOSTILE}"])
        assert_one_quoted_directive(lines, f"--{key}=")
        subprocess.run([BASH, "-n"], input="\n".join(lines), text=True, check=True)


def test_a_memory_size_that_is_no_size_is_refused_on_every_path(tmp_path, capsys):
    for backend in ("slurm", "slurm-array"):
        refused(capsys, ["run", config(tmp_path, {"name": backend, "memory": "lots"}), "--dry-run"],
                f"backend {backend!r}", "memory", "'lots'", "'4GB'")
    refused(capsys, ["submit", config(tmp_path, {"name": "serial"}), "--dry-run", "--mem=lots"],
            "l2l submit", "--mem", "'lots'")


def test_memory_sizes_read_like_slurm_and_dask_read_them():
    assert memory_bytes("w", "memory", "4G") == 4 << 30
    assert memory_bytes("w", "memory", "4GB") == 4 * 10**9
    assert memory_bytes("w", "memory", "1.5GiB") == 3 << 29
    assert memory_bytes("w", "memory", "500M") == 500 << 20
    assert memory_bytes("w", "memory", "2048") == 2 << 30  # a bare number is megabytes, as for sbatch
    assert slurm_memory("w", "memory", "4G") == "4G"
    assert slurm_memory("w", "memory", "1.5GiB") == "1536M"


def test_an_unknown_network_interface_is_refused_with_the_machine_s_interfaces(tmp_path, capsys):
    err = refused(capsys, ["run", config(tmp_path, {"name": "slurm", "interface": "nosuch0"}), "--dry-run"],
                  "backend 'slurm'", "interface 'nosuch0'")
    assert all(name in err for _, name in socket.if_nameindex())
    lines = script_lines(capsys, ["run", config(tmp_path, {"name": "slurm", "interface": "lo"}), "--dry-run"])
    assert any("--interface lo" in line for line in lines)
