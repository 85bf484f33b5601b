"""The programme's setting as data: published evidence and comparable programmes.

One job: read, validate and summarise the two hand-transcribed context tables
in ``data/context/`` for the context chapter:

* ``evidence_2019.csv`` — the studies and policies that chapter 2 of the 2019
  national evaluation reviews, one finding per row (:func:`load_evidence`);
* ``programmes.csv`` — programmes for children and young people comparable to
  the programme evaluated (``label`` in ``programme.yml``), as the source documents describe them
  (:func:`load_programmes`).

Unlike ``data/raw``, these rows are not survey data and are never synthetic:
each is transcribed, in our own words, from a published document named in
its ``source`` and ``seed`` columns. ``data/context/README.md`` describes the
columns and how to add rows.

Validation is strict, because the files are edited by hand: a missing or
unknown column, an unreadable number or a value outside its list raises
:class:`ContextDataError`, whose message names the file, the row (1-based
data row, header not counted), the row's id and the column.

The summary helpers follow the package's contract: DataFrame first, keyword
options, the input never changed, a tidy DataFrame out.

Examples
--------
>>> from helpers.report.context import load_evidence, evidence_values
>>> evidence = load_evidence()
>>> bool(evidence["id"].is_unique)
True
>>> sorted(evidence_values(evidence)["group"].unique())
['Comparison group', 'Group studied']
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator
from pandera.pandas import Check, Column

from helpers.core.config import PROGRAMME_ROOT
from helpers.core.programme import load_programme
from helpers.report.plots import EMPTY_MESSAGE, PALETTE

__all__ = [
    "references",
    "CONTEXT_DIR",
    "EVIDENCE_PATH",
    "PROGRAMMES_PATH",
    "THEMES",
    "KINDS",
    "TIERS",
    "QUALIFIERS",
    "EVIDENCE_SCHEMA",
    "PROGRAMMES_SCHEMA",
    "ContextDataError",
    "load_evidence",
    "load_programmes",
    "evidence_values",
    "evidence_summary",
    "evidence_overview",
    "evidence_table",
    "format_evidence",
    "programme_counts",
    "programme_overview",
    "programme_table",
    "age_ranges",
    "age_overlap",
    "plot_age_ranges",
]

log = logging.getLogger(__name__)

#: Folder of the context tables.
CONTEXT_DIR = PROGRAMME_ROOT / "data" / "context"
#: Evidence reviewed in chapter 2 of the 2019 report.
EVIDENCE_PATH = CONTEXT_DIR / "evidence_2019.csv"
#: Landscape of comparable programmes.
PROGRAMMES_PATH = CONTEXT_DIR / "programmes.csv"
#: The source documents, beside the checkout (absent in an ordinary clone).

#: Evidence themes, in the order of the 2019 report's chapter 2, with display labels.
THEMES = {
    "policy": "National policy",
    "police_youth": "Young people and the police",
    "relationships": "Building relationships",
    "community": "Community involvement and volunteering",
    "behaviour": "Behaviour",
    "skills": "Skills",
    "wellbeing": "Confidence and wellbeing",
}

#: Kinds of programme, with display labels.
KINDS = {
    "engagement": "Police engagement",
    "uniformed": "Uniformed youth group",
    "diversion": "Early intervention and diversion",
    "sport": "Sport",
    "school_prevention": "Prevention in schools",
    "multi_agency": "Multi-agency, place-based",
    "safeguarding": "Safeguarding",
    "family": "Family support",
}

#: Tiers of the West Midlands Police children and young people strategy:
#: open to all, aimed at children at risk, or for those already in trouble.
TIERS = {
    "universal": "Universal (open to all)",
    "targeted": "Targeted (children at risk)",
    "specialist": "Specialist (already in contact with justice)",
}

#: How a published number is hedged ("at least 46,000"); empty for a plain number.
QUALIFIERS = ["", "about", "at least", "more than", "over"]

_SEED_LIST = r"^\d{3}_[0-9a-f]{16}\.txt(; \d{3}_[0-9a-f]{16}\.txt)*$"
_CITE_LIST = r"^[a-z][a-z0-9]*(; [a-z][a-z0-9]*)*$"
#: The report's bibliography (BibTeX), cited by key from the notebooks and the ``cite`` columns.
REFERENCES_PATH = PROGRAMME_ROOT / "references.bib"
_NONE_STATED = ("none stated", "none reported", "not stated")


class ContextDataError(ValueError):
    """A context table breaks its schema.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem: ``file, row, id, column, value, problem``
        (``row`` is the 1-based data row, empty for column-level problems).
    """

    def __init__(self, message: str, problems: pd.DataFrame):
        super().__init__(message)
        self.problems = problems


def _text(*checks, **kwargs) -> Column:
    return Column(str, list(checks), **kwargs)


_NOT_EMPTY = Check(lambda s: s.str.strip().str.len() > 0, error="must not be empty")
_TRIMMED = Check(lambda s: s.eq(s.str.strip()), error="has spaces at the start or end")


def _wide(error: str):
    """Decorator: a row-wise check over several columns; ``error`` starts with ``columns a/b:``."""
    def wrap(function):
        return Check(function, error=error)
    return wrap


@_wide("columns value/unit: a number needs a unit and a unit needs a number")
def _value_has_unit(df):
    return df["value"].isna() == df["unit"].eq("")


@_wide("columns value/comparator_value/unit: a percent must lie between 0 and 100")
def _percent_in_range(df):
    percent = df["unit"].eq("percent")
    ok_value = df["value"].isna() | df["value"].between(0, 100)
    ok_comparator = df["comparator_value"].isna() | df["comparator_value"].between(0, 100)
    return ~percent | (ok_value & ok_comparator)


@_wide("columns comparator/comparator_value: a comparison number needs a described comparator and a value")
def _comparator_complete(df):
    has = df["comparator_value"].notna()
    return ~has | (df["comparator"].str.len().gt(0) & df["value"].notna())


@_wide("columns unit/label: a percent row needs a short chart label")
def _label_when_value(df):
    return df["unit"].ne("percent") | df["label"].str.len().gt(0)


@_wide("columns value/qualifier: a qualifier needs a number")
def _qualifier_needs_value(df):
    return df["qualifier"].eq("") | df["value"].notna()


@_wide("columns age_min/age_max: give both ages or neither, with age_min <= age_max")
def _ages_paired(df):
    both = df["age_min"].notna() & df["age_max"].notna()
    neither = df["age_min"].isna() & df["age_max"].isna()
    return neither | (both & (df["age_min"].fillna(0) <= df["age_max"].fillna(0)))


#: Schema of ``evidence_2019.csv`` (after :func:`load_evidence` has parsed the numbers).
EVIDENCE_SCHEMA = pa.DataFrameSchema(
    {
        "id": _text(Check.str_matches(r"^E\d{2}$", error="must look like E01"), unique=True),
        "theme": _text(Check.isin(list(THEMES), error=f"must be one of {', '.join(THEMES)}")),
        "study": _text(Check.str_contains(r"\(\d{4}\)", error="must name author and year, e.g. PACEC (2011)"),
                       _TRIMMED),
        "country": _text(_NOT_EMPTY),
        "design": _text(_NOT_EMPTY),
        "population": _text(),
        "measure": _text(),
        "value": Column(float, Check.ge(0, error="must not be negative"), nullable=True),
        "unit": _text(Check.isin(["percent", "count", ""], error="must be percent, count or empty")),
        "qualifier": _text(Check.isin(QUALIFIERS, error=f"must be empty or one of {', '.join(QUALIFIERS[1:])}")),
        "comparator": _text(),
        "comparator_value": Column(float, Check.ge(0, error="must not be negative"), nullable=True),
        "sample": _text(),
        "label": _text(),
        "finding": _text(_NOT_EMPTY, _TRIMMED),
        "source": _text(Check.str_startswith("2019 report", error="must start with '2019 report'")),
        "seed": _text(Check.str_matches(_SEED_LIST, error="must name seed files such as 001_<hash>.txt")),
        "seed_line": Column("Int64", Check.ge(1, error="must be a line number from 1"), nullable=False),
        "reference": _text(_NOT_EMPTY),
        "cite": _text(Check.str_matches(_CITE_LIST, error="must name references.bib keys such as callender2019")),
        "note": _text(),
    },
    checks=[_value_has_unit, _percent_in_range, _comparator_complete, _label_when_value, _qualifier_needs_value],
    strict=True,
    name="evidence_2019.csv",
)

#: Schema of ``programmes.csv`` (after :func:`load_programmes` has parsed the ages).
PROGRAMMES_SCHEMA = pa.DataFrameSchema(
    {
        "id": _text(Check.str_matches(r"^PR\d{2}$", error="must look like PR01"), unique=True),
        "programme": _text(_NOT_EMPTY, _TRIMMED, unique=True),
        "organisation": _text(_NOT_EMPTY),
        "area": _text(_NOT_EMPTY),
        "age_range": _text(_NOT_EMPTY),
        "age_min": Column("Int64", Check.in_range(0, 30, error="must be an age from 0 to 30"), nullable=True),
        "age_max": Column("Int64", Check.in_range(0, 30, error="must be an age from 0 to 30"), nullable=True),
        "setting": _text(_NOT_EMPTY),
        "kind": _text(Check.isin(list(KINDS), error=f"must be one of {', '.join(KINDS)}")),
        "tier": _text(Check.isin(list(TIERS), error=f"must be one of {', '.join(TIERS)}")),
        "aims": _text(_NOT_EMPTY),
        "reach": _text(_NOT_EMPTY),
        "evaluation": _text(_NOT_EMPTY),
        "status": _text(_NOT_EMPTY),
        "source": _text(_NOT_EMPTY),
        "cite": _text(Check.str_matches(_CITE_LIST, error="must name references.bib keys such as callender2019")),
        "seed": _text(Check.str_matches(_SEED_LIST, error="must name seed files such as 000_<hash>.txt")),
        "url": _text(Check(lambda s: ~s.str.contains(r"\s"), error="must not contain spaces")),
    },
    checks=[_ages_paired],
    strict=True,
    name="programmes.csv",
)

_NUMERIC = {"evidence_2019.csv": {"value": "float", "comparator_value": "float", "seed_line": "int"},
            "programmes.csv": {"age_min": "int", "age_max": "int"}}


def _problem(name, row, ident, column, value, problem) -> dict:
    return {"file": name, "row": row, "id": ident, "column": column, "value": value, "problem": problem}


def _error(name: str, problems: list[dict]) -> ContextDataError:
    """The exception listing ``problems`` (rows of :func:`_problem`) of file ``name``."""
    table = pd.DataFrame(problems, columns=["file", "row", "id", "column", "value", "problem"])
    table["row"] = table["row"].astype("Int64")
    lines = []
    for _, p in table.iterrows():
        where = "header"
        if pd.notna(p["row"]):
            where = f"row {p['row']}" + (f" (id {p['id']})" if p["id"] else "")
        column = "" if pd.isna(p["column"]) else str(p["column"])
        what = "table"
        if column:
            what = f"columns {column}" if ", " in column else f"column '{column}'"
        value = "" if pd.isna(p["value"]) or p["value"] == "" else f" (value {p['value']!r})"
        lines.append(f"  {where}, {what}: {p['problem']}{value}")
    shown = lines[:25] + ([f"  ... and {len(lines) - 25} more"] if len(lines) > 25 else [])
    message = f"{name}: {len(lines)} problem(s):\n" + "\n".join(shown)
    return ContextDataError(message, table)


def _read(path: Path, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Read a context CSV as text, check its header and numbers, then validate it against ``schema``."""
    name = path.name
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    expected = list(schema.columns)
    problems = [_problem(name, None, "", c, "", "missing column") for c in expected if c not in frame]
    problems += [_problem(name, None, "", c, "", "unknown column (check the spelling)")
                 for c in frame.columns if c not in expected]
    if problems:
        raise _error(name, problems)
    ids = frame["id"].tolist()
    numeric = _NUMERIC.get(schema.name, {})
    out = frame.copy()
    for column, kind in numeric.items():
        text = frame[column].str.strip()
        parsed = pd.to_numeric(text.where(text.ne("")), errors="coerce")
        bad = text.ne("") & (parsed.isna() | ((kind == "int") & (parsed.fillna(0) % 1 != 0)))
        problems += [_problem(name, i + 1, ids[i], column, text.iloc[i],
                              "is not a whole number" if kind == "int" else "is not a number")
                     for i in np.flatnonzero(bad.to_numpy())]
        out[column] = parsed.round().astype("Int64") if kind == "int" else parsed.astype(float)
    if problems:
        raise _error(name, problems)
    try:
        return schema.validate(out, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        seen = set()
        for _, case in cases.iterrows():
            index = case["index"]
            check = str(case["check"])
            if case["schema_context"] == "DataFrameSchema":
                if index is None or pd.isna(index):
                    problems.append(_problem(name, None, "", "", "", check))
                    continue
                if (check, index) in seen:  # a wide check lists every column of a failing row
                    continue
                seen.add((check, index))
                columns, _, message = check.partition(": ")
                problems.append(_problem(name, int(index) + 1, ids[int(index)],
                                         columns.removeprefix("columns ").replace("/", ", "), "", message))
            else:
                row = None if index is None or pd.isna(index) else int(index) + 1
                problems.append(_problem(name, row, ids[row - 1] if row else "", case["column"],
                                         case["failure_case"],
                                         "is repeated" if check == "field_uniqueness" else check))
        raise _error(name, problems) from None


def load_evidence(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the evidence table (default :data:`EVIDENCE_PATH`).

    Parameters
    ----------
    path : str or Path, optional
        Another copy of the file (tests use a broken one).

    Returns
    -------
    pandas.DataFrame
        The file's columns in its order: text columns as ``str`` (empty
        string when blank), ``value`` and ``comparator_value`` as float (NaN
        when blank), ``seed_line`` as ``Int64``.

    Raises
    ------
    ContextDataError
        Naming file, row, id and column of every problem found.
    """
    return _read(Path(path or EVIDENCE_PATH), EVIDENCE_SCHEMA)


def load_programmes(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the programme landscape (default :data:`PROGRAMMES_PATH`).

    Returns
    -------
    pandas.DataFrame
        The file's columns: text as ``str``, ``age_min`` and ``age_max`` as
        ``Int64`` (missing when the source gives no ages in years).

    Raises
    ------
    ContextDataError
        Naming file, row, id and column of every problem found.
    """
    return _read(Path(path or PROGRAMMES_PATH), PROGRAMMES_SCHEMA)


def _number(value: float, unit: str = "", qualifier: str = "") -> str:
    """``75%``, ``at least 46,000``; empty for a missing value."""
    if value is None or pd.isna(value):
        return ""
    text = f"{value:,.1f}".removesuffix(".0")
    text = text + "%" if unit == "percent" else text
    return f"{qualifier} {text}".strip()


def format_evidence(evidence: pd.DataFrame, ident: str, *, column: str = "value") -> str:
    """One number of the evidence table, formatted for prose.

    Parameters
    ----------
    evidence : pandas.DataFrame
        From :func:`load_evidence`.
    ident : str
        Row id (``"E15"``); ids are stable.
    column : {"value", "comparator_value"}
        Which number of the row.

    Returns
    -------
    str
        For example ``"75%"`` or ``"at least 46,000"`` (the qualifier applies
        to ``value`` only).

    Examples
    --------
    >>> ev = load_evidence()
    >>> format_evidence(ev, "E15"), format_evidence(ev, "E15", column="comparator_value")
    ('75%', '38%')
    """
    if column not in ("value", "comparator_value"):
        raise ValueError(f"column must be 'value' or 'comparator_value', not {column!r}")
    rows = evidence[evidence["id"] == ident]
    if len(rows) != 1:
        raise KeyError(f"evidence has {len(rows)} rows with id {ident!r}")
    row = rows.iloc[0]
    return _number(row[column], row["unit"], row["qualifier"] if column == "value" else "")


def evidence_values(evidence: pd.DataFrame, *, unit: str = "percent") -> pd.DataFrame:
    """The numbers of the evidence table in long format, ready to plot.

    Parameters
    ----------
    evidence : pandas.DataFrame
        From :func:`load_evidence`.
    unit : {"percent", "count"}
        Which numbers to keep.

    Returns
    -------
    pandas.DataFrame
        One row per number: ``id, theme, theme_label, study, label, group``
        (``"Group studied"`` or ``"Comparison group"``), ``who`` (the
        population or comparator), ``value``, ``unit`` and ``qualifier``
        (the comparison number carries none). Rows follow the theme order
        of :data:`THEMES`, then the file order. Rows without a number are
        left out.
    """
    rows = evidence[evidence["unit"].eq(unit) & evidence["value"].notna()]
    rows = rows.assign(_theme=rows["theme"].map({t: i for i, t in enumerate(THEMES)}))
    rows = rows.sort_values("_theme", kind="stable")
    studied = pd.DataFrame({"id": rows["id"], "group": "Group studied", "who": rows["population"],
                            "value": rows["value"], "qualifier": rows["qualifier"], "_order": 0})
    compared = rows[rows["comparator_value"].notna()]
    comparison = pd.DataFrame({"id": compared["id"], "group": "Comparison group", "who": compared["comparator"],
                               "value": compared["comparator_value"], "qualifier": "", "_order": 1})
    base = rows[["id", "theme", "study", "label", "unit"]]
    out = pd.concat([studied, comparison]).merge(base, on="id", how="left")
    out["_row"] = out["id"].map({ident: i for i, ident in enumerate(rows["id"])})
    out = out.sort_values(["_row", "_order"], kind="stable")
    out["theme_label"] = out["theme"].map(THEMES)
    columns = ["id", "theme", "theme_label", "study", "label", "group", "who", "value", "unit", "qualifier"]
    return out[columns].reset_index(drop=True)


def _sources(study: str) -> list[str]:
    return [part.strip() for part in study.split(";") if part.strip()]


def evidence_summary(evidence: pd.DataFrame) -> pd.DataFrame:
    """Findings per theme.

    Returns
    -------
    pandas.DataFrame
        One row per theme present, in :data:`THEMES` order: ``theme,
        theme_label, findings`` (rows), ``studies`` (distinct author-year
        citations; a row citing several counts each), ``quantified`` (rows
        with a number).
    """
    rows = []
    for theme, label in THEMES.items():
        part = evidence[evidence["theme"] == theme]
        if part.empty:
            continue
        studies = {s for study in part["study"] for s in _sources(study)}
        rows.append({"theme": theme, "theme_label": label, "findings": len(part), "studies": len(studies),
                     "quantified": int(part["value"].notna().sum())})
    return pd.DataFrame(rows, columns=["theme", "theme_label", "findings", "studies", "quantified"])


def _is_uk(country: str) -> bool:
    return country.startswith(("UK", "England", "Wales", "Scotland", "Northern Ireland"))


def evidence_overview(evidence: pd.DataFrame) -> pd.DataFrame:
    """Headline counts of the evidence table, for prose.

    Returns
    -------
    pandas.DataFrame
        ``statistic, value`` with the statistics ``findings`` (rows),
        ``studies`` (distinct citations), ``quantified`` (rows with a
        number), ``themes``, ``uk`` and ``usa`` (rows by country of the
        study), ``trials`` (randomised controlled trials), ``policy``
        (policy documents).

    Examples
    --------
    >>> overview = evidence_overview(load_evidence()).set_index("statistic")["value"]
    >>> int(overview["findings"]) == len(load_evidence())
    True
    """
    studies = {s for study in evidence["study"] for s in _sources(study)}
    stats = {
        "findings": len(evidence),
        "studies": len(studies),
        "quantified": int(evidence["value"].notna().sum()),
        "themes": int(evidence["theme"].nunique()),
        "uk": int(evidence["country"].map(_is_uk).sum()),
        "usa": int(evidence["country"].str.startswith("USA").sum()),
        "trials": int(evidence["design"].eq("randomised controlled trial").sum()),
        "policy": int(evidence["design"].eq("policy document").sum()),
    }
    return pd.DataFrame({"statistic": list(stats), "value": list(stats.values())})


def evidence_table(evidence: pd.DataFrame) -> pd.DataFrame:
    """The evidence table as the chapter shows it.

    Returns
    -------
    pandas.DataFrame
        One row per finding in theme order, with display columns ``Theme,
        Study, Where, Finding, Figure, Source``; ``Figure`` reads e.g.
        ``75% positive overall opinion of the local police; 38% for
        15-year-olds``, empty for findings without a number;
        ``Source`` gives the report section and the reference.
    """
    order = evidence["theme"].map({t: i for i, t in enumerate(THEMES)})
    rows = evidence.assign(_order=order).sort_values("_order", kind="stable")
    figures = []
    for _, row in rows.iterrows():
        text = _number(row["value"], row["unit"], row["qualifier"])
        if text and row["measure"]:
            text = f"{text} {row['measure']}"
        if pd.notna(row["comparator_value"]):
            text += f"; {_number(row['comparator_value'], row['unit'])} for {row['comparator']}"
        if row["sample"]:
            text += f"; {row['sample']}"
        figures.append(text)
    section = rows["source"].str.replace(r"^.*section ", "", regex=True)
    return pd.DataFrame({
        "Theme": rows["theme"].map(THEMES).to_numpy(),
        "Study": rows["study"].to_numpy(),
        "Where": rows["country"].to_numpy(),
        "Finding": rows["finding"].to_numpy(),
        "Figure": figures,
        "Source": ("2019 report, chapter 2, " + section + ". " + rows["reference"]).to_numpy(),
    })


def programme_counts(programmes: pd.DataFrame, *, by: str = "kind") -> pd.DataFrame:
    """Programmes per kind or tier.

    Parameters
    ----------
    programmes : pandas.DataFrame
        From :func:`load_programmes`.
    by : {"kind", "tier"}
        What to count by.

    Returns
    -------
    pandas.DataFrame
        ``category, label, value`` (number of programmes), every category of
        :data:`KINDS` or :data:`TIERS` in that order, zeros included.
    """
    labels = {"kind": KINDS, "tier": TIERS}.get(by)
    if labels is None:
        raise ValueError(f"by must be 'kind' or 'tier', not {by!r}")
    counts = programmes[by].value_counts()
    return pd.DataFrame({"category": list(labels), "label": list(labels.values()),
                         "value": [int(counts.get(c, 0)) for c in labels]})


def age_ranges(programmes: pd.DataFrame) -> pd.DataFrame:
    """Programmes whose source gives an age range in years.

    Returns
    -------
    pandas.DataFrame
        ``id, programme, kind, kind_label, age_min, age_max, ages`` (e.g.
        ``"8–11"``), youngest first (then by upper age, then file order).
    """
    rows = programmes[programmes["age_min"].notna() & programmes["age_max"].notna()]
    out = pd.DataFrame({"id": rows["id"], "programme": rows["programme"], "kind": rows["kind"],
                        "kind_label": rows["kind"].map(KINDS), "age_min": rows["age_min"],
                        "age_max": rows["age_max"]})
    out["ages"] = [f"{low}–{high}" for low, high in zip(out["age_min"], out["age_max"], strict=True)]
    return out.sort_values(["age_min", "age_max"], kind="stable").reset_index(drop=True)


def age_overlap(programmes: pd.DataFrame, *, reference: str | None = None) -> pd.DataFrame:
    """Other programmes whose age range overlaps that of ``reference``.

    Parameters
    ----------
    programmes : pandas.DataFrame
        From :func:`load_programmes`.
    reference : str, optional
        The ``programme`` to compare with; it must have an age range. Default:
        the evaluated programme (``label`` in ``programme.yml``).

    Returns
    -------
    pandas.DataFrame
        Rows of :func:`age_ranges` (the reference itself left out) sharing at
        least one year of age with the reference. Programmes without ages in
        years are left out.

    Examples
    --------
    >>> "Smethwick Boot Camp" in set(age_overlap(load_programmes())["programme"])
    True
    """
    reference = reference or load_programme().label
    ranges = age_ranges(programmes)
    ref = ranges[ranges["programme"] == reference]
    if len(ref) != 1:
        raise KeyError(f"{reference!r} is not a programme with an age range")
    low, high = int(ref["age_min"].iloc[0]), int(ref["age_max"].iloc[0])
    others = ranges[ranges["programme"] != reference]
    keep = (others["age_min"] <= high) & (others["age_max"] >= low)
    return others[keep.astype(bool)].reset_index(drop=True)


def _none_stated(text: pd.Series) -> pd.Series:
    return text.str.strip().str.lower().str.startswith(_NONE_STATED)


def programme_overview(programmes: pd.DataFrame, *, reference: str | None = None) -> pd.DataFrame:
    """Headline counts of the landscape, for prose.

    Returns
    -------
    pandas.DataFrame
        ``statistic, value`` with ``programmes`` (rows), ``others`` (rows
        other than ``reference``), ``documents`` (distinct seed files cited),
        ``with_ages`` (other programmes with an age range in years),
        ``overlap`` (of those, sharing an age with ``reference``), ``older``
        and ``younger`` (of those, starting after or ending before the ages of
        ``reference``), one count
        per tier (``universal``, ``targeted``, ``specialist``, reference
        excluded), ``no_evaluation`` (other programmes whose evaluation reads
        "none stated" or "none reported") and ``reach_unknown`` (other
        programmes whose reach is "not stated" or has "no figure").
        ``reference`` defaults to the evaluated programme (``label`` in ``programme.yml``).
    """
    reference = reference or load_programme().label
    others = programmes[programmes["programme"] != reference]
    seeds = {s.strip() for cell in programmes["seed"] for s in cell.split(";")}
    ranges = age_ranges(others)
    ref = age_ranges(programmes).set_index("programme").loc[reference]
    stats = {
        "programmes": len(programmes),
        "others": len(others),
        "documents": len(seeds),
        "with_ages": len(ranges),
        "overlap": len(age_overlap(programmes, reference=reference)),
        "older": int((ranges["age_min"] > ref["age_max"]).sum()),
        "younger": int((ranges["age_max"] < ref["age_min"]).sum()),
        **{tier: int(others["tier"].eq(tier).sum()) for tier in TIERS},
        "no_evaluation": int(_none_stated(others["evaluation"]).sum()),
        "reach_unknown": int((_none_stated(others["reach"]) | others["reach"].str.contains("no figure")).sum()),
    }
    return pd.DataFrame({"statistic": list(stats), "value": list(stats.values())})


def references(path: str | Path = REFERENCES_PATH) -> pd.DataFrame:
    """The entries of the report's bibliography, with the author-year label a reader sees.

    Parameters
    ----------
    path : str or Path
        A BibTeX file; default ``references.bib`` at the top of the project.

    Returns
    -------
    pandas.DataFrame
        ``key, label, parenthetical, year, title`` in file order; ``label``
        reads as the book's textual citations do: ``Callender et al.
        (2019)``, ``Fox and Kalkan (2016)``, ``Home Office (2016)`` (one
        author, two, or the first and "et al." for three or more);
        ``parenthetical`` as those in brackets: ``Callender et al., 2019``.

    Examples
    --------
    >>> references().set_index("key").loc["callender2019", "label"]
    'Callender et al. (2019)'
    """
    from pybtex.database import parse_file

    rows = []
    for key, entry in parse_file(str(path), bib_format="bibtex").entries.items():
        people = entry.persons.get("author", [])
        names = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
        if len(names) > 2 or "others" in names:
            who = f"{names[0]} et al."
        else:
            who = " and ".join(names)
        year = entry.fields.get("year", "n.d.")
        rows.append({"key": key, "label": f"{who} ({year})", "parenthetical": f"{who}, {year}", "year": year,
                     "title": entry.fields.get("title", "").replace("{", "").replace("}", "")})
    return pd.DataFrame(rows, columns=["key", "label", "parenthetical", "year", "title"])


def programme_table(programmes: pd.DataFrame) -> pd.DataFrame:
    """The landscape table as the chapter shows it.

    Returns
    -------
    pandas.DataFrame
        One row per programme in file order, display columns ``Programme,
        Run by, Where, Ages, Kind, Aims, Reach, Evaluation, Status, Source``;
        ``Source`` names the document and the section, then the reference
        by author and year as the report's reference list gives it (and the
        web address where the document gives one).
    """
    labels = references().set_index("key")["parenthetical"]
    seed = programmes["cite"].map(lambda keys: "; ".join(labels[k.strip()] for k in keys.split(";")))
    url = programmes["url"].where(programmes["url"].eq(""), "; " + programmes["url"])
    return pd.DataFrame({
        "Programme": programmes["programme"].to_numpy(),
        "Run by": programmes["organisation"].to_numpy(),
        "Where": programmes["area"].to_numpy(),
        "Ages": programmes["age_range"].str.replace("-", "–", regex=False).to_numpy(),
        "Kind": (programmes["kind"].map(KINDS) + "; " + programmes["tier"]).to_numpy(),
        "Aims": programmes["aims"].to_numpy(),
        "Reach": programmes["reach"].to_numpy(),
        "Evaluation": programmes["evaluation"].to_numpy(),
        "Status": programmes["status"].to_numpy(),
        "Source": (programmes["source"] + " (" + seed + url + ")").to_numpy(),
    })


def plot_age_ranges(data: pd.DataFrame, *, start: str = "age_min", end: str = "age_max",
                    label: str = "programme", highlight: str | None = None,
                    xlabel: str = "Age in years", palette: str = PALETTE,
                    empty: str = EMPTY_MESSAGE) -> Figure:
    """Horizontal bars spanning each programme's age range.

    A range such as 8–11 covers the whole of the ages 8, 9, 10 and 11, so its
    bar runs from 8 to 12 on the age axis; the range is written at the bar's
    end.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per programme, e.g. from :func:`age_ranges`; rows missing
        either age are not drawn.
    start, end : str
        Columns with the youngest and oldest age (whole years).
    label : str
        Column naming the programme (vertical axis, top to bottom in the
        order given).
    highlight : str or None
        A ``label`` value drawn in a second colour (typically the evaluated
        programme: ``label`` in ``programme.yml``).
    xlabel : str
        Axis label.
    palette : str
        Seaborn palette name: its first colour for the bars, its second for
        the highlighted one.
    empty : str
        Message shown when nothing can be drawn.

    Returns
    -------
    matplotlib.figure.Figure
        One axes whose single bar container holds one bar per programme.

    Examples
    --------
    >>> rows = pd.DataFrame({"programme": ["Juniors", "Cadets"], "age_min": [8, 13], "age_max": [11, 18]})
    >>> bars = plot_age_ranges(rows, highlight="Juniors").axes[0].containers[0]
    >>> [(float(b.get_x()), float(b.get_width())) for b in bars]
    [(8.0, 4.0), (13.0, 6.0)]
    """
    rows = data.dropna(subset=[start, end])
    if rows.empty:
        fig = Figure(figsize=(7.5, 2.2), layout="constrained")
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
        return fig
    low = rows[start].astype(float).to_numpy()
    high = rows[end].astype(float).to_numpy()
    names = rows[label].astype(str).tolist()
    colours = sns.color_palette(palette, 2)
    fig = Figure(figsize=(7.5, max(2.2, 1.2 + 0.32 * len(rows))), layout="constrained")
    ax = fig.subplots()
    positions = np.arange(len(rows))
    bars = ax.barh(positions, high - low + 1, left=low, height=0.6,
                   color=[colours[1] if name == highlight else colours[0] for name in names])
    for bar, a, b in zip(bars, low, high, strict=True):
        ax.annotate(f"{a:.0f}–{b:.0f}", (bar.get_x() + bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize="small")
    ax.set_yticks(positions, [textwrap.fill(name, 32) for name in names])
    ax.invert_yaxis()
    ax.set_xlim(0, max(high.max() + 4, 20))
    ax.xaxis.set_major_locator(MultipleLocator(2))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    return fig
