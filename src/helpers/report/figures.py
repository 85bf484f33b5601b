"""The 2019 report's figures, regenerated from the processed tables.

One job: for every figure of the 2019 national evaluation (3.1–3.3,
4.1–4.20, 5.1–5.7, listed with the report's numbers and titles in
``figures.yml``), select its rows from ``results.csv``, draw it, and wrap it
for the book with everything a reader needs beside the picture:

* the report's number and title, so the book and the report can be read
  side by side;
* alt text that states the main finding in numbers (written from the same
  rows, so it changes when the data change);
* a caption giving the base (who answered, how many), how to read the chart
  and whether disclosure control suppressed anything;
* the figure's own table as a CSV download (a ``data:`` link, so the
  executed notebook and the book carry it without side files).

:func:`make_figure` returns a :class:`ReportFigure`; a notebook cell that
ends with it shows the figure as HTML (``<figure>`` with ``<img alt>``,
``<figcaption>`` and the CSV link) and as plain text elsewhere.
:func:`figure_table` gives the tidy table alone (columns
:data:`TABLE_COLUMNS`), :func:`alt_text` the alt text.

Missing data: a measure absent from ``results.csv`` (not collected, or a
local report with no respondents) gives an empty table; the figure then
says there is nothing to show and the alt text says so. Suppressed cells
(``flag`` = ``c``) keep their row in the table with empty ``n`` and
``value``, are not drawn, and appear as ``[c]`` in the alt text.

Examples
--------
>>> specs = load_specs()
>>> specs["4.5"].title.startswith("Children's Enjoyment of the")
True
>>> specs["4.5"].label, specs["4.5"].anchor
('fig-4-5', 'figure-4-5')
>>> len(specs)
30
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import yaml
from matplotlib.figure import Figure

from helpers.core.codebook import Codebook, load_codebook
from helpers.core.config import DEFAULT_MIN_CELL, DEFINITIONS_DIR
from helpers.report import plots
from helpers.report.tables import GROUP_LABELS, format_count, format_mean, format_percent, measure_label
from helpers.text.safe_text import escape_html, neutralise_csv

__all__ = [
    "FIGURES_PATH",
    "KINDS",
    "TABLE_COLUMNS",
    "FigureSpec",
    "ReportFigure",
    "alt_text",
    "figure_table",
    "load_specs",
    "make_figure",
    "with_national",
]

log = logging.getLogger(__name__)

#: The registry of the report's figures.
FIGURES_PATH = DEFINITIONS_DIR / "figures.yml"

#: Chart kinds a figure can have.
KINDS = ("force_counts", "category_counts", "category_percent", "percent_bars", "diverging", "means",
         "word_cloud")

#: Columns of a figure's table (and of its CSV download).
TABLE_COLUMNS = ["figure", "measure", "item", "group", "group_label", "category", "answer", "n", "base",
                 "value", "unit", "ci_low", "ci_high", "flag"]


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the 2019 report, as listed in ``figures.yml``."""

    number: str
    title: str
    chapter: str
    kind: str
    instrument: str
    measures: tuple[str, ...]
    groups: tuple[str, ...] = ()
    value: str = "value"
    text: str = ""
    xlabel: str = "Percent"
    drop_empty: bool = False
    #: What the base counts when it is not people (``schools``: Figure 4.1 counts schools).
    base_unit: str = ""

    @property
    def label(self) -> str:
        """Sphinx cross-reference label, e.g. ``fig-4-5``."""
        return "fig-" + self.number.replace(".", "-")

    @property
    def anchor(self) -> str:
        """HTML id of the ``<figure>`` element, e.g. ``figure-4-5``."""
        return "figure-" + self.number.replace(".", "-")


