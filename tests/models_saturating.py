"""A learner whose error saturates at zero: every candidate with x below 0.6 makes no error (tests/test_best_ties)."""


def error(params, seed):
    return {"test_error": max(0.0, float(params["x"]) - 0.6)}
