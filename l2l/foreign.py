"""Other libraries' names for l2l's components and options (Optuna, Ray Tune), for the lines that refuse them.

A user coming from Optuna writes ``name = "TPESampler"``, ``name = "MedianPruner"`` or ``reduction_factor = 3``;
these were refused with l2l's list alone (``TPESampler`` and ``MedianPruner`` close to no l2l name). The
registry's refusal adds what l2l calls it (docs/coming_from_optuna.md has the whole table)::

    component_hint("optimizer", "TPESampler")     # " (Optuna's TPESampler is 'tpe' here)"
    option_hint("reduction_factor", ["eta", ...])  # "Optuna's reduction_factor is eta here"
"""

from __future__ import annotations

from typing import Iterable


def _folded(name: str) -> str:
    return str(name).lower().replace("-", "").replace("_", "").replace(" ", "").replace(".", "")


#: kind -> folded foreign name -> (whose name it is, l2l's name). Optuna's SuccessiveHalvingPruner is asynchronous
#: successive halving (it prunes each trial as it reports, without waiting for a rung to fill): l2l's ``asha``.
_COMPONENTS: dict[str, dict[str, tuple[str, str]]] = {
    "optimizer": {
        "tpesampler": ("Optuna's TPESampler", "tpe"), "randomsampler": ("Optuna's RandomSampler", "random"),
        "cmaessampler": ("Optuna's CmaEsSampler", "cmaes"), "gpsampler": ("Optuna's GPSampler", "gp"),
        "nsgaiisampler": ("Optuna's NSGAIISampler", "nsga2"), "nsgaiiisampler": ("Optuna's NSGAIIISampler", "nsga3"),
        "gridsampler": ("Optuna's GridSampler", "grid"), "bruteforcesampler": ("Optuna's BruteForceSampler", "grid"),
        "qmcsampler": ("Optuna's QMCSampler", "random"),
        "optunasearch": ("Ray Tune's OptunaSearch", "tpe"), "hyperoptsearch": ("Ray Tune's HyperOptSearch", "tpe"),
        "basicvariantgenerator": ("Ray Tune's BasicVariantGenerator", "random"),
        "bayesoptsearch": ("Ray Tune's BayesOptSearch", "gp"),
    },
    "policy": {
        "hyperbandpruner": ("Optuna's HyperbandPruner", "hyperband"),
        "successivehalvingpruner": ("Optuna's SuccessiveHalvingPruner (asynchronous)", "asha"),
        "medianpruner": ("Optuna's MedianPruner", "median-stopping"),
        "ashascheduler": ("Ray Tune's ASHAScheduler", "asha"),
        "asynchyperbandscheduler": ("Ray Tune's AsyncHyperBandScheduler", "asha"),
        "hyperbandscheduler": ("Ray Tune's HyperBandScheduler", "hyperband"),
        "medianstoppingrule": ("Ray Tune's MedianStoppingRule", "median-stopping"),
        "populationbasedtraining": ("Ray Tune's PopulationBasedTraining", "pbt"),
        "hyperbandforbohb": ("Ray Tune's HyperBandForBOHB", "model-based"), "bohb": ("BOHB", "model-based"),
    },
}

#: Components l2l has no twin of, and what to do instead.
_ABSENT: dict[str, dict[str, str]] = {
    "policy": {
        "noppruner": "Optuna's NopPruner is no [policy] table at all",
        "fifoscheduler": "Ray Tune's FIFOScheduler is no [policy] table at all",
        "percentilepruner": "l2l has no PercentilePruner: 'median-stopping' is its 50th percentile",
        "thresholdpruner": "l2l has no ThresholdPruner: a function may fail a segment whose value is out of bounds",
        "patientpruner": "l2l has no PatientPruner",
        "wilcoxonpruner": "l2l has no WilcoxonPruner",
    },
}