def load_specs(path: str | Path = FIGURES_PATH) -> dict[str, FigureSpec]:
    """All figure specifications, by report number, in report order.

    Raises
    ------
    ValueError
        An entry has an unknown kind, a duplicate number, or unknown keys.
    """
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    specs: dict[str, FigureSpec] = {}
    for entry in raw["figures"]:
        entry = dict(entry)
        entry["measures"] = tuple(entry.get("measures", ()))
        entry["groups"] = tuple(entry.get("groups", ()))
        try:
            spec = FigureSpec(**entry)
        except TypeError as exc:
            raise ValueError(f"{path}: figure {entry.get('number')}: {exc}") from None
        if spec.kind not in KINDS:
            raise ValueError(f"{path}: figure {spec.number}: unknown kind {spec.kind!r}")
        if spec.number in specs:
            raise ValueError(f"{path}: figure {spec.number} is listed twice")
        specs[spec.number] = spec
    return specs


#: How an integer answer reads in a chart ("Year 6", "Age 10").
_INTEGER_ANSWERS = {"sample_year_group": "Year {}", "sample_age": "Age {}"}


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame(columns=TABLE_COLUMNS)


def _labelled(rows: pd.DataFrame, spec: FigureSpec, codebook: Codebook) -> pd.DataFrame:
    """Add item, answer and group labels to result rows of a figure."""
    inst = codebook.instruments[spec.instrument]
    answers = {}
    for measure in spec.measures:
        try:
            column = inst.column(measure.removeprefix("sample_"))
        except KeyError:
            continue
        if column.type == "coded":
            scale = codebook.scales[column.scale]
            answers.update({(measure, c): lab for c, lab in zip(scale.codes, scale.labels, strict=True)})
    rows = rows.copy()
    rows["figure"] = spec.number
    rows["item"] = [measure_label(m, spec.instrument, codebook) for m in rows["measure"]]
    rows["answer"] = [answers.get((m, c), _INTEGER_ANSWERS.get(m, "{}").format(c))
                      for m, c in zip(rows["measure"], rows["category"], strict=True)]
    rows["group_label"] = [GROUP_LABELS.get(g, g) if not g.startswith("national:")
                           else "All forces: " + GROUP_LABELS.get(g.removeprefix("national:"), g)
                           for g in rows["group"].astype(str)]
    measure_order = {m: i for i, m in enumerate(spec.measures)}
    group_order = {g: i for i, g in enumerate(spec.groups)}
    rows = rows.assign(_m=rows["measure"].map(measure_order), _g=rows["group"].map(group_order).fillna(-1))
    rows = rows.sort_values(["_m", "_g"], kind="stable").drop(columns=["_m", "_g"])
    return rows.reindex(columns=TABLE_COLUMNS).reset_index(drop=True)


def figure_table(spec: FigureSpec, results: pd.DataFrame, *, texts: pd.DataFrame | None = None,
                 codebook: Codebook | None = None, min_cell: int = DEFAULT_MIN_CELL) -> pd.DataFrame:
    """The tidy table a figure is drawn from (and offered as CSV).

    Parameters
    ----------
    spec : FigureSpec
    results : pandas.DataFrame
        ``results.csv`` (from :func:`helpers.report.tables.load_results`).
    texts : pandas.DataFrame, optional
        The processed table holding the free-text column of a word cloud
        (figure 4.8); without it the word cloud's table is empty.
    codebook : Codebook, optional
    min_cell : int
        Words used fewer times than this are left out of a word cloud
        (disclosure control).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS` (for a word cloud: ``figure, word,
        count``). Census figures hold one row per force plus the national
        total (``group`` = ``national``), which is not drawn.
    """
    codebook = codebook or load_codebook()
    if spec.kind == "word_cloud":
        if texts is None or spec.text not in texts:
            return pd.DataFrame(columns=["figure", "word", "count"])
        from helpers.text.qualitative import word_frequencies

        words = word_frequencies(texts[spec.text], min_count=min_cell)
        return words.assign(figure=spec.number).reindex(columns=["figure", "word", "count"])
    rows = results[results["measure"].isin(spec.measures)]
    if spec.kind == "force_counts":
        rows = rows[rows["category"].eq("count")]
    elif spec.kind == "means":
        rows = rows[rows["group"].isin(spec.groups) & rows["unit"].eq("mean")]
    else:
        rows = rows[rows["group"].isin(spec.groups) & rows["unit"].isin(["percent", "count"])]
        if spec.drop_empty:
            chosen = rows.groupby(["measure", "category"])["n"].transform(
                lambda n: n.fillna(1).sum())  # a suppressed cell is not known to be empty
            rows = rows[chosen > 0]
    if rows.empty:
        return _empty_table()
    return _labelled(rows, spec, codebook)


