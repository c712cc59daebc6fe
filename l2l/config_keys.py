"""The tables of a config and the keys of its [run] table, with what each means: what the config reader checks
against (:mod:`l2l.config`) and what the components' hints name when a key stands below the wrong header
(:mod:`l2l.registry`). Data only, below both, so that neither imports the other's layer."""

from __future__ import annotations

SECTIONS = ("run", "space", "optimizer", "simulator", "objectives", "backend", "policy")
RUN_KEYS = {
    "name": "a name for the run: up to 100 letters, digits, - _ . (it names the output files)",
    "seed": "run seed, an integer >= 0",
    "generations": "number of generations, >= 1 (default 10; no limit if run.evaluations or run.max_time is set); "
                   "with a policy: the sweep starts generations x population_size candidates, each trained until "
                   "the policy stops it or it reaches the top budget, and ends when none is left (default: no "
                   "limit, the budget is run.compute)",
    "evaluations": "evaluation budget: the run ends after exactly this many evaluations (0: no limit)",
    "max_time": "wall-time budget in seconds over the run's life: nothing new starts after it (0: no limit)",
    "out": "output file (default: NAME.h5 beside the config)",
    "retries": "times a failed evaluation is retried, >= 0",
    "timeout": "seconds an evaluation may run (0: no limit)",
    "penalty": "value told to the optimizer for failed evaluations: 'worst' or a number or a table per objective",
    "mode": "'generational' or 'async' (steady-state); a [policy] table replaces both",
    "policy": "a scheduling policy by name, e.g. 'successive-halving': short for a [policy] table with only that "
              "name (its options at their defaults)",
    "compute": "multi-fidelity runs: compute budget in fidelity units (0: with run.generations, what the sweep's "
               "candidates can cost at most, else 100 times the top budget)",
    "reevaluate": "after the run, evaluate the top candidates on fresh seeds: {top = k, seeds = n}",
    "checkpoints": "where multi-fidelity checkpoints are kept: 'auto' (those of 1 MiB or more in the folder NAME.h5."
                   "checkpoints beside the trajectory, named by their SHA-256; the others in the file), 'file' (all "
                   "in the file: one portable file) or 'beside' (all in the folder)",
    "inherit": "Lamarckian generations: each candidate continues from the checkpoint of its nearest member of the "
               "previous generation and trains this many more fidelity units (true: the top budget / generations)",
    "target": "stop the run once a candidate reaches this value of the objective (<= for a minimized one, >= for a "
              "maximized one; at the top budget, the mean of its repeats); several objectives: a table per "
              "objective name, every target listed reached by one candidate",
    "stop_after_failures": "stop the run (kept, stopped; l2l resume goes on) once the first N evaluations (segments) "
                           "of a session all failed and none of the run ever succeeded, a broken model (default: "
                           "max(20, 2 x the generation's size), async and policy runs max(20, 2 x the workers); "
                           "0: never; l2l resume FILE --stop-after-failures N changes it)",
    "initial_points": "configurations evaluated first, in order, before the optimizer's: a list of tables with a "
                      "value for every parameter, e.g. [{x = 0.5, lr = 0.01}] (optimizers tpe, motpe, gp, random, "
                      "grid; any under policy pbt)",
}
