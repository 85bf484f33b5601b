"""Figures for the chapters: seaborn bar charts drawn from tidy result rows.

One job: turn rows of ``results.csv`` (or any tidy frame of the same shape)
into the book's figures, in one consistent, colour-blind-safe look, with
byte-for-byte reproducible SVG output.

* :func:`setup` fixes the look and makes notebook figures deterministic SVG;
* :func:`bar_counts` draws horizontal bars of a count (schools per force);
* :func:`bar_percent_by_group` draws the percent of one answer across items
  or groups, with the 95% Wilson interval as error bars;
* :func:`stacked_percent` draws 100% stacked horizontal bars of a scale's
  answers per item or group;
* :func:`diverging_percent` draws diverging (Likert) bars: favourable answers
  to the right of zero, unfavourable ones to the left, neutral centred;
* :func:`word_cloud` draws words sized by their frequency;
* :func:`forest` draws estimates with their confidence intervals (effect sizes);
* :func:`chart_data` shows the numbers behind a chart as a table folded
  under it (its text equivalent; suppressed cells print as ``[c]``);
* :func:`suppression_note` says, for a caption, whether cells were
  suppressed by disclosure control;
* :func:`to_svg` renders a figure to SVG bytes without date metadata.

Every plotting function takes a long-format DataFrame first and column names
as keywords, never changes its input, and returns a
:class:`matplotlib.figure.Figure` that is not registered with pyplot (so a
notebook shows it exactly once, as the cell's result).

Missing-data policy: rows flagged ``c`` (suppressed by disclosure control)
or with an empty value are drawn as absent — no bar, no segment — and the
number of such cells is logged at INFO level; :func:`suppression_note` turns
the same count into a sentence for the caption. A frame with nothing left to
draw gives a figure with a short message instead of an error.

Examples
--------
>>> import pandas as pd
>>> from helpers.report.plots import bar_counts
>>> rows = pd.DataFrame({"force": ["Durham", "Gwent"], "value": [120.0, 14.0]})
>>> fig = bar_counts(rows, x="value", y="force", xlabel="Schools")
>>> len(fig.axes[0].containers[0])
2
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import textwrap

import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import to_rgb
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

__all__ = [
    "EMPTY_MESSAGE",
    "PALETTE",
    "SVG_METADATA",
    "bar_counts",
    "bar_percent_by_group",
    "chart_data",
    "diverging_percent",
    "forest",
    "setup",
    "word_cloud",
    "stacked_percent",
    "suppression_note",
    "to_svg",
]

log = logging.getLogger(__name__)

#: Default seaborn palette: distinguishable with the common colour-vision deficiencies.
PALETTE = "colorblind"

#: What a figure says when there is nothing to draw.
EMPTY_MESSAGE = "No data to show (not collected, or all cells suppressed)."

#: SVG metadata for every saved figure: no ``Date``, so output is reproducible.
SVG_METADATA = {"Date": None}

_WRAP = 45  # characters per line of a wrapped axis label
_BAR_INCH = 0.32  # figure height per bar row, in inches
_WIDTH = 7.5  # figure width in inches (fits the book's text column)


def setup(*, style: str = "whitegrid", palette: str = PALETTE, context: str = "notebook") -> None:
    """Fix the look of all figures and make notebook output deterministic SVG.

    Sets the seaborn theme, a fixed ``svg.hashsalt`` (so element ids do not
    change between runs), ``svg.fonttype = "none"`` (text stays text:
    searchable, small and read by screen readers) and, when running inside
    IPython, makes the inline backend emit SVG without a date.

    Parameters
    ----------
    style : str
        A seaborn style name (default ``"whitegrid"``).
    palette : str
        A seaborn palette name (default ``"colorblind"``).
    context : str
        A seaborn context name (default ``"notebook"``).
    """
    sns.set_theme(style=style, palette=palette, context=context)
    matplotlib.rcParams["svg.hashsalt"] = "minipolice"
    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["figure.dpi"] = 100
    matplotlib.rcParams["axes.titlelocation"] = "left"
    try:
        from IPython import get_ipython
    except ImportError:  # plotting without IPython (scripts, tests)
        return
    shell = get_ipython()
    if shell is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg", metadata=SVG_METADATA)
        _deterministic_tables(shell)


#: The id pandas gives a Styler nobody named: the first five hex digits of a random UUID.
_RANDOM_STYLER_ID = re.compile(r"[0-9a-f]{5}")


def _deterministic_tables(shell) -> None:
    """Styled tables display the same in every run.

    pandas gives each ``Styler`` a random id (``T_3f9a1``, in every cell id
    of its HTML) unless ``set_uuid`` named it, and its plain-text form holds
    a memory address. Unnamed tables are numbered in display order instead
    (``T_table1``, ...: unique within a page, the same in every run), and the
    plain text gives the table's shape.
    """
    from pandas.io.formats.style import Styler

    shown = itertools.count(1)

    def html(styler: Styler) -> str:
        if _RANDOM_STYLER_ID.fullmatch(str(styler.uuid)):
            styler.set_uuid(f"table{next(shown)}")
        return escaped_cells(styler).to_html()

    def text(styler: Styler, printer, cycle) -> None:
        rows, cols = styler.data.shape
        printer.text(f"<styled table: {rows} rows x {cols} columns>")

    shell.display_formatter.formatters["text/html"].for_type(Styler, html)
    shell.display_formatter.formatters["text/plain"].for_type(Styler, text)


def escaped_cells(styler):
    """A ``Styler`` whose every cell is HTML-escaped after its own formatting.

    Escaping is :func:`helpers.text.safe_text.escape_html`.

    pandas writes a styled table's cells into HTML as they are unless each
    ``format`` call asks for escaping; the book's display hook escapes every
    cell's formatted text instead, so a respondent's text in a table is
    shown, never run. Index and column labels come from the code.

    Examples
    --------
    >>> import pandas as pd
    >>> html = escaped_cells(pd.DataFrame({"a": ["<b>x</b>"], "b": [1.25]}).style.format({"b": "{:.1f}"})).to_html()
    >>> "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x" not in html and ">1.2<" in html
    True
    """
    from collections import defaultdict

    from helpers.text.safe_text import escape_html

    def wrap(func):
        return lambda value: escape_html(func(value))

    funcs = styler._display_funcs  # pandas' per-cell formatters (a defaultdict keyed by (row, column))
    if getattr(styler, "_mp_escaped", False):
        return styler
    styler._display_funcs = defaultdict(lambda: wrap(funcs.default_factory()),
                                        {key: wrap(f) for key, f in funcs.items()})
    styler._mp_escaped = True
    return styler


def to_svg(fig: Figure) -> bytes:
    """Render a figure to SVG bytes without date metadata (same figure, same bytes)."""
    buffer = io.BytesIO()
    # A fixed salt for the SVG element ids, whether or not setup() ran.
    with matplotlib.rc_context({"svg.hashsalt": "minipolice", "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata=SVG_METADATA, bbox_inches="tight")
    return buffer.getvalue()


def _flagged(data: pd.DataFrame, flag: str | None) -> pd.Series:
    """Rows flagged ``c`` by disclosure control (none without a ``flag`` column)."""
    if flag is None or flag not in data:
        return pd.Series(False, index=data.index)
    return data[flag].astype("object").fillna("").eq("c")


def _suppressed_mask(data: pd.DataFrame, value: str, flag: str | None) -> pd.Series:
    """Rows drawn as absent: flagged ``c`` or with no value."""
    return pd.to_numeric(data[value], errors="coerce").isna() | _flagged(data, flag)


def suppression_note(data: pd.DataFrame, *, flag: str = "flag", value: str = "value") -> str:
    """A caption sentence on suppressed cells, or ``""`` when none were suppressed.

    Parameters
    ----------
    data : pandas.DataFrame
        The rows a figure was drawn from.
    flag, value : str
        Columns holding the disclosure flag and the plotted value.

    Returns
    -------
    str
        For example ``"2 of the 12 cells (Other children) are suppressed by
        disclosure control (too few respondents) and are not drawn."``: the
        count, and the groups (else answers or items) hidden, up to three;
        empty if no row is flagged ``c``.
    """
    flagged = _flagged(data, flag)
    if not flagged.any():
        return ""
    # Name what is hidden (the groups, else the answers), so that two charts on one page do not carry
    # the same sentence.
    parts = []
    for columns in (("item", "answer", "label", "category"), ("group_label",)):
        for column in columns:
            names = list(dict.fromkeys(data.loc[flagged, column].dropna().astype(str))) if column in data else []
            if names:
                parts.append(", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else ""))
                break
    where = f" ({'; '.join(parts)})" if parts else ""
    k = int(flagged.sum())
    return (f"{k} of the {len(data)} cells{where} are suppressed by disclosure control (too few "
            "respondents) and are not drawn.")


_NEGATIVE_ZERO = re.compile(r"[-\u2212]((?:0[.,]?)0*%?)")


def _label(pattern: str, value: float) -> str:
    """``pattern.format(value)``, without the sign of a value that rounds to zero (never ``-0.00``)."""
    text = pattern.format(value)
    match = _NEGATIVE_ZERO.fullmatch(text)
    return match.group(1) if match else text


def _wrap(labels) -> list[str]:
    return [textwrap.fill(str(label), _WRAP) for label in labels]


def _text_colour(rgb) -> str:
    """Black or white, whichever reads better on a segment of colour ``rgb``."""
    red, green, blue = rgb[:3]
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"


def _new_figure(n_rows: int, *, extra: float = 1.6) -> tuple[Figure, matplotlib.axes.Axes]:
    height = max(2.2, extra + _BAR_INCH * n_rows)
    fig = Figure(figsize=(_WIDTH, height), layout="constrained")
    return fig, fig.subplots()


def _empty(message: str) -> Figure:
    fig, ax = _new_figure(1)
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    return fig


def _order(data: pd.DataFrame, column: str, order) -> list[str]:
    if order is not None:
        return [str(o) for o in order]
    return list(dict.fromkeys(data[column].astype(str)))


def _drawable(data: pd.DataFrame, value: str, flag: str | None, what: str) -> pd.DataFrame:
    absent = _suppressed_mask(data, value, flag)
    if absent.any():
        log.info("%s: %d suppressed or empty cell(s) drawn as absent", what, int(absent.sum()))
    out = data.loc[~absent].copy()
    out[value] = pd.to_numeric(out[value])
    return out


def _common_prefix(labels: list[str]) -> str:
    """The leading words shared by every label (empty for fewer than two labels)."""
    if len(labels) < 2:
        return ""
    words = [label.split(" ") for label in labels]
    shared = []
    for column in zip(*words, strict=True):
        if len(set(column)) != 1:
            break
        shared.append(column[0])
    if len(shared) >= min(len(w) for w in words):  # a label would become empty
        shared = shared[:-1]
    return " ".join(shared)


def _finish(ax, *, xlabel: str, ylabel: str, title: str, legend_title: str | None, hue: str | None,
            labels: str = "wrap"):
    if labels not in ("wrap", "strip-prefix"):
        raise ValueError(f"labels must be 'wrap' or 'strip-prefix', not {labels!r}")
    ax.set_xlabel(textwrap.fill(xlabel, 60))
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    texts = [t.get_text() for t in ax.get_yticklabels()]
    if labels == "strip-prefix":
        prefix = _common_prefix(texts)
        if prefix:
            texts = [t[len(prefix):].strip() for t in texts]
            texts = [t[:1].upper() + t[1:] for t in texts]
            ax.set_title("\n".join(filter(None, [title, prefix + " …"])), fontsize="medium")
    ax.set_yticks(ax.get_yticks(), _wrap(texts))
    for text in ax.get_yticklabels():
        text.set_multialignment("right")  # a wrapped label's lines end flush against its bar
    legend = ax.get_legend()
    if legend is not None:
        # A figure-level legend above the axes: constrained layout keeps it inside
        # the figure without squeezing the bars.
        handles, names = legend.legend_handles, [t.get_text() for t in legend.get_texts()]
        legend.remove()
        ax.figure.legend(handles, names, loc="outside upper center", frameon=False,
                         ncols=min(len(names), 3),
                         title=(legend_title if legend_title is not None else hue) or None)


def _stacked_bars(rows: pd.DataFrame, *, x: str, y: str, hue: str, order: list, hue_order: list,
                  palette: str):
    """Draw ``hue`` levels end to end along each ``y`` bar, with a legend.

    Returns the figure, its axes, the rows sorted with their cumulative end
    in ``_end``, and the colour of each level.
    """
    fig, ax = _new_figure(len(order))
    colours = dict(zip(hue_order, sns.color_palette(palette, len(hue_order)), strict=True))
    rows = rows.assign(_rank=rows[hue].map({h: i for i, h in enumerate(hue_order)}))
    rows = rows.sort_values([y, "_rank"], kind="stable")
    rows["_end"] = rows.groupby(y, sort=False)[x].cumsum()
    # Each level is a bar from 0 to its cumulative end, the last level first, so
    # that the earlier levels cover all but their own segment.
    for level in reversed(hue_order):
        sns.barplot(rows[rows[hue] == level], x="_end", y=y, order=order, orient="h",
                    errorbar=None, color=colours[level], saturation=1, ax=ax)
    ax.legend(handles=[Patch(facecolor=colours[h], label=h) for h in hue_order])
    return fig, ax, rows, colours


def bar_counts(data: pd.DataFrame, *, x: str = "value", y: str = "group", hue: str | None = None,
               order=None, hue_order=None, sort: str = "descending", flag: str | None = "flag",
               xlabel: str = "Count", ylabel: str = "", title: str = "", legend_title: str | None = None,
               palette: str = PALETTE, label_bars: str = "yes",
               label_format: str = "{:,.0f}", labels: str = "wrap", multiple: str = "dodge",
                    empty: str = EMPTY_MESSAGE) -> Figure:
    """Horizontal bars of a count (or any quantity) per category.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per bar (per ``y`` and, if given, ``hue``).
    x : str
        Column with the bar length (default ``"value"``).
    y : str
        Column with the category on the vertical axis (e.g. force).
    hue : str, optional
        Column splitting each category into side-by-side bars.
    order, hue_order : list, optional
        Category orders; by default ``sort`` decides the ``y`` order and the
        ``hue`` order is that of first appearance.
    sort : {"descending", "ascending", "none"}
        Order of ``y`` categories by their total, when ``order`` is not given.
    flag : str or None
        Column with the disclosure flag; rows flagged ``c`` are not drawn.
    xlabel, ylabel, title, legend_title : str
        Axis labels, optional title and legend title.
    palette : str
        Seaborn palette name.
    label_bars : {"yes", "no"}
        Write each bar's value at its end.
    label_format : str
        Format of those values (default ``"{:,.0f}"``, e.g. ``1,234``); with
        ``multiple="stack"`` the total of each stacked bar is written.
    multiple : {"dodge", "stack"}
        With ``hue``: bars side by side (only where a category has several
        hue levels), or stacked end to end.
    labels : {"wrap", "strip-prefix"}
        How to show the vertical-axis labels: wrapped, or with the words
        shared by all of them moved into the axis title ("Being in the
        programme has improved my …") and the rest wrapped.
    empty : str
        Message shown instead of bars when nothing is left to draw.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; ``ax.containers`` hold one bar container per hue level
        (one bar per category having that level).
    """
    if sort not in ("descending", "ascending", "none"):
        raise ValueError(f"sort must be 'descending', 'ascending' or 'none', not {sort!r}")
    if multiple not in ("dodge", "stack"):
        raise ValueError(f"multiple must be 'dodge' or 'stack', not {multiple!r}")
    rows = _drawable(data, x, flag, "bar_counts")
    rows[y] = rows[y].astype(str)
    if rows.empty:
        return _empty(empty)
    if order is None:
        totals = rows.groupby(y, sort=False)[x].sum()
        if sort != "none":
            totals = totals.sort_values(ascending=sort == "ascending", kind="stable")
        order = list(totals.index)
    order = [o for o in _order(rows, y, order) if o in set(rows[y])]
    if hue is not None:
        rows[hue] = rows[hue].astype(str)
        hue_order = [h for h in _order(rows, hue, hue_order) if h in set(rows[hue])]
    if multiple == "stack" and hue is not None:
        fig, ax, rows, _ = _stacked_bars(rows, x=x, y=y, hue=hue, order=order, hue_order=hue_order,
                                         palette=palette)
        if label_bars == "yes":
            totals = rows.groupby(y)[x].sum()
            for position, category in enumerate(order):
                ax.annotate(_label(label_format, totals[category]), (totals[category], position),
                            xytext=(2, 0), textcoords="offset points", va="center", fontsize="small")
    else:
        # Side-by-side bars only where a category has several hue levels (not, e.g.,
        # one effect size per item coloured by its kind).
        dodge = hue is not None and bool(rows.groupby(y)[hue].nunique().gt(1).any())
        per_row = len(hue_order) * 0.6 if dodge else 1
        fig, ax = _new_figure(len(order) * max(1, per_row))
        sns.barplot(rows, x=x, y=y, hue=hue, order=order, hue_order=hue_order, orient="h",
                    errorbar=None, palette=palette if hue is not None else None, dodge=dodge,
                    color=None if hue is not None else sns.color_palette(palette)[0], ax=ax)
        if label_bars == "yes":
            for container in ax.containers:
                ax.bar_label(container, fmt=lambda v: _label(label_format, v), padding=2, fontsize="small")
    integers = bool(np.allclose(rows[x], np.round(rows[x])))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=integers))
    _finish(ax, xlabel=xlabel, ylabel=ylabel, title=title, legend_title=legend_title, hue=hue,
            labels=labels)
    return fig


def bar_percent_by_group(data: pd.DataFrame, *, x: str = "value", y: str = "item",
                         hue: str | None = "group_label", category: str | None = None,
                         category_col: str = "category", ci_low: str = "ci_low",
                         ci_high: str = "ci_high", order=None, hue_order=None,
                         flag: str | None = "flag", xlabel: str = "Percent", ylabel: str = "",
                         title: str = "", legend_title: str | None = "",
                         palette: str = PALETTE, labels: str = "wrap",
                    empty: str = EMPTY_MESSAGE) -> Figure:
    """Percent giving one answer, across items or groups, with 95% Wilson intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        Percent rows (e.g. from :func:`helpers.report.tables.item_block`), one per
        (``y``, ``hue``) after the optional ``category`` filter.
    x : str
        Column with the percent (0–100).
    y : str
        Column with the item (or group) on the vertical axis.
    hue : str or None
        Column with the group compared side by side (``None``: one bar per item).
    category : str, optional
        Keep only rows whose ``category_col`` equals this answer code.
    ci_low, ci_high : str
        Columns with the interval bounds; drawn as error bars where present.
    order, hue_order : list, optional
        Orders of ``y`` and ``hue`` (default: first appearance).
    flag : str or None
        Column with the disclosure flag; rows flagged ``c`` are not drawn.
    xlabel, ylabel, title, legend_title : str
        Axis labels, optional title and legend title.
    palette : str
        Seaborn palette name.
    labels : {"wrap", "strip-prefix"}
        How to show the vertical-axis labels: wrapped, or with the words
        shared by all of them moved into the axis title ("Being in the
        programme has improved my …") and the rest wrapped.
    empty : str
        Message shown instead of bars when nothing is left to draw.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, x from 0 to 100; ``ax.containers`` hold one bar container
        per hue level, then one error-bar container per interval drawn.
        Where a row lacks some hue levels, its bars are centred on its label
        (no empty slots for the absent levels).
    """
    rows = data if category is None else data[data[category_col].astype(str) == str(category)]
    rows = _drawable(rows, x, flag, "bar_percent_by_group")
    if rows.empty:
        return _empty(empty)
    rows[y] = rows[y].astype(str)
    order = [o for o in _order(rows, y, order) if o in set(rows[y])]
    n_hue = 1
    if hue is not None:
        rows[hue] = rows[hue].astype(str)
        hue_order = [h for h in _order(rows, hue, hue_order) if h in set(rows[hue])]
        n_hue = len(hue_order)
    # Rows that hold only some of the groups (a chart of quoted numbers, each from its own group):
    # each row's bars are centred on its label, rather than left in the slots of absent groups.
    present = {o: [h for h in hue_order if ((rows[y] == o) & (rows[hue] == h)).any()] for o in order} \
        if hue is not None else {}
    sparse = hue is not None and any(len(v) < n_hue for v in present.values())
    lines = sum(max(1, len(textwrap.wrap(str(o), _WRAP))) for o in order)  # room for wrapped labels
    if sparse:
        most = max(len(v) for v in present.values())
        fig, ax = _new_figure(max(len(order) * max(1, most * 0.6), lines * 0.8))
        slot = 0.8 / most
        centre_of = {(o, h): i - slot * len(present[o]) / 2 + slot * (k + 0.5)
                     for i, o in enumerate(order) for k, h in enumerate(present[o])}
        colours = dict(zip(hue_order, sns.color_palette(palette, n_hue), strict=True))
        for h in hue_order:
            part = rows[rows[hue] == h]
            ax.barh([centre_of[(o, h)] for o in part[y]], part[x].to_numpy(dtype=float), height=slot,
                    color=colours[h], label=h)
        ax.set_yticks(np.arange(len(order)), order)
        ax.set_ylim(len(order) - 0.5, -0.5)
        ax.legend()
    else:
        fig, ax = _new_figure(max(len(order) * max(1, n_hue * 0.6), lines * 0.8))
        sns.barplot(rows, x=x, y=y, hue=hue, order=order, hue_order=hue_order, orient="h",
                    errorbar=None, palette=palette if hue is not None else None,
                    color=None if hue is not None else sns.color_palette(palette)[0], ax=ax)
    if ci_low in rows and ci_high in rows:
        bars = [bar for container in ax.containers if isinstance(container, BarContainer)
                for bar in container]
        centres = np.array([bar.get_y() + bar.get_height() / 2 for bar in bars])
        width = 0.8 / n_hue
        for _, row in rows.iterrows():
            low, high = row[ci_low], row[ci_high]
            if pd.isna(low) or pd.isna(high):
                continue
            j = hue_order.index(row[hue]) if hue is not None else 0
            expected = (centre_of[(row[y], row[hue])] if sparse
                        else order.index(row[y]) - 0.4 + width * (j + 0.5))
            centre = centres[np.argmin(np.abs(centres - expected))] if len(centres) else expected
            value = row[x]
            ax.errorbar(value, centre, xerr=[[max(value - low, 0)], [max(high - value, 0)]],
                        fmt="none", ecolor="0.2", elinewidth=1, capsize=2)
    ax.set_xlim(0, 100)
    _finish(ax, xlabel=xlabel, ylabel=ylabel, title=title, legend_title=legend_title, hue=hue,
            labels=labels)
    return fig


def stacked_percent(data: pd.DataFrame, *, x: str = "value", y: str = "item", hue: str = "answer",
                    order=None, hue_order=None, flag: str | None = "flag", xlabel: str = "Percent",
                    ylabel: str = "", title: str = "", legend_title: str | None = "",
                    palette: str = PALETTE, label_segments: str = "yes",
                    labels: str = "wrap",
                    empty: str = EMPTY_MESSAGE) -> Figure:
    """100% stacked horizontal bars: the answers of one scale per item or group.

    Parameters
    ----------
    data : pandas.DataFrame
        Percent rows, one per (``y``, ``hue``): every answer of the scale
        for each item or group.
    x : str
        Column with the percent of the answer (0–100).
    y : str
        Column with the item or group (one bar each).
    hue : str
        Column with the answer; segments are stacked in ``hue_order``
        (default: first appearance, i.e. the scale order of the codebook).
    order : list, optional
        Order of the bars (default: first appearance).
    flag : str or None
        Column with the disclosure flag; suppressed answers leave no segment,
        so that bar stops short of 100.
    xlabel, ylabel, title, legend_title : str
        Axis labels, optional title and legend title.
    palette : str
        Seaborn palette name (one colour per answer).
    label_segments : {"yes", "no"}
        Write the percent inside segments wide enough to hold it.
    labels : {"wrap", "strip-prefix"}
        How to show the vertical-axis labels: wrapped, or with the words
        shared by all of them moved into the axis title ("Being in the
        programme has improved my …") and the rest wrapped.
    empty : str
        Message shown instead of bars when nothing is left to draw.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, x from 0 to 100; ``ax.containers`` hold one bar container
        per answer (one bar per item with that answer drawn).
    """
    rows = _drawable(data, x, flag, "stacked_percent")
    if rows.empty:
        return _empty(empty)
    rows[y] = rows[y].astype(str)
    rows[hue] = rows[hue].astype(str)
    order = [o for o in _order(rows, y, order) if o in set(rows[y])]
    hue_order = [h for h in _order(rows, hue, hue_order) if h in set(rows[hue])]
    fig, ax, rows, colours = _stacked_bars(rows, x=x, y=y, hue=hue, order=order, hue_order=hue_order,
                                           palette=palette)
    if label_segments == "yes":
        for _, row in rows.iterrows():
            if row[x] >= 8:
                ax.text(row["_end"] - row[x] / 2, order.index(row[y]), f"{row[x]:.0f}",
                        ha="center", va="center", fontsize="small",
                        color=_text_colour(colours[row[hue]]))
    ax.set_xlim(0, 100)
    _finish(ax, xlabel=xlabel, ylabel=ylabel, title=title, legend_title=legend_title, hue=hue,
            labels=labels)
    return fig


def _diverging_sides(hue_order: list[str], polarity: dict[str, int]) -> tuple[list, list, list]:
    """Favourable, neutral and unfavourable levels, each ordered from the centre outwards."""
    positions = {h: i for i, h in enumerate(hue_order)}
    neutral = [h for h in hue_order if polarity[h] == 0]
    centre = positions[neutral[0]] if neutral else (len(hue_order) - 1) / 2

    def outwards(levels):
        return sorted(levels, key=lambda h: abs(positions[h] - centre))

    return (outwards([h for h in hue_order if polarity[h] > 0]), neutral,
            outwards([h for h in hue_order if polarity[h] < 0]))


def diverging_percent(data: pd.DataFrame, *, polarity: dict[str, int], x: str = "value", y: str = "item",
                      hue: str = "category", hue_labels: dict[str, str] | None = None, order=None,
                      hue_order=None, flag: str | None = "flag", xlabel: str = "Percent",
                      ylabel: str = "", title: str = "", labels: str = "wrap",
                      palette: str = "RdBu", neutral_colour: str = "0.8",
                      empty: str = EMPTY_MESSAGE, section: str | None = None,
                      bar_label: str | None = None) -> Figure:
    """Diverging stacked bars of an agreement (Likert-type) scale.

    Each bar is one item or group: favourable answers extend to the right of
    zero, unfavourable ones to the left, and neutral answers straddle zero,
    so the balance of opinion reads at a glance and bars can be compared.

    Parameters
    ----------
    data : pandas.DataFrame
        Percent rows, one per (``y``, ``hue``).
    polarity : dict
        ``hue`` level to +1 (favourable), 0 (neutral) or -1 (unfavourable),
        e.g. from the codebook scale's ``polarity``.
    x, y, hue : str
        Columns with the percent, the bar, and the answer code.
    hue_labels : dict, optional
        Display label of each answer code for the legend.
    order, hue_order : list, optional
        Bar order (default: first appearance) and the scale order of the
        answers (default: first appearance).
    flag : str or None
        Column with the disclosure flag; suppressed answers leave no segment.
    xlabel, ylabel, title : str
        Axis labels and optional title.
    labels : {"wrap", "strip-prefix"}
        How to show the vertical-axis labels (see :func:`stacked_percent`).
    palette : str
        Diverging seaborn palette; favourable answers take its blue end.
    neutral_colour : str
        Colour of neutral segments (a mid grey, visible on white).
    empty : str
        Message shown instead of bars when nothing is left to draw.
    section : str, optional
        Column naming a heading for each bar (e.g. the question when each
        question has a bar per group). Bars of one heading are drawn
        together under it, the heading on a line of its own in bold, so a
        long question is printed once and never wraps into a neighbour's
        row; each bar is then labelled by ``bar_label`` alone.
    bar_label : str, optional
        Column with the label printed beside each bar when ``section`` is
        given (default: ``y``).

    Returns
    -------
    matplotlib.figure.Figure
        One axes with x from -100 to 100 (tick labels show percents without
        sign); ``ax.containers`` hold one bar container per answer drawn.
        Every tick label is right-aligned line by line and sits at the
        centre of its bar (or heading) row.
    """
    rows = _drawable(data, x, flag, "diverging_percent")
    if rows.empty:
        return _empty(empty)
    rows[y] = rows[y].astype(str)
    rows[hue] = rows[hue].astype(str)
    order = [o for o in _order(rows, y, order) if o in set(rows[y])]
    hue_order = [str(h) for h in (hue_order if hue_order is not None else _order(rows, hue, None))]
    unknown = set(rows[hue]) - set(polarity)
    if unknown:
        raise ValueError(f"diverging_percent: no polarity for {sorted(unknown)}")
    favourable, neutral, unfavourable = _diverging_sides(hue_order, polarity)
    # Colours run from the most favourable (blue) to the least (red).
    strength = list(reversed(favourable)) + neutral + unfavourable
    colours = dict(zip(strength, sns.color_palette(palette + "_r", len(strength)), strict=True))
    for h in neutral:
        colours[h] = to_rgb(neutral_colour)
    table = rows.pivot_table(index=y, columns=hue, values=x, aggfunc="sum").reindex(
        index=order, columns=hue_order).fillna(0.0)
    positions = np.arange(len(order), dtype=float)
    tick_positions, tick_labels, headings = list(positions), list(order), []
    if section is not None:
        first = rows.drop_duplicates(y).set_index(y)
        heading_of = first[section].astype(str)
        shown_as = first[bar_label].astype(str) if bar_label is not None else first.index.to_series()
        tick_positions, tick_labels, at = [], [], 0
        for head in dict.fromkeys(heading_of[order]):
            headings.append(len(tick_labels))
            tick_positions.append(at)
            tick_labels.append(head)
            at += 1
            for k, bar in enumerate(order):
                if heading_of[bar] == head:
                    positions[k] = at
                    tick_positions.append(at)
                    tick_labels.append(shown_as[bar])
                    at += 1
            at += 0.4  # a little air before the next heading
    lines = sum(max(1, len(textwrap.wrap(str(t), _WRAP))) for t in tick_labels)
    fig, ax = _new_figure(max(len(tick_labels), int(np.ceil(lines * 0.75))))
    half_neutral = table[neutral].sum(axis=1).to_numpy() / 2 if neutral else np.zeros(len(order))
    segments = []
    for side, levels, start in ((1, favourable, half_neutral), (-1, unfavourable, -half_neutral)):
        edge = start.copy()
        for level in levels:
            width = table[level].to_numpy() * side
            segments.append((level, edge.copy(), width))
            edge = edge + width
    for level in neutral:
        segments.append((level, -half_neutral, table[level].to_numpy()))
    for level in hue_order:
        for name, left, width in segments:
            if name != level:
                continue
            bars = ax.barh(positions, width, left=left, height=0.7, color=colours[level],
                           label=(hue_labels or {}).get(level, level))
            for bar, value in zip(bars, np.abs(width), strict=True):
                if value >= 8:
                    ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2,
                            f"{value:.0f}", ha="center", va="center", fontsize="small",
                            color=_text_colour(colours[level]))
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_yticks(tick_positions, tick_labels)
    ax.set_ylim(max(tick_positions) + 0.6, min(tick_positions) - 0.6)  # first bar on top
    ax.set_xlim(-100, 100)
    ax.xaxis.set_major_locator(FixedLocator([-100, -75, -50, -25, 0, 25, 50, 75, 100]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.0f}"))
    ax.legend()
    _finish(ax, xlabel=xlabel, ylabel=ylabel, title=title, legend_title="", hue=hue, labels=labels)
    for k, text in enumerate(ax.get_yticklabels()):  # right-aligned by _finish; headings in bold
        if k in headings:
            text.set_fontweight("bold")
    if headings:
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="y", visible=False)  # no rule through a heading's row
    return fig


def word_cloud(data: pd.DataFrame, *, word: str = "word", count: str = "count", seed: int = 2019,
               max_words: int = 60, empty: str = EMPTY_MESSAGE) -> Figure:
    """Words drawn with a size proportional to how often they were used.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per word with its count (already filtered for disclosure).
    word, count : str
        Columns with the word and its count.
    seed : int
        Seed of the layout, so the same words give the same picture.
    max_words : int
        Most frequent words drawn.
    empty : str
        Message shown when there are no words.

    Returns
    -------
    matplotlib.figure.Figure
        One axes holding the rendered cloud as an image.
    """
    from wordcloud import WordCloud

    rows = data.dropna(subset=[word, count])
    rows = rows[pd.to_numeric(rows[count]) > 0]
    if rows.empty:
        return _empty(empty)
    frequencies = dict(zip(rows[word].astype(str), pd.to_numeric(rows[count]).astype(float), strict=True))
    cloud = WordCloud(width=900, height=420, background_color="white", colormap="Dark2",
                      random_state=seed, max_words=max_words, prefer_horizontal=1.0,
                      relative_scaling=0.6).generate_from_frequencies(frequencies)
    fig = Figure(figsize=(_WIDTH, _WIDTH * 420 / 900), layout="constrained")
    ax = fig.subplots()
    ax.imshow(cloud.to_array(), interpolation="bilinear")
    ax.set_axis_off()
    return fig


def forest(data: pd.DataFrame, *, x: str = "effect_size", low: str = "effect_ci_low",
           high: str = "effect_ci_high", y: str = "item", hue: str | None = None, xlabel: str = "Effect size",
           reference: float = 0.0, palette: str = PALETTE, empty: str = EMPTY_MESSAGE,
           panels: str | None = None, panel_labels: dict[str, str] | None = None) -> Figure:
    """Point estimates with horizontal confidence intervals, one row each (a forest plot).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per estimate; rows without an estimate are not drawn.
    x, low, high : str
        Columns with the estimate and its interval bounds (bounds may be empty).
    y : str
        Column naming each row.
    hue : str, optional
        Column colouring the rows (e.g. the kind of effect size).
    xlabel : str
        Axis label (of every panel without its own in ``panel_labels``).
    reference : float
        Where the vertical "no effect" line is drawn.
    palette : str
        Seaborn palette name.
    empty : str
        Message shown when nothing can be drawn.
    panels : str, optional
        Column splitting the rows into stacked panels, each with its own
        x axis: measures on different scales (a signed rank-biserial r, an
        unsigned Cramér's V) never share an axis.
    panel_labels : dict, optional
        Axis label per panel value.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per panel (one without ``panels``); one point per row in
        the order given, top to bottom.
    """
    rows = data.dropna(subset=[x]).reset_index(drop=True)
    if rows.empty:
        return _empty(empty)
    groups = list(dict.fromkeys(rows[panels].astype(str))) if panels is not None else [None]
    sizes = [int((rows[panels].astype(str) == g).sum()) if g is not None else len(rows) for g in groups]
    height = max(2.2, 1.6 * len(groups) + _BAR_INCH * len(rows))
    fig = Figure(figsize=(_WIDTH, height), layout="constrained")
    axes = fig.subplots(len(groups), 1, squeeze=False, gridspec_kw={"height_ratios": [s + 1 for s in sizes]})[:, 0]
    levels = list(dict.fromkeys(rows[hue].astype(str))) if hue is not None else [""]
    colours = dict(zip(levels, sns.color_palette(palette, len(levels)), strict=True))
    for ax, group in zip(axes, groups, strict=True):
        block = rows[rows[panels].astype(str) == group].reset_index(drop=True) if group is not None else rows
        positions = np.arange(len(block))
        for level in levels:
            part = block[block[hue].astype(str) == level] if hue is not None else block
            if part.empty:
                continue
            where = positions[part.index]
            estimate = part[x].to_numpy(dtype=float)
            lower = np.nan_to_num(estimate - part[low].to_numpy(dtype=float)) if low in part else None
            upper = np.nan_to_num(part[high].to_numpy(dtype=float) - estimate) if high in part else None
            ax.errorbar(estimate, where, xerr=None if lower is None else [lower, upper], fmt="o",
                        color=colours[level], ecolor=colours[level], capsize=2,
                        label=(level or None) if ax is axes[0] or panels is not None else None)
        ax.axvline(reference, color="0.4", linewidth=0.8)
        ax.set_yticks(positions, _wrap(block[y].astype(str)))
        ax.set_ylim(len(block) - 0.5, -0.5)
        label = (panel_labels or {}).get(group, xlabel) if group is not None else xlabel
        ax.set_xlabel(textwrap.fill(label, 60))
    if hue is not None and panels is None:
        fig.legend(loc="outside upper center", frameon=False, ncols=min(len(levels), 3))
    return fig


def dot_means(data: pd.DataFrame, *, x: str = "value", y: str = "item", hue: str | None = "group_label",
              scale: tuple[float, float] = (1, 5), low: str = "ci_low", high: str = "ci_high",
              xlabel: str = "Mean", hue_order=None, palette: str = PALETTE, empty: str = EMPTY_MESSAGE) -> Figure:
    """Means as dots on their true scale (1 to 5, 1 to 6), one row per item, groups side by side.

    A bar drawn from zero suggests a quantity that starts at zero; a mean
    score or rank does not, so each mean is a dot on an axis that spans the
    scale, with its interval as a line where ``low`` and ``high`` are given.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per (item, group); rows without a value are not drawn.
    x, y, hue : str
        Columns with the mean, the item and the group.
    scale : tuple of float
        The scale's lowest and highest score: the axis spans it, ticks at
        whole scores.
    low, high : str
        Interval bounds, drawn where present and not empty.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; one errorbar container per group, in ``hue_order``.

    Examples
    --------
    >>> rows = pd.DataFrame({"item": ["Safe at home", "Safe at home"], "group_label": ["A", "B"],
    ...                      "value": [1.3, 1.6]})
    >>> ax = dot_means(rows, scale=(1, 5)).axes[0]
    >>> tuple(float(v) for v in ax.get_xlim())
    (0.75, 5.25)
    """
    rows = data.dropna(subset=[x]).reset_index(drop=True)
    if rows.empty:
        return _empty(empty)
    items = list(dict.fromkeys(rows[y].astype(str)))
    levels = (list(hue_order) if hue_order is not None else list(dict.fromkeys(rows[hue].astype(str)))) \
        if hue is not None else [""]
    levels = [lv for lv in levels if hue is None or (rows[hue].astype(str) == lv).any()]
    colours = dict(zip(levels, sns.color_palette(palette, max(len(levels), 1)), strict=False))
    fig = Figure(figsize=(_WIDTH, max(2.2, 1.4 + _BAR_INCH * len(items) * max(1, len(levels)) * 0.8)),
                 layout="constrained")
    ax = fig.subplots()
    step = 0.6 / max(1, len(levels))
    for j, level in enumerate(levels):
        part = rows[rows[hue].astype(str) == level] if hue is not None else rows
        where = np.array([items.index(v) for v in part[y].astype(str)]) - 0.3 + step * (j + 0.5)
        estimate = part[x].to_numpy(dtype=float)
        err = None
        if low in part and high in part and part[[low, high]].notna().all(axis=None):
            err = [estimate - part[low].to_numpy(dtype=float), part[high].to_numpy(dtype=float) - estimate]
        ax.errorbar(estimate, where, xerr=err, fmt="o", color=colours[level], ecolor=colours[level], capsize=2,
                    label=level or None)
        for value, at in zip(estimate, where, strict=True):
            ax.annotate(f"{value:.2f}", (value, at), xytext=(6, 0), textcoords="offset points", va="center",
                        fontsize="small")
    ax.set_xlim(scale[0] - 0.25, scale[1] + 0.25)
    ax.set_xticks(np.arange(scale[0], scale[1] + 1))
    ax.set_yticks(np.arange(len(items)), _wrap(items))
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(textwrap.fill(xlabel, 60))
    if hue is not None and len(levels) > 1:
        fig.legend(loc="outside upper center", frameon=False, ncols=min(len(levels), 3))
    return fig


def published_vs_reproduced(data: pd.DataFrame, *, x: str = "value", y: str = "reproduced",
                            hue: str = "status", xlabel: str = "Published in 2019",
                            ylabel: str = "Reproduced from the data", palette: str = PALETTE,
                            empty: str = EMPTY_MESSAGE) -> Figure:
    """Scatter of published against reproduced values, with the line of equality.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per published number; rows with an empty ``x`` or ``y`` are
        not drawn.
    x, y : str
        Columns of the published and the reproduced value.
    hue : str
        Column colouring the points (e.g. pass / fail).
    xlabel, ylabel : str
        Axis labels.
    palette : str
        Seaborn palette name.
    empty : str
        Message shown when nothing can be drawn.

    Returns
    -------
    matplotlib.figure.Figure
        One square axes with one point collection per ``hue`` level.
    """
    rows = data.dropna(subset=[x, y])
    if rows.empty:
        return _empty(empty)
    fig = Figure(figsize=(5.5, 5.5), layout="constrained")
    ax = fig.subplots()
    high = float(max(rows[x].max(), rows[y].max())) * 1.05
    ax.plot([0, high], [0, high], color="0.6", linewidth=1, zorder=0)
    sns.scatterplot(rows, x=x, y=y, hue=hue, palette=palette, ax=ax, s=28)
    ax.set_xlim(0, high)
    ax.set_ylim(0, high)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig


def chart_data(data: pd.DataFrame, columns: dict[str, str], *, flag: str | None = "flag",
               summary: str = "The numbers in this chart", digits: int = 1):
    """The numbers behind a chart, as a table folded under it: the chart's text equivalent.

    Screen-reader users and anyone who wants the exact values open it; the
    PDF edition prints it open. Rows keep the order of ``data``.

    Parameters
    ----------
    data : pandas.DataFrame
        The rows the chart was drawn from.
    columns : dict
        Columns to show, in order, mapped to their headers.
    flag : str or None
        Column of the disclosure flag: numeric cells of rows flagged ``c``
        print as ``[c]``, as in the prose.
    summary : str
        The visible label of the folded table.
    digits : int
        Decimal places of non-integer numbers.

    Returns
    -------
    IPython.display.HTML
        ``<details class="mp-chart-data">`` holding a plain HTML table
        (no index, no random ids: the same data give the same bytes).
    """
    from IPython.display import HTML

    from helpers.text.safe_text import escape_html as escape

    missing = [c for c in columns if c not in data]
    if missing:
        raise KeyError(f"chart_data: no column {', '.join(missing)} in the chart's data")
    suppressed = _flagged(data, flag)

    def cell(value, hidden: bool, numeric: bool) -> str:
        if numeric and hidden:
            return "[c]"
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if numeric:
            number = float(value)
            return f"{number:,.0f}" if number.is_integer() else f"{number:,.{digits}f}"
        return escape(str(value))

    numeric = {c: pd.api.types.is_numeric_dtype(data[c]) for c in columns}
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in columns.values())
    body = []
    for index, row in data.iterrows():
        cells = []
        for i, col in enumerate(columns):
            align = ' class="mp-num"' if numeric[col] else ""
            tag = "th" if i == 0 else "td"
            scope = ' scope="row"' if i == 0 else ""
            cells.append(f"<{tag}{scope}{align}>{cell(row[col], bool(suppressed[index]), numeric[col])}</{tag}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return HTML(f'<details class="mp-chart-data"><summary>{escape(summary)}</summary>'
                f'<table class="mp-chart-table"><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table></details>')


__all__ += ["logic_model", "dot_means"]

_LOGIC_COLUMNS = {"aim": "Aims", "activity": "Activities", "outcome": "Outcomes", "item": "Survey items"}


def logic_model(data: pd.DataFrame, *, family: str = "family", palette: str = PALETTE,
                empty: str = EMPTY_MESSAGE) -> Figure:
    """A logic model: aims -> activities -> outcomes -> survey items, as four columns of linked boxes.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per link, with columns ``aim``, ``activity``, ``outcome``
        and ``item`` (labels) and ``family`` (the item's outcome family), as
        :func:`helpers.core.outcomes.logic_model` returns.
    family : str
        Column colouring the survey items (primary items are also bold).
    palette : str
        Seaborn palette name.
    empty : str
        Message shown when nothing can be drawn.

    Returns
    -------
    matplotlib.figure.Figure
        Nodes in the order they first appear; a line joins every pair of
        nodes in neighbouring columns that share a row of ``data``.
    """
    if data.empty:
        return _empty(empty)
    columns = list(_LOGIC_COLUMNS)
    nodes = {c: list(dict.fromkeys(data[c].astype(str))) for c in columns}
    tallest = max(len(v) for v in nodes.values())
    fig = Figure(figsize=(_WIDTH + 2.5, max(4.0, 0.34 * tallest + 1.2)), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    xs = {c: i for i, c in enumerate(columns)}
    position = {}
    for c in columns:
        n = len(nodes[c])
        for i, label in enumerate(nodes[c]):
            position[(c, label)] = (xs[c], 1 - (i + 0.5) / n)
    for left, right in zip(columns, columns[1:], strict=False):
        for a, b in data[[left, right]].astype(str).drop_duplicates().itertuples(index=False):
            (x0, y0), (x1, y1) = position[(left, a)], position[(right, b)]
            ax.plot([x0 + 0.28, x1 - 0.28], [y0, y1], color="0.75", linewidth=0.6, zorder=1)
    families = list(dict.fromkeys(data[family].astype(str)))
    colours = dict(zip(families, sns.color_palette(palette, len(families)), strict=True))
    item_family = data.drop_duplicates("item").set_index("item")[family].astype(str)
    for c in columns:
        for label in nodes[c]:
            x, y = position[(c, label)]
            fam = item_family.get(label) if c == "item" else None
            face = colours[fam] if fam else "white"
            ax.text(x, y, textwrap.fill(label, 30 if c == "item" else 24), ha="center", va="center",
                    fontsize=6.5 if c == "item" else 7.5, color=_text_colour(to_rgb(face)) if fam else "black",
                    fontweight="bold" if fam == "primary" else "normal", zorder=2,
                    bbox={"boxstyle": "round,pad=0.3", "facecolor": face, "edgecolor": "0.4", "linewidth": 0.6})
    for c in columns:
        ax.text(xs[c], 1.02, _LOGIC_COLUMNS[c], ha="center", va="bottom", fontsize=9, fontweight="bold")
    ax.set_xlim(-0.45, len(columns) - 0.55)
    ax.set_ylim(-0.01, 1.05)
    if family:
        handles = [Patch(facecolor=colours[f], edgecolor="0.4", label=f"{f.capitalize()} item") for f in families]
        fig.legend(handles=handles, loc="outside lower center", frameon=False, ncols=len(families))
    return fig