def _bar_label(rows: pd.DataFrame, spec: FigureSpec) -> pd.Series:
    """What each bar of a percent or diverging chart is called."""
    several_items = rows["measure"].nunique() > 1
    several_groups = rows["group"].nunique() > 1
    if spec.kind == "diverging":
        if several_items and several_groups:
            return rows["item"] + " (" + rows["group_label"] + ")"
        return rows["item"] if several_items else rows["group_label"]
    if several_items:
        # Integer answers already say what they are ("Year 6"); coded ones get their question.
        own = rows["measure"].isin(list(_INTEGER_ANSWERS))
        return rows["answer"].astype(str).where(own, rows["item"] + ": " + rows["answer"].astype(str))
    return rows["answer"].astype(str)


def _polarity(spec: FigureSpec, codebook: Codebook) -> tuple[dict[str, int], list[str], dict[str, str]]:
    column = codebook.instruments[spec.instrument].column(spec.measures[0])
    scale = codebook.scales[column.scale]
    if scale.polarity is None:
        raise ValueError(f"figure {spec.number}: scale {scale.name} has no polarity for diverging bars")
    return (dict(zip(scale.codes, scale.polarity, strict=True)), list(scale.codes),
            dict(zip(scale.codes, scale.labels, strict=True)))


def draw(spec: FigureSpec, table: pd.DataFrame, *, codebook: Codebook | None = None) -> Figure:
    """Draw a figure from its table (see :func:`figure_table`)."""
    codebook = codebook or load_codebook()
    if table.empty:
        return plots.bar_counts(table.assign(value=[], group=[]))  # the "nothing to show" figure
    if spec.kind == "word_cloud":
        return plots.word_cloud(table)
    if spec.kind == "force_counts":
        rows = table[table["group"] != "national"]
        return plots.bar_counts(rows, x="value", y="group_label", xlabel=spec.xlabel)
    if spec.kind == "category_counts":
        several = table["group"].nunique() > 1
        return plots.bar_counts(table, x=spec.value, y="answer", hue="group_label" if several else None,
                                multiple="stack", xlabel=spec.xlabel, legend_title="")
    if spec.kind == "category_percent":
        # The sample's own make-up: the percentages describe the respondents and estimate nothing
        # beyond them, so no confidence intervals are drawn.
        rows = table.sort_values("value", ascending=False, kind="stable").drop(columns=["ci_low", "ci_high"],
                                                                                errors="ignore")
        return plots.bar_percent_by_group(rows, y="answer", hue=None, xlabel=spec.xlabel)
    # Groups in the registry's order (local, then national), whatever disclosure control left out.
    groups = list(dict.fromkeys(table["group_label"].astype(str))) if "group_label" in table else None
    if spec.kind == "means":
        # dots on the scale's true range (ranks 1-6, agreement 1-5), never bars from zero
        top = 6 if any(m.startswith("rank_") for m in spec.measures) else 5
        return plots.dot_means(table, x="value", y="item", hue="group_label", hue_order=groups, scale=(1, top),
                               xlabel=spec.xlabel)
    rows = table.assign(bar=_bar_label(table, spec))
    if spec.kind == "diverging":
        polarity, order, labels = _polarity(spec, codebook)
        several_items = rows["measure"].nunique() > 1 and rows["group"].nunique() == 1
        # Several questions for several groups: each question once, as a heading over its groups' bars.
        crossed = rows["measure"].nunique() > 1 and rows["group"].nunique() > 1
        return plots.diverging_percent(rows, polarity=polarity, y="bar", hue="category", hue_order=order,
                                       hue_labels=labels, labels="strip-prefix" if several_items else "wrap",
                                       xlabel="Percent (left of zero: unfavourable answers)",
                                       section="item" if crossed else None,
                                       bar_label="group_label" if crossed else None)
    several_groups = rows["group"].nunique() > 1
    return plots.bar_percent_by_group(rows, y="bar", hue="group_label" if several_groups else None,
                                      hue_order=groups, xlabel=spec.xlabel)


