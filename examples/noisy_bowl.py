"""A noisy bowl: the model of examples/reproducible_sweep.toml (docs/reproducibility.md).

Its result depends on the seed l2l passes (as a spiking network's does on its connectivity and input), so rows
that agree across backends agree in their seeds too, and a re-evaluation on fresh seeds gives other numbers.
"""

import numpy as np


def simulate(params, seed):
    """The squared distance of ``x`` from 0.3 plus Gaussian noise of sd 0.1 drawn from ``seed``; ``lr`` has no
    effect (a parameter the analysis should find irrelevant)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(params["x"], dtype=float)
    return {"loss": float(np.sum((x - 0.3) ** 2) + 0.1 * rng.standard_normal()), "noise": float(rng.uniform())}
