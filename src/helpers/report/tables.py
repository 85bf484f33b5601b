"""Reading processed tables for the chapters, and the formatters they use.

One job: give notebooks what they need from ``data/processed`` without any
logic in the notebook itself — the results table with display labels, one
value looked up by (measure, group, category), blocks of items ready to
plot, the list of measures that were not collected. The number formatters
(suppressed cells print as ``[c]``) live in :mod:`helpers.report.formatting`
and are importable from here too, where the chapters find them.

Notebooks read processed tables only, never raw files.

Examples
--------
>>> from helpers.report.tables import format_percent
>>> format_percent(70.96)
'71%'
>>> format_percent(float("nan"), flag="c")
'[c]'
"""

from __future__ import annotations

import inspect
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.build import tracking
from helpers.core.codebook import INSTRUMENTS, Codebook, load_codebook
from helpers.core.derived import COLUMNS as DERIVED_COLUMNS
from helpers.core.derived import lookup_share
from helpers.core.stats import wilson_interval
from helpers.report import phrases
from helpers.report.formatting import (  # the formatters live there; the chapters reach them as report.*
    format_count,
    format_mean,
    format_number,
    format_numbers,
    format_p,
    format_percent,
)
from helpers.report.formatting import not_shown as _not_shown

__all__ = [
    "CONFIDENCE",
    "collection_notes",
    "INSTRUMENT_NAMES",
    "ROW_COUNT_HEADINGS",
    "row_count_table",
    "MEANS_OF_COUNTS",
    "Markdown",
    "GROUP_LABELS",
    "SIGNIFICANCE",
    "derived_value",
    "load_derived",
    "share_row",
    "collection_note",
    "compared_groups",
    "beside_national",
    "column_counts",
    "completeness",
    "data_dictionary",
    "describe_test",
    "format_count",
    "format_mean",
    "format_number",
    "format_numbers",
    "format_p",
    "format_percent",
    "format_result",
    "format_share",
    "illustrative_note",
    "item_block",
    "load_log",
    "load_manifest",
    "load_national",
    "local_comparison",
    "load_results",
    "load_power",
    "load_row_counts",
    "load_pooled",
    "submissions",
    "load_sensitivity",
    "load_table",
    "load_columns",
    "load_answered",
    "load_tests",
    "log_summary",
    "lookup",
    "measure_label",
    "minimum_detectable",
    "not_collected",
    "per_force",
    "report_scope",
    "sample_sizes",
    "synthetic_note",
    "tests_summary",
    "tests_table",
]

#: Coverage of every interval in results.csv (the default of :func:`helpers.core.stats.wilson_interval`).
CONFIDENCE = inspect.signature(wilson_interval).parameters["confidence"].default

#: Level below which a Holm-adjusted p-value is called significant in the book.
SIGNIFICANCE = 0.05

#: Display names of the reporting groups (the phrase file's ``groups`` block).
GROUP_LABELS = dict(phrases.load_phrases()["groups"])


def compared_groups(codebook: Codebook | None = None) -> tuple[str, str]:
    """The children's two compared groups as the codebook names them: in the programme, and not.

    Examples
    --------
    >>> programme, comparison = compared_groups()
    >>> comparison == f"non_{programme}"
    True
    """
    groups = (codebook or load_codebook()).instruments["children_survey"].groups
    return groups["yes"], groups["no"]


_RESULT_DTYPES = {"measure": str, "group": str, "category": str, "unit": str, "flag": str}


def load_results(processed_dir: str | Path) -> pd.DataFrame:
    """Read ``results.csv`` with codes kept as text (``none`` is a code, not NaN).

    In a build kernel the frame notes which measures the chapter selects, so
    the page is executed again only when those rows change
    (:mod:`helpers.build.tracking`); elsewhere it is a plain DataFrame.
    """
    return tracking.read_keyed(Path(processed_dir) / "results.csv", _read_results)


def _read_results(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=_RESULT_DTYPES,
                        keep_default_na=False, na_values={"n": [""], "base": [""], "value": [""],
                                                          "ci_low": [""], "ci_high": [""]})
    frame["n"] = frame["n"].astype("Int64")
    frame["base"] = frame["base"].astype("Int64")
    return frame


def load_tests(processed_dir: str | Path) -> pd.DataFrame:
    """Read ``tests.csv`` (through the accessor of :mod:`helpers.build.tracking`, as :func:`load_results`)."""
    return tracking.read_keyed(Path(processed_dir) / "tests.csv", pd.read_csv)


def load_national(processed_dir: str | Path) -> pd.DataFrame:
    """``national_results.csv`` of a local run (the national results beside the local ones); empty otherwise."""
    path = Path(processed_dir) / "national_results.csv"
    if not path.exists():
        return pd.DataFrame(columns=["measure", "group", "category", "n", "base", "value", "unit", "ci_low",
                                     "ci_high", "flag"])
    return tracking.read_keyed(path, _read_results)


