"""Run states stored as a chain: a full state now and then, deltas between (schema version 3).

A multi-fidelity run commits its state (optimizer, policy, every trial, loop) about once a second. Written
in full, each commit costs time and file space in proportion to the number of candidates, so a run of
10,000 candidates is quadratic. In files of schema version 3 a commit's state is either a **full** state
(as in version 2) or a **delta** against the state of the previous row of ``/generations``:

``{"delta": {"snapshot": row}, "optimizer": ..., "loop": ..., "trials": {changed records},
"policy": [operation, ...]}``

* ``snapshot``: the row of ``/generations`` whose full state the chain starts from; every row after it up
  to this one is a delta, each applied to the state before it.
* ``optimizer`` and ``loop`` (and any other key but ``trials`` and ``policy``) replace the previous ones.
* ``trials``: the trial records that changed or appeared since the previous commit, whole.
* ``policy``: operations that turn the previous policy state into this one, in order: ``[path, "set",
  value]``, ``[path, "append", items]`` (a list grew at its end) or ``[path, "delete"]``; a path is a
  list of dict keys (strings) and list indices (integers) from the policy state's root. Applied in
  order, they give a state equal to the committed one, with its dicts' keys in the same order.

A writer starts a new full state when the deltas since the last one add up to its size (so reading a state
costs at most about twice a full state), after :data:`MAX_CHAIN` deltas, and at the first commit of every
session.
"""

from __future__ import annotations

from typing import Any

from l2l.errors import TrajectoryError
from l2l.results_schema import codec

#: Deltas after a full state before the next full state, whatever their size.
MAX_CHAIN = 2000
#: Lists compared element by element (rather than set whole) when they differ in place, up to this length.
_SMALL_LIST = 64
_PLAIN = (str, int, float, bool, type(None))


def is_delta(value: Any) -> bool:
    return isinstance(value, dict) and "delta" in value


def diff(old: Any, new: Any, path: list | None = None, ops: list | None = None) -> list:
    """Operations that turn ``old`` into a value equal to ``new`` (see the module's docstring).

    Values the run's functions returned are never changed afterwards (the optimizer and policy contract),
    so an unchanged part is the same object and costs nothing; a list that grew costs its new items.
    """
    path = [] if path is None else path
    ops = [] if ops is None else ops
    if new is old:
        return ops
    if type(new) is dict and type(old) is dict:
        keys, known = list(new), list(old)
        if keys[:len(known)] != known:  # keys gone or in another order: the order matters to some policies
            ops.append([path, "set", new])
            return ops
        for key in known:
            diff(old[key], new[key], path + [key], ops)
        ops.extend([path + [key], "set", new[key]] for key in keys[len(known):])
        return ops
    if type(new) is list and type(old) is list:
        try:
            if len(new) >= len(old) and new[:len(old)] == old:
                if len(new) > len(old):
                    ops.append([path, "append", new[len(old):]])
                return ops
        except (ValueError, TypeError):  # arrays inside: compared below or set whole
            pass
        if len(new) == len(old) and len(new) <= _SMALL_LIST:
            for index, (a, b) in enumerate(zip(old, new)):
                diff(a, b, path + [index], ops)
            return ops
        ops.append([path, "set", new])
        return ops
    if type(new) is type(old) and type(new) in _PLAIN and new == old:
        return ops
    ops.append([path, "set", new])
    return ops


def apply(value: Any, ops: list) -> Any:
    """``value`` after ``ops`` (changed in place where it can be; the result is returned)."""
    if not isinstance(ops, list):
        raise TrajectoryError("corrupt state delta: 'policy' is not a list of operations")
    for op in ops:
        if not isinstance(op, list) or len(op) not in (2, 3) or not isinstance(op[0], list):
            raise TrajectoryError("corrupt state delta: an operation is not [path, kind, value]")
        path, kind = op[0], op[1]
        if not path:
            if kind != "set" or len(op) != 3:
                raise TrajectoryError("corrupt state delta: only 'set' applies to the whole policy state")
            value = op[2]
            continue
        try:
            parent = value
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            if kind == "set" and len(op) == 3:
                parent[last] = op[2]
            elif kind == "append" and len(op) == 3 and isinstance(parent[last], list) and isinstance(op[2], list):
                parent[last].extend(op[2])
            elif kind == "delete" and len(op) == 2:
                del parent[last]
            else:
                raise TrajectoryError(f"corrupt state delta: unknown operation {kind!r:.40}")
        except (KeyError, IndexError, TypeError) as exc:
            raise TrajectoryError(f"corrupt state delta: its path {path!r:.80} does not exist ({exc!r:.60})") \
                from None
    return value


