"""A script, example or benchmark of the repository (or a user's file a test writes) loaded as a module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def module_from_file(name: str, path: Path | str, register: bool = False) -> ModuleType:
    """The file at ``path`` run as module ``name``; ``register`` puts it in ``sys.modules`` first (dataclasses and
    pickling look their module up there)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    if register:
        sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