def _percent(row) -> str:
    return format_percent(row["value"], row["flag"] if isinstance(row["flag"], str) else "")


def _share(rows: pd.DataFrame) -> str:
    """Sum of percent rows for prose; ``[c]`` if any part is suppressed."""
    if rows.empty:
        return "n/a"
    if rows["flag"].fillna("").eq("c").any():
        return "[c]"
    return format_percent(float(pd.to_numeric(rows["value"]).sum()))


def _join(parts: list[str]) -> str:
    return "; ".join(parts) + "." if parts else ""


def _alt_counts(spec: FigureSpec, table: pd.DataFrame) -> str:
    national = table[table["group"] == "national"]
    rows = table[table["group"] != "national"]
    if spec.kind == "category_counts":
        rows = table
        value_col = spec.value
        if table["group"].nunique() > 1:
            parts = []
            for label, part in table.groupby("group_label", sort=False):
                total = pd.to_numeric(part[value_col]).sum()
                top = part.loc[pd.to_numeric(part[value_col]).nlargest(2).index]
                parts.append(f"{label}: {format_count(total)} in all, most in "
                             + " and ".join(f"{row['answer']} ({format_count(row[value_col])})"
                                            for _, row in top.iterrows()))
            return f"Bar chart, {spec.xlabel.lower()} by force area and group. " + _join(parts)
        label_col = "answer"
    else:
        value_col, label_col = "value", "group_label"
    shown = rows.assign(_v=pd.to_numeric(rows[value_col])).dropna(subset=["_v"])
    total = (national["value"].iloc[0] if len(national) else shown["_v"].sum())
    top = shown.nlargest(3, "_v")
    zero = int((shown["_v"] == 0).sum())
    text = (f"Bar chart of {spec.xlabel.lower()} in each of {len(shown)} force areas, "
            f"{format_count(total)} in all. The most are in "
            + ", ".join(f"{r[label_col]} ({format_count(r['_v'])})" for _, r in top.iterrows()) + ".")
    if zero:
        text += f" {zero} force area{'s' if zero > 1 else ''} report{'' if zero > 1 else 's'} none."
    return text


def _alt_percent(spec: FigureSpec, table: pd.DataFrame) -> str:
    parts = []
    for (group_label, item), part in table.groupby(["group_label", "item"], sort=False):
        order = pd.to_numeric(part["value"]).fillna(-1)
        top = part.loc[order.sort_values(ascending=False, kind="stable").index[:4]]
        base = part["base"].max()
        answers = ", ".join(f"{row['answer']} {_percent(row)}" for _, row in top.iterrows())
        prefix = f"{group_label}" + (f", {item.lower()}" if table["measure"].nunique() > 1 else "")
        parts.append(f"{prefix} (n = {format_count(base)}): {answers}")
    what = ("Bar chart of the sample's make-up in percent. " if spec.kind == "category_percent"
            else "Bar chart of percentages with 95% confidence intervals. ")
    return what + _join(parts)


def _alt_diverging(spec: FigureSpec, table: pd.DataFrame, codebook: Codebook) -> str:
    polarity, _, labels = _polarity(spec, codebook)
    rows = table.assign(bar=_bar_label(table, spec), _sign=table["category"].map(polarity))
    parts = []
    for bar, part in rows.groupby("bar", sort=False):
        pieces = []
        for sign in (1, 0, -1):
            side = part[part["_sign"] == sign]
            if side.empty:
                continue
            names = " or ".join(labels[c].lower() for c in side["category"])
            pieces.append(f"{_share(side)} {names}")
        parts.append(f"{bar} (n = {format_count(part['base'].max())}): " + ", ".join(pieces))
    return "Diverging bar chart. " + _join(parts)


