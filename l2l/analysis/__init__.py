"""Looking at runs beyond figures: the HTML report, the live terminal view, export to CSV/Parquet, the best
candidates (``l2l.best``, ``l2l.front``) and the incumbent trajectory (``l2l.incumbent``).

The figures themselves are in :mod:`l2l.plot`; the commands that use all of
this are in :mod:`l2l.commands.analysis`.
"""
