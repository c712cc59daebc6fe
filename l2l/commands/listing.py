"""``l2l list``: the registered optimizers, simulators, backends and policies with their options."""

from __future__ import annotations

import json
from typing import Any


def _families() -> dict[str, Any]:
    from l2l.jobs import BACKENDS
    from l2l.optimizers import OPTIMIZERS
    from l2l.policies import POLICIES
    from l2l.simulators import SIMULATORS

    return {"optimizers": OPTIMIZERS, "simulators": SIMULATORS, "backends": BACKENDS, "policies": POLICIES}


def _default(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value, default=str)


def listing(kind: str | None = None, verbose: bool = False) -> str:
    """Every component of ``kind`` (default: all families), with its options if ``verbose`` or ``kind``.

    A component whose module cannot be imported is listed as unavailable, with the reason.
    """
    families = _families()
    lines: list[str] = []
    for family in [kind] if kind else list(families):
        registry = families[family]
        lines.append(f"{family}:")
        for name in registry.names():
            try:
                info = registry.describe(name)
            except ImportError as exc:
                lines.append(f"  {name:<22} (unavailable: {exc})")
                continue
            lines.append(f"  {name:<22} {info['summary']}")
            if verbose or kind:
                for opt in info["options"]:
                    setting = f"{opt['name']} = {_default(opt['default'])}"
                    lines.append(f"      {setting:<28} {opt['help']}")
        lines.append("")
    return "\n".join(lines) + "\n"
