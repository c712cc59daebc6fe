"""Other libraries' names for l2l's components and options (Optuna, Ray Tune), for the lines that refuse them.

A user coming from Optuna writes ``name = "TPESampler"``, ``name = "MedianPruner"`` or ``reduction_factor = 3``;
these were refused with l2l's list alone (``TPESampler`` and ``MedianPruner`` close to no l2l name). The
registry's refusal adds what l2l calls it (docs/coming_from_optuna.md has the whole table)::

    component_hint("optimizer", "TPESampler")     # " (Optuna's TPESampler is 'tpe' here)"
    option_hint("reduction_factor", ["eta", ...])  # "Optuna's reduction_factor is eta here (Ray Tune's too)"

Ray Tune's names (``ASHAScheduler``, ``grace_period``, ``num_samples``, ``metric``/``mode``, ``time_attr``,
``max_concurrent_trials``, ``hyperparam_mutations``, ``TuneConfig``, ...) are answered the same way
(docs/coming_from_ray_tune.md).

DEHB's, SMAC3's, HpBandSter's (BOHB) and ConfigSpace's names (``min_fidelity``, ``fevals``, ``total_cost``,
``n_workers``, ``walltime_limit``, ``top_n_percent``, ``MultiFidelityFacade``, ``UniformFloatHyperparameter``,
``Constant``, conditions, ...) too (docs/coming_from_dehb_smac.md).

The original L2L framework's optimizer parameters (``popsize``, ``CXPB``, ``NGEN``, ``mutpar``, ``rho``, ...) and
its run scripts' ``JUBE_params`` written in [backend] (``ppn``, ``cpu_pp``, ``exec``, ``mail_mode``, ...) too
(docs/coming_from_l2l.md).
"""

from __future__ import annotations

from typing import Iterable


def _folded(name: str) -> str:
    return str(name).lower().replace("-", "").replace("_", "").replace(" ", "").replace(".", "")


def _l2l_names(ours: str, *names: str) -> dict[str, tuple[str, str]]:
    """The original L2L framework's names of one optimizer (class, parameters, module), folded, -> ``ours``."""
    return {_folded(n): (f"L2L's {n}" if n[0].isupper() else f"L2L's module l2l.optimizers.{n}", ours)
            for n in names}


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
        "nevergradsearch": ("Ray Tune's NevergradSearch", "nevergrad"), "axsearch": ("Ray Tune's AxSearch", "gp"),
        # the original L2L framework's optimizer classes, their parameter namedtuples and their modules
        # (l2l.optimizers.evolution, ...): 'GeneticAlgorithmOptimizer' was near no l2l name (docs/coming_from_l2l.md)
        **_l2l_names("ga", "GeneticAlgorithmOptimizer", "GeneticAlgorithmParameters", "evolution"),
        **_l2l_names("cross-entropy", "CrossEntropyOptimizer", "CrossEntropyParameters", "crossentropy"),
        **_l2l_names("face", "FACEOptimizer", "FACEParameters", "face"),
        **_l2l_names("gradient-descent", "GradientDescentOptimizer", "ClassicGDParameters", "StochasticGDParameters",
                     "AdamParameters", "RMSPropParameters", "gradientdescent"),
        **_l2l_names("es", "EvolutionStrategiesOptimizer", "EvolutionStrategiesParameters", "evolutionstrategies"),
        **_l2l_names("nes", "NaturalEvolutionStrategiesOptimizer", "NaturalEvolutionStrategiesParameters",
                     "naturalevolutionstrategies"),
        **_l2l_names("simulated-annealing", "SimulatedAnnealingOptimizer", "SimulatedAnnealingParameters",
                     "simulatedannealing"),
        **_l2l_names("parallel-tempering", "ParallelTemperingOptimizer", "ParallelTemperingParameters",
                     "paralleltempering"),
        **_l2l_names("grid", "GridSearchOptimizer", "GridSearchParameters", "gridsearch"),
        **_l2l_names("enkf", "EnsembleKalmanFilter", "EnsembleKalmanFilterParameters", "kalmanfilter"),
    },
    "policy": {
        "hyperbandpruner": ("Optuna's HyperbandPruner", "hyperband"),
        "successivehalvingpruner": ("Optuna's SuccessiveHalvingPruner (asynchronous)", "asha"),
        "medianpruner": ("Optuna's MedianPruner", "median-stopping"),
        "ashascheduler": ("Ray Tune's ASHAScheduler", "asha"),
        "asynchyperbandscheduler": ("Ray Tune's AsyncHyperBandScheduler", "asha"),
        "asynchyperband": ("Ray Tune's AsyncHyperBand", "asha"),
        "hyperbandscheduler": ("Ray Tune's HyperBandScheduler", "hyperband"),
        "medianstoppingrule": ("Ray Tune's MedianStoppingRule", "median-stopping"),
        "populationbasedtraining": ("Ray Tune's PopulationBasedTraining", "pbt"),
        "hyperbandforbohb": ("Ray Tune's HyperBandForBOHB", "model-based"), "bohb": ("BOHB", "model-based"),
        "hpbandster": ("HpBandSter's BOHB", "model-based"),
        "multifidelityfacade": ("SMAC's MultiFidelityFacade", "model-based"),
        "hyperbandfacade": ("SMAC's HyperbandFacade (random candidates)", "hyperband"),
        "hyperbandintensifier": ("SMAC's Hyperband intensifier", "hyperband"),
        "successivehalving": ("SMAC's SuccessiveHalving intensifier", "successive-halving"),
        "successivehalvingintensifier": ("SMAC's SuccessiveHalving intensifier", "successive-halving"),
    },
}

