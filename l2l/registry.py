"""Name -> component registries for optimizers, simulators and backends.

A component is a dataclass whose fields are its options. Entries are loaded
lazily from ``"module:Class"`` strings, so ``l2l list`` and a config that
names one component do not import every other one.
"""

from __future__ import annotations

import dataclasses
import importlib
import typing
from typing import Any, Iterator, Mapping

from l2l.errors import ConfigError


def _describe_type(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _check_value(kind: str, name: str, key: str, value: Any, tp: Any) -> Any:
    """Light type check of one option; returns the value, converted where harmless."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is typing.Any or tp is object:
        return value
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        if value is None and type(None) in args:
            return None
        errors = []
        for option in args:
            if option is type(None):
                continue
            try:
                return _check_value(kind, name, key, value, option)
            except ConfigError as exc:
                errors.append(exc)
        allowed = " or ".join(_describe_type(a) for a in args if a is not type(None))
        raise ConfigError(f"{kind} {name!r}: option {key!r} must be {allowed}, got {value!r}")
    if origin in (list, tuple, typing.Sequence) or tp in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be a list, got {value!r}")
        return tuple(value)
    if origin is dict or tp is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be a table, got {value!r}")
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be a string, got {value!r}")
        return value
    return value


class Registry:
    """A named family of components (``kind`` is "optimizer", "simulator" or "backend")."""

    def __init__(self, kind: str, entries: Mapping[str, str]):
        self.kind = kind
        self._entries: dict[str, Any] = dict(entries)

    def register(self, name: str, target: Any) -> None:
        """Add a component: a class, or a lazy ``"module:Class"`` string."""
        self._entries[name] = target

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def get(self, name: str) -> type:
        if name not in self._entries:
            raise ConfigError(f"unknown {self.kind} {name!r}; available: {', '.join(self.names())}")
        target = self._entries[name]
        if isinstance(target, str):
            module, _, attr = target.partition(":")
            target = getattr(importlib.import_module(module), attr)
            self._entries[name] = target
        return target

    def create(self, name: str, options: Mapping[str, Any] | None = None) -> Any:
        """Instantiate component ``name`` with validated ``options``."""
        cls = self.get(name)
        options = dict(options or {})
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")}
        unknown = [k for k in options if k not in fields]
        if unknown:
            allowed = ", ".join(sorted(fields)) or "(none)"
            raise ConfigError(f"{self.kind} {name!r}: unknown option {unknown[0]!r}; allowed: {allowed}")
        hints = typing.get_type_hints(cls)
        checked = {k: _check_value(self.kind, name, k, v, hints.get(k, typing.Any)) for k, v in options.items()}
        missing = [f.name for f in fields.values()
                   if f.name not in checked and f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING]
        if missing:
            raise ConfigError(f"{self.kind} {name!r}: option {missing[0]!r} is required")
        try:
            return cls(**checked)
        except ConfigError:
            raise
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{self.kind} {name!r}: {exc}") from exc

    def describe(self, name: str) -> dict[str, Any]:
        """Summary, options and defaults of one component, for ``l2l list``."""
        cls = self.get(name)
        doc = (cls.__doc__ or "").strip().splitlines()
        options = []
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if not f.init or f.name.startswith("_"):
                continue
            if f.default is not dataclasses.MISSING:
                default: Any = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            else:
                default = "(required)"
            options.append({"name": f.name, "type": _describe_type(hints.get(f.name, Any)),
                            "default": default, "help": f.metadata.get("help", "")})
        return {"name": name, "summary": doc[0] if doc else "", "options": options}


def option(default: Any = dataclasses.MISSING, help: str = "", **kwargs: Any) -> Any:
    """A dataclass field with a help text shown by ``l2l list``."""
    if isinstance(default, (list, dict, set)):
        value = default
        return dataclasses.field(default_factory=lambda: type(value)(value), metadata={"help": help}, **kwargs)
    return dataclasses.field(default=default, metadata={"help": help}, **kwargs)
