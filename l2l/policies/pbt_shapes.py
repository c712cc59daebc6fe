"""PBT: notice an explored parameter that shapes the checkpoint, which the training function then ignores.

PBT explores every parameter of the space unless ``[policy] keep`` names it. A parameter that sets the shape of
the weights (a layer's width) cannot change when a member continues from its donor's checkpoint: a function that
reads the weights from the checkpoint trains the donor's network, and the run records an explored width that no
network had (every table, plot and ``l2l.load`` frame of the run shows it). Nothing fails, so nothing said so.

The evidence is taken from the run itself, never guessed from a name: an integer parameter *shapes* an axis of a
checkpoint array where every member trained from scratch so far returned that array with that axis equal to its
value of the parameter, over at least two different values. A member that continued from a donor with such a
parameter explored to another value, and returned that array with the axis not equal to its own value, trained
the donor's shape: one warning line a session names the parameter, the array and the option to give.

A function that reads the width from ``params`` instead (``examples/digits_train.py``, whose weights are one flat
vector unpacked by ``hidden``) fails where the width was explored (a reshape or broadcast ``ValueError``): the
first segment that failed continuing from its donor's checkpoint with an integer parameter explored away from the
donor's value is named in one warning line a session, with the option to give. Before, only the error said so.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

import numpy as np

#: (parameter, array key, axis)
Relation = tuple[str, str, int]


def arrays(checkpoint: Any, prefix: str = "") -> Iterable[tuple[str, tuple[int, ...]]]:
    """(key, shape) of every numpy array of ``checkpoint`` with at least one axis (nested dicts as ``a/b``)."""
    if not isinstance(checkpoint, dict):
        return
    for key, value in checkpoint.items():
        name = f"{prefix}{key}"
        if isinstance(value, np.ndarray) and value.ndim:
            yield name, tuple(int(n) for n in value.shape)
        elif isinstance(value, dict):
            yield from arrays(value, f"{name}/")


def integers(params: dict[str, Any]) -> dict[str, int]:
    """The parameters of ``params`` that are whole numbers (not booleans), as ints."""
    found = {}
    for name, value in params.items():
        if isinstance(value, (bool, np.bool_)):
            continue
        if isinstance(value, (int, np.integer)):
            found[name] = int(value)
    return found


#: What a failure's line says where arrays of one width met another's (numpy's reshape, broadcast, matmul, dot;
#: torch's size mismatch; JAX's incompatible shapes; an index out of bounds of an axis).
SHAPE_ERROR = re.compile(r"shape|size|broadcast|dimension|align|mismatch", re.IGNORECASE)


class ShapeWatch:
    """Watches a PBT run's segments for an explored parameter that shapes the checkpoint (module docstring)."""

    def __init__(self, keep: Iterable[str], say: Callable[[str], None]) -> None:
        self.keep = set(keep)
        self.say = say
        self.relations: set[Relation] | None = None  # None: no member trained from scratch seen yet
        self.values: dict[str, set[int]] = {}
        self.warned = False
        #: each member's integer parameters, as its last good segment trained with them
        self.seen: dict[int, dict[str, int]] = {}
        self.failure_named = False

    def scratch(self, params: dict[str, Any], checkpoint: Any, trial: int | None = None) -> None:
        """A member (``trial``) trained from scratch with ``params`` returned ``checkpoint``."""
        if trial is not None:
            self.seen[trial] = integers(params)
        whole = {name: value for name, value in integers(params).items() if name not in self.keep}
        seen = {(name, key, axis) for key, shape in arrays(checkpoint) for axis, size in enumerate(shape)
                for name, value in whole.items() if size == value}
        self.relations = seen if self.relations is None else self.relations & seen
        for name, value in whole.items():
            self.values.setdefault(name, set()).add(value)

    def continued(self, trial: int, parent: int, params: dict[str, Any], checkpoint: Any) -> None:
        """``trial`` continued from ``parent``'s checkpoint with ``params`` (explored) and returned ``checkpoint``:
        warn once if a parameter that shapes the checkpoint was explored and the returned array ignores it."""
        self.seen[trial] = integers(params)
        if self.warned or not self.relations:
            return
        shapes = dict(arrays(checkpoint))
        whole = integers(params)
        for name, key, axis in sorted(self.relations):
            if name in self.keep or name not in whole or len(self.values.get(name, ())) < 2:
                continue
            shape = shapes.get(key)
            if shape is None or axis >= len(shape) or shape[axis] == whole[name]:
                continue
            if any(shape[axis] == whole.get(other) for other, other_key, other_axis in self.relations
                   if (other_key, other_axis) == (key, axis) and other != name):
                continue  # the axis follows another parameter, equal to this one in every member from scratch
            self.warned = True
            self.say(f"l2l: warning: pbt explored {name!r} (trial {trial} was given {name} = {whole[name]}), but its "
                     f"segment from the checkpoint of trial {parent} returned {key!r} of shape "
                     f"{'x'.join(map(str, shape))}, while every member trained from scratch returned it with axis "
                     f"{axis} equal to its {name}: the function trains the donor's network, and the run records a "
                     f"{name} it did not use; give [policy] keep = [\"{name}\"] to take it from the donor as it is "
                     f"(docs/pbt.md); later members like it are not named")
            return

    def failed(self, trial: int, parent: int, params: dict[str, Any], reason: str | None = None) -> None:
        """``trial``'s segment from ``parent``'s checkpoint failed with ``params``: warn once if an integer parameter
        (not kept) was explored away from the value the donor trained with, which a width read from ``params``
        cannot follow (the donor's arrays have the donor's shape). ``reason``: the failure's one line (as ``l2l
        show`` gives it); one that says nothing of a shape or size (a timeout, ``RuntimeError: diverged``) is not
        the width's: no warning (before, the first failure of any kind was said to be, in a space with an integer)."""
        donor = self.seen.get(parent)
        if self.failure_named or self.warned or donor is None \
                or reason is not None and not SHAPE_ERROR.search(reason):
            return
        whole = integers(params)
        changed = [name for name in sorted(whole)
                   if name not in self.keep and name in donor and whole[name] != donor[name]]
        if not changed:
            return
        self.failure_named = True
        name = changed[0]
        self.say(f"l2l: warning: pbt: the segment of trial {trial} from the checkpoint of trial {parent} failed, with "
                 f"{name} = {whole[name]} explored (trial {parent} trained with {name} = {donor[name]}): a parameter "
                 f"that sets the shape of the checkpoint's arrays (a layer's width) cannot change when a member "
                 f"continues from its donor's; if {name!r} does, give [policy] keep = [\"{name}\"] to take it from "
                 f"the donor as it is (docs/pbt.md); later failures like it are not named")