#: Components l2l has no twin of, and what to do instead.
_ABSENT: dict[str, dict[str, str]] = {
    "policy": {
        "dehb": "DEHB's nearest is 'model-based' here: Hyperband brackets whose new candidates a model proposes "
                "(no differential evolution)",
        "smac": "SMAC's multi-fidelity search is 'model-based' here (MultiFidelityFacade: Hyperband with a model)",
        "noppruner": "Optuna's NopPruner is no [policy] table at all",
        "fifoscheduler": "Ray Tune's FIFOScheduler is no [policy] table at all",
        "percentilepruner": "l2l has no PercentilePruner: 'median-stopping' is its 50th percentile",
        "thresholdpruner": "l2l has no ThresholdPruner: a function may fail a segment whose value is out of bounds",
        "patientpruner": "l2l has no PatientPruner",
        "wilcoxonpruner": "l2l has no WilcoxonPruner",
        "pb2": "Ray Tune's PB2 is 'pbt' here with explore = \"pb2\"",
        "populationbasedtrainingreplay": "l2l has no PopulationBasedTrainingReplay: l2l.lineage(path) gives a "
                                         "learner's schedule; train your function piece by piece with it",
        "resourcechangingscheduler": "l2l has no ResourceChangingScheduler: each of [backend] workers runs one "
                                     "segment at a time",
    },
    "optimizer": {
        **dict.fromkeys(("dehb", "bohb", "hpbandster", "multifidelityfacade", "smac"),
                        "a multi-fidelity search that proposes its own candidates is [policy] name = \"model-based\""),
        "hyperparameteroptimizationfacade": "l2l has no random forest: SMAC's HPO facade is nearest 'tpe' or 'gp'",
        "blackboxfacade": "SMAC's BlackBoxFacade (a Gaussian process) is 'gp' here",
        "tunebohb": "Ray Tune's TuneBOHB with HyperBandForBOHB is [policy] name = \"model-based\", which proposes "
                    "its own candidates",
        "concurrencylimiter": "Ray Tune's ConcurrencyLimiter(max_concurrent) is [backend] workers",
        **dict.fromkeys(("multigeneticalgorithmoptimizer", "multievolution", "multigradientdescentoptimizer",
                         "multigradientdescent"),
                        "L2L's multi-optimizers packed n_inner_params parameter sets into one individual; here each "
                        "candidate is one set: 'ga' or 'gradient-descent', and [backend] workers run several at once"),
        "repeater": "l2l has no Repeater: model-based repeats its best candidates; l2l reevaluate FILE runs the "
                    "best again on fresh seeds",
    },
}

