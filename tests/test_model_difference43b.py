"""The line that says a function's code changed since the run names the function and where it is defined.

A function passed to ``l2l.run`` is recorded as ``function __main__:bowl (/home/me/nb.py:2)``; the refusal of
``l2l.reevaluate.reevaluate(..., simulator=bowl)`` (and the warning of a resume) named it by the last part of that
text read as a path: ``(sha256 nb.py:2) a9848b7613a558c9 then, nb.py:10) 217a721d81acb093 now)``.
"""

from __future__ import annotations

from l2l.model_changes import model_difference


def test_a_changed_function_is_named_as_module_name_and_file_line():
    before = [["function __main__:bowl (/home/me/nb.py:2)", "a" * 64]]
    now = [["function __main__:bowl (/home/me/nb.py:10)", "b" * 64]]
    assert model_difference(before, now, ran="the run ran") == (
        f"the model's code differs from what the run ran (sha256 __main__:bowl (nb.py:2) {'a' * 16} then, "
        f"__main__:bowl (nb.py:10) {'b' * 16} now)")
    partial = [["function m:plain (/x/m.py:3) partial", "c" * 64]]
    assert "m:plain (m.py:3) partial " + "c" * 16 in model_difference(
        partial, [["function m:plain (/x/m.py:3) partial", "d" * 64]])
    files = model_difference([["/home/me/noisy_bowl.py", "e" * 64]], [["/review/noisy_bowl.py", "f" * 64]])
    assert files.endswith(f"(sha256 noisy_bowl.py {'e' * 16} then, noisy_bowl.py {'f' * 16} now)")  # as before
