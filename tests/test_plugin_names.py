"""A plug-in's name: a class loaded through an entry point that does not set ``name`` in its own body (a subclass
of a built-in that forgot it) is named after its entry point, not after the parent it inherits the name from."""

from __future__ import annotations

import importlib
import pickle
import sys
import textwrap

import numpy as np
import pytest

from l2l.cli import main
from l2l.optimizers import OPTIMIZERS
from l2l.registry import Registry
from l2l.results_schema import codec
from conftest import write_toml

PLUGIN_MODULE = '''
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.optimizers.random_search import RandomSearch
from l2l.simulators.functions import Sphere


@dataclass(frozen=True)
class MySphere(Sphere):
    """The sphere, under another name (its class forgot to say which)."""


@dataclass(frozen=True)
class NamedSphere(Sphere):
    """The sphere, with a name of its own."""

    name: ClassVar[str] = "named-sphere"


@dataclass(frozen=True)
class NanRandom(RandomSearch):
    """Random search whose candidates are NaN (its class forgot its name)."""

    def ask(self, problem, state, n=None):
        candidates, state = super().ask(problem, state, n)
        return np.full_like(candidates, np.nan), state
'''


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """A fake installed distribution with the entry points of PLUGIN_MODULE's classes, on sys.path."""
    root = tmp_path / "site"
    info = root / "fake_l2l_names-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-l2l-names\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""\
        [l2l.simulators]
        my-sphere = fake_l2l_names:MySphere
        other-sphere = fake_l2l_names:NamedSphere
        [l2l.optimizers]
        nan-random = fake_l2l_names:NanRandom
        """))
    (root / "fake_l2l_names.py").write_text(PLUGIN_MODULE)
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    yield root
    sys.modules.pop("fake_l2l_names", None)


def test_a_plug_in_class_without_a_name_of_its_own_is_named_after_its_entry_point(plugins):
    registry = Registry("simulator", {"sphere": "l2l.simulators.functions:Sphere"})
    simulator = registry.create("my-sphere", {"multi_fidelity": True, "max_budget": 9})
    assert simulator.name == "my-sphere"
    assert type(simulator).name == "sphere"  # the class (and the parent) are left as they are
    assert registry.create("sphere").name == "sphere"
    # its messages and checkpoints name it, on a worker too (the name travels with the pickled simulator)
    copy = pickle.loads(pickle.dumps(simulator))
    assert copy.name == "my-sphere"
    first = copy.run_to({"x": np.array([1.0])}, 1, 3, None)
    assert first.checkpoint["simulator"] == "my-sphere"
    simulator.run_to({"x": np.array([1.0])}, 1, 9, codec.decode(codec.encode(first.checkpoint)))
    with pytest.raises(ValueError, match="simulator 'my-sphere': budget must be"):
        simulator.run_to({"x": np.array([1.0])}, 1, 99, None)
    # a class that names itself keeps its name
    assert registry.create("other-sphere").name == "named-sphere"


def test_a_run_names_the_plug_in_optimizer_by_its_entry_point(plugins, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(OPTIMIZERS, "_entries", dict(OPTIMIZERS._entries))
    monkeypatch.setattr(OPTIMIZERS, "_plugins", None)
    data = {"run": {"name": "named", "generations": 1}, "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
            "optimizer": {"name": "nan-random", "population_size": 2}, "simulator": {"name": "sphere"},
            "backend": {"name": "serial"}}
    assert main(["run", str(write_toml(tmp_path / "run.toml", data)), "--out", str(tmp_path / "named.h5"),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "l2l: error: optimizer 'nan-random' (fake_l2l_names.NanRandom): ask() gave a candidate with a NaN" in err