#: Option names of Optuna's pruners and samplers and Ray Tune's schedulers -> (whose, l2l's option, a note), the
#: first whose option the component has. Offered only where the component has that option (``eta`` of the halving
#: policies, not of ``pbt``; Ray Tune's grace_period is ``grace`` of ``median-stopping``, ``min_budget`` of the
#: others; its num_samples is ``population`` of ``pbt``).
_OPTIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "reductionfactor": (("Optuna's reduction_factor", "eta", " (Ray Tune's too)"),),
    "minresource": (("Optuna's min_resource", "min_budget", ""),),
    "minfidelity": (("DEHB's min_fidelity", "min_budget", ""),),
    "maxfidelity": (("DEHB's max_fidelity", "max_budget", ""),),
    "topnpercent": (("BOHB's top_n_percent", "top_fraction", " (a fraction: 15 percent is 0.15; model = \"kde\")"),),
    "nworkers": (("DEHB's and SMAC's n_workers", "workers", ""), ("DEHB's and SMAC's n_workers", "max_running", "")),
    "maxresource": (("Optuna's max_resource", "max_budget", ""),),
    "graceperiod": (("Ray Tune's MedianStoppingRule grace_period", "grace", ""),
                    ("Ray Tune's grace_period", "min_budget",
                     " (a floor: the rungs count down from max_budget; l2l run --dry-run lists them)")),
    "maxt": (("Ray Tune's max_t", "max_budget", ""),),
    "ntrials": (("Optuna's n_trials", "max_candidates", " (SMAC's n_trials counts evaluations at every budget: "
                                                        "run.evaluations)"),),
    "numsamples": (("BOHB's num_samples", "samples", " (model = \"kde\")"),
                   ("Ray Tune's num_samples", "max_candidates", ""), ("Ray Tune's num_samples", "population", "")),
    "nstartuptrials": (("Optuna's MedianPruner n_startup_trials", "min_trials", ""),),
    "minsamplesrequired": (("Ray Tune's min_samples_required", "min_trials", ""),),
    "nwarmupsteps": (("Optuna's n_warmup_steps", "grace", ""),),
    "njobs": (("Optuna's n_jobs", "workers", ""),),
    "maxconcurrenttrials": (("Ray Tune's max_concurrent_trials", "workers", ""),
                            ("Ray Tune's max_concurrent_trials", "max_running", "")),
    "maxconcurrent": (("Ray Tune's max_concurrent", "workers", ""), ("Ray Tune's max_concurrent", "max_running", "")),
    "quantilefraction": (("Ray Tune's quantile_fraction", "fraction", ""),),
    "perturbationinterval": (("Ray Tune's perturbation_interval", "interval", ""),),
    "burninperiod": (("Ray Tune's burn_in_period", "burn_in", ""),),
    "perturbationfactors": (("Ray Tune's perturbation_factors", "factors", ""),),
    "crossoverprob": (("DEHB's crossover_prob", "crossover_probability",
                       " (the ga optimizer's chance that a pair is crossed over; l2l has no differential "
                       "evolution)"),),
    "synch": (("Ray Tune's synch", "synchronous", " (true by default here, False in Ray Tune)"),),
    **dict.fromkeys(("numcpus", "cpu", "cpus"), (("Ray Tune's num_cpus per trial", "cpus_per_task", ""),)),
    # the original L2L framework's optimizer parameters (docs/coming_from_l2l.md), e.g. GeneticAlgorithmParameters
    "popsize": (("L2L's pop_size", "population_size", ""), ("L2L's pop_size", "population", ""),
                ("L2L's pop_size", "ensemble_size", "")),
    "nparallelruns": (("L2L's n_parallel_runs", "population_size", " (chains)"),),
    "minpopsize": (("L2L's min_pop_size", "min_population_size", ""),),
    "maxpopsize": (("L2L's max_pop_size", "max_population_size", ""),),
    **dict.fromkeys(("cxpb", "cxprob"), (("L2L's CXPB", "crossover_probability", ""),)),
    **dict.fromkeys(("mutpb", "mutprob"), (("L2L's MUTPB", "mutation_probability", ""),)),
    **dict.fromkeys(("indpb", "indprob"), (("L2L's indpb", "gene_mutation_probability", ""),)),
    "tournsize": (("L2L's tournsize", "tournament_size", ""),),
    "matepar": (("L2L's matepar", "blend_alpha", ""),),
    "mutpar": (("L2L's mutpar", "mutation_sigma", " (a fraction of each parameter's range: mutpar / (high - low))"),),
    "rho": (("L2L's rho", "elite_fraction", ""),),
    "nelite": (("L2L's n_elite", "elite_fraction", " (a fraction of the population, not a count)"),),
    "nexpand": (("L2L's n_expand", "increment", ""),),
    "tempdecay": (("L2L's temp_decay", "cooling_rate", ""),
                  ("L2L's temp_decay", "temperature_decay",
                   " by name only: the original's temperature kept non-elite samples (temp_decay = 0: the elites "
                   "alone), l2l's weighs the elites (large: equally); temp_decay = 0 is temperature = 1e6 with "
                   "temperature_decay = 1")),
    "noisestd": (("L2L's noise_std", "sigma", " (a fraction of each parameter's range: noise_std / (high - low))"),),
    "mirroredsamplingenabled": (("L2L's mirrored_sampling_enabled", "mirrored", ""),),
    "fitnessshapingenabled": (("L2L's fitness_shaping_enabled", "fitness_shaping", ""),),
    "learningratemu": (("L2L's learning_rate_mu", "mean_learning_rate", ""),),
    "learningratesigma": (("L2L's learning_rate_sigma", "sigma_learning_rate", ""),),
    "explorationstepsize": (("L2L's exploration_step_size", "exploration_step", " (a fraction of the range)"),),
    "nrandomsteps": (("L2L's n_random_steps", "n_random_directions", ""),),
    "noisystep": (("L2L's noisy_step", "step_size", " (a fraction of each parameter's range: noisy_step / (high - "
                                                  "low))"),),
    "temperaturebounds": (("L2L's temperature_bounds", "min_temperature", " and max_temperature"),),
    # JUBE_params of the original L2L's run scripts, written in [backend]
    "ppn": (("JUBE's ppn", "ntasks", " (MPI ranks of one evaluation; cpus_per_task for its threads)"),
            ("JUBE's ppn", "workers", "")),
    "cpupp": (("JUBE's cpu_pp", "cpus_per_task", ""),),
    "exec": (("JUBE's exec", "launch", " (launch = \"srun\" for MPI; l2l writes the python command itself)"),),
}

