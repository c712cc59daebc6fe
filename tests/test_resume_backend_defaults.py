"""`l2l resume FILE --backend NAME` starts NAME from its defaults (and --workers), also where NAME is the backend the
run was stored with; without --backend the stored backend runs with its stored options.

Before, naming the stored backend again kept every stored option (a SLURM partition, a Dask scheduler's address
that no longer exists), while any other name dropped them: the same flag meant "as stored" or "from the defaults"
depending on the name. A stored option left out is now named in one note line, with how to keep it. `l2l reevaluate
--backend` does the same. The backend here is the serial one with two options, registered for the test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

import pytest
from conftest import write_toml

from l2l.cli import main
from l2l.jobs import BACKENDS
from l2l.jobs.serial import SerialExecutor
from l2l.registry import option
from l2l.results_schema.reader import Trajectory


@dataclass
class Optioned(SerialExecutor):
    """The serial backend with a site and a worker count, which it records as it starts."""

    name: ClassVar[str] = "optioned"
    started: ClassVar[list[tuple[str, int]]] = []

    site: str = option("default-site", help="where it runs")
    workers: int = option(1, help="workers", ge=1)

    def start(self, simulator, settings) -> None:
        Optioned.started.append((self.site, self.workers))
        super().start(simulator, settings)


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setitem(BACKENDS._entries, "optioned", Optioned)
    Optioned.started = []
    config = write_toml(tmp_path / "c.toml", {
        "run": {"name": "moved", "seed": 2, "compute": 60},
        "space": {"x": {"type": "float", "low": -5.0, "high": 5.0}},
        "optimizer": {"name": "random"},
        "policy": {"name": "asha", "min_budget": 1, "max_budget": 9, "eta": 3},
        "simulator": {"name": "sphere", "multi_fidelity": True, "max_budget": 9},
        "backend": {"name": "optioned", "site": "old-cluster", "workers": 2}})
    path = tmp_path / "r.h5"
    assert main(["run", str(config), "--out", str(path), "--no-progress"]) == 0  # stopped by its compute
    assert Optioned.started == [("old-cluster", 2)]
    return path


def _resumed_backend(path) -> dict:
    with Trajectory(path) as trajectory:
        events = trajectory.events()
    return json.loads(events.loc[events["kind"] == "resumed", "detail"].iloc[-1])["backend"]


def _notes(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("l2l: note: --backend")]


def test_the_stored_backend_named_again_starts_from_its_defaults_and_says_what_it_leaves_out(run, capsys):
    capsys.readouterr()
    assert main(["resume", str(run), "--compute", "120", "--backend", "optioned", "--no-progress"]) == 0
    assert Optioned.started[-1] == ("default-site", 1)
    assert _resumed_backend(run) == {"name": "optioned"}
    assert _notes(capsys.readouterr().err) == [
        'l2l: note: --backend optioned starts from its defaults: the run\'s stored optioned options site = '
        '"old-cluster", workers = 2 are not used; l2l resume without --backend to keep them']

    # --workers is applied to the defaults: only the site is left out
    assert main(["resume", str(run), "--compute", "180", "--backend", "optioned", "--workers", "3",
                 "--no-progress"]) == 0
    assert Optioned.started[-1] == ("default-site", 3)
    assert _notes(capsys.readouterr().err) == [
        'l2l: note: --backend optioned starts from its defaults and --workers: the run\'s stored optioned option '
        'site = "old-cluster" is not used; l2l resume without --backend to keep it']


def test_without_backend_the_stored_options_hold_and_another_backend_names_those_it_drops(run, capsys):
    capsys.readouterr()
    assert main(["resume", str(run), "--compute", "120", "--no-progress"]) == 0
    assert Optioned.started[-1] == ("old-cluster", 2)
    assert main(["resume", str(run), "--compute", "180", "--workers", "4", "--no-progress"]) == 0
    assert Optioned.started[-1] == ("old-cluster", 4)
    assert _resumed_backend(run) == {"name": "optioned", "site": "old-cluster", "workers": 4}
    assert not _notes(capsys.readouterr().err)
    # another backend named drops the stored backend's options too: said in the same line (before: nothing)
    assert main(["resume", str(run), "--compute", "240", "--backend", "serial", "--no-progress"]) == 0
    assert _resumed_backend(run) == {"name": "serial"}
    assert _notes(capsys.readouterr().err) == [
        'l2l: note: --backend serial starts from its defaults: the run\'s stored optioned options site = '
        '"old-cluster", workers = 2 are not used; l2l resume without --backend to keep them']


def test_reevaluate_with_the_stored_backend_named_starts_from_its_defaults_too(run, capsys):
    capsys.readouterr()
    assert main(["reevaluate", str(run), "--top", "1", "--seeds", "1", "--backend", "optioned"]) == 0
    assert Optioned.started[-1] == ("default-site", 1)
    assert _notes(capsys.readouterr().err) == [
        'l2l: note: --backend optioned starts from its defaults: the run\'s stored optioned options site = '
        '"old-cluster", workers = 2 are not used; l2l reevaluate without --backend to keep them']
    assert main(["reevaluate", str(run), "--top", "1", "--seeds", "2"]) == 0
    assert Optioned.started[-1] == ("old-cluster", 2) and not _notes(capsys.readouterr().err)
