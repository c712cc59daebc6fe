"""Name -> component registries for optimizers, simulators and backends.

A component is a dataclass whose fields are its options, declared with
:func:`option` (help text and rule). Entries are loaded lazily from
``"module:Class"`` strings, so ``l2l list`` and a config that names one
component do not import every other one.

Third-party packages add components through entry points in the groups
``l2l.optimizers``, ``l2l.simulators`` and ``l2l.backends``::

    [project.entry-points."l2l.simulators"]
    my-model = "my_package.models:MyModel"

They are discovered when a registry is first asked for its names, and
imported only when a config names them; a plugin that cannot be imported
gives a :class:`ConfigError` then, and never disturbs the other components.

A component's ``name`` (messages, checkpoints and ``l2l show`` use it) is a
class attribute. A plug-in class that does not set one in its own body (a
subclass of a built-in that forgot it) would inherit its parent's, and every
message would name the parent: such a class's instances take the name of the
entry point they were loaded through instead.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import math
import typing
from typing import Any, Iterator, Mapping, Sequence

from l2l import foreign
from l2l.errors import ConfigError


#: Integer options are 64-bit: a larger one (10**30, or 1e308 read as an integer) overflowed a component's
#: arrays or float conversions with a traceback, or made it plan without end.
MAX_INT = 2 ** 63



def _shown(value: Any) -> str:
    """A config value as the TOML file spells it where Python's spelling differs (true, false), else its repr."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)

def _describe_type(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _run_target_hint(key: str, value: Any) -> str:
    """Where a run's target goes, for a ``target`` given as a number where a component refuses it: ``target`` in
    [policy] or [optimizer] (no such option), or in a brian2 [simulator] (its code generation target, a string),
    was meant as [run]'s, which ends the run once a candidate reaches it; the bare refusal did not say so."""
    if key != "target" or isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    return f" (a run's target value goes in [run]: target = {value!r})"


def _other_table_hint(kind: str, key: str, value: Any = None) -> str:
    """Where a key a component refuses belongs, when it is another table's: TOML puts every key below a ``[kind]``
    header in that table until the next header, so ``generations = 15`` or ``workers = 2`` written under
    [optimizer] or [simulator], or ``backend = "local"`` under [simulator], was refused with the component's
    options only, none of them the one meant."""
    from l2l.config_keys import RUN_KEYS, SECTIONS

    if isinstance(value, Mapping) and key in ("options", "params", "parameters", "settings", "config", "args"):
        return f" (a [{kind}.{key}] table: write its keys directly under [{kind}])"  # [optimizer.options]
    if key in SECTIONS and key != kind:
        return f" ([{key}] is a table of its own; every key below the [{kind}] header is [{kind}]'s)"
    if key in RUN_KEYS and key not in ("name", "target", "seed", "policy") and key not in _COMPONENT_NAMES:
        return f" (a [run] key: write it under [run]; every key below the [{kind}] header is [{kind}]'s)"
    if key == "workers" and kind != "backend":
        return f" (a [backend] option: write it under [backend]; every key below the [{kind}] header is [{kind}]'s)"
    return ""


#: [run] keys that are also some component's option (a policy's timeout is not the run's), never hinted at
_COMPONENT_NAMES = frozenset({"timeout", "budget"})


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
        if len(errors) == 1:  # an optional option (int | None): its type's own words, not 'must be int' for 10**30
            raise errors[0]
        allowed = " or ".join(_describe_type(a) for a in args if a is not type(None))
        raise ConfigError(f"{kind} {name!r}: option {key!r} must be {allowed}, got {_shown(value)}")
    if origin in (list, tuple, typing.Sequence) or tp in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be a list, got {_shown(value)}")
        return tuple(value)
    if origin is dict or tp is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be a table, got {_shown(value)}")
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be true or false, got {_shown(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if not (isinstance(value, float) and value.is_integer()):
                raise ConfigError(f"{kind} {name!r}: option {key!r} must be an integer, got {_shown(value)}")
            value = int(value)
        if not -MAX_INT <= value < MAX_INT:
            digits = len(str(abs(value)))  # 1e308 read as an integer has 309 of them: not all shown
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be an integer from -2**63 to 2**63 - 1, "
                              f"got {value if digits <= 40 else f'{str(value)[:4]}... ({digits} digits)'}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be a number, got {_shown(value)}")
        try:
            return float(value)
        except OverflowError:  # an integer past the largest float
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be a finite number, got an integer of "
                              f"{len(str(abs(value)))} digits") from None
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{kind} {name!r}: option {key!r} must be a string, got {_shown(value)}"
                              f"{_run_target_hint(key, value)}")
        return value
    return value