def beside_national(results: pd.DataFrame, national: pd.DataFrame, measure: str, group: str,
                    categories: list[str], *, force: str, derived: pd.DataFrame | None = None,
                    national_derived: pd.DataFrame | None = None) -> str:
    """A local value with the national one beside it: ``"Durham: 74% · national: 71%"``.

    Without national results (a national report) only the value is given.
    Several answers are looked up in ``derived`` and ``national_derived``
    (``derived.csv``, ``national_derived.csv``).

    Examples
    --------
    >>> rows = pd.DataFrame({"measure": "enjoyed", "group": "teachers", "category": ["yes", "no"],
    ...                      "n": [3, 1], "base": 4, "value": [75.0, 25.0], "unit": "percent", "flag": ""})
    >>> beside_national(rows, rows.assign(value=[71.0, 29.0], n=[71, 29], base=100), "enjoyed", "teachers",
    ...                 ["yes"], force="Durham")
    'Durham: 75% · national: 71%'
    """
    local = format_share(results, measure, group, categories, derived=derived)
    if national is None or national.empty:
        return local
    beside = format_share(national, measure, group, categories, derived=national_derived)
    return f"{force}: {local} · national: {beside}"


class Markdown:
    """Markdown a notebook cell shows, or nothing at all when the text is empty.

    A drop-in for :class:`IPython.display.Markdown` for the helpers' notes,
    which return ``""`` when they do not apply (a national report, supplied
    data, real data). IPython's own class falls back to its text
    representation, ``<IPython.core.display.Markdown object>``, for an empty
    string, and that line would be printed on the page; this one displays
    nothing instead.

    Examples
    --------
    >>> Markdown("").data, bool(Markdown(""))
    ('', False)
    """

    def __init__(self, data: str = "") -> None:
        self.data = str(data or "")

    def __bool__(self) -> bool:
        return bool(self.data.strip())

    def __repr__(self) -> str:
        return self.data

    def _ipython_display_(self) -> None:
        if not self:
            return
        from IPython.display import Markdown as _IPythonMarkdown
        from IPython.display import display

        display(_IPythonMarkdown(self.data))


def local_comparison(results: pd.DataFrame, national: pd.DataFrame, *, force: str,
                     items: list[tuple[str, str, list[str], str]], derived: pd.DataFrame | None = None,
                     national_derived: pd.DataFrame | None = None) -> str:
    """A MyST bullet list of local values beside national ones (empty for a national report).

    ``items`` are ``(measure, group, categories, what)``; each bullet reads
    "<what>: Durham: 74% · national: 71%".
    """
    if national is None or national.empty or not force:
        return ""
    values = [beside_national(results, national, m, g, c, force=force, derived=derived,
                              national_derived=national_derived) for m, g, c, _ in items]
    lines = [f"- {item[3]}: {value}" for item, value in zip(items, values, strict=True)]
    return (f"**{force} beside all forces.** Suppressed local values print as [c].\n\n" + "\n".join(lines)
            + "\n")


def load_derived(processed_dir: str | Path, *, national: bool = False) -> pd.DataFrame:
    """``derived.csv`` (``national_derived.csv`` with ``national``): shares of several answers and the
    other numbers the prose prints (:mod:`helpers.core.derived`); empty, with its columns, if absent."""
    path = Path(processed_dir) / ("national_derived.csv" if national else "derived.csv")
    if not path.exists():
        return pd.DataFrame(columns=DERIVED_COLUMNS)
    # Keyed by measure like results.csv: a page depends on the derived rows of the measures it selects.
    return tracking.read_keyed(path, _read_derived)


def _read_derived(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""],
                       dtype={c: str for c in ("key", "measure", "group", "category", "unit", "flag")}
                       ).fillna({"flag": ""})


def derived_value(derived: pd.DataFrame, key: str, measure: str, category: str, *, group: str | None = None
                  ) -> pd.Series:
    """The one ``derived.csv`` row of a ``key`` (``top_forces``, ``mde`` ...) for a measure and category.

    Raises
    ------
    KeyError
        No such row.
    """
    rows = derived[derived["key"].eq(key) & derived["measure"].eq(measure)
                   & (derived["category"].eq(category) if category else True)]
    if group is not None:
        rows = rows[rows["group"].eq(group)]
    if rows.empty:
        raise KeyError(f"derived.csv has no {key} row for {measure} {category}".rstrip())
    return rows.iloc[0]


def load_power(processed_dir: str | Path) -> pd.DataFrame:
    """``power.csv``: the smallest effects the design detects with 80% power (empty if absent)."""
    path = Path(processed_dir) / "power.csv"
    return pd.read_csv(path) if path.exists() else pd.DataFrame(
        columns=["test", "dof", "effect_name", "effect_size", *(f"n_{g}" for g in compared_groups()), "power",
                 "alpha"])


def load_sensitivity(processed_dir: str | Path) -> pd.DataFrame:
    """``sensitivity.csv``: headline items reweighted to the census force mix (empty if absent)."""
    path = Path(processed_dir) / "sensitivity.csv"
    return pd.read_csv(path, dtype={"category": str, "flag": str}) if path.exists() else pd.DataFrame(
        columns=["measure", "group", "category", "unit", "base", "value", "value_weighted", "effective_n",
                 "excluded", "flag"])


def minimum_detectable(power: pd.DataFrame, effect_name: str = "rank_biserial_r", *, dof: float | None = None
                       ) -> str:
    """The smallest effect of one kind the design detects with its stated power, for prose (``n/a`` if unknown).

    ``dof`` picks the chi-square degrees of freedom for ``cramers_v`` / ``cohens_w``.

    Examples
    --------
    >>> power = pd.DataFrame({"effect_name": ["rank_biserial_r"], "effect_size": [0.189]})
    >>> minimum_detectable(power)
    '0.19'
    """
    rows = power[power["effect_name"] == effect_name]
    if dof is not None:
        rows = rows[rows["dof"] == dof]
    return "n/a" if rows.empty else format_number(rows["effect_size"].iloc[0])