_RAY_OBJECTIVE = "[[objectives]] name = \"loss\", direction = \"minimize\" (or \"maximize\")"
_RAY_FIDELITY = "[simulator] multi_fidelity = { name = \"epochs\", minimum = 1, maximum = 20 }"
_RAY_BRACKETS = ("Ray Tune's ASHAScheduler brackets: asha is one bracket (Ray Tune's default); for several, "
                 "[policy] name = \"hyperband\" (brackets = N)")
#: time_attr = "time_total_s" (ASHA's max_t, PBT's perturbation_interval in seconds) is a fidelity of seconds too
_RAY_TIME_ATTR = (f"Ray Tune's time_attr is the budget your function is given: {_RAY_FIDELITY} (time_total_s: "
                  f"{{ name = \"seconds\", minimum = 10, maximum = 600, integer = false }}, the seconds your "
                  f"function trained in all, kept in its checkpoint)")
_RAY_RESOURCES = ("l2l asks for no CPUs or GPUs per trial: each of [backend] workers is a process that runs one "
                  "segment at a time (slurm-array: cpus_per_task)")

_DEHB_FEVALS = ("DEHB's fevals is run.evaluations (segments: one per call of your function at one budget); "
                "run.compute is a budget in fidelity units")
_DEHB_COST = ("DEHB's total_cost (seconds) is run.max_time; run.compute is a budget in fidelity units (the sum of "
              "the budgets trained), not seconds")
_SMAC_WALL = "SMAC's walltime_limit is run.max_time (seconds); run.compute is a budget in fidelity units"
_BRACKETS = ("HpBandSter's n_iterations and DEHB's brackets are [policy] brackets (hyperband, successive-halving, "
             "model-based); run.compute ends a run in fidelity units")
_DETERMINISTIC = ("SMAC's deterministic: every segment's seed derives from run.seed; where the top budget proves "
                  "noisy, model-based trains its choice again on new seeds ([policy] repeats)")
_SMAC_TRIALS = "SMAC's n_trials counts evaluations at every budget: run.evaluations"
_MODEL_BASED_TRIALS = ("model-based proposes candidates until run.compute (a budget in fidelity units) is spent; "
                       "run.evaluations ends it after that many segments (SMAC's n_trials, DEHB's fevals)")
_MIN_POINTS = ("BOHB's min_points_in_model has no twin: model-based fits its model once it holds max(dimension + 2, "
               "6) results, random draws before")
_BANDWIDTH = "BOHB's bandwidth_factor and min_bandwidth have no twin here (model-based's kernels are its own)"
_OUTPUT = "DEHB's output_path and SMAC's output_directory are the run's file: run.out, or l2l.run(config, out)"
#: DEHB's differential evolution: l2l has none (docs/coming_from_dehb_smac.md's DEHB row)
_DEHB_DE = ("l2l has no differential evolution: model-based (DEHB's nearest) proposes candidates from its model of "
            "the best results, random draws and local refinements, with no mutation_factor, crossover_prob or "
            "strategy (the ga optimizer has crossover_probability and mutation_sigma of its own)")
_DEHB_AGE = ("DEHB's max_age has no twin: l2l keeps no population of candidates to age; model-based's model holds "
             "every result")
_DEHB_BOUNDS = ("DEHB's boundary_fix_type has no twin: model-based proposes candidates inside the [space]'s low and "
                "high")
_DEHB_ASYNC = ("DEHB's async_strategy has no twin: model-based proposes from what has finished whenever a worker is "
               "free")

_L2L_GENERATIONS = "L2L's NGEN and n_iteration are [run] generations"
_L2L_WEIGHTS = ("weight", "weights", "fitnessweights", "optimizeefitnessweights")
_L2L_WEIGHT_WORDS = ("L2L's optimizee_fitness_weights are direction = \"maximize\" (a positive weight) or "
                     "\"minimize\" (a negative one) in each [[objectives]] table; a weighted sum of several is "
                     "[optimizer] weights = [...], all positive (ga, gp)")
_L2L_STOP = "L2L's stop_criterion is [run] target (one for the run, for every optimizer)"
_JUBE_FILES = ("no JUBE here: l2l writes the job script itself (l2l run CONFIG --dry-run prints it), submits it "
               "with sbatch and collects the results in NAME.work beside the run's file")
