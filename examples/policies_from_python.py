"""ASHA, Hyperband, the model-based policy and PBT on one training function, from Python, at equal compute.

For a user coming from Ray Tune or Optuna (docs/multifidelity.md#coming-from-ray-tune-or-optuna): the config is
a dict of the tables a TOML file holds, given to ``l2l.run`` as it is; the training function is
``examples/logreg_train.py`` (numpy logistic regression by minibatch SGD, the budget in epochs, the weights in
its checkpoint). Every policy gets 729 epochs (a third of a sweep of 81 candidates x 27 epochs)::

    python examples/policies_from_python.py                            # all four on 2 local workers
    python examples/policies_from_python.py asha pbt --backend serial  # the same runs, one process
    l2l compare examples/policies-from-python/*.h5                     # best so far against compute

Ctrl-C stops a run after committing what finished; running the script again continues it (``l2l.resume``),
and a run that finished is only read. Each file opens in pandas: ``l2l.load`` (one row per candidate),
``l2l.load(path, segments=True)`` (one per segment), ``l2l.traces`` (the learning curves).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import l2l

HERE = Path(__file__).resolve().parent
POLICIES = ("asha", "hyperband", "model-based", "pbt")


def config(policy: str, backend: str = "local", compute: float = 729) -> dict:
    """The run's config as a mapping: the TOML file's tables as dicts."""
    # Ray Tune's num_samples has no twin here: each policy draws candidates until run.compute is spent, except
    # PBT, whose population (27 members x 27 epochs = 729) is its compute.
    policy_table = {"name": policy, "population": 27} if policy == "pbt" else {"name": policy}
    return {
        "run": {"name": policy, "seed": 1, "compute": compute},
        "space": {"lr": {"type": "float", "low": 1e-4, "high": 3.0, "log": True},
                  "l2": {"type": "float", "low": 1e-6, "high": 1.0, "log": True},
                  "batch": {"type": "int", "low": 8, "high": 128}},
        "optimizer": {"name": "random"},  # the searcher: proposes what the policy starts (not used by model-based)
        "policy": policy_table,           # the scheduler: which candidate trains to which budget
        # a module named in a mapping is looked up in the working directory unless "path" names its folder
        "simulator": {"name": "python", "function": "logreg_train:train", "path": str(HERE),
                      "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 27}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": backend, **({"workers": 2} if backend == "local" else {})},
    }


def run(policy: str, folder: Path, backend: str = "local", compute: float = 729) -> Path:
    """Run ``policy`` into ``folder/POLICY.h5``; continue it if a run there was stopped, read it if it finished."""
    path = folder / f"{policy}.h5"
    if not path.exists():
        return l2l.run(config(policy, backend, compute), path, progress=True)
    return l2l.resume(path, progress=True)  # a finished run is left as it is


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("policies", nargs="*", metavar="POLICY", help=f"any of {', '.join(POLICIES)} (default: all)")
    parser.add_argument("--backend", default="local", choices=("local", "serial"))
    parser.add_argument("--out-dir", type=Path, default=HERE / "policies-from-python")
    parser.add_argument("--compute", type=float, default=729, help="epochs each run may spend (default: 729)")
    args = parser.parse_args(argv)
    unknown = [p for p in args.policies if p not in POLICIES]
    if unknown:
        parser.error(f"unknown policy {unknown[0]!r}; choose from {', '.join(POLICIES)}")
    for policy in args.policies or POLICIES:
        path = run(policy, args.out_dir, args.backend, args.compute)
        candidates = l2l.load(path)  # one row per candidate: its state, the budget it reached, its compute
        done = candidates[candidates["state"] == "completed"]
        if done.empty:
            print(f"{policy:12s} {len(candidates):4d} candidates, none at 27 epochs yet")
            continue
        best = done.loc[done["loss"].idxmin()]  # l2l show ranks a candidate trained more than once by its mean
        print(f"{policy:12s} {len(candidates):4d} candidates, {candidates['compute'].sum():5g} epochs; "
              f"lowest loss at 27 epochs: {best['loss']:.4f} (trial {int(best['trial'])}: lr {best['lr']:.3g}, "
              f"l2 {best['l2']:.3g}, batch {int(best['batch'])})")


if __name__ == "__main__":  # the local backend's worker processes import this script
    try:
        main()
    except KeyboardInterrupt:  # what finished is committed: running the script again continues the run
        raise SystemExit("stopped; run the script again to continue") from None