def _alt_means(table: pd.DataFrame) -> str:
    parts = []
    for item, part in table.groupby("item", sort=False):
        values = ", ".join(f"{r.group_label} {format_mean(r.value, r.flag if isinstance(r.flag, str) else '')}"
                           for r in part.itertuples())
        parts.append(f"{item}: {values}")
    return "Dot chart of mean scores by group, on the scale of the question. " + _join(parts)


def alt_text(spec: FigureSpec, table: pd.DataFrame, *, codebook: Codebook | None = None) -> str:
    """Alt text stating the figure's main finding in numbers, from its table.

    Examples
    --------
    >>> import pandas as pd
    >>> spec = load_specs()["3.1"]
    >>> table = pd.DataFrame({"group": ["national", "Durham", "Kent"], "group_label": ["All forces", "Durham", "Kent"],
    ...                       "value": [130.0, 120.0, 10.0], "category": "count"})
    >>> alt_text(spec, table).replace(spec.xlabel.lower(), "<what the bars count>")
    'Bar chart of <what the bars count> in each of 2 force areas, 130 in all. The most are in Durham (120), Kent (10).'
    """
    codebook = codebook or load_codebook()
    if table.empty:
        return f"Figure {spec.number} has no data to show (not collected, or all cells suppressed)."
    if spec.kind == "word_cloud":
        top = table.head(8)
        return ("Word cloud of the words children used most often; the most frequent are "
                + ", ".join(f"{r.word} ({format_count(r.count)})" for r in top.itertuples()) + ".")
    if spec.kind in ("force_counts", "category_counts"):
        return _alt_counts(spec, table)
    if spec.kind == "diverging":
        return _alt_diverging(spec, table, codebook)
    if spec.kind == "means":
        return _alt_means(table)
    return _alt_percent(spec, table)


_READING = {
    "force_counts": "Each bar is one force area; force areas without a bar gave no figure.",
    "category_counts": "Each bar is one force area.",
    "category_percent": "The percentages describe the children who answered, so no intervals are drawn.",
    "percent_bars": "Lines show 95% Wilson confidence intervals.",
    "diverging": ("Favourable answers lie to the right of zero and unfavourable ones to the left; neutral "
                  "answers straddle zero. Numbers are percentages."),
    "means": ("Each dot is a group's mean on the question's own scale; lower scores mean more important "
              "(ranks) or stronger agreement (safety)."),
    "word_cloud": "Larger words were used more often; words used by fewer than {min_cell} children are left out.",
}


def _reading(spec: FigureSpec, specs: dict[str, FigureSpec], *, min_cell: int) -> str:
    """How to read a figure: in full under the first figure of its kind in a chapter, then a pointer.

    A page that repeated the same sentence under every chart of one kind would
    read as machinery; the later charts refer back to the first one instead.
    """
    first = next(number for number, other in specs.items()
                 if other.chapter == spec.chapter and other.kind == spec.kind)
    if first == spec.number:
        return _READING[spec.kind].format(min_cell=min_cell)
    return f"Read as Figure {first}."


def _base_sentence(spec: FigureSpec, table: pd.DataFrame) -> str:
    if spec.kind in ("force_counts", "word_cloud") or table.empty or "base" not in table:
        return ""
    bases = table.groupby("group_label", sort=False)["base"].max()
    if spec.base_unit:
        listed = ", ".join(f"{format_count(base)} {spec.base_unit} ({label.lower()})" for label, base in bases.items()
                           if pd.notna(base))
    else:
        listed = ", ".join(f"{label} n = {format_count(base)}" for label, base in bases.items() if pd.notna(base))
    return f"Base: {listed}." if listed else ""