def load_table(processed_dir: str | Path, instrument: str) -> pd.DataFrame:
    """Read one clean respondent-level table (Parquet) written by ``process``."""
    return pd.read_parquet(Path(processed_dir) / f"{instrument}.parquet")


def load_answered(processed_dir: str | Path, instrument: str, codebook: Codebook | None = None) -> pd.DataFrame:
    """One respondent-level table reduced to which cells hold an answer (for :func:`completeness`).

    The columns that route questions (every ``applies_if`` key of the
    instrument's codebook entry) keep their values; every other cell is
    ``"answered"`` or missing (:func:`helpers.build.tracking.answered_pattern`).
    A build then executes the page again only when that pattern changes,
    not when an answer changes to another answer.
    """
    codebook = codebook or load_codebook()
    keep = sorted({key for column in codebook.instruments[instrument].columns
                   for key in (column.applies_if or {})})
    return tracking.read_pattern(Path(processed_dir) / f"{instrument}.parquet", pd.read_parquet, keep=keep)


def load_columns(processed_dir: str | Path, instrument: str):
    """One respondent-level table of which the chapter uses a few columns by name (``table["column"]``).

    In a build kernel this is a :class:`helpers.build.tracking.ColumnTable`: the
    page is executed again only when the columns it took change, not when
    any answer does. Elsewhere it is the DataFrame :func:`load_table` returns.
    """
    return tracking.read_columns(Path(processed_dir) / f"{instrument}.parquet", pd.read_parquet)


def load_log(processed_dir: str | Path) -> pd.DataFrame:
    """Read ``validation_log.csv``."""
    return pd.read_csv(Path(processed_dir) / "validation_log.csv", dtype=str, keep_default_na=False)


def load_row_counts(processed_dir: str | Path) -> pd.DataFrame:
    """Read ``row_counts.csv``: one row per instrument (raw, kept, quarantined, in scope).

    A national intake (one subfolder per force) writes one row per force
    folder and instrument; they are added up per instrument here (``file``
    then says how many files), and :func:`submissions` shows them per force.
    The ``submission`` column is left out.
    """
    counts = pd.read_csv(Path(processed_dir) / "row_counts.csv", keep_default_na=False,
                         na_values={c: [""] for c in ("raw_rows", "kept", "quarantined", "in_scope", "data_lines",
                                                      "records")})
    if "submission" not in counts:
        return counts
    if not counts["submission"].astype(str).ne("").any():
        return counts.drop(columns="submission")
    numbers = [c for c in ("raw_rows", "kept", "quarantined", "in_scope", "data_lines", "records") if c in counts]
    summed = counts.groupby("instrument", sort=False)[numbers].sum().reset_index()
    files = counts.groupby("instrument", sort=False).size().rename("files").reset_index()
    summed = summed.merge(files, on="instrument")
    summed["file"] = summed["files"].map(lambda n: f"{n} files" if n != 1 else "1 file")
    return summed.drop(columns="files")


def submissions(processed_dir: str | Path, codebook: Codebook | None = None) -> pd.DataFrame:
    """Every force folder's submission of a national intake (empty for a flat data folder).

    Returns
    -------
    pandas.DataFrame
        One row per force folder: ``submission`` (the folder), ``files``
        (files read), ``raw_rows``, ``kept``, ``quarantined``,
        ``other_force`` (rows quarantined because they name another force
        than the folder's), ``not_collected`` (the instruments the folder
        did not send, or sent without rows, by title; empty when none).
        Counts of rows, not of people: no identifiers and no values.
    """
    codebook = codebook or load_codebook()
    counts = pd.read_csv(Path(processed_dir) / "row_counts.csv", dtype={"submission": str}, keep_default_na=False)
    columns = ["submission", "files", "raw_rows", "kept", "quarantined", "other_force", "not_collected"]
    if "submission" not in counts or not counts["submission"].ne("").any():
        return pd.DataFrame(columns=columns)
    log = load_log(processed_dir)
    if "submission" not in log:
        log = log.assign(submission="")
    out = counts.groupby("submission", sort=True).agg(files=("instrument", "size"), raw_rows=("raw_rows", "sum"),
                                                      kept=("kept", "sum"), quarantined=("quarantined", "sum"))
    from helpers.core.intake import MISMATCH_PROBLEM

    mismatch = log[log["problem"].str.startswith(MISMATCH_PROBLEM) & log["action"].eq("quarantined")]
    out["other_force"] = mismatch.groupby("submission").size().reindex(out.index, fill_value=0)
    absent = log[log["action"].eq("missing_column") & log["column"].eq("") & log["submission"].ne("")]

    def titles(group: pd.Series) -> str:
        names = sorted(set(group), key=list(codebook.instruments).index)
        return "; ".join(codebook.instruments[n].title.split(" (")[0] for n in names)

    out["not_collected"] = absent.groupby("submission")["instrument"].agg(titles).reindex(out.index, fill_value="")
    out = out.reset_index()
    for column in ("files", "raw_rows", "kept", "quarantined", "other_force"):
        out[column] = out[column].astype(int)
    return out[columns]


