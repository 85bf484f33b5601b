"""Tidy results: every figure and headline number of the book (``results.csv``).

One job: turn the clean tables of :mod:`helpers.core.validation` into the long
``results.csv`` table of docs/contract.md section 4 — one row per (measure, group,
category) with n, base, value, unit and a 95% Wilson interval for percents.

What is reported, all driven by the codebook:

* every coded item, for every group the instrument has (children: the
  programme group, other children, all children; adults: one group each),
  every code of the scale including zero counts; items asked only of the
  programme group are reported for that group only;
* ``yes`` rows for the 0/1 aims flags;
* means for the safety items (1 = strongly agree ... 5 = strongly disagree)
  and the ranking items (1 = most important);
* sample composition: ``sample_size``, ``sample_forces`` (distinct forces),
  ``sample_forces_by_role`` (category = role), the distinct counts the
  codebook declares with ``count_as`` (``sample_schools``,
  ``sample_workshops``, ``sample_workshop_children``, ``sample_interviewees``),
  ``sample_schools_by_force`` (category = force) and the demographic columns
  as ``sample_force``, ``sample_gender``, ``sample_year_group``,
  ``sample_age``, ``sample_role``;
* census totals (group ``national``) and per-force counts (group = force):
  ``census_forces``, ``census_schools``, ``census_children``,
  ``census_planned_units``, ``census_children_per_school``, ``census_growth``,
  ``census_planned_units_new_forces``,
  ``census_cycles_per_year``, plus the census's coded columns.

Free text, identifiers and ids never enter this table.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from helpers.core.codebook import Codebook, Column, Instrument
from helpers.core.stats import wilson_interval

__all__ = ["RESULTS_COLUMNS", "summarise", "instrument_groups", "tally_rows"]

log = logging.getLogger(__name__)

#: Columns of ``results.csv`` (docs/contract.md section 4).
RESULTS_COLUMNS = ["measure", "group", "category", "n", "base", "value", "unit", "ci_low", "ci_high", "flag"]


#: Census columns the derived figures read (children per school, planned growth, cycles a year).
_DERIVED_FROM = ("schools", "children", "planned_units", "cycles_per_year")


def _census_counts(instrument: Instrument) -> dict[str, str]:
    """``{column: measure}`` for the census counts: the columns of role ``census``, as ``census_<column>``."""
    return {col.name: f"census_{col.name}" for col in instrument.columns if col.role == "census"}


def instrument_groups(frame: pd.DataFrame, instrument: Instrument) -> list[tuple[str, pd.Series]]:
    """The reporting groups of an instrument as (group name, row mask) pairs.

    The instrument whose ``groups`` has ``by`` (the children's survey) is split
    by the answer to that column (the ``yes`` group, the ``no`` group, and
    ``all``); every other instrument is one group.
    """
    spec = instrument.groups
    everyone = pd.Series(True, index=frame.index)
    if "by" not in spec:
        return [(spec["all"], everyone)]
    by = frame[spec["by"]].astype("object")
    return [(spec["yes"], by.eq("yes")), (spec["no"], by.eq("no")), (spec["all"], everyone)]


def _counts(values: pd.Series) -> tuple[pd.Series, int]:
    """Count of each non-missing value, and how many there are (a categorical is counted on its codes)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        codes = codes[codes >= 0]
        counts = np.bincount(codes, minlength=len(values.cat.categories))
        return pd.Series(counts, index=values.cat.categories.astype(object)), int(len(codes))
    valid = values.dropna()
    return valid.astype("object").value_counts(), int(len(valid))


def _scores(values: pd.Series, codes: list[str], scores: list[float]) -> pd.Series:
    """The score of each answer (missing stays missing)."""
    if isinstance(values.dtype, pd.CategoricalDtype) and list(values.cat.categories) == list(codes):
        positions = values.cat.codes.to_numpy()
        table = np.asarray(scores, dtype=float)
        return pd.Series(np.where(positions >= 0, table[positions.clip(0)], np.nan), index=values.index)
    return values.astype("object").map(dict(zip(codes, scores, strict=True)))


def _percent_rows(values: pd.Series, categories, measure: str, group: str) -> list[dict]:
    counts, base = _counts(values)
    return [
        {"measure": measure, "group": group, "category": str(cat), "n": int(counts.get(cat, 0)),
         "base": base, "unit": "percent"}
        for cat in categories
    ]


def _mean_row(values: pd.Series, measure: str, group: str) -> dict:
    valid = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    return {"measure": measure, "group": group, "category": "mean", "n": np.nan,
            "base": int(len(valid)), "value": float(valid.mean()) if len(valid) else np.nan,
            "unit": "mean"}


def _count_row(measure: str, group: str, count, base, category: str = "count") -> dict:
    return {"measure": measure, "group": group, "category": category, "n": count, "base": base,
            "value": count, "unit": "count"}


def _column_rows(col: Column, values: pd.Series, group: str, codebook: Codebook,
                 all_values: pd.Series) -> list[dict]:
    """Rows for one column in one group."""
    measure = col.measure
    if col.type == "coded":
        scale = codebook.scales[col.scale]
        rows = _percent_rows(values, scale.codes, measure, group)
        if col.role == "safety" and scale.scores is not None:
            scores = _scores(values, scale.codes, scale.scores)
            rows.append(_mean_row(scores, measure, group))
        return rows
    if col.type == "force":
        categories = sorted(all_values.dropna().astype(str).unique())
        return _percent_rows(values.astype("object"), categories, measure, group)
    if col.type == "flag":
        valid = values.dropna()
        return [{"measure": measure, "group": group, "category": "yes", "n": int((valid == 1).sum()),
                 "base": int(len(valid)), "unit": "percent"}]
    if col.type == "integer" and col.role == "rank":
        return [_mean_row(values, measure, group)]
    if col.type == "integer" and col.role == "demographic":
        return _percent_rows(values.astype("object"), range(col.min, col.max + 1), measure, group)
    return []


def _asked(col: Column, instrument: Instrument, group: str) -> bool:
    """Whether a group was asked a column (applies_if on the grouping column)."""
    if not col.applies_if:
        return True
    by = instrument.groups.get("by")
    if by in col.applies_if:
        return instrument.groups.get(col.applies_if[by]) == group
    return True


def _survey_rows(frame: pd.DataFrame, instrument: Instrument, codebook: Codebook,
                 not_collected: set[str]) -> list[dict]:
    rows: list[dict] = []
    groups = instrument_groups(frame, instrument)
    for group, mask in groups:
        sub = frame[mask]
        rows.append(_count_row("sample_size", group, int(len(sub)), int(len(sub))))
        if "force" in sub and "force" not in not_collected:
            forces = sub["force"].dropna()
            rows.append(_count_row("sample_forces", group, int(forces.nunique()), int(len(forces))))
            if "role" in sub and "role" not in not_collected:
                pairs = sub[["role", "force"]].dropna().astype("object")
                for code in codebook.scales[instrument.column("role").scale].codes:
                    forces_of_role = pairs.loc[pairs["role"] == code, "force"]
                    rows.append(_count_row("sample_forces_by_role", group, int(forces_of_role.nunique()),
                                           int(len(forces_of_role)), category=code))
        for col in instrument.columns:
            if col.count_as and col.name not in not_collected:
                values = sub[col.name].dropna()
                rows.append(_count_row(col.count_as, group, int(values.nunique()), int(len(values))))
        if "school_id" in sub and "school_id" not in not_collected and "force" in sub:
            pairs = sub[["force", "school_id"]].dropna().drop_duplicates()
            per_force = pairs.groupby("force", observed=True)["school_id"].nunique()
            for force in sorted(frame["force"].dropna().astype(str).unique()):
                rows.append(_count_row("sample_schools_by_force", group, int(per_force.get(force, 0)),
                                       int(per_force.sum()), category=force))
    for col in instrument.columns:
        if col.name in not_collected or col.role in ("admin", "text"):
            continue
        for group, mask in groups:
            if _asked(col, instrument, group):
                rows += _column_rows(col, frame.loc[mask, col.name], group, codebook, frame[col.name])
    return rows


def _growth_rows(frame: pd.DataFrame, national: str) -> list[dict]:
    """The planned growth of the scheme, as the 2019 report's chapter 3 estimated it.

    ``census_growth`` (percent): planned units as a share of the schools running
    the programme now (n planned units, base schools), over the forces that
    gave both numbers; ``census_planned_units_new_forces`` (count): planned units
    in forces whose scheme is still being planned (new force areas), base all
    planned units. A planned unit is counted as one more school.
    """
    both = frame[["schools", "planned_units"]].dropna()
    schools, planned = int(both["schools"].sum()), int(both["planned_units"].sum())
    rows = []
    if planned > schools:  # results.csv percents are shares (with a Wilson interval): above 100% is not one
        log.warning("census growth not computed: %d planned units exceed the %d schools running now", planned,
                    schools)
    else:
        rows.append({"measure": "census_growth", "group": national, "category": "planned_units", "n": planned,
                     "base": schools, "value": 100 * planned / schools if schools else np.nan, "unit": "percent"})
    if "status" in frame:
        new = frame.loc[frame["status"].eq("planned"), "planned_units"].dropna()
        rows.append(_count_row("census_planned_units_new_forces", national, int(new.sum()),
                               int(frame["planned_units"].dropna().sum())))
    return rows


def _census_rows(frame: pd.DataFrame, instrument: Instrument, codebook: Codebook,
                 not_collected: set[str]) -> list[dict]:
    national = instrument.groups["all"]
    # The derived census figures below read the root programme's census columns: a census without
    # them (another programme's) simply has none of those figures.
    not_collected = set(not_collected) | {c for c in _DERIVED_FROM if c not in frame}
    rows = [_count_row("census_forces", national, int(len(frame)), int(len(frame)))]
    counts = _census_counts(instrument)
    for column, measure in counts.items():
        if column in not_collected:
            continue
        values = frame[column].dropna()
        if column == "cycles_per_year":
            categories = sorted(int(v) for v in values.unique())
            rows += _percent_rows(values.astype("object"), categories, measure, national)
        else:
            rows.append(_count_row(measure, national, int(values.sum()), int(len(values))))
    if not {"schools", "children"} & not_collected:
        both = frame[["schools", "children"]].dropna()
        schools = int(both["schools"].sum())
        rows.append({"measure": "census_children_per_school", "group": national, "category": "mean",
                     "n": np.nan, "base": schools,
                     "value": float(both["children"].sum()) / schools if schools else np.nan,
                     "unit": "mean"})
    if not {"schools", "planned_units"} & not_collected:
        rows += _growth_rows(frame, national)
    for col in instrument.columns:
        if col.type == "coded" and col.name not in not_collected:
            rows += _column_rows(col, frame[col.name], national, codebook, frame[col.name])
    if "force" in not_collected:
        return rows
    for _, record in frame.sort_values("force").iterrows():
        for column, measure in counts.items():
            if column in not_collected or pd.isna(record[column]):
                continue
            rows.append(_count_row(measure, str(record["force"]), int(record[column]), 1))
    return rows


def summarise(tables: dict[str, pd.DataFrame], codebook: Codebook,
              not_collected: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """Build the long results table from clean tables.

    Parameters
    ----------
    tables : dict of str -> pandas.DataFrame
        Clean table per instrument (output of :mod:`helpers.core.validation`).
    codebook : Codebook
    not_collected : dict of str -> tuple of str, optional
        Per instrument, optional columns absent from the raw file; their
        measures get no rows (the book reports them as not collected).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESULTS_COLUMNS`; ``value`` is 100·n/base for
        percents (unrounded; empty when the base is 0), the mean for means
        and the count for counts; ``ci_low``/``ci_high`` are the 95% Wilson
        interval for percents; ``flag`` is empty (disclosure control is
        applied by :mod:`helpers.core.disclosure`).
    """
    not_collected = not_collected or {}
    rows: list[dict] = []
    for name, instrument in codebook.instruments.items():
        if name not in tables:
            continue
        missing = set(not_collected.get(name, ()))
        missing |= {c for c in instrument.column_names if c not in tables[name]}
        if name == codebook.census:
            rows += _census_rows(tables[name], instrument, codebook, missing)
        else:
            rows += _survey_rows(tables[name], instrument, codebook, missing)
    out = pd.DataFrame(rows).reindex(columns=RESULTS_COLUMNS)
    pct = out["unit"].eq("percent")
    n = out.loc[pct, "n"].astype(float).to_numpy()
    base = out.loc[pct, "base"].astype(float).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out.loc[pct, "value"] = np.where(base > 0, 100 * n / np.where(base > 0, base, 1), np.nan)
    low, high = wilson_interval(n, base)
    out.loc[pct, "ci_low"] = low
    out.loc[pct, "ci_high"] = high
    out["n"] = out["n"].astype("Int64")
    out["base"] = out["base"].astype("Int64")
    out["value"] = out["value"].astype(float)
    out["flag"] = ""
    log.info("results: %d rows, %d measures", len(out), out["measure"].nunique())
    return out


def tally_rows(tables: dict[str, pd.DataFrame], codebook: Codebook,
               tallies: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Counts of rows per value of one column: a programme's ``tallies`` (``programme.yml``).

    Parameters
    ----------
    tables : dict of str -> pandas.DataFrame
        Clean table per instrument.
    codebook : Codebook
    tallies : dict
        Measure name -> ``{"instrument": ..., "by": column}``, e.g.
        ``{"sample_children_by_course": {"instrument": "course_register", "by": "course"}}``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESULTS_COLUMNS`: one ``count`` row per value of ``by``
        (category = the value, in sorted order; n = value = rows with it; base
        = rows with any value), in the instrument's ``all`` group. Empty when
        the instrument was not supplied. ``flag`` is empty (disclosure control
        follows).

    Raises
    ------
    ValueError
        A tally names an instrument or column the codebook does not have.

    Examples
    --------
    >>> from helpers.core.codebook import load_codebook
    >>> cb = load_codebook()
    >>> frame = pd.DataFrame({"school_id": ["S1", "S2", "S1"]})
    >>> tally_rows({"parent_survey": frame}, cb, {"t": {"instrument": "parent_survey", "by": "school_id"}})[
    ...     ["measure", "group", "category", "n", "base"]].values.tolist()
    [['t', 'parents', 'S1', 2, 3], ['t', 'parents', 'S2', 1, 3]]
    """
    rows: list[dict] = []
    for measure, spec in tallies.items():
        name, by = spec.get("instrument"), spec.get("by")
        if name not in codebook.instruments or by not in codebook.instruments[name].column_names:
            raise ValueError(f"tally {measure}: {name}.{by} is not a column of the codebook")
        if name not in tables or by not in tables[name]:
            continue
        values = tables[name][by].dropna().astype(str)
        group = codebook.instruments[name].groups["all"]
        counts = values.value_counts()
        for category in sorted(counts.index):
            rows.append(_count_row(measure, group, int(counts[category]), int(len(values)), category=category))
    out = pd.DataFrame(rows).reindex(columns=RESULTS_COLUMNS)
    out["flag"] = ""
    return out
