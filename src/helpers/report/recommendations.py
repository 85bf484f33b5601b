"""The 2019 recommendations, tied to the current values of their evidence.

One job: read ``recommendations.yml`` (the report's eight recommendations in
the project's words, each with the figures and measures that bear on it)
and look every piece of evidence up in the processed tables, so that the
recommendations chapter quotes today's data, not the 2019 numbers.

* :func:`load_recommendations` reads and checks the file;
* :func:`evidence_table` gives one tidy row per piece of evidence, with its
  value, 95% Wilson interval (for percents), a phrase for the prose and,
  for comparisons of the programme group with the other children (the
  codebook's ``groups``), whether the difference is
  statistically supported;
* :func:`phrases` gives the glue names and texts the chapter uses
  (``rec_<id>_<n>``).

Missing data: evidence whose measure is absent (not collected, or a local
report without those respondents) keeps its row with an empty value and the
phrase ``not collected``; suppressed cells print as ``[c]``.

Examples
--------
>>> recs = load_recommendations()
>>> [r["id"] for r in recs][:4], sorted({r["area"] for r in recs})
(['vision', 'pathways', 'schools', 'evidence'], ['practice', 'strategy'])
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from helpers.core.codebook import Codebook, load_codebook
from helpers.core.config import DEFINITIONS_DIR
from helpers.report.figures import load_specs
from helpers.report.formatting import format_count, format_percent
from helpers.report.narrative import support
from helpers.report.tables import GROUP_LABELS, derived_value, lookup, share_row

__all__ = ["EVIDENCE_COLUMNS", "RECOMMENDATIONS_PATH", "evidence_table", "load_recommendations", "phrases"]

#: The recommendations and their evidence.
RECOMMENDATIONS_PATH = DEFINITIONS_DIR / "recommendations.yml"

#: Columns of :func:`evidence_table`.
EVIDENCE_COLUMNS = ["id", "area", "title", "number", "figure", "label", "kind", "measure", "group",
                    "group_label", "what", "value", "ci_low", "ci_high", "flag", "text", "names", "support"]

_KINDS = ("share", "compare", "top_share", "count")


def load_recommendations(path: str | Path = RECOMMENDATIONS_PATH) -> list[dict]:
    """The recommendations, checked: known kinds, known figures, both areas present.

    Raises
    ------
    ValueError
        An evidence entry names an unknown kind or figure, or lacks a field it needs.
    """
    recs = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["recommendations"]
    figures = load_specs()
    for rec in recs:
        for entry in rec["evidence"]:
            where = f"{path}: recommendation {rec['id']}"
            if entry.get("kind") not in _KINDS:
                raise ValueError(f"{where}: unknown evidence kind {entry.get('kind')!r}")
            if entry.get("figure") not in figures:
                raise ValueError(f"{where}: unknown figure {entry.get('figure')!r}")
            if entry["kind"] in ("share", "compare") and not entry.get("categories"):
                raise ValueError(f"{where}: evidence on {entry.get('measure')} needs categories")
    return recs


def _percent_row(results: pd.DataFrame, derived: pd.DataFrame, measure: str, group: str,
                 categories: list[str]) -> dict:
    row = share_row(results, measure, group, categories, derived=derived)  # several answers: derived.csv
    if row is None:
        return {"value": None, "ci_low": None, "ci_high": None, "flag": "", "text": "not collected"}
    flag = row["flag"] or ""
    value = None if flag == "c" or pd.isna(row["value"]) else float(row["value"])
    return {"value": value, "ci_low": row["ci_low"], "ci_high": row["ci_high"], "flag": flag,
            "text": format_percent(value if value is not None else float("nan"), flag)}


def _top_share(derived: pd.DataFrame, measure: str, group: str | None) -> dict:
    """The two largest forces' share: of a sample (``top_sample``) or of a census count (``top_forces``)."""
    try:
        if group:
            row = derived_value(derived, "top_sample", measure, "", group=group)
        else:
            row = derived_value(derived, "top_forces", measure, "")
    except KeyError:
        return {"value": None, "ci_low": None, "ci_high": None, "flag": "", "text": "not collected"}
    flag = row["flag"] or ""
    value = None if flag == "c" or pd.isna(row["value"]) else float(row["value"])
    return {"value": value, "ci_low": None, "ci_high": None, "flag": flag,
            "text": format_percent(value if value is not None else float("nan"), flag),
            "names": " and ".join(row["category"].split("+"))}