def load_pooled(processed_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``pooled.csv`` and ``pooled_forces.csv`` (empty frames when absent, as in tables of older runs)."""
    from helpers.core.pooling import POOLED_COLUMNS, POOLED_FORCES_COLUMNS

    out = []
    for name, columns in (("pooled.csv", POOLED_COLUMNS), ("pooled_forces.csv", POOLED_FORCES_COLUMNS)):
        path = Path(processed_dir) / name
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""]) if path.exists() else pd.DataFrame()
        out.append(frame.reindex(columns=columns))
    pooled, forces = out
    forces["reason"] = forces["reason"].fillna("")
    return pooled, forces


#: Headings a reader sees for the columns of ``row_counts.csv``.
ROW_COUNT_HEADINGS = {
    "instrument": "Source", "file": "File", "encoding": "Encoding", "raw_rows": "Rows read", "kept": "Kept",
    "quarantined": "Quarantined", "in_scope": "In this report", "data_lines": "Lines of data",
    "records": "Records", "profile": "Export profile",
}

#: Names a reader sees for the instruments.
INSTRUMENT_NAMES = {
    "children_survey": "Children's survey", "practitioner_survey": "Practitioner survey",
    "teacher_survey": "School staff survey", "parent_survey": "Parent survey", "scheme_census": "Scheme census",
    "workshop_comments": "Workshop comments", "interview_excerpts": "Interview excerpts",
}


def row_count_table(row_counts: pd.DataFrame) -> pd.DataFrame:
    """``row_counts.csv`` as a reader's table: instruments by name, human column headings.

    Columns keep their order; each is renamed by :data:`ROW_COUNT_HEADINGS`
    (a column without a heading keeps its name), instruments by
    :data:`INSTRUMENT_NAMES`. The input is not changed.

    Examples
    --------
    >>> rows = pd.DataFrame({"instrument": ["parent_survey"], "raw_rows": [40], "kept": [40]})
    >>> row_count_table(rows).columns.tolist(), row_count_table(rows).iloc[0, 0]
    (['Source', 'Rows read', 'Kept'], 'Parent survey')
    """
    table = row_counts.copy()
    if "instrument" in table:
        table["instrument"] = table["instrument"].map(lambda name: INSTRUMENT_NAMES.get(name, name))
    return table.rename(columns=ROW_COUNT_HEADINGS)


def load_manifest(processed_dir: str | Path) -> dict:
    """Read ``manifest.json`` (parameters, input hashes, versions).

    In a build kernel a :class:`helpers.build.tracking.KeyedDict`: the page
    depends on the top-level entries it looks up, not on the input hashes.
    """
    return tracking.read_keys(Path(processed_dir) / "manifest.json", lambda p: json.loads(Path(p).read_text()))


def not_collected(processed_dir: str | Path) -> pd.DataFrame:
    """Columns absent from the raw files: ``instrument, column`` rows."""
    log = load_log(processed_dir)
    return log.loc[log["action"] == "missing_column", ["instrument", "column"]].reset_index(drop=True)


def lookup(results: pd.DataFrame, measure: str, group: str, category: str) -> pd.Series:
    """The one results row for (measure, group, category).

    Raises
    ------
    KeyError
        No such row (e.g. the item was not collected).
    """
    rows = results[(results["measure"] == measure) & (results["group"] == group)
                   & (results["category"] == category)]
    if len(rows) != 1:
        raise KeyError(f"results.csv has {len(rows)} rows for ({measure}, {group}, {category})")
    return rows.iloc[0]


def measure_label(measure: str, instrument: str, codebook: Codebook | None = None) -> str:
    """The question text of a measure, from the codebook (the measure name if unknown)."""
    codebook = codebook or load_codebook()
    name = measure.removeprefix("sample_")
    try:
        return codebook.instruments[instrument].column(name).label
    except KeyError:
        return measure


def item_block(results: pd.DataFrame, measures: list[str], groups: list[str], *, instrument: str,
               codebook: Codebook | None = None) -> pd.DataFrame:
    """Percent rows of several items and groups, with display labels, ready to plot.

    Parameters
    ----------
    results : pandas.DataFrame
        From :func:`load_results`.
    measures : list of str
        Coded items of one scale.
    groups : list of str
        Reporting groups to include.
    instrument : str
        The instrument the items belong to (for labels).

    Returns
    -------
    pandas.DataFrame
        The matching rows plus ``item`` (question text), ``answer`` (code
        label) and ``group_label``; items in the order given, categories in
        the scale order.
        Measures absent from ``results`` (not collected) are left out.
    """
    codebook = codebook or load_codebook()
    inst = codebook.instruments[instrument]
    rows = results[results["measure"].isin(measures) & results["group"].isin(groups)
                   & results["unit"].eq("percent")].copy()
    labels = {}
    for measure in measures:
        column = inst.column(measure.removeprefix("sample_"))
        if column.type == "coded":
            scale = codebook.scales[column.scale]
            labels.update({(measure, c): lab for c, lab in zip(scale.codes, scale.labels, strict=True)})
    rows["item"] = [measure_label(m, instrument, codebook) for m in rows["measure"]]
    rows["answer"] = [labels.get((m, c), c) for m, c in zip(rows["measure"], rows["category"], strict=True)]
    rows["group_label"] = rows["group"].map(GROUP_LABELS).fillna(rows["group"])
    order = {m: i for i, m in enumerate(measures)}
    rows = rows.sort_values("measure", key=lambda s: s.map(order), kind="stable")
    return rows.reset_index(drop=True)


#: Means of counts of people or units ("children per school"): a reader gets a whole
#: number ("about 17"), never "16.98 children".
MEANS_OF_COUNTS = frozenset({"census_children_per_school"})


def format_result(results: pd.DataFrame, measure: str, group: str, category: str, *,
                  default: str = "not collected") -> str:
    """One results row formatted for prose by its unit; ``default`` when there is no row.

    Percents print as ``71%``, counts as ``5,517``, means as ``1.84``, a mean
    of counts (:data:`MEANS_OF_COUNTS`) as ``about 17``; suppressed cells as
    ``[c]``.

    Examples
    --------
    >>> rows = pd.DataFrame({"measure": ["census_children_per_school"], "group": ["national"],
    ...                      "category": ["mean"], "value": [16.98], "unit": ["mean"], "flag": [""]})
    >>> format_result(rows, "census_children_per_school", "national", "mean")
    'about 17'
    """
    try:
        row = lookup(results, measure, group, category)
    except KeyError:
        return default
    flag = row["flag"]
    if row["unit"] == "percent":
        return format_percent(row["value"], flag)
    if row["unit"] == "count":
        return format_count(row["value"], flag)
    if measure in MEANS_OF_COUNTS:
        shown = _not_shown(row["value"], flag)
        whole = Decimal(str(float(row["value"]))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return shown or f"about {format_count(int(whole))}"
    return format_mean(row["value"], flag)


def share_row(results: pd.DataFrame, measure: str, group: str, categories: list[str], *,
              derived: pd.DataFrame | None = None) -> pd.Series | None:
    """The row holding the share of a group giving any of ``categories``; ``None`` when not collected.

    One answer code is its row of ``results.csv``; several are a row of
    ``derived.csv`` (:mod:`helpers.core.derived`), looked up, never added up
    here. Both rows have ``n``, ``base``, ``value``, ``ci_low``, ``ci_high``
    and ``flag``.

    Raises
    ------
    ValueError
        Several codes and no ``derived`` table.
    KeyError
        The item was collected but ``derived.csv`` has no such answer set
        (add it to :func:`helpers.core.derived.answer_sets`).

    Examples
    --------
    >>> rows = pd.DataFrame({"measure": "x", "group": "teachers", "category": ["yes", "no"], "n": [3, 1],
    ...                      "base": 4, "value": [75.0, 25.0], "unit": "percent", "flag": ""})
    >>> float(share_row(rows, "x", "teachers", ["yes"])["value"]), share_row(rows, "y", "teachers", ["yes"])
    (75.0, None)
    """
    rows = results[(results["measure"] == measure) & (results["group"] == group) & results["unit"].eq("percent")]
    if rows.empty:
        return None
    if len(categories) == 1:
        found = rows[rows["category"] == categories[0]]
        if found.empty:
            raise KeyError(f"results.csv has no {categories[0]} row for ({measure}, {group})")
        return found.iloc[0]
    if derived is None:
        raise ValueError(f"the share of {'+'.join(categories)} for {measure} is a row of derived.csv: pass derived=")
    return lookup_share(derived, measure, group, categories)


def format_share(results: pd.DataFrame, measure: str, group: str, categories: list[str], *,
                 derived: pd.DataFrame | None = None, default: str = "not collected") -> str:
    """The percent giving any of several answers (e.g. agree or strongly agree), for prose.

    Looked up by :func:`share_row` (``derived.csv`` for several answers).
    """
    row = share_row(results, measure, group, categories, derived=derived)
    if row is None:
        return default
    return format_percent(float(row["value"]), row["flag"] if isinstance(row["flag"], str) else "")


def per_force(results: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Rows of a per-force census count (``census_schools`` ...), forces only."""
    rows = results[(results["measure"] == measure) & ~results["group"].isin(list(GROUP_LABELS))]
    return rows.rename(columns={"group": "force"}).reset_index(drop=True)


def sample_sizes(results: pd.DataFrame, codebook: Codebook | None = None, *,
                 include_census: bool = True) -> pd.DataFrame:
    """Respondents (forces for the census) per instrument.

    ``include_census=False`` leaves the census out, so that a chart of
    respondents never puts forces on the same axis as people.

    Returns
    -------
    pandas.DataFrame
        ``instrument, title, group, label, n, flag``, one row per
        instrument in results (instruments with no rows are left out);
        ``label`` is a short display name of who answered.
    """
    codebook = codebook or load_codebook()
    rows = []
    for name in INSTRUMENTS:
        if name == "scheme_census" and not include_census:
            continue
        group = codebook.instruments[name].groups["all"]  # the group holding the whole sample
        measure = "census_forces" if name == "scheme_census" else "sample_size"
        try:
            row = lookup(results, measure, group, "count")
        except KeyError:
            continue
        label = "Forces (scheme census)" if name == "scheme_census" else GROUP_LABELS[group]
        rows.append({"instrument": name, "title": codebook.instruments[name].title, "group": group,
                     "label": label, "n": row["value"], "flag": row["flag"]})
    return pd.DataFrame(rows, columns=["instrument", "title", "group", "label", "n", "flag"])


def _asked_of(column, instrument) -> str:
    if not column.applies_if:
        return "all"
    return "; ".join(f"{key} = {value}" for key, value in column.applies_if.items())


def data_dictionary(instrument: str, codebook: Codebook | None = None) -> pd.DataFrame:
    """The codebook's description of one raw file, one row per column.

    Returns
    -------
    pandas.DataFrame
        ``column, type, values, asked_of, label``: ``values`` lists a coded
        column's labels in scale order, an integer's range, ``0/1`` for flags.
    """
    codebook = codebook or load_codebook()
    inst = codebook.instruments[instrument]
    rows = []
    for col in inst.columns:
        if col.type == "coded":
            values = f"{col.scale}: " + " / ".join(codebook.scales[col.scale].labels)
        elif col.type == "integer":
            values = f"{col.min if col.min is not None else ''}–{col.max if col.max is not None else ''}"
        elif col.type == "flag":
            values = "0 / 1"
        elif col.type == "force":
            values = "police force name"
        else:
            values = ""
        rows.append({"column": col.name, "type": col.type, "values": values,
                     "asked_of": _asked_of(col, inst), "label": col.label})
    return pd.DataFrame(rows)


def completeness(table: pd.DataFrame, instrument: str, codebook: Codebook | None = None,
                 *, missing: pd.DataFrame | None = None,
                 roles: tuple[str, ...] = ("demographic", "outcome", "rank", "safety", "aims",
                                           "census"), local: bool = False, min_cell: int = 0) -> pd.DataFrame:
    """Share of rows with an answer, per codebook column present in a clean table.

    Only the counts of answered cells are returned, never their values.
    Columns asked of a subgroup use that subgroup as the base. Columns
    listed in ``missing`` (the output of :func:`not_collected`) are left out:
    they were not collected, which is different from unanswered.

    In a local report (``local=True``) how many answered is disclosure-
    controlled like the results (docs/contract.md section 5): a column whose base,
    answered or unanswered count is between 1 and ``min_cell - 1`` gets
    ``flag`` ``c`` and loses ``answered`` and ``value`` (and ``base`` too
    when the base itself is small), so the chart does not draw it.

    Returns
    -------
    pandas.DataFrame
        ``instrument, column, label, answered, base, value`` (percent), ``flag``.
    """
    codebook = codebook or load_codebook()
    inst = codebook.instruments[instrument]
    absent = set()
    if missing is not None:
        absent = set(missing.loc[missing["instrument"] == instrument, "column"])
    rows = []
    for col in inst.columns:
        if col.role not in roles or col.name not in table or col.name in absent:
            continue
        mask = pd.Series(True, index=table.index)
        for key, code in (col.applies_if or {}).items():
            mask &= table[key].astype("object").eq(code)
        base = int(mask.sum())
        answered = int(table.loc[mask, col.name].notna().sum())
        rows.append({"instrument": instrument, "column": col.name, "label": col.label,
                     "answered": answered, "base": base,
                     "value": 100 * answered / base if base else np.nan, "flag": ""})
    out = pd.DataFrame(rows, columns=["instrument", "column", "label", "answered", "base", "value", "flag"])
    if local and min_cell > 1 and len(out):
        def small(counts: pd.Series) -> pd.Series:
            return counts.gt(0) & counts.lt(min_cell)

        hidden = small(out["base"]) | small(out["answered"]) | small(out["base"] - out["answered"])
        out["answered"] = out["answered"].astype("Int64").mask(hidden)
        out["value"] = out["value"].mask(hidden)
        out["base"] = out["base"].astype("Int64").mask(small(out["base"].astype("Int64")))
        out["flag"] = np.where(hidden, "c", "")
    return out


def log_summary(log: pd.DataFrame, by: tuple[str, ...] = ("instrument", "action")) -> pd.DataFrame:
    """Validation-log events counted by the given columns (no ids, no values).

    Parameters
    ----------
    log : pandas.DataFrame
        From :func:`load_log`.
    by : tuple of str
        Any of ``instrument, column, problem, action``.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns and ``events``, most frequent first.
    """
    allowed = {"instrument", "column", "problem", "action"}
    if not set(by) <= allowed:
        raise ValueError(f"log_summary: by must be among {sorted(allowed)}, not {list(by)}")
    out = log.groupby(list(by), sort=True).size().reset_index(name="events")
    return out.sort_values("events", ascending=False, kind="stable").reset_index(drop=True)


def report_scope(force: str) -> str:
    """``"national report"``, or ``"local report for <force>"`` when a force is given."""
    return f"local report for {force}" if force else "national report"


def synthetic_note(synthetic: bool) -> str:
    """A MyST note saying the data are synthetic (empty when they are real)."""
    if not synthetic:
        return ""
    return ":::{note}\n" + phrases.sentence("synthetic_note") + "\n:::\n"


def illustrative_note(synthetic: bool, *, what: str = "the values for individual forces") -> str:
    """A MyST note that per-force demo values are illustrative (empty for real data).

    The synthetic data reproduce what the 2019 report published; where it
    published no value (most per-force figures), the generator's value is
    made up to look plausible and must not be read as published.
    """
    if not synthetic:
        return ""
    return (":::{note}\n"
            f"**Illustrative values.** In these synthetic data the national totals match the 2019 "
            f"report, but {what} are illustrative: the report does not publish them all. The national "
            "book's appendix comparing its results with the 2019 report lists which numbers are published and "
            "which are not.\n"
            ":::\n")


def collection_note(missing: pd.DataFrame, instrument: str, codebook: Codebook | None = None) -> str:
    """A sentence naming the questions of an instrument that were not collected.

    Parameters
    ----------
    missing : pandas.DataFrame
        From :func:`not_collected`.
    instrument : str
        Instrument name.

    Returns
    -------
    str
        ``"Every question of the children's survey was collected."`` or a
        sentence listing the question texts absent from the raw file.
    """
    codebook = codebook or load_codebook()
    inst = codebook.instruments[instrument]
    absent = [c for c in missing.loc[missing["instrument"] == instrument, "column"]
              if c in inst.column_names and inst.column(c).role not in ("admin", "text")]
    title = inst.title.split(" (")[0].lower()
    if not absent:
        return f"Every question of the {title} was collected."
    labels = "; ".join(f"“{inst.column(c).label}”" for c in absent)
    return (f"Some questions of the {title} were not collected in these data, so they are "
            f"reported as not collected wherever they would appear: {labels}.")


_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def collection_notes(missing: pd.DataFrame, instruments: list[str], *, collective: str = "surveys",
                     codebook: Codebook | None = None) -> str:
    """:func:`collection_note` for several instruments, written once.

    When every question of every instrument was collected the sentence names
    them together ("Every question of the three adult surveys was
    collected."), the number counted from ``instruments``; otherwise the
    instruments with questions not collected get their own sentence and the
    complete ones share one.

    Examples
    --------
    >>> none = pd.DataFrame(columns=["instrument", "column"])
    >>> collection_notes(none, ["practitioner_survey", "teacher_survey", "parent_survey"],
    ...                  collective="adult surveys")
    'Every question of the three adult surveys was collected.'
    """
    codebook = codebook or load_codebook()
    notes = {name: collection_note(missing, name, codebook) for name in instruments}
    complete = [name for name, note in notes.items() if note.startswith("Every question")]
    if len(complete) == len(instruments) and len(instruments) > 1:
        count = _NUMBER_WORDS.get(len(instruments), format_count(len(instruments)))
        return f"Every question of the {count} {collective} was collected."
    parts = [note for name, note in notes.items() if name not in complete]
    if complete:
        titles = [codebook.instruments[name].title.split(" (")[0].lower() for name in complete]
        listed = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]
        parts.append(f"Every question of the {listed} was collected.")
    return " ".join(parts)