def _numeric(tp: Any) -> bool:
    """True if an option of type ``tp`` is a number: ``float`` (or ``int``), alone or with ``None`` or others."""
    if tp in (float, int):
        return True
    return typing.get_origin(tp) in (typing.Union, getattr(__import__("types"), "UnionType", None)) \
        and any(_numeric(option) for option in typing.get_args(tp))


class Registry:
    """A named family of components (``kind`` is "optimizer", "simulator" or "backend")."""

    def __init__(self, kind: str, entries: Mapping[str, str], group: str | None = "default"):
        self.kind = kind
        #: The entry-point group of third-party components: by default "l2l.<kind>s"
        #: ("l2l.optimizers", "l2l.simulators", "l2l.backends"); None: no plugins.
        self.group = f"l2l.{kind}s" if group == "default" else group
        self._entries: dict[str, Any] = dict(entries)
        self._plugins: dict[str, importlib.metadata.EntryPoint] | None = None
        #: Plug-ins loaded through an entry point whose class inherits a ``name`` other than the entry point's:
        #: their instances are named after the entry point (see :meth:`instantiate`).
        self._unnamed: dict[str, type] = {}

    def register(self, name: str, target: Any) -> None:
        """Add a component: a class, or a lazy ``"module:Class"`` string."""
        self._entries[name] = target

    def _plugin_entries(self, refresh: bool = False) -> dict[str, importlib.metadata.EntryPoint]:
        """The entry points of :attr:`group` (found once; again when ``refresh``), not imported."""
        if self.group is None:
            return {}
        if self._plugins is None or refresh:
            found = importlib.metadata.entry_points(group=self.group)
            self._plugins = {ep.name: ep for ep in found if ep.name not in self._entries}
        return self._plugins

    def names(self) -> list[str]:
        return sorted({*self._entries, *self._plugin_entries()})

    def __contains__(self, name: str) -> bool:
        return name in self._entries or name in self._plugin_entries()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def get(self, name: str) -> type:
        if name not in self._entries:
            plugins = self._plugin_entries(refresh=name not in self._plugin_entries())
            if name not in plugins:
                meant = foreign.component_hint(self.kind, name) or _did_you_mean(name, self.names())
                # no near name: perhaps a plug-in whose package is not installed in this Python (a run resumed
                # elsewhere, another virtual environment); say where l2l looked for it
                where = "" if meant or self.group is None else (
                    f" (a plug-in's name comes from the entry-point group {self.group!r} of a package installed "
                    f"in this Python)")
                raise ConfigError(f"unknown {self.kind} {name!r}{meant}; available: {', '.join(self.names())}"
                                  f"{where}")
            self._entries[name] = self._load_plugin(plugins[name])
        target = self._entries[name]
        if isinstance(target, str):
            module, _, attr = target.partition(":")
            target = getattr(importlib.import_module(module), attr)
            self._entries[name] = target
        return target

    def _load_plugin(self, entry: importlib.metadata.EntryPoint) -> type:
        where = f"entry point {entry.name!r} = {entry.value!r} of group {self.group!r}"
        dist = getattr(entry, "dist", None)
        if dist is not None:
            where += f" (package {dist.metadata['Name']} {dist.version})"
        try:
            target = entry.load()
        except Exception as exc:  # noqa: BLE001 - any failure of a plugin's import is reported, not raised
            raise ConfigError(f"{self.kind} {entry.name!r} cannot be loaded from {where}: "
                              f"{type(exc).__name__}: {exc}") from None
        if not (isinstance(target, type) and dataclasses.is_dataclass(target)):
            raise ConfigError(f"{self.kind} {entry.name!r} from {where} is not a dataclass whose fields are "
                              f"its options, got {target!r}")
        if "name" not in vars(target) and getattr(target, "name", None) != entry.name:
            self._unnamed[entry.name] = target
        return target

    def create(self, name: str, options: Mapping[str, Any] | None = None) -> Any:
        """Instantiate component ``name`` with validated ``options``."""
        return self.instantiate(self.get(name), name, options)

    def instantiate(self, cls: type, name: str, options: Mapping[str, Any] | None = None) -> Any:
        """Instantiate ``cls`` (a component class, registered or not) under ``name`` with validated
        ``options``: known option names, types, rules; errors name ``name``, the option and the value."""
        options = dict(options or {})
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")}
        unknown = [k for k in options if k not in fields]
        if unknown:
            # options a component inherits but refuses (l2l list leaves them out) are not offered here either
            refused = cls.refused_options() if hasattr(cls, "refused_options") else ()
            allowed = ", ".join(sorted(set(fields) - set(refused))) or "(none)"
            hint = getattr(cls, "option_hints", {}).get(unknown[0])  # e.g. a backend's name for another's option
            # Optuna's reduction_factor: eta (never an option the component refuses)
            hint = hint or foreign.option_hint(unknown[0], set(fields) - set(refused))
            # a typo ('populaton_size') is named beside the key, as for an unknown component name, where the
            # allowed list may be long; a component's own hint already says which option it meant. A typo of an
            # option it refuses says so: 'max_candidate' under model-based suggested 'max_candidates', which the
            # policy then refused as not applying (and the next nearest, 'candidates', is another option)
            near = None if hint else _nearest(unknown[0], list(fields))
            meant = ("" if near is None else f" (did you mean {near!r}?)" if near not in refused
                     else f" ({near!r} does not apply to {self.kind} {name!r})")
            raise ConfigError(f"{self.kind} {name!r}: unknown option {unknown[0]!r}{meant}"
                              f"{_run_target_hint(unknown[0], options[unknown[0]])}"
                              f"{'' if hint or near else _other_table_hint(self.kind, str(unknown[0]), options[unknown[0]])}; allowed: {allowed}"
                              + (f"; {hint}" if hint else ""))
        hints = typing.get_type_hints(cls)
        checked = {k: _check_value(self.kind, name, k, v, hints.get(k, typing.Any)) for k, v in options.items()}
        for key, value in checked.items():
            rule = rule_of(fields[key])
            broken = rule.violation(value) if rule is not None else None
            if broken:
                said = fields[key].metadata.get("refused")  # the option's own words for a value out of its rule
                raise ConfigError(f"{self.kind} {name!r}: {key} must be {broken}, got {_shown(value)}"
                                  + (f"; {said}" if said else ""))
            if isinstance(value, float) and not math.isfinite(value) and _numeric(hints.get(key)):
                # after the rule, which names the range; an option of any type (a table of a script's) may be inf
                raise ConfigError(f"{self.kind} {name!r}: option {key!r} must be a finite number, got {_shown(value)}")
        missing = [f.name for f in fields.values()
                   if f.name not in checked and f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING]
        if missing:
            raise ConfigError(f"{self.kind} {name!r}: option {missing[0]!r} is required")
        try:
            component = cls(**checked)
        except ConfigError:
            raise
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{self.kind} {name!r}: {exc}") from exc
        if self._unnamed.get(name) is cls:
            # the entry point's name, which the config used, rather than the parent's the class inherits; on the
            # instance (frozen dataclasses: past their __setattr__; l2l's base classes give every instance a
            # __dict__), so that it travels with it, pickled, to the workers
            object.__setattr__(component, "name", name)
        return component

    def describe(self, name: str) -> dict[str, Any]:
        """Summary, options and defaults of one component, for ``l2l list``."""
        cls = self.get(name)
        # The summary is the docstring's first paragraph (a sentence may wrap over several lines).
        doc = [" ".join(line.strip() for line in (cls.__doc__ or "").strip().split("\n\n")[0].splitlines())]
        options = []
        hints = typing.get_type_hints(cls)
        refused = cls.refused_options() if hasattr(cls, "refused_options") else ()
        for f in dataclasses.fields(cls):
            if not f.init or f.name.startswith("_") or f.name in refused:
                continue
            if f.default is not dataclasses.MISSING:
                default: Any = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            else:
                default = "(required)"
            rule = rule_of(f)
            text = f.metadata.get("help", "")
            if rule is not None:
                text = f"{text} ({rule.describe()})" if text else f"({rule.describe()})"
            options.append({"name": f.name, "type": _describe_type(hints.get(f.name, Any)),
                            "default": default, "help": text, "rule": rule.describe() if rule else ""})
        return {"name": name, "summary": doc[0], "options": options}