#: Option names of Optuna's pruners and samplers and Ray Tune's schedulers -> (whose, l2l's option). Offered only
#: where the component has that option (``eta`` of the halving policies, not of ``pbt``).
_OPTIONS: dict[str, tuple[str, str]] = {
    "reductionfactor": ("Optuna's reduction_factor", "eta"),
    "minresource": ("Optuna's min_resource", "min_budget"),
    "maxresource": ("Optuna's max_resource", "max_budget"),
    "graceperiod": ("Ray Tune's grace_period", "min_budget"),
    "maxt": ("Ray Tune's max_t", "max_budget"),
    "ntrials": ("Optuna's n_trials", "max_candidates"),
    "numsamples": ("Ray Tune's num_samples", "max_candidates"),
    "nstartuptrials": ("Optuna's MedianPruner n_startup_trials", "min_trials"),
    "nwarmupsteps": ("Optuna's n_warmup_steps", "grace"),
    "njobs": ("Optuna's n_jobs", "workers"),
    "quantilefraction": ("Ray Tune's quantile_fraction", "fraction"),
    "perturbationinterval": ("Ray Tune's perturbation_interval", "interval"),
    "burninperiod": ("Ray Tune's burn_in_period", "burn_in"),
    "perturbationfactors": ("Ray Tune's perturbation_factors", "factors"),
}

#: Options that belong to the run, not to a component: where they go instead.
_ELSEWHERE: dict[str, str] = {
    "seed": "the run's seed is [run] seed (every component's randomness derives from it)",
    "ntrials": "Optuna's n_trials is [policy] max_candidates, run.generations x population_size, or run.compute",
    "numsamples": "Ray Tune's num_samples is [policy] max_candidates, or run.compute",
    "njobs": "Optuna's n_jobs is [backend] workers",
    "direction": "a direction goes in [[objectives]]: direction = \"minimize\"",
}


def component_hint(kind: str, name: str) -> str:
    """`` (Optuna's TPESampler is 'tpe' here)`` for another library's name of a component, else ``""``."""
    key = _folded(name)
    known = _COMPONENTS.get(kind, {}).get(key)
    if known:
        return f" ({known[0]} is {known[1]!r} here)"
    absent = _ABSENT.get(kind, {}).get(key)
    return f" ({absent})" if absent else ""


def option_hint(key: str, options: Iterable[str]) -> str:
    """What l2l calls another library's option ``key`` of a component whose options are ``options``, else ``""``."""
    folded = _folded(key)
    known = _OPTIONS.get(folded)
    if known and known[1] in set(options):
        return f"{known[0]} is {known[1]} here"
    return _ELSEWHERE.get(folded, "")


#: Keys of Optuna's create_study / optimize written in [run], and where l2l has them.
_RUN_KEYS: dict[str, str] = {
    "ntrials": "Optuna's n_trials is [policy] max_candidates (or run.generations x population_size, or run.compute)",
    "njobs": "Optuna's n_jobs is [backend] workers",
    "direction": "a direction goes in [[objectives]]: direction = \"minimize\"",
    "directions": "directions go in [[objectives]], one table per objective",
    "studyname": "Optuna's study_name is run.name",
    "storage": "the run's file is its storage: run.out, or l2l.run(config, out)",
    "loadifexists": "l2l run never writes into an existing file; l2l resume FILE (l2l.resume(path)) continues it",
    "sampler": "Optuna's sampler is the [optimizer] table",
    "pruner": "Optuna's pruner is the [policy] table",
    "enqueuetrial": "Optuna's enqueue_trial is run.initial_points = [{x = 0.5}, ...]",
    "enqueuetrials": "Optuna's enqueue_trial is run.initial_points = [{x = 0.5}, ...]",
    "pointstoevaluate": "Ray Tune's points_to_evaluate is run.initial_points = [{x = 0.5}, ...]",
}

#: Sections of other libraries' studies and what l2l calls them.
_SECTIONS: dict[str, str] = {
    "sampler": "optimizer", "searcher": "optimizer", "searchalg": "optimizer", "pruner": "policy",
    "scheduler": "policy", "study": "run", "searchspace": "space", "paramspace": "space", "params": "space",
    "distributions": "space",
}


def run_key_hint(key: str) -> str:
    """``; Optuna's n_trials is ...`` for another library's key written in [run], else ``""``."""
    hint = _RUN_KEYS.get(_folded(key))
    return f"; {hint}" if hint else ""


def section_hint(name: str) -> str:
    """`` (Optuna's sampler is [optimizer] here)``-like words for another library's section, else ``""``."""
    meant = _SECTIONS.get(_folded(name))
    return f" (a {name}'s table is [{meant}] here)" if meant else ""