_L2L_MULTIPROCESSING = ("L2L's Environment(multiprocessing=False) is [backend] name = \"serial\" (\"local\": one "
                        "worker per core)")
_L2L_SAMPLING = ("L2L's EnKF resampling (sample, best_n, worst_n, pick_method and its kwargs) has no twin: enkf "
                 "moves every member by the Kalman update alone, and inflation keeps the ensemble's spread")
#: EnsembleKalmanFilterParameters of the original L2L (Meta-optimization/L2L's later branches) without an option.
_L2L_ENKF: dict[str, str] = {
    "maxit": "L2L's maxit (updates from one generation's outputs) has no twin: enkf updates once a generation; "
             "more [run] generations do what more updates did, on fresh outputs",
    **dict.fromkeys(("sample", "bestn", "worstn", "pickmethod", "kwargs", "pickprobability"), _L2L_SAMPLING),
}
_L2L_INNER = ("L2L's n_inner_params (several parameter sets in one individual) has no twin: each candidate is one set "
              "of the [space], and [backend] workers run several at once")

#: The original L2L framework's parameters and JUBE_params that have no option of a component's.
_L2L_ELSEWHERE: dict[str, str] = {
    **dict.fromkeys(("ngen", "niteration"), _L2L_GENERATIONS),
    "stopcriterion": _L2L_STOP,
    "paramgrid": "L2L's param_grid is the [space]'s low and high and [optimizer] points (one count for every float "
                 "parameter)",
    **dict.fromkeys(("coolingschedules", "decayparameters"),
                    "parallel-tempering's chains keep fixed temperatures here: no per-chain cooling schedules"),
    **dict.fromkeys(("submitcmd", "jobfile", "readyfile", "workpath", "errfile", "outfile", "paths",
                     "tasksperjob"), f"JUBE's option: {_JUBE_FILES}"),
    "multiprocessing": _L2L_MULTIPROCESSING,
    **dict.fromkeys(_L2L_WEIGHTS[2:], _L2L_WEIGHT_WORDS),
    **dict.fromkeys(("mailmode", "mailaddress"),
                    "JUBE's mail options are job_extra_directives = [\"--mail-type=ALL\", \"--mail-user=...\"]"),
}

#: Options that belong to the run, not to a component: where they go instead.
_ELSEWHERE: dict[str, str] = {
    "seed": "the run's seed is [run] seed (every component's randomness derives from it)",
    "ntrials": "Optuna's n_trials is [policy] max_candidates, run.generations x population_size, or run.compute",
    "numsamples": "Ray Tune's num_samples is [policy] max_candidates ([policy] population under pbt); without a "
                  "[policy], run.evaluations",
    "njobs": "Optuna's n_jobs is [backend] workers",
    "direction": "a direction goes in [[objectives]]: direction = \"minimize\"",
    "metric": f"Ray Tune's metric and mode are {_RAY_OBJECTIVE}",
    "mode": f"Ray Tune's metric and mode are {_RAY_OBJECTIVE}",
    "timeattr": _RAY_TIME_ATTR,
    "stoplasttrials": "Ray Tune's stop_last_trials: a candidate always stops at max_budget here",
    "logconfig": "Ray Tune's log_config: every exploit is in the run's file: l2l.lineage(path), l2l plot FILE --kind "
                 "lineage",
    "maxconcurrenttrials": "Ray Tune's max_concurrent_trials is [backend] workers",
    "maxconcurrent": "Ray Tune's max_concurrent is [backend] workers",
    "pointstoevaluate": "Ray Tune's points_to_evaluate is run.initial_points = [{x = 0.5}, ...]",
    "hyperparammutations": "Ray Tune's hyperparam_mutations are the [space]: pbt explores every parameter there "
                           "(keep = [...] leaves some as the donor had them)",
    "hyperparambounds": "PB2's hyperparam_bounds are the [space]'s low and high: [policy] name = \"pbt\", "
                        "explore = \"pb2\"",
    "customexplorefn": "l2l's pbt has no custom_explore_fn: explore = \"perturb\", \"resample\" or \"pb2\"",
    "hardstop": "l2l's median-stopping always stops for good (Ray Tune's hard_stop = True)",
    "fevals": _DEHB_FEVALS, "totalcost": _DEHB_COST, "walltimelimit": _SMAC_WALL, "niterations": _BRACKETS,
    "deterministic": _DETERMINISTIC, "minpointsinmodel": _MIN_POINTS, "bandwidthfactor": _BANDWIDTH,
    "minbandwidth": _BANDWIDTH, "outputpath": _OUTPUT, "outputdirectory": _OUTPUT,
    "mutationfactor": f"DEHB's mutation_factor: {_DEHB_DE}", "crossoverprob": f"DEHB's crossover_prob: {_DEHB_DE}",
    "strategy": f"DEHB's strategy: {_DEHB_DE}", "maxage": _DEHB_AGE, "boundaryfixtype": _DEHB_BOUNDS,
    "asyncstrategy": _DEHB_ASYNC,
    "nworkers": "DEHB's and SMAC's n_workers is [backend] workers",
    "initialdesign": "SMAC's initial_design: model-based draws at random until its model has results; "
                     "run.initial_points gives known points first (additional_configs)",
    "searchalg": "Ray Tune's search_alg is the [optimizer] table",
    "scheduler": "Ray Tune's scheduler is the [policy] table",
    **_L2L_ELSEWHERE,
    **dict.fromkeys(("resourcespertrial", "resources", "numcpus", "numgpus", "cpu", "cpus", "gpu", "gpus"),
                    _RAY_RESOURCES),
}


