"""l2l compare's table says where a policy run found its best in compute, the figure's axis, not only as a
count of segments (which read as 'found at evaluation 27' beside a figure whose point was at 90)."""

import numpy as np

import l2l
from test_multifidelity import mf_config


def test_the_table_gives_the_compute_spent_when_the_best_was_found(tmp_path):
    from l2l.plot.compare import table

    path = l2l.run(mf_config("hyperband", compute=81 * 12), tmp_path / "hb.h5")
    row = table([path]).iloc[0]
    found = row["value found at compute (synthetic budget units)"]
    # from the segments themselves: completion order, each costing budget - from_budget, only the top budget
    segments = l2l.load(path, segments=True)
    done = segments["started"].astype("int64").to_numpy() / 1e9 + segments["duration"].to_numpy()
    segments = segments.iloc[np.argsort(done, kind="stable")]
    spent = np.cumsum((segments["budget"] - segments["from_budget"]).to_numpy(dtype=float))
    top = np.isclose(segments["budget"].to_numpy(dtype=float), 81) & (segments["status"] == "ok").to_numpy()
    values = np.where(top, segments["value"].to_numpy(dtype=float), np.inf)
    first_best = int(np.flatnonzero(values == values.min())[0])
    assert found == spent[first_best]
    assert row["best value"] == values.min()
    assert found > row["value found at evaluation"]  # units, not a count of segments