def make_delta(previous_policy: Any, state: dict[str, Any], snapshot: int) -> dict[str, Any]:
    """The delta of ``state`` (whose ``trials`` hold only the changed records) after a commit whose policy
    state was ``previous_policy``."""
    out = {key: value for key, value in state.items() if key not in ("trials", "policy")}
    out["delta"] = {"snapshot": int(snapshot)}
    out["trials"] = state["trials"]
    out["policy"] = diff(previous_policy, state["policy"])
    return out


def advance(state: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    """The state after ``delta`` (``state`` is changed: pass one nothing else holds)."""
    if not isinstance(state, dict) or not isinstance(delta.get("trials"), dict):
        raise TrajectoryError("corrupt state delta: 'trials' is not a mapping")
    trials = state.get("trials")
    if not isinstance(trials, dict):
        raise TrajectoryError("corrupt state delta: the state it applies to has no trial table")
    trials.update(delta["trials"])
    policy = apply(state.get("policy"), delta.get("policy", []))
    out = {key: value for key, value in delta.items() if key not in ("delta", "trials", "policy")}
    return {**state, **out, "trials": trials, "policy": policy}


def snapshot_of(delta: dict[str, Any], row: int) -> int:
    """The row of the full state a delta's chain starts from (checked: an earlier row)."""
    info = delta.get("delta")
    snapshot = info.get("snapshot") if isinstance(info, dict) else None
    if not isinstance(snapshot, int) or isinstance(snapshot, bool) or not 0 <= snapshot < row:
        raise TrajectoryError(f"corrupt state delta in row {row}: its full state's row must be an earlier row, "
                              f"got {snapshot!r:.40}")
    return snapshot


def replay(values: list, first: int) -> dict[str, Any]:
    """The state at the end of a chain: ``values`` are the decoded states of rows ``first`` on, a full state
    then deltas whose chain starts at ``first``."""
    state = values[0]
    if is_delta(state) or not isinstance(state, dict):
        raise TrajectoryError(f"corrupt state chain: the state of row {first} is not a full state")
    for offset, delta in enumerate(values[1:], start=1):
        if not is_delta(delta) or snapshot_of(delta, first + offset) != first:
            raise TrajectoryError(f"corrupt state chain: row {first + offset} is not a delta of the chain that "
                                  f"starts at row {first}")
        state = advance(state, delta)
    return state


class Chain:
    """What a writer knows of the chain it extends: the row of its full state, that state's size, the deltas
    since (count, bytes) and the policy state committed last; empty until it commits a full state."""

    def __init__(self) -> None:
        self.row: int | None = None
        self.full = self.bytes = self.count = 0
        self.policy: Any = None

    def wants_full(self) -> bool:
        return self.row is None or self.bytes >= self.full or self.count >= MAX_CHAIN

    def encode(self, state: Any, partial: bool, row: int, chained: bool) -> bytes:
        """The bytes stored for the state of row ``row`` (a delta if ``partial``); ``chained``: the file
        may hold deltas, so that a full state starts a chain."""
        if partial:
            if self.row is None:
                raise ValueError("a partial state needs a full one committed before it by this writer")
            encoded = codec.encode(make_delta(self.policy, state, self.row))
            self.bytes, self.count, self.policy = self.bytes + len(encoded), self.count + 1, state["policy"]
            return encoded
        encoded = codec.encode(state)
        if chained and isinstance(state, dict) and isinstance(state.get("trials"), dict) and "policy" in state:
            self.row, self.full, self.bytes, self.count, self.policy = row, len(encoded), 0, 0, state["policy"]
        else:
            self.row = None
        return encoded