def component_hint(kind: str, name: str) -> str:
    """`` (Optuna's TPESampler is 'tpe' here)`` for another library's name of a component, else ``""``."""
    key = _folded(name)
    known = _COMPONENTS.get(kind, {}).get(key)
    if known and key == _folded(known[1]):  # l2l's own name spelled otherwise: 'successive_halving'
        return f" (it is spelled {known[1]!r})"
    if known:
        return f" ({known[0]} is {known[1]!r} here)"
    absent = _ABSENT.get(kind, {}).get(key)
    return f" ({absent})" if absent else ""


def option_hint(key: str, options: Iterable[str]) -> str:
    """What l2l calls another library's option ``key`` of a component whose options are ``options``, else ``""``."""
    folded, options = _folded(key), set(options)
    if folded in ("ntrials", "fevals") and "refine_fraction" in options:  # model-based: no candidate budget
        return _MODEL_BASED_TRIALS
    if folded == "brackets" and "eta" in options and "grace" not in options:  # asha (median-stopping has eta too)
        return _RAY_BRACKETS
    if folded == "maxcandidates" and {"population", "interval"} <= options:  # an asha config moved to pbt
        return "the halving policies' max_candidates (Ray Tune's num_samples) is population under pbt"
    if folded == "mu" and "mean_learning_rate" in options:  # the original L2L's NES (not CMA-ES's parents)
        return "L2L's mu (where NES starts) is the [space] parameters' default values here"
    if folded in _L2L_ENKF and "ensemble_size" in options:  # the EnKF of the original L2L's later branches
        return _L2L_ENKF[folded]
    if folded == "popsize" and {"mirrored", "population_size"} <= options:  # es, nes: mirrors counted here
        return ("L2L's pop_size is population_size here, which counts the mirrored samples: the original's ES and "
                "NES evaluated 2 x pop_size a generation with mirrored sampling, so write population_size = "
                "2 x pop_size")
    if folded == "ninnerparams":
        return _L2L_INNER
    if folded == "scheduler" and "walltime" in options:  # JUBE_params["scheduler"] = "Slurm", in a SLURM backend
        return f"JUBE's scheduler: {_JUBE_FILES}"
    for whose, ours, note in _OPTIONS.get(folded, ()):
        if ours in options:
            return f"{whose} is {ours} here{note}"
    return _ELSEWHERE.get(folded, "")


