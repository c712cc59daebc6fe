"""Call a user's Python function ``module:function`` for every evaluation."""

from __future__ import annotations

import importlib
import inspect
import sys
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.registry import option
from l2l.simulators.base import Simulator


def load_function(spec: str, search_path: str | None = None) -> Callable[..., Any]:
    """Import ``"package.module:function"``; ``search_path`` is put first on ``sys.path``."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"simulator 'python': function must look like 'module:function', got {spec!r}")
    if search_path and search_path not in sys.path:
        sys.path.insert(0, search_path)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"simulator 'python': cannot import module {module_name!r}: {exc}") from exc
    target: Any = module
    for part in attr.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise ConfigError(f"simulator 'python': module {module_name!r} has no attribute {attr!r}")
    if not callable(target):
        raise ConfigError(f"simulator 'python': {spec!r} is not callable")
    return target


@dataclass(frozen=True)
class PythonFunction(Simulator):
    """Calls function(params, seed, **kwargs) from an importable module.

    The function returns a float, a dict of objective values, or an
    :class:`l2l.simulators.SimulationResult`. ``path`` (default: the config
    file's folder) is searched first, so a ``models.py`` beside the config
    can be named as ``models:my_function``.
    """

    name: ClassVar[str] = "python"

    function: str = option("", help="'module:function' to call as function(params, seed, **kwargs)")
    kwargs: dict = option({}, help="extra keyword arguments passed to the function")
    path: str = option("", help="folder put first on sys.path (default: the config's folder)")

    def __post_init__(self) -> None:
        if not self.function:
            raise ConfigError("simulator 'python': option 'function' is required, e.g. 'models:simulate'")
        fn = load_function(self.function, self.path or None)
        try:
            inspect.signature(fn).bind({}, 0, **self.kwargs)
        except TypeError as exc:
            raise ConfigError(f"simulator 'python': {self.function} cannot be called as "
                              f"function(params, seed, **kwargs): {exc}") from exc

    def run(self, params: dict[str, Any], seed: int):
        return load_function(self.function, self.path or None)(params, seed, **self.kwargs)
