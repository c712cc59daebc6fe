"""How the model code a session recorded (:mod:`l2l.model_code`) is compared with the code found now, and said:
a resumed session's warning line, ``l2l reevaluate``'s and ``l2l show``'s note on re-evaluations that ran other
code, the digest ``/reevaluations/model`` stores.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from l2l.model_code import model_imports, model_sources
from l2l.model_hashes import SHORT_HASH, same_imports, same_model

if TYPE_CHECKING:
    from l2l.results_schema.reader import Trajectory


def _named(where: Any) -> str:
    """What names an entry whatever its content: a file's name, a function's (without its line, which edits move)."""
    where = str(where)
    return where.split(" (", 1)[0] if where.startswith("function ") else Path(where).name


def _imports_text(imports: Any) -> str:
    return (f"{imports.get('files')} file{'s' * (imports.get('files') != 1)} "
            f"{str(imports.get('sha256', ''))[:SHORT_HASH]}")


def _short_where(where: Any) -> str:
    """A model entry's name as :func:`model_difference` says it: a file's name (``noisy_bowl.py``), a function's
    ``module:name (file:line)`` (``__main__:bowl (nb.py:5)``; before, ``nb.py:5)``, the last part of
    ``function __main__:bowl (/home/me/nb.py:5)`` read as a path)."""
    text = str(where)
    function = re.fullmatch(r"function (\S+) \((.*)\)(.*)", text, flags=re.S)
    if function:
        return f"{function[1]} ({Path(function[2]).name}){function[3]}"
    return Path(text).name


def model_difference(before: list[Any], now: list[list[str]], imports_before: Any = None,
                     imports_now: dict[str, Any] | None = None, ran: str = "the session before ran") -> str:
    """What differs between the code of the model a session recorded (``before``, the same files, the same function)
    and the code found now (``now``), or between the modules it imports from its package (``imports_before``, the
    recorded ``imports``, and ``imports_now``, :func:`l2l.model_code.model_imports`): one clause, '' where neither
    changed (or where the model is another one altogether: other files, another function)."""
    named = [_named(entry[0]) for entry in before if isinstance(entry, (list, tuple)) and len(entry) == 2]
    if named != [_named(where) for where, _ in now]:
        return ""
    if not same_model(before, now):
        shown_before = "; ".join(f"{_short_where(w)} {str(h)[:SHORT_HASH]}" for w, h in before) or "none"
        shown_now = "; ".join(f"{_short_where(w)} {h[:SHORT_HASH]}" for w, h in now) or "none"
        return f"the model's code differs from what {ran} (sha256 {shown_before} then, {shown_now} now)"
    if same_imports(imports_before, imports_now) or imports_now is None \
            or Path(str(imports_before.get("under", ""))).name != Path(imports_now["under"]).name:
        return ""
    return (f"the modules the model imports from {imports_now['under']} differ from what {ran} (sha256 of "
            f"{_imports_text(imports_before)} then, {_imports_text(imports_now)} now)")


def model_change_line(before: list[Any], now: list[list[str]], imports_before: Any = None,
                      imports_now: dict[str, Any] | None = None) -> str:
    """The warning a resumed session prints where the code of the model the session before ran has changed since,
    or that of the modules it imports (:func:`model_difference`): one line, '' where neither changed (another
    function passed to ``l2l.resume`` is said by :func:`l2l.components.with_function`'s own line)."""
    difference = model_difference(before, now, imports_before, imports_now)
    if not difference:
        return ""
    return (f"l2l: warning: {difference}: the run's rows will come from two models; to keep them apart, run the new "
            f"code into a new file (l2l run CONFIG --out NEW.h5)")


def model_digest(sources: list[list[str]]) -> str:
    """One sha256 (64 hex digits) of the model code :func:`model_sources` found: the file's own where it is one
    hashed file, else that of the lines ``SHA256  NAME`` of its entries sorted (an entry not hashed gives its reason
    in place of a hash); what ``/reevaluations/model`` stores. '' where there is no code."""
    pairs = [(Path(str(where)).name, str(digest)) for where, digest in sources]
    if not pairs:
        return ""
    if len(pairs) == 1 and len(pairs[0][1]) == 64:
        return pairs[0][1]
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(pairs))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def changed_model_line(rows: Any) -> str:
    """What ``l2l show`` and ``l2l reevaluate`` say under the ranking where re-evaluation ``rows``
    (:meth:`Trajectory.reevaluations`) ran model code other than the run's (``--accept-changed-model``): one line,
    '' where none did."""
    column = "(model)" if "(model)" in rows.columns else "model"
    if column not in rows.columns:
        return ""
    changed = rows[rows[column].notna()]
    if changed.empty:
        return ""
    keys = ["generation", "individual"]
    candidates = len(changed.groupby(keys))
    digests = sorted(set(changed[column]))
    shown = ", ".join(f"{digest[:SHORT_HASH]}…" for digest in digests[:3]) + (", ..." if len(digests) > 3 else "")
    # the ranking averages each candidate's rows whatever code ran them: where a candidate has rows of two codes
    # (the run's from an earlier l2l reevaluate, then more seeds of the changed code), its mean is of neither
    theirs = rows.merge(changed[keys].drop_duplicates(), on=keys)
    codes = theirs[column].fillna("").groupby([theirs[k] for k in keys]).nunique()
    mixed, own = int((codes > 1).sum()), int(theirs[column].isna().sum())
    said = (f"note: {len(changed)} of the {len(rows)} re-evaluations ({candidates} candidate"
            f"{'s' * (candidates != 1)}) ran model code other than the run's (sha256 {shown}; accepted with "
            f"--accept-changed-model)")
    if not mixed:
        return said + ": their means measure that code, not the model that chose the candidates"
    with_what = f"those rows with {own} of the run's code" if own else f"the results of {len(digests)} changed codes"
    return (f"{said}: the means of {mixed} of them mix {with_what}, so they measure neither model alone "
            f"(l2l.load(FILE, reevaluations=True)'s model column tells the rows apart)")


def model_changed_since_run(trajectory: Trajectory, simulator: Any) -> tuple[str, str]:
    """:func:`model_difference` between the model ``simulator`` runs here and the one the run's last session
    recorded (l2l show's model line): ``(code, imports)``, what differs in the model's own code, else what differs
    in the modules it imports from its package ('' where the same, or where the run recorded none). The second
    depends on what the process had imported from that folder besides (a run in a notebook or a test process, a
    re-evaluation from the command line): a sign, not a proof."""
    from l2l.sessions import session_records

    recorded = [record for record in session_records(trajectory.events()) if "model" in record]
    if not recorded or not isinstance(recorded[-1]["model"], list):
        return "", ""
    before, now = recorded[-1]["model"], model_sources(simulator)
    code = model_difference(before, now, ran="the run ran")
    if code:
        return code, ""
    return "", model_difference(before, now, recorded[-1].get("imports"), model_imports(simulator), ran="the run ran")
