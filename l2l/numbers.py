"""One way to write a number for a reader: :func:`number`.

The figures a user reads came out of four formats of their own: ``l2l show``'s compute (whole), the plots' tick
labels (``.4g``), ``l2l list``'s bounds (``repr``) and the progress bar (``.4g``, so a best of 123456.7 read
``1.235e+05`` and a compute of 3703701 read ``3.704e+06``). They now share this rule; the module imports nothing
of l2l, so that any of them can import it.
"""

from __future__ import annotations

import math
from typing import Any

#: Significant digits of a value that is not whole: six tell apart two candidates whose scores differ in the
#: sixth digit (``0.123457`` and ``0.123449``, both ``0.1235`` to four), and match ``l2l show``'s table and the
#: report, so that the bar's best is the figure ``l2l show`` prints.
DIGITS = 6
#: Values of a magnitude from :data:`LOW` up to :data:`HIGH` (not included) are written without an exponent: up to
#: 10**15, as whole ones are (123456789.4 is ``123456789``, where an exponent wrote ``1.23457e+08``: eight losses
#: that differ in the units read alike).
LOW, HIGH = 1e-4, 1e15
#: Integer-valued floats below this are written whole (a float holds every integer up to 2**53, about 9e15).
WHOLE = 1e15


def number(value: Any, digits: int = DIGITS, grouped: bool = False) -> str:
    """``value`` as a reader writes it.

    - An integer, or a float with an integer value below 10**15, whole: ``1500000``, ``3703701``, ``27``
      (never ``1.5e+06``).
    - Any other finite value to ``digits`` significant digits, trailing zeros dropped: without an exponent from
      0.0001 up to 10**15 (``0.123457``, ``0.0003``, ``123457``, ``123456789``: digits before the point are never
      rounded away, so 123456.7 to four digits is ``123457``, not ``1.235e+05``), with one outside
      (``1.23457e-06``, ``1.23457e+15``).
    - NaN, infinities and None as the messages have always said them: ``nan``, ``inf``, ``-inf``, ``none``;
      a bool as TOML spells it (``true``, ``false``).

    ``grouped``: the digits before the point in groups of three (``1,000``, ``123,457``), as an axis labels them.
    """
    if value is None:
        return "none"
    if isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b":  # numpy's bool too
        return "true" if value else "false"
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return f"{int(value):,}" if grouped else str(int(value))
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer() and abs(value) < WHOLE:
        return f"{int(value):,}" if grouped else str(int(value))
    if not LOW <= abs(value) < HIGH:
        return f"{value:.{digits}g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def at_most(value: float) -> str:
    """A limit a message asks for (``give a grace of at most X``): :func:`number`, rounded down where six digits
    round it up, so that the figure given back as written is not refused again (2/3: ``0.666666``, where
    ``0.666667`` is past it). Exact figures, and any below 10**15 that is whole, are written as :func:`number`
    writes them."""
    return _directed(value, up=False)


def at_least(value: float) -> str:
    """As :func:`at_most`, rounded up: the least figure a message asks for (``run.compute = X or more``)."""
    return _directed(value, up=True)


def exact(value: Any) -> str:
    """``value`` as a command to copy gives it (``l2l resume FILE --compute X`` for the config's own figure):
    :func:`number` where that reads back as ``value``, else the shortest figure that does (``12345678.5``, which
    six digits wrote ``1.23457e+07``)."""
    text = number(value)
    if isinstance(value, bool) or value is None:
        return text
    try:
        same = float(text) == float(value)
    except (TypeError, ValueError):
        return text
    return text if same or not math.isfinite(float(value)) else repr(float(value))


def apart(*values: float) -> list[str]:
    """``values`` as :func:`number` writes them, with more significant digits where six write two unequal ones
    alike (a curve's point at 600.0004 s beyond its segment's budget of 600 s read 'a point at fidelity 600,
    beyond the segment's budget 600'): the fewest from six on that tell every unequal pair apart."""
    floats = [float(v) for v in values]
    for digits in range(DIGITS, 18):
        texts = [number(v, digits) for v in floats]
        if all(texts[i] != texts[j] for i in range(len(floats)) for j in range(i) if floats[i] != floats[j]):
            return texts
    return [repr(v) for v in floats]


