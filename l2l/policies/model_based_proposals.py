"""How the model-based policy proposes a new candidate (:class:`l2l.policies.model_based.ModelBased`, whose
mixin this is): the budgets whose ranking it trusts, every candidate ranked at its highest trusted one (pooled
ranks or budget first), and the model fitted on them ('parzen', Optuna's 'tpe', or a 'kde' density ratio)."""

from __future__ import annotations

import math

import numpy as np

from l2l.policies import parzen
from l2l.policies.agreement import lower_bound, mean, top_groups
from l2l.policies.base import State, TrialTable

#: A lower budget's results feed the model only if their rank agreement with the top budget is at least this.
TRUSTED_AGREEMENT = 0.5
#: With ``pooled_ranks``, a rung's agreement counts less this many standard errors of a rank correlation of its
#: number of probe pairs (five probes measure it roughly: there 0.95 counts as 0.80, 0.9 as 0.63, 0.7 as 0.14).
POOLED_CONFIDENCE = 1.0


class Proposals:
    """The proposals of :class:`l2l.policies.model_based.ModelBased` (its options, read through ``self``)."""

    def _trusted(self, state: State) -> list[int]:
        levels = len(state["budgets"]) - 1
        return [k for k, a in enumerate(state["agreement"])
                if k == levels or (a is not None and a >= TRUSTED_AGREEMENT)]

    def _propose(self, state: State, trials: TrialTable) -> tuple[np.ndarray, State]:
        rng = state_rng(state)
        dimension = state["dimension"]
        enough = max(dimension + 2, 6)
        budgets = state["budgets"]
        code = None
        if rng.random() >= self.random_fraction:
            if self.model == "parzen" and len(self._trusted(state)) > 1:
                ordered = self._ordered(state, trials)
                if len(ordered) >= enough:
                    groups = top_groups(budgets, trials, state["repeats"])
                    if len(groups) >= enough and rng.random() < self.refine_fraction:
                        best = sorted(groups, key=lambda t: (-mean(groups[t]), t))
                        code = parzen.refine(np.stack([trials.unit_code(t) for t in best]), rng, 1.0)
                    else:
                        code = parzen.propose(ordered, rng, self.candidates)
            else:
                code = self._single_budget(state, trials, rng, enough)
        if code is None:
            code = rng.random(dimension)
        return code, {**state, "rng": rng.bit_generator.state}

    def _ordered(self, state: State, trials: TrialTable) -> np.ndarray:
        """Every candidate's unit code, best first: by its highest trusted budget, then its score there."""
        budgets = state["budgets"]
        trusted = self._trusted(state)[::-1]
        if self.pooled_ranks:
            return self._pooled(state, trials, trusted)
        ranked = [trials.ranked_at(budgets[k]) for k in trusted]
        if all(r is not None for r in ranked):
            # rung by rung, highest first, each rung's results best first (ties: the lower id) less the trials a
            # higher rung has: the order the rows below sort into
            orders = [order for order, _ in ranked]
            ids = [order[fresh] for order, fresh in zip(orders, _highest_reached(orders))]
            return trials.unit_codes(np.concatenate(ids).tolist() if ids else [], state["dimension"])
        rows = []  # a NaN score: sorted in Python, a row at a time, as its place in an order is Python's sort's
        for trial in trials.ids():
            for k in trusted:
                score = trials.score(trial, budgets[k])
                if score is not None:
                    rows.append((-k, -score, trial))
                    break
        rows.sort()
        return trials.unit_codes([trial for *_, trial in rows], state["dimension"])

    def _pooled(self, state: State, trials: TrialTable, trusted: list[int]) -> np.ndarray:
        """Every candidate's unit code, best first by its expected rank at the top budget: its rank r among the
        n results at its highest trusted budget k, drawn towards the middle rank by the agreement a of rung k
        with the top (a * r + (1 - a) * (n - 1) / 2; the top budget's own ranks are kept), a being the measured
        agreement less ``POOLED_CONFIDENCE`` standard errors for its number of probe pairs. A rung's results
        are about the best n of all candidates where it agrees, so where every rung agrees this is the order
        of all candidates by their top-budget quality, from the cheap results as much as from the costly; where
        a rung agrees weakly, or was measured on few probes, its candidates sit behind the top budget's ranks
        (as without the option: a random probe's poor top-budget result outranks the best cheap result)."""
        budgets, agreement, pairs = state["budgets"], state["agreement"], state.get("pairs")
        ranked = {k: trials.ranked_at(budgets[k]) for k in trusted}
        if any(r is None for r in ranked.values()):
            return self._pooled_rows(state, trials, trusted)
        keys, ids = [], []
        # rungs highest first: a trial counts at the highest trusted budget it reached
        for k, fresh in zip(trusted, _highest_reached([ranked[k][0] for k in trusted])):
            order, _ = ranked[k]
            a = self._rung_weight(k, budgets, agreement, pairs)
            n = len(order)
            keys.append(a * fresh + (1 - a) * (n - 1) / 2)  # the same float operations as _pooled_rows
            ids.append(order[fresh])
        if not ids:
            return trials.unit_codes([], state["dimension"])
        key, trial = np.concatenate(keys), np.concatenate(ids)
        # the rows are by level (-k, rungs highest first) and then rank already, and no two share both: a stable
        # sort by key alone is the order of (key, level, rank, trial) that _pooled_rows sorts the rows by
        order = np.argsort(key, kind="stable")
        return trials.unit_codes(trial[order].tolist(), state["dimension"])

    @staticmethod
    def _rung_weight(k: int, budgets: list[float], agreement: list, pairs: list | None) -> float:
        """How far rung k's ranks are trusted in the pooled order: its agreement less its standard error."""
        a = 1.0 if k == len(budgets) - 1 else float(agreement[k])
        if a < 1.0 and pairs is not None:
            a = max(0.0, lower_bound(a, pairs[k], POOLED_CONFIDENCE))
        return a

    def _pooled_rows(self, state: State, trials: TrialTable, trusted: list[int]) -> np.ndarray:
        """:meth:`_pooled` a row at a time in Python, where a NaN score leaves the order to Python's sort."""
        budgets, agreement, pairs = state["budgets"], state["agreement"], state.get("pairs")
        ranked, weight = {}, {}
        for k in trusted:
            scores = trials.scores_at(budgets[k])
            order = sorted(scores, key=lambda t: (-scores[t], t))
            ranked[k] = {t: i for i, t in enumerate(order)}
            weight[k] = self._rung_weight(k, budgets, agreement, pairs)  # one per rung: the same for each
        rows = []
        for trial in trials.ids():
            for k in trusted:
                if trial in ranked[k]:
                    a, n, r = weight[k], len(ranked[k]), ranked[k][trial]
                    rows.append((a * r + (1 - a) * (n - 1) / 2, -k, r, trial))
                    break
        rows.sort()
        return trials.unit_codes([trial for *_, trial in rows], state["dimension"])

    def _single_budget(self, state: State, trials: TrialTable, rng: np.random.Generator,
                       enough: int) -> np.ndarray | None:
        """Models 'tpe' and 'kde' (and 'parzen' while only the top budget is trusted, where results are few and
        costly and Optuna's TPE is worth its refit): fitted on the highest trusted budget with enough results."""
        budgets = state["budgets"]
        for k in self._trusted(state)[::-1]:
            data = trials.scores_at(budgets[k])
            if len(data) >= enough:
                ids = sorted(data)
                x = np.stack([trials.unit_code(t) for t in ids])
                y = np.array([data[t] for t in ids])
                return self._density_ratio(x, y, rng) if self.model == "kde" else self._tpe(x, y, rng)
        return None

    def _tpe(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Optuna's multivariate TPE told the results (x in the unit cube, y larger-is-better), asked once."""
        import optuna

        from l2l.process_state import quiet_optuna

        dimension = x.shape[1]
        names = [f"u{i}" for i in range(dimension)]
        space = {name: optuna.distributions.FloatDistribution(0.0, 1.0) for name in names}
        with quiet_optuna():
            sampler = optuna.samplers.TPESampler(seed=int(rng.integers(2 ** 31)), multivariate=True,
                                                 n_startup_trials=0)
            study = optuna.create_study(direction="maximize", sampler=sampler)
            study.add_trials([optuna.trial.create_trial(params=dict(zip(names, map(float, point))),
                                                        distributions=space, value=float(value))
                              for point, value in zip(x, y)])
            trial = study.ask(fixed_distributions=space)
        return np.array([trial.params[name] for name in names])

    def _density_ratio(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The sample of the good density (Gaussian kernels) with the largest good/bad density ratio."""
        n, d = x.shape
        good_count = max(2, int(math.ceil(self.top_fraction * n)))
        order = np.argsort(-y, kind="stable")
        good, bad = x[order[:good_count]], x[order[good_count:]]
        width = np.clip(np.std(x, axis=0) * n ** (-1.0 / (d + 4)), 0.02, 0.5)
        centres = good[rng.integers(0, len(good), self.samples)]
        samples = np.clip(centres + rng.normal(size=(self.samples, d)) * width, 0.0, 1.0)

        def log_density(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
            z = (points[:, None, :] - centres[None, :, :]) / width
            log_k = -0.5 * np.sum(z * z, axis=2)
            peak = log_k.max(axis=1, keepdims=True)
            return peak[:, 0] + np.log(np.mean(np.exp(log_k - peak), axis=1))

        ratio = log_density(samples, good) - (log_density(samples, bad) if len(bad) else 0.0)
        return samples[int(np.argmax(ratio))]


def _highest_reached(orders: list[np.ndarray]) -> list[np.ndarray]:
    """For trial ids ranked at each of several rungs (highest rung first): the positions, in each rung's ranking,
    of the trials that no rung before it has (ascending)."""
    taken = np.zeros(max((int(order.max()) + 1 for order in orders if len(order)), default=0), dtype=bool)
    positions = []
    for order in orders:
        positions.append(np.flatnonzero(~taken[order]))
        taken[order] = True
    return positions


def state_rng(state: State) -> np.random.Generator:
    bit_generator = np.random.PCG64()
    bit_generator.state = state["rng"]
    return np.random.Generator(bit_generator)