@dataclass
class ReportFigure:
    """A drawn figure with its report number, caption, alt text and table."""

    spec: FigureSpec
    table: pd.DataFrame
    svg: bytes
    alt: str
    caption: str
    force: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def csv_name(self) -> str:
        """File name offered for the table download."""
        scope = re.sub(r"[^a-z0-9]+", "-", self.force.lower()).strip("-")
        return f"minipolice-{scope + '-' if scope else ''}figure-{self.spec.number.replace('.', '-')}.csv"

    def csv(self) -> str:
        """The figure's table as CSV text (text cells that look like a formula get a leading ``'``)."""
        return neutralise_csv(self.table).to_csv(index=False, lineterminator="\n")

    def _repr_html_(self) -> str:
        svg = base64.b64encode(self.svg).decode("ascii")
        data = base64.b64encode(self.csv().encode("utf-8")).decode("ascii")
        number = escape_html(self.spec.number)
        return (
            f'<figure class="mp-figure" id="{self.spec.anchor}">\n'
            f'<img src="data:image/svg+xml;base64,{svg}" alt="{escape_html(self.alt)}" '
            f'style="max-width:100%;height:auto">\n'
            f'<figcaption><p><span class="caption-number">Figure {number} </span>'
            f'<span class="caption-text">{escape_html(self.spec.title)}</span></p>\n'
            f"<p>{escape_html(self.caption)}</p>\n"
            f'<p><a href="data:text/csv;charset=utf-8;base64,{data}" download="{self.csv_name}">'
            f"Download the data for figure {number} (CSV)</a></p></figcaption>\n"
            "</figure>"
        )

    def __repr__(self) -> str:
        return f"Figure {self.spec.number}: {self.spec.title}\n{self.alt}\n{self.caption}"


#: Kinds whose groups are compared, so a local report can set the national groups beside them.
_WITH_NATIONAL = ("category_percent", "percent_bars", "diverging", "means")


def with_national(spec: FigureSpec, results: pd.DataFrame, national: pd.DataFrame | None) -> pd.DataFrame:
    """Add the national rows of a figure's groups, as groups ``national:<group>``, to local results.

    A local report shows its force's answers beside those of all forces
    ("Durham: 74% · national: 71%"); labels read "All forces: <group>".
    Census and per-force count figures are left as they are.
    """
    if national is None or national.empty or spec.kind not in _WITH_NATIONAL:
        return results
    rows = national[national["measure"].isin(spec.measures) & national["group"].isin(spec.groups)]
    return pd.concat([results, rows.assign(group="national:" + rows["group"])], ignore_index=True)


def make_figure(number: str, results: pd.DataFrame, *, texts: pd.DataFrame | None = None, force: str = "",
                min_cell: int = DEFAULT_MIN_CELL, codebook: Codebook | None = None,
                national: pd.DataFrame | None = None) -> ReportFigure:
    """Build one of the report's figures from ``results.csv``.

    Parameters
    ----------
    number : str
        The report's figure number, e.g. ``"4.5"``.
    results : pandas.DataFrame
        ``results.csv``.
    texts : pandas.DataFrame, optional
        Processed table with the free text of a word cloud.
    force : str
        Force of a local report (names the CSV download), empty for national.
    min_cell : int
        Disclosure threshold (word-cloud words below it are left out).
    codebook : Codebook, optional
    national : pandas.DataFrame, optional
        National results of a local report (:func:`helpers.report.tables.load_national`):
        the figure then shows the national groups beside the local ones.

    Returns
    -------
    ReportFigure
        Shown as an HTML ``<figure>`` in the book.
    """
    codebook = codebook or load_codebook()
    specs = load_specs()
    if number not in specs:
        raise KeyError(f"no figure {number!r} in {FIGURES_PATH.name}; known: {', '.join(specs)}")
    spec = specs[number]
    spec_groups = spec.groups
    if national is not None and not national.empty and spec.kind in _WITH_NATIONAL:
        results = with_national(spec, results, national)
        spec = replace(spec, groups=(*spec.groups, *("national:" + g for g in spec.groups)))
    table = figure_table(spec, results, texts=texts, codebook=codebook, min_cell=min_cell)
    spec = replace(spec, groups=spec_groups)
    fig = draw(spec, table, codebook=codebook)
    svg = plots.to_svg(fig)
    alt = alt_text(spec, table, codebook=codebook)
    notes = [_base_sentence(spec, table), _reading(spec, specs, min_cell=min_cell)]
    if "flag" in table:
        notes.append(plots.suppression_note(table))
    caption = " ".join(note for note in notes if note)
    log.info("figure %s: %d table rows", number, len(table))
    return ReportFigure(spec, table, svg, alt, caption, force=force, notes=notes)
