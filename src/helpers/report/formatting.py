"""How numbers read on the page: the one copy of each formatter.

One job: turn a number from a processed table into text: a percent
(``71%``), a count (``5,517``), a mean (``1.84``), a decimal or signed
difference (``-0.31``, ``+0.20``, never ``-0.00``), a p-value (``0.004``,
``< 0.001``), and a table's float columns. Every formatter prints a
suppressed cell (``flag = "c"``) as ``[c]`` and an empty one as ``n/a``.
Halves round up, as in the 2019 report (Python's own formatting rounds them
to even).

Every other module and chapter formats through these (they stay importable
from :mod:`helpers.report.tables`, which the chapters use as ``report``).

Examples
--------
>>> format_percent(70.96), format_count(5517), format_mean(1.8449), format_number(-0.004, signed=True)
('71%', '5,517', '1.84', '0.00')
>>> format_p(0.0004), format_p(0.0496), format_p(0.0212, prose=True), format_p(float("nan"), flag="c")
('< 0.001', '0.0496', 'p = 0.021', '[c]')
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

__all__ = ["format_count", "format_mean", "format_number", "format_numbers", "format_p", "format_percent",
           "not_shown"]

#: Level at which a p-value is compared in the report (see :data:`helpers.report.tables.SIGNIFICANCE`); a
#: p-value that would print as this level at three decimals gets a fourth.
_LEVEL = 0.05


def not_shown(value, flag: str = "") -> str | None:
    """``[c]`` for a suppressed cell, ``n/a`` for an empty one, else ``None``.

    Examples
    --------
    >>> not_shown(3.0, "c"), not_shown(None), not_shown(3.0)
    ('[c]', 'n/a', None)
    """
    if flag == "c":
        return "[c]"
    if value is None or pd.isna(value):
        return "n/a"
    return None


def _round(value, digits: int) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def format_percent(value: float, flag: str = "", digits: int = 0) -> str:
    """A percentage for prose: ``71%``; ``[c]`` when suppressed; ``n/a`` when empty.

    Examples
    --------
    >>> format_percent(62.5), format_percent(12.5), format_percent(0.125, digits=2)
    ('63%', '13%', '0.13%')
    >>> format_percent(float("nan"), flag="c")
    '[c]'
    """
    return not_shown(value, flag) or f"{_round(value, digits)}%"


def format_number(value, digits: int = 2, *, signed: bool = False, flag: str = "", minus: str = "-") -> str:
    """A decimal for prose and tables that never prints a negative zero.

    The one formatter of signed decimals (effect sizes, their intervals,
    differences): a value that rounds to zero prints as ``0.00`` (``+0.00``
    never, ``-0.00`` never), whatever its sign before rounding.

    Parameters
    ----------
    value : float
    digits : int
        Decimal places.
    signed : bool
        Print ``+`` before positive values (differences).
    flag : str
        ``c`` prints ``[c]``; a missing value prints ``n/a``.
    minus : str
        The minus sign (``"\u2212"`` for typeset text).

    Examples
    --------
    >>> format_number(-0.004), format_number(-0.004, signed=True), format_number(0.2, signed=True)
    ('0.00', '0.00', '+0.20')
    >>> format_number(-0.31), format_number(-1.5, digits=0), format_number(-0.5, minus="\u2212")
    ('-0.31', '-2', '\u22120.50')
    """
    shown = not_shown(value, flag)
    if shown:
        return shown
    rounded = _round(value, digits)
    text = f"{abs(rounded):f}"
    if rounded == 0:
        return text
    return (minus + text) if rounded < 0 else ("+" + text if signed else text)


def format_numbers(frame: pd.DataFrame, digits: int = 3, *, na_rep: str = "n/a") -> pd.DataFrame:
    """A table for display: float columns as text with :func:`format_number` (no ``-0.000``), empty as ``na_rep``.

    Integer and text columns are left as they are; the input is not changed.

    Examples
    --------
    >>> format_numbers(pd.DataFrame({"r": [-0.0001, 0.25], "n": [3, 4]}))["r"].tolist()
    ['0.000', '0.250']
    """
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = [na_rep if pd.isna(v) else format_number(v, digits) for v in out[column]]
    return out


def format_count(value, flag: str = "") -> str:
    """A count for prose with thousands separators: ``5,517``; ``[c]`` when suppressed.

    Examples
    --------
    >>> format_count(5517), format_count(12.0), format_count(None)
    ('5,517', '12', 'n/a')
    """
    return not_shown(value, flag) or f"{int(value):,}"


def format_mean(value: float, flag: str = "", digits: int = 2) -> str:
    """A mean for prose: ``1.84``; ``[c]`` when suppressed.

    Examples
    --------
    >>> format_mean(1.8449), format_mean(16.98, digits=0), format_mean(2.0, flag="c")
    ('1.84', '17', '[c]')
    """
    return not_shown(value, flag) or f"{value:.{digits}f}"


def format_p(value, *, flag: str = "", prose: bool = False) -> str:
    """A p-value: ``< 0.001`` below it, else three decimals (four where three would print ``0.050``).

    With ``prose`` the ``p`` is written in: ``p < 0.001``, ``p = 0.021``.

    Examples
    --------
    >>> format_p(0.0004), format_p(0.0212), format_p(0.0496), format_p(0.05), format_p(0.0004, prose=True)
    ('< 0.001', '0.021', '0.0496', '0.050', 'p < 0.001')
    """
    shown = not_shown(value, flag)
    if shown:
        return shown
    p = float(value)
    if p < 0.001:
        return "p < 0.001" if prose else "< 0.001"
    text = f"{p:.4f}" if round(p, 3) == _LEVEL and p != _LEVEL else f"{p:.3f}"
    return f"p = {text}" if prose else text