def _count(results: pd.DataFrame, measure: str, group: str) -> dict:
    try:
        row = lookup(results, measure, group, "count")
    except KeyError:
        return {"value": None, "ci_low": None, "ci_high": None, "flag": "", "text": "not collected"}
    flag = row["flag"] if isinstance(row["flag"], str) else ""
    value = None if flag == "c" else float(row["value"])
    return {"value": value, "ci_low": None, "ci_high": None, "flag": flag,
            "text": format_count(row["value"], flag)}


def evidence_table(results: pd.DataFrame, tests: pd.DataFrame, *, derived: pd.DataFrame,
                   path: str | Path = RECOMMENDATIONS_PATH) -> pd.DataFrame:
    """Every piece of evidence of every recommendation, with its current value.

    Parameters
    ----------
    results, tests : pandas.DataFrame
        ``results.csv`` and ``tests.csv``.
    derived : pandas.DataFrame
        ``derived.csv``: shares of several answers and the largest forces'
        shares, looked up (:mod:`helpers.core.derived`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EVIDENCE_COLUMNS`. ``number`` counts the evidence of a
        recommendation from 1; ``label`` is the figure's cross-reference
        label; ``text`` the value as it reads in prose (``"45%"``, ``"160"``);
        ``names`` the two largest forces of a ``top_share``; a comparison gives one row per
        group (the programme group first) and ``support`` says whether the data
        support the difference.
    """
    figures = load_specs()
    rows = []
    for rec in load_recommendations(path):
        for number, entry in enumerate(rec["evidence"], start=1):
            base = {"id": rec["id"], "area": rec["area"], "title": rec["title"], "number": number,
                    "figure": entry["figure"], "label": figures[entry["figure"]].label, "kind": entry["kind"],
                    "measure": entry["measure"], "what": entry["what"], "support": ""}
            kind = entry["kind"]
            if kind == "compare":
                verdict = support(tests, entry["measure"])
                for group in load_codebook().groups.pair:
                    rows.append(base | {"group": group, "support": verdict}
                                | _percent_row(results, derived, entry["measure"], group, entry["categories"]))
                continue
            group = entry.get("group", "")
            if kind == "share":
                found = _percent_row(results, derived, entry["measure"], group, entry["categories"])
            elif kind == "top_share":
                found = _top_share(derived, entry["measure"], group or None)
            else:
                found = _count(results, entry["measure"], group)
            rows.append(base | {"group": group or "national"} | found)
    out = pd.DataFrame(rows)
    out["group_label"] = out["group"].map(GROUP_LABELS).fillna(out["group"])
    return out.reindex(columns=EVIDENCE_COLUMNS)


def phrases(evidence: pd.DataFrame, codebook: Codebook | None = None) -> dict[str, str]:
    """Glue texts of the evidence: ``rec_<id>_<n>`` reads "<value> <what>".

    A comparison reads "45% of <programme group> against 25% of <other
    children> would like to join the police cadets, a difference the data
    support (…)", the groups named by the codebook's ``group_labels``
    nouns; a top share names its forces in brackets.
    """
    groups = (codebook or load_codebook()).groups
    out = {}
    for (rec_id, number), part in evidence.groupby(["id", "number"], sort=False):
        first = part.iloc[0]
        if (part["text"] == "not collected").all():
            text = f"not collected in these data (the value that {first['what'].removeprefix('of ')})"
        elif first["kind"] == "compare":
            mine, other = part.iloc[0], part.iloc[1]
            text = (f"{mine['text']} of {groups.noun(mine['group'])} against {other['text']} of "
                    f"{groups.noun(other['group'])} {first['what']}, {first['support']}")
        elif first["kind"] == "top_share" and isinstance(first["names"], str) and first["names"]:
            text = f"{first['text']} {first['what']} ({first['names']})"
        else:
            text = f"{first['text']} {first['what']}"
        out[f"rec_{rec_id}_{number}"] = text
    return out

