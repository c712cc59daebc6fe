"""What an optimizer optimizes (:class:`Problem`: the space and the objectives) and the limits every optimizer's
options and generations are held to. Below :mod:`l2l.optimizers.base` and the argument checks of
:mod:`l2l.optimizers._calls`, which both name them."""

from __future__ import annotations

from dataclasses import dataclass

from l2l.errors import ArgumentError, ConfigError
from l2l.objectives import Objective
from l2l.space import Space

#: Most candidates one generation may hold (population sizes are refused above it).
MAX_POPULATION = 1_000_000
#: Most numbers one generation may hold (candidates x coordinates), so a huge population of a large
#: space is refused before it fills the memory.
MAX_GENERATION_VALUES = 50_000_000
#: Largest initial step size or spread of a search (sigma, step_size), as a fraction of each range (or of 4*scale):
#: a million ranges already puts every bounded candidate at a bound; cmaes sigma = 1e308 overflowed to inf and
#: ended in a LinAlgError.
MAX_STEP = 1e6
#: Largest evaluation budget an optimizer is told (budget): Nevergrad's methods fail past about 10**9
#: (budget = 10**12: 'scale should be non-zero in Rescaler').
MAX_BUDGET = MAX_POPULATION * 1000


@dataclass(frozen=True)
class Problem:
    """What an optimizer optimizes: the space and the objectives (a list is kept as a tuple).

    Raises :class:`ArgumentError` for a space that is no :class:`~l2l.space.Space` or an objective that is no
    :class:`~l2l.objectives.Objective` (a name), :class:`ConfigError` for no objective at all."""

    space: Space
    objectives: tuple[Objective, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.space, Space):
            raise ArgumentError(f"Problem takes an l2l.Space as its space, got {type(self.space).__name__} "
                                f"{self.space!r:.60}")
        if not isinstance(self.objectives, (tuple, list)):
            raise ArgumentError(f"Problem takes a tuple of l2l.Objective as its objectives, got "
                                f"{type(self.objectives).__name__} {self.objectives!r:.60}")
        wrong = [o for o in self.objectives if not isinstance(o, Objective)]
        if wrong:
            raise ArgumentError(f"Problem takes a tuple of l2l.Objective as its objectives, got "
                                f"{type(wrong[0]).__name__} {wrong[0]!r:.60} (e.g. Objective({str(wrong[0])!r:.40}))")
        if not self.objectives:
            raise ConfigError("Problem has no objective: give at least one l2l.Objective")
        object.__setattr__(self, "objectives", tuple(self.objectives))

    @property
    def n_objectives(self) -> int:
        return len(self.objectives)