#: Keys of Optuna's create_study / optimize written in [run], and where l2l has them.
_RUN_KEYS: dict[str, str] = {
    "ntrials": "Optuna's n_trials is [policy] max_candidates (or run.generations x population_size, or run.compute); "
               + _SMAC_TRIALS,
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
    "numsamples": "Ray Tune's num_samples is [policy] max_candidates ([policy] population under pbt); without a "
                  "[policy], run.evaluations",
    "reuseactors": "l2l has no actors: each segment is one call of your function in a worker process",
    "metric": f"Ray Tune's metric and mode are {_RAY_OBJECTIVE}",
    "maxconcurrenttrials": "Ray Tune's max_concurrent_trials is [backend] workers",
    "searchalg": "Ray Tune's search_alg is the [optimizer] table",
    "scheduler": "Ray Tune's scheduler is the [policy] table",
    "storagepath": "the run's file is its storage: run.out, or l2l.run(config, out)",
    "localdir": "the run's file is its storage: run.out, or l2l.run(config, out)",
    "stop": f"Ray Tune's stop = {{training_iteration = 20}} is the fidelity's maximum: {_RAY_FIDELITY}; "
            f"run.target = {{loss = 0.1}} ends the whole run once a candidate reaches it (Ray Tune's stop ends the "
            f"trial)",
    "timebudgets": "Ray Tune's time_budget_s is run.max_time",
    "timeattr": _RAY_TIME_ATTR,
    "maxfailures": "Ray Tune's max_failures is run.retries",
    "numtokeep": "every segment's checkpoint is kept in the run's file; l2l prune FILE deletes all but each "
                 "trial's latest",
    "checkpointconfig": "every segment's checkpoint is kept in the run's file; l2l prune FILE deletes all but each "
                        "trial's latest",
    **dict.fromkeys(("checkpointfrequency", "checkpointfreq", "checkpointatend", "checkpointscoreattribute"),
                    "every segment's checkpoint is kept (no frequency to set; run.checkpoints says where: "
                    "\"file\", \"beside\" or \"auto\"); l2l prune FILE deletes all but each trial's latest"),
    "resourcespertrial": _RAY_RESOURCES,
    "fevals": _DEHB_FEVALS, "totalcost": _DEHB_COST, "walltimelimit": _SMAC_WALL, "niterations": _BRACKETS,
    "brackets": _BRACKETS, "deterministic": _DETERMINISTIC, "outputpath": _OUTPUT, "outputdirectory": _OUTPUT,
    "nworkers": "DEHB's and SMAC's n_workers is [backend] workers",
    "trialwalltimelimit": "SMAC's trial_walltime_limit is run.timeout (seconds a segment may run)",
    "mutationfactor": f"DEHB's mutation_factor: {_DEHB_DE}", "crossoverprob": f"DEHB's crossover_prob: {_DEHB_DE}",
    "strategy": f"DEHB's strategy: {_DEHB_DE}", "maxage": _DEHB_AGE,
    "crashcost": "SMAC's crash_cost is run.penalty (the value a failed evaluation is told as)",
    "eta": "eta is an option of the [policy] table: [policy] eta = 3",
    **dict.fromkeys(("minbudget", "minfidelity"), "the lowest budget is [policy] min_budget (default: [simulator] "
                                                  "multi_fidelity's minimum)"),
    **dict.fromkeys(("maxbudget", "maxfidelity"), "the top budget is [policy] max_budget (default: [simulator] "
                                                  "multi_fidelity's maximum)"),
    "resume": "l2l resume FILE (l2l.resume(path)) continues a run; l2l run never writes into an existing file",
    "savefreq": "every segment is stored in the run's file as it ends",
    **dict.fromkeys(("ngen", "niteration"), _L2L_GENERATIONS),
    "stopcriterion": _L2L_STOP,
    "multiprocessing": _L2L_MULTIPROCESSING,
    **dict.fromkeys(_L2L_WEIGHTS[2:], _L2L_WEIGHT_WORDS),
}

#: Ray Tune's configuration objects written as sections: where their keys go.
_SECTION_WORDS: dict[str, str] = {
    "tuneconfig": "Ray Tune's TuneConfig is spread here: metric and mode are [[objectives]], num_samples "
                  "[policy] max_candidates, scheduler [policy], search_alg [optimizer], max_concurrent_trials "
                  "[backend] workers",
    "runconfig": "Ray Tune's RunConfig is [run]: name is run.name, storage_path run.out, stop = {training_iteration "
                 "= N} the fidelity's maximum",
    "checkpointconfig": "every segment's checkpoint is kept in the run's file; l2l prune FILE deletes all but each "
                        "trial's latest",
    "failureconfig": "Ray Tune's FailureConfig(max_failures) is run.retries",
    "hyperparammutations": "Ray Tune's hyperparam_mutations are the [space]: pbt explores every parameter there; "
                           "[policy] keep = [...] takes some from the donor as they are",
    "resources": _RAY_RESOURCES,
    **dict.fromkeys(("conditions", "condition", "forbiddens", "forbidden", "forbiddenclauses"),
                    "l2l's space has no conditions or forbidden clauses: give every parameter; your function "
                    "ignores one its parent leaves unused, and fails a forbidden combination (it is told as "
                    "run.penalty)"),
    "scenario": "SMAC's Scenario is spread here: n_trials is run.evaluations, walltime_limit run.max_time, "
                "min_budget/max_budget [policy], n_workers [backend] workers, seed run.seed",
    "initialdesign": "SMAC's initial_design: model-based draws at random until its model has results",
}

#: Sections of other libraries' studies and what l2l calls them.
_SECTIONS: dict[str, str] = {
    "sampler": "optimizer", "searcher": "optimizer", "searchalg": "optimizer", "pruner": "policy",
    "scheduler": "policy", "study": "run", "searchspace": "space", "paramspace": "space", "params": "space",
    "distributions": "space", "configspace": "space", "configurationspace": "space", "cs": "space",
    "hyperparameters": "space", "intensifier": "policy", "facade": "policy", "dehb": "policy", "bohb": "policy",
    "smac": "policy", "hpbandster": "policy", "worker": "simulator",
}


def run_key_hint(key: str) -> str:
    """``; Optuna's n_trials is ...`` for another library's key written in [run], else ``""``."""
    hint = _RUN_KEYS.get(_folded(key))
    return f"; {hint}" if hint else ""


