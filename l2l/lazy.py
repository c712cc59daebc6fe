"""Modules imported on first use: ``pd = lazy_module("pandas")`` costs nothing until ``pd.DataFrame`` is used.

``l2l.run`` reads no table, yet the modules it imports for reading trajectories
imported pandas (0.18 s of the 0.29 s that importing the loop took): the
workers' start-up, which begins only once the loop is imported, waited for it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """Stands for the module ``name``; the first attribute read imports it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attribute)


def lazy_module(name: str) -> Any:
    return LazyModule(name)