def _number(value: float) -> str:
    """A bound as ``l2l list`` and a refusal write it (:func:`l2l.numbers.number`): ``1000000``, ``0.02``,
    ``1e-12``; a bound of 0.1 + 0.2 reads ``0.3``, where ``repr`` gave ``0.30000000000000004``."""
    from l2l.numbers import number

    return number(value)


@dataclasses.dataclass(frozen=True)
class Rule:
    """What values an option accepts beyond its type: bounds (inclusive ``ge``/``le``,
    exclusive ``gt``/``lt``) and a set of ``choices`` (for a list option: of each element)."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[Any, ...] | None = None

    def describe(self) -> str:
        """The rule as a user reads it: '>= 1', 'in (0, 1]', "one of ['a', 'b']"."""
        if self.choices is not None:
            return f"one of {list(self.choices)}"
        low = (f"[{_number(self.ge)}" if self.ge is not None else
               f"({_number(self.gt)}" if self.gt is not None else None)
        high = (f"{_number(self.le)}]" if self.le is not None else
                f"{_number(self.lt)})" if self.lt is not None else None)
        if low and high:
            return f"in {low}, {high}"
        if low:
            return (">= " if low[0] == "[" else "> ") + low[1:]
        if high:
            return ("<= " if high[-1] == "]" else "< ") + high[:-1]
        return ""

    def violation(self, value: Any) -> str | None:
        """None if ``value`` obeys the rule, else the part it breaks ('>= 2', "one of ['a', 'b']")."""
        if self.choices is not None:
            items = value if isinstance(value, (list, tuple)) else (value,)
            return None if all(item in self.choices for item in items) else self.describe()
        if value is None:  # an optional option left at None ("automatic")
            return None
        if value != value:  # NaN obeys no bound
            return self.describe()
        # A range like [0, 1] is named whole; a lower bound with a sanity cap, one side at a time.
        split = self._is_cap()
        if (self.ge is not None and not value >= self.ge) or (self.gt is not None and not value > self.gt):
            return Rule(ge=self.ge, gt=self.gt).describe() if split else self.describe()
        if (self.le is not None and not value <= self.le) or (self.lt is not None and not value < self.lt):
            return Rule(le=self.le, lt=self.lt).describe() if split else self.describe()
        return None

    def _is_cap(self) -> bool:
        """True unless both bounds are given and of the same order (a range like [0, 1]): a one-sided
        rule, or a lower bound with a sanity cap far above it (a population limit)."""
        low, high = self.ge if self.ge is not None else self.gt, self.le if self.le is not None else self.lt
        return low is None or high is None or high >= 1000 * max(1.0, abs(low))


def rule_of(f: dataclasses.Field) -> Rule | None:
    return f.metadata.get("rule")


def option(default: Any = dataclasses.MISSING, help: str = "", *, ge: float | None = None,
           gt: float | None = None, le: float | None = None, lt: float | None = None,
           choices: Sequence[Any] | None = None, refused: str = "", **kwargs: Any) -> Any:
    """A dataclass field: an option with a help text and an optional rule, both shown by ``l2l list``.

    The rule (bounds ``ge``/``gt``/``le``/``lt``, or ``choices``) is checked by
    :meth:`Registry.create`, whose error names the component, the option, the
    value and the rule, then ``refused`` if given (what a user who wrote such a
    value probably meant). Rules that relate several options stay in code
    (``__post_init__`` or ``check``).
    """
    metadata: dict[str, Any] = {"help": help, **({"refused": refused} if refused else {})}
    if any(x is not None for x in (ge, gt, le, lt, choices)):
        metadata["rule"] = Rule(ge, gt, le, lt, tuple(choices) if choices is not None else None)
    if isinstance(default, (list, dict, set)):
        value = default
        return dataclasses.field(default_factory=lambda: type(value)(value), metadata=metadata, **kwargs)
    return dataclasses.field(default=default, metadata=metadata, **kwargs)


def _did_you_mean(name: str, names: list[str]) -> str:
    """" (did you mean 'x'?)" for a name that differs from a known one in case, '_' for '-', or a typo."""
    near = _nearest(name, names)
    return f" (did you mean {near!r}?)" if near else ""


def _nearest(name: str, names: list[str]) -> str | None:
    """The one of ``names`` that ``name`` differs from in case, '_' for '-', or a typo; None if none is near."""
    import difflib

    folded = {n.lower().replace("_", "-"): n for n in names}
    key = str(name).lower().replace("_", "-").strip()
    if key in folded:
        return folded[key]
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.75)
    return folded[close[0]] if close else None