def section_hint(name: str) -> str:
    """`` (Optuna's sampler is [optimizer] here)``-like words for another library's section, else ``""``."""
    meant = _SECTIONS.get(_folded(name))
    if meant:
        return f" (a {name}'s table is [{meant}] here)"
    words = _SECTION_WORDS.get(_folded(name))
    return f" ({words})" if words else ""


def run_value_hint(key: str, value: object) -> str:
    """``; Ray Tune's mode = "min" is ...`` for another library's value of a [run] key l2l has too, else ``""``."""
    if _folded(key) == "mode" and isinstance(value, str) and value.lower() in ("min", "max"):
        return f"; Ray Tune's mode = {value!r} is {_RAY_OBJECTIVE}"
    return ""


def objective_key_hint(key: str) -> str:
    """`` (Ray Tune's mode is direction here)`` for another library's key in an [[objectives]] table, else ``""``."""
    folded = _folded(key)
    if folded == "mode":
        return " (Ray Tune's mode is direction here: \"minimize\" or \"maximize\")"
    if folded in _L2L_WEIGHTS:  # the original L2L's optimizee_fitness_weights = (-1.0,)
        return f" ({_L2L_WEIGHT_WORDS})"
    return " (Ray Tune's metric is name here)" if folded == "metric" else ""


def space_value_hint(value: object) -> str:
    """``; a list of values is a categorical parameter ...`` for a [space] entry that is no table (Ray Tune's
    param_space holds constants and lists), else ``""``."""
    if isinstance(value, (list, tuple)):
        return "; a list of values is a categorical parameter: { type = \"categorical\", choices = [...] }"
    if isinstance(value, str) and value.strip().lower().startswith("tune."):
        return ("; Ray Tune's calls are tables here: tune.loguniform(1e-4, 1e-1) is { type = \"float\", low = 1e-4, "
                "high = 1e-1, log = true }")
    if isinstance(value, (bool, int, float, str)):
        return ("; a constant is no parameter: give it to your function (functools.partial(train, epochs=20), as "
                "Ray Tune's tune.with_parameters), or write a categorical parameter of one choice")
    return ""


#: ConfigSpace's hyperparameter classes (lowercased, '_' and 'hyperparameter' dropped) -> what to write instead.
_CONFIGSPACE_TYPES: dict[str, str] = {
    "uniformfloat": 'type = "float" with low and high (ConfigSpace\'s log=True is log = true)',
    "uniforminteger": 'type = "int" with low and high, high included (log=True is log = true)',
    "categorical": 'type = "categorical" with choices = [...] (l2l has no weights)',
    "ordinal": 'type = "categorical" with choices = [...] (l2l has no ordinal: an int parameter indexing your '
               'sequence keeps its order)',
    "constant": "nothing: a Constant is no parameter; give the value to your function (functools.partial(train, "
                "epochs=20)), or write a categorical parameter of one choice",
    **dict.fromkeys(("normalfloat", "betafloat"), 'type = "float" with low and high (l2l has no normal or beta '
                                                   'prior: bound it)'),
    **dict.fromkeys(("normalinteger", "betainteger"), 'type = "int" with low and high (l2l has no normal or beta '
                                                       'prior: bound it)'),
}

#: ConfigSpace's keys of a hyperparameter -> what l2l calls them.
_CONFIGSPACE_KEYS: dict[str, str] = {
    "defaultvalue": "(ConfigSpace's default_value is default)",
    "sequence": "(an ordinal's sequence is a categorical parameter's choices = [...])",
    "value": "(a Constant is no parameter: give the value to your function)",
    "weights": "(l2l draws a categorical parameter's choices uniformly: it has no weights)",
    "meta": "(l2l keeps no meta data on a parameter)",
    # Ray Tune's
    "base": "(Ray Tune's loguniform base: the base of a log scale changes nothing here; log = true alone)",
    "gridsearch": "(Ray Tune's grid_search is { type = \"categorical\", choices = [...] } with [optimizer] "
                  "name = \"grid\")",
    **dict.fromkeys(("condition", "conditions", "parent", "parents"),
                    "(l2l's space has no conditions: your function ignores a parameter its parent leaves unused)"),
}


def space_type_hint(kind: str) -> str | None:
    """What to write instead of ConfigSpace's hyperparameter class ``kind`` (``UniformFloatHyperparameter``,
    ``Constant``, ``ordinal``), or None."""
    key = _folded(kind).removeprefix("configspace").removesuffix("hyperparameter")
    return _CONFIGSPACE_TYPES.get(key)


def space_key_hint(key: str) -> str:
    """``(ConfigSpace's default_value is default)``-like words for another library's key of a parameter, else ''."""
    return _CONFIGSPACE_KEYS.get(_folded(key), "")