def tests_table(tests: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """The comparisons of ``tests.csv`` ready to show: question text, test, p-values, effect.

    Returns
    -------
    pandas.DataFrame
        ``measure, item, test, statistic, p_value, p_holm, effect_size,
        effect_ci_low, effect_ci_high, effect_name, effect_label,
        n_<group>`` for the two compared groups, ``min_expected`` (the interval and
        expected-count columns only when ``tests.csv`` has them);
        ``tests.csv``'s ``n_required_80`` (post-hoc power at the observed
        effect, deprecated) is never shown;
        ``item`` is the question text from the children's survey codebook
        and ``effect_label`` the effect size's display name. Rows keep the
        order of ``tests.csv``.
    """
    codebook = codebook or load_codebook()
    out = tests.copy()
    out.insert(1, "item", [measure_label(m, "children_survey", codebook) for m in out["measure"]])
    out["effect_label"] = out["effect_name"].map(_EFFECT_NAMES).fillna(out["effect_name"])
    keep = ["measure", "item", "test", "statistic", "p_value", "p_holm", "effect_size", "effect_ci_low",
            "effect_ci_high", "effect_name", "effect_label", *(f"n_{g}" for g in compared_groups()), "min_expected"]
    return out[[c for c in keep if c in out]]


_EFFECT_NAMES = {"cramers_v": "Cramér's V", "rank_biserial_r": "rank-biserial r"}


def describe_test(tests: pd.DataFrame, measure: str, *, default: str = "no test was possible") -> str:
    """A comparison of the programme's children with other children in words, for prose.

    Returns
    -------
    str
        For example ``"Holm-adjusted p = 0.021, rank-biserial r = -0.30"``;
        ``default`` when the measure has no test or too few answers for one.
    """
    rows = tests[tests["measure"] == measure]
    if rows.empty or pd.isna(rows.iloc[0]["p_holm"]):
        return default
    row = rows.iloc[0]
    p_holm = float(row["p_holm"])
    p_text = format_p(p_holm, prose=True)
    effect = _EFFECT_NAMES.get(row["effect_name"], str(row["effect_name"]))
    return f"Holm-adjusted {p_text}, {effect} = {format_number(row['effect_size'])}"


def tests_summary(tests: pd.DataFrame, codebook: Codebook | None = None) -> dict[str, str]:
    """How many comparisons of the programme's children with other children the data support, for prose.

    Returns
    -------
    dict
        ``compared`` (items with a test), ``supported`` (Holm-adjusted p
        below :data:`SIGNIFICANCE`), ``supported_items`` (their question
        texts, lower-cased and joined, or ``"none"``) and ``alpha``.

    Examples
    --------
    >>> tests = pd.DataFrame({"measure": ["aware_cadets", "att_trust"], "p_holm": [0.01, 0.6]})
    >>> tests_summary(tests)["supported"], tests_summary(tests)["supported_items"]
    ('1', 'have you heard of the police cadets?')
    """
    codebook = codebook or load_codebook()
    tested = tests.dropna(subset=["p_holm"])
    hits = tested[tested["p_holm"] < SIGNIFICANCE]
    labels = [measure_label(m, "children_survey", codebook).lower() for m in hits["measure"]]
    return {"compared": format_count(len(tested)), "supported": format_count(len(hits)),
            "supported_items": "; ".join(labels) if labels else "none", "alpha": f"{SIGNIFICANCE:g}"}


def column_counts(codebook: Codebook | None = None) -> pd.DataFrame:
    """How many columns of each type every instrument has (from the codebook).

    Returns
    -------
    pandas.DataFrame
        ``instrument, title, type, columns``.
    """
    codebook = codebook or load_codebook()
    rows = [{"instrument": name, "title": inst.title.split(" (")[0], "type": col.type}
            for name, inst in codebook.instruments.items() for col in inst.columns]
    frame = pd.DataFrame(rows)
    return (frame.groupby(["instrument", "title", "type"], sort=False).size()
            .reset_index(name="columns"))


_DERIVED_LABELS = dict(phrases.load_phrases()["measure_labels"])


def illustrative_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per-force rows as a display table (measure, force or group, category, value).

    Suppressed values show as ``[c]``; the index is hidden by the caller's display.
    """
    out = pd.DataFrame({
        "measure": rows["measure"].map(_DERIVED_LABELS).fillna(rows["measure"]),
        "force": [c if g in GROUP_LABELS else g for g, c in zip(rows["group"], rows["category"], strict=True)],
        "group": rows["group"].map(GROUP_LABELS).fillna("All forces"),
        "value": [("[c]" if f == "c" else f"{v:,.1f}" if u == "percent" else f"{v:,.0f}")
                  for v, f, u in zip(rows["value"], rows["flag"], rows["unit"], strict=True)],
    })
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- national intake, pooling

__all__ += ["pooled_view", "pooled_phrases", "submission_phrases"]

#: Row label of the pooled estimate in the forest plot and its table.
POOLED_LABEL = "All forces pooled (random effects)"


def pooled_view(pooled: pd.DataFrame, forces: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Rows of the forest plot of ``pooled.csv``: each included force, then the pooled estimate, per outcome.

    Returns
    -------
    pandas.DataFrame
        ``outcome`` (the question text), ``label`` (force, or :data:`POOLED_LABEL`), ``estimate``,
        ``ci_low``, ``ci_high``, ``weight`` (percent of the random-effects weight; empty on the pooled
        row), ``method`` (how the force's difference was estimated), ``pi_low``/``pi_high`` (pooled row).
        Forces left out are not drawn (:func:`pooled_phrases` counts them).
    """
    columns = ["outcome", "label", "estimate", "ci_low", "ci_high", "weight", "method", "pi_low", "pi_high"]
    rows = []
    for _, pool in pooled.iterrows():
        if pd.isna(pool["estimate"]):
            continue
        outcome = measure_label(pool["measure"], "children_survey", codebook)
        used = forces[forces["measure"].eq(pool["measure"]) & forces["included"].astype(bool)]
        for _, f in used.iterrows():
            rows.append({"outcome": outcome, "label": f["force"], "estimate": f["estimate"], "ci_low": f["ci_low"],
                         "ci_high": f["ci_high"], "weight": 100 * f["weight"],
                         "method": {"cluster_ols": "school-clustered OLS",
                                    "difference_of_means": "difference of means"}.get(f["method"], f["method"])})
        rows.append({"outcome": outcome, "label": POOLED_LABEL, "estimate": pool["estimate"],
                     "ci_low": pool["ci_low"], "ci_high": pool["ci_high"], "method": "random effects",
                     "pi_low": pool["pi_low"], "pi_high": pool["pi_high"]})
    return pd.DataFrame(rows, columns=columns)


def pooled_phrases(pooled: pd.DataFrame, forces: pd.DataFrame, *, force: str = "") -> dict[str, str]:
    """Words for the pooled section: ``status`` (what was pooled, or why nothing was) and ``left_out``.

    Every number in them comes from ``pooled.csv`` and ``pooled_forces.csv``.
    """
    if force:
        return {"status": f"This is a local report for {force}: with one force there is nothing to pool, so "
                          "this section is left empty. The national report pools every force.",
                "left_out": "No force was pooled here."}
    done = pooled[pooled["estimate"].notna()]
    if done.empty:
        return {"status": "No primary outcome could be pooled: fewer than two forces had enough children in both "
                          "groups to estimate a difference.",
                "left_out": _left_out(forces)}
    k = sorted(set(done["k"].astype(int)))
    ks = " to ".join(str(v) for v in (k[0], k[-1])) if len(k) > 1 else str(k[0])
    tau = "; ".join(f"“{measure_label(m, 'children_survey')}”, τ² = {format_number(t, 3)} and I² = "
                    f"{format_percent(100 * i)}" for m, t, i in zip(done["measure"], done["tau2"], done["i2"],
                                                                    strict=True))
    return {"status": f"{format_count(len(done))} primary outcomes were pooled over {ks} forces each. "
                      f"Spread between forces: {tau}.",
            "left_out": _left_out(forces)}


def _left_out(forces: pd.DataFrame) -> str:
    out = forces[~forces["included"].astype(bool)]
    if out.empty:
        return "No force was left out."
    counts = out.groupby("reason").size()
    parts = "; ".join(f"{format_count(n)} with {reason}" for reason, n in counts.items())
    return (f"Force-outcome pairs left out: {format_count(len(out))} ({parts}); they are counted in the "
            "pooled table and not drawn.")


def submission_phrases(table: pd.DataFrame) -> dict[str, str]:
    """Words for the submissions section of the data-quality appendix, from :func:`submissions`."""
    if table.empty:
        return {"status": "The data came as one folder of files rather than one folder per force, so there is "
                          "no per-force breakdown of the submission."}
    other = int(table["other_force"].sum())
    missing = int(table["not_collected"].ne("").sum())
    return {"status": f"The data came as {format_count(len(table))} force folders, each read and checked on its "
                      f"own before they were combined. Rows naming another force than their folder's: "
                      f"{format_count(other)} (quarantined). Folders missing at least one survey: "
                      f"{format_count(missing)}."}