def _directed(value: float, up: bool) -> str:
    from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

    text, value = number(value), float(value)
    if not math.isfinite(value) or (float(text) >= value if up else float(text) <= value):
        return text
    exact_value = Decimal(value)
    place = exact_value.adjusted() - (DIGITS - 1)  # the last digit number() writes: six significant ones,
    if LOW <= abs(value) < HIGH:  # and every one before the point
        place = min(place, 0)
    step = Decimal(1).scaleb(place)
    text = number(float(exact_value.quantize(step, rounding=ROUND_CEILING if up else ROUND_FLOOR)))
    return text if (float(text) >= value if up else float(text) <= value) else repr(value)


def compute(value: float) -> str:
    """A compute figure (fidelity units spent or allowed): :func:`number`, from 100,000 on to the unit, whole
    (``3000002``: a fractional fidelity's sum, 3000002.1, read ``3e+06``; 30000000.1 would have had an exponent).
    ``l2l show``'s progress line, the closing line and a fractional progress bar's count write it so."""
    value = float(value)
    if 1e5 <= abs(value) < WHOLE:
        value = float(round(value))
    return number(value)


#: Below this magnitude a table's six decimals (pandas' ``to_string``) leave a score fewer than four digits: scores
#: of about 1e-6 all read ``0.000001``.
SMALL = 1e-3
#: From this magnitude on pandas writes a column of scores with an exponent and seven significant digits: the best
#: losses 123456790 and 123456791 of two runs both read ``1.234568e+08``.
LARGE = 1e6


def table_formatters(frame: Any, scores: Any = (), computes: Any = ()) -> dict[str, Any]:
    """``formatters`` for pandas' ``to_string`` of ``frame``, so that two unequal scores of a column never read
    alike:

    - each column of ``scores`` holding a value below 0.001 (not 0) by :func:`number`, with as many significant
      digits from six on as tell its unequal values apart (:func:`apart`: ``1.25025e-05`` and ``1.28568e-05``,
      where six decimals wrote both ``0.000013``);
    - else each holding a value of :data:`LARGE` or more with six decimals, as pandas writes smaller scores
      (``123456790.200000``, where pandas wrote ``1.234568e+08``; from 10**15 on with an exponent and as many
      digits as tell the column's values apart);
    - a column of other scores keeps pandas' six decimals, which tell 123538.72 from 123538.91;
    - each column of ``computes`` by :func:`compute` (``13580245``, not ``1.358024e+07``).

    Columns ``frame`` lacks are left out."""
    formatters: dict[str, Any] = {}
    for column in scores:
        if column in frame.columns:
            values = [float(v) for v in frame[column] if _finite(v)]
            if any(0 < abs(v) < SMALL for v in values):
                formatters[column] = _digits_formatter(_apart_digits(values))
            elif any(abs(v) >= LARGE for v in values):
                formatters[column] = _six_decimals(_apart_digits([v for v in values if abs(v) >= WHOLE]))
    for column in computes:
        if column in frame.columns:
            formatters[column] = compute
    return formatters


def _apart_digits(values: list[float]) -> int:
    """The fewest significant digits from :data:`DIGITS` on with which :func:`number` writes unequal ``values``
    apart (17 where none do)."""
    distinct = sorted(set(values))
    for digits in range(DIGITS, 18):
        texts = [number(v, digits) for v in distinct]
        if len(set(texts)) == len(texts):
            return digits
    return 17


def _digits_formatter(digits: int):
    def write(value: Any) -> str:
        return number(value, digits)

    return write


def _six_decimals(digits: int):
    def write(value: Any) -> str:
        text = _pandas_text(value)
        if text:
            return text
        value = float(value)
        return f"{value:.6f}" if abs(value) < WHOLE else f"{value:.{max(digits, 7) - 1}e}"

    return write


def _pandas_text(value: Any) -> str:
    """NaN and infinities as pandas writes them in a table ("" for a finite value)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(value):
        return "NaN"
    return "" if math.isfinite(value) else "inf" if value > 0 else "-inf"


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
