"""Wide tables laid out to be read in the book's text column (about 690 px at a 1280 px window).

One job: take a display table a chapter already has (strings, one row per
item) and lay it out so that no column is squeezed to a word per line:

- :func:`transposed`: a table of a few items and many measures turned on
  its side, one column per item and one row per measure;
- :func:`readable`: a ``Styler`` whose number columns never wrap, whose
  intervals stay on one line (``-0.27`` above ``(-0.41 to -0.13)`` at most),
  and whose first column has room for a question;
- :func:`split_tables`: one such table per value of a column (an outcome
  family), the value as the caption, as one HTML block.

Nothing is computed here: cells are shown as the display table gives them.

Examples
--------
>>> import pandas as pd
>>> wide = pd.DataFrame({"Outcome": ["A", "B"], "SESOI": ["0.25", "0.25"], "Verdict": ["difference", "equivalent"]})
>>> transposed(wide, key="Outcome").to_dict("list")
{'': ['SESOI', 'Verdict'], 'A': ['0.25', 'difference'], 'B': ['0.25', 'equivalent']}
"""

from __future__ import annotations

import pandas as pd

__all__ = ["transposed", "readable", "split_tables"]

_NBSP = "\u00a0"


def transposed(display: pd.DataFrame, *, key: str, corner: str = "") -> pd.DataFrame:
    """One column per value of ``key``, one row per other column (the input is not changed)."""
    body = display.set_index(key).T
    body.columns = [str(c) for c in body.columns]
    body.index.name = None
    return body.reset_index(names=corner)


def _together(value):
    """An interval's inside on one line: ``(-0.41 to -0.13)`` breaks only before its bracket."""
    if isinstance(value, str) and "(" in value:
        head, _, rest = value.partition("(")
        return head + "(" + rest.replace(" ", _NBSP)
    return value


def readable(display: pd.DataFrame, *, uuid: str, caption: str = "", first_width: str = "12em",
             wrap: tuple[str, ...] = (), headers: dict[str, str] | None = None):
    """A ``Styler`` of ``display`` for a narrow column of text.

    Parameters
    ----------
    display : pandas.DataFrame
        Cells already formatted as text.
    uuid : str
        The table's id (``T_<uuid>``): fixed, so the page is the same in every build.
    caption : str
        Printed above the table.
    first_width : str
        Minimum width of the first column (a question or a row label).
    wrap : tuple of str
        Columns besides the first allowed to wrap (words); every other
        column keeps each cell on one line, except that a cell with an
        interval may break once, before its bracket.
    headers : dict, optional
        Shorter column headers (old to new), for headers the prose around
        the table already explains.

    Returns
    -------
    pandas.io.formats.style.Styler
        Index hidden; the book's display hook escapes its cells.
    """
    frame = display.rename(columns=headers or {})
    free = {frame.columns[0], *((headers or {}).get(c, c) for c in wrap)}
    styles = [{"selector": "th, td", "props": [("padding", "0.2em 0.4em"), ("vertical-align", "top")]},
              {"selector": "td:first-child, th:first-child", "props": [("min-width", first_width)]}]
    for position, column in enumerate(frame.columns, start=1):
        if column in free:
            continue
        intervals = frame[column].astype(str).str.contains("(", regex=False).any()
        frame[column] = frame[column].map(_together)
        if not intervals:  # an interval's cell may break before its bracket, and nowhere else
            styles.append({"selector": f"td:nth-child({position})", "props": [("white-space", "nowrap")]})
    styler = frame.style.hide(axis="index").set_uuid(uuid).set_table_styles(styles)
    return styler.set_caption(caption) if caption else styler


def split_tables(display: pd.DataFrame, *, by: str, uuid: str, order: list[str] | None = None,
                 captions: dict[str, str] | None = None, **options):
    """One :func:`readable` table per value of ``by`` (which is left out of each), as one HTML block.

    ``order`` fixes the order of the values (others follow as they come);
    ``captions`` maps a value to its caption (default: the value). Further
    keywords go to :func:`readable`.
    """
    from IPython.display import HTML

    from helpers.report.plots import escaped_cells

    values = list(dict.fromkeys([*(order or []), *display[by].astype(str)]))
    parts = []
    for value in values:
        part = display[display[by].astype(str) == value].drop(columns=[by])
        if part.empty:
            continue
        styler = readable(part, uuid=f"{uuid}-{value}".replace(" ", "-"),
                          caption=(captions or {}).get(value, value), **options)
        parts.append(escaped_cells(styler).to_html())
    return HTML("\n".join(parts))
