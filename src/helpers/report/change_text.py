"""Words, chart rows and tables of the change chapter (``change.csv``, ``did.csv``, ``attrition.csv``, ``trend.csv``).

One job: turn the change tables (:mod:`helpers.core.change`) into what the
chapter ``03b_change`` shows: sentences (the ``change_*`` templates of
``definitions/phrases.yml``, :mod:`helpers.report.phrases`) whose numbers are
cells of those tables, rows for the dot-and-interval chart and the tables.
Nothing here computes a statistic.
"""

from __future__ import annotations

import pandas as pd

from helpers.core.codebook import Codebook, load_codebook
from helpers.report import phrases
from helpers.report.formatting import format_count, format_number, format_p, format_percent
from helpers.report.tables import compared_groups, measure_label

__all__ = ["DID_AXIS_LABELS", "front_page_note", "follow_up_note", "linked_note", "change_summary",
           "did_chart_rows", "change_display", "attrition_display", "trend_display", "trend_chart_rows", "has_change",
           "has_trend"]

_CHILDREN = "children_survey"
_MINUS = "\u2212"

#: The two compared groups of children, as the codebook names them (in the programme, not).
_PROGRAMME, _COMPARISON = compared_groups()


def _say(name: str, **slots) -> str:
    """The change chapter's sentence ``change_<name>`` of the phrase file, its slots filled."""
    return phrases.sentence(f"change_{name}", **slots)


def front_page_note(did: pd.DataFrame, attrition: pd.DataFrame, trend: pd.DataFrame, *, primary: list[str],
                    codebook: Codebook | None = None) -> str:
    """The front page's pointer to the change chapter (MyST), or nothing without waves."""
    if not has_change(did):
        return ""
    summary = change_summary(did, attrition, trend, primary=primary, codebook=codebook)
    return _say("front_page", did_brief=summary["did_brief"], attrition=summary["attrition"])


def follow_up_note(did: pd.DataFrame) -> str:
    """The cross-sectional chapters' statement that they describe the follow-up wave, or nothing without waves."""
    return _say("follow_up") if has_change(did) else ""


def linked_note(log: pd.DataFrame) -> str:
    """The data-quality appendix's count of linked answers whose group or school differs, or nothing."""
    if log is None or log.empty or "action" not in log:
        return ""
    n = int(log["action"].eq("noted").sum())
    return _say("linked", n=format_count(n)) if n else ""


def has_change(did: pd.DataFrame) -> bool:
    """Whether ``did.csv`` has rows (the children's survey has baseline and follow-up answers)."""
    return did is not None and not did.empty


def has_trend(trend: pd.DataFrame) -> bool:
    """Whether ``trend.csv`` has rows (two or more survey years)."""
    return trend is not None and not trend.empty


def _clear(frame: pd.DataFrame, low: str = "ci_low", high: str = "ci_high") -> int:
    rows = frame.dropna(subset=[low, high])
    return int(((rows[low] > 0) | (rows[high] < 0)).sum())


def _num(value, digits: int = 2) -> str:
    return format_number(value, digits, signed=True, minus=_MINUS)


def change_summary(did: pd.DataFrame, attrition: pd.DataFrame, trend: pd.DataFrame, *,
                   primary: list[str], codebook: Codebook | None = None) -> dict[str, str]:
    """Glue values of the change chapter (keys as its ``change_*`` templates; ``primary``: a line per primary item)."""
    codebook = codebook or load_codebook()
    if not has_change(did):
        return {key: _say("no_waves") for key in ("pairs", "did_brief", "primary", "attrition")} | \
            {"trend": _say("trend_none")}
    shown = did[did["flag"].ne("c")]
    top = shown.sort_values("n_pairs", ascending=False).iloc[0] if not shown.empty else None
    out = {
        "pairs": _say("pairs",
            pairs=format_count(top["n_pairs"]) if top is not None else "[c]",
            mp=format_count(top[f"n_pairs_{_PROGRAMME}"]) if top is not None else "[c]",
            other=format_count(top[f"n_pairs_{_COMPARISON}"]) if top is not None else "[c]"),
        "did_brief": _say("did_brief", clear=format_count(_clear(shown)),
                                                   items=format_count(len(did))),
    }
    lines = []
    for measure in primary:
        row = did[did["measure"].eq(measure)]
        if row.empty:
            continue
        row = row.iloc[0]
        lines.append(_say("primary_item",
            label=measure_label(measure, _CHILDREN, codebook), estimate=_num(row["estimate"]),
            low=_num(row["ci_low"]), high=_num(row["ci_high"])))
    out["primary"] = "; ".join(lines) + "." if lines else ""
    counts = attrition[attrition["measure"].eq("all")].set_index("group") if not attrition.empty else None
    items = attrition[attrition["measure"].ne("all")] if not attrition.empty else attrition
    if counts is not None and {_PROGRAMME, _COMPARISON} <= set(counts.index):
        def left(group):
            return format_count(counts.loc[group, "n_baseline_only"], counts.loc[group, "flag"])
        out["attrition"] = _say("attrition",
            left_mp=left(_PROGRAMME), left_other=left(_COMPARISON),
            clear=format_count(_clear(items)), compared=format_count(int(items["difference"].notna().sum())))
    else:
        out["attrition"] = ""
    if has_trend(trend):
        per_item = trend.drop_duplicates("measure")
        out["trend"] = _say("trend_brief",
            years=format_count(int(per_item["years"].max())), items=format_count(len(per_item)),
            clear=format_count(_clear(per_item, "slope_ci_low", "slope_ci_high")))
    else:
        out["trend"] = _say("trend_none")
    return out


#: Axis label of each panel of the difference-in-differences chart (keys: ``scale`` of :func:`did_chart_rows`).
DID_AXIS_LABELS = {
    "Agreement and safety (score 1-5)": _say("axis_scored"),
    "Yes/no questions (share answering yes)": _say("axis_yes"),
}


def did_chart_rows(did: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """Rows of the dot-and-interval chart: labelled, one panel per scale (scores, share answering yes)."""
    codebook = codebook or load_codebook()
    if not has_change(did):
        return pd.DataFrame(columns=["measure", "item", "scale", "estimate", "ci_low", "ci_high", "n_pairs", "flag"])
    rows = did.copy()
    rows["item"] = [measure_label(m, _CHILDREN, codebook) for m in rows["measure"]]
    rows["scale"] = rows["score"].map({"scored": "Agreement and safety (score 1-5)",
                                       "yes": "Yes/no questions (share answering yes)"})
    return rows[["measure", "item", "scale", "estimate", "ci_low", "ci_high", "n_pairs", "flag"]]


def change_display(change: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """``change.csv`` as a table for the page: labels, formatted numbers, ``[c]`` where suppressed."""
    codebook = codebook or load_codebook()
    groups = phrases.load_phrases()["groups_short"]
    rows = []
    for _, row in change.iterrows():
        flag = row["flag"]
        rows.append({
            "Question": measure_label(row["measure"], _CHILDREN, codebook),
            "Group": groups.get(row["group"], row["group"]),
            "Children answering both": format_count(row["n_pairs"], flag),
            "Baseline": format_number(row["mean_baseline"], 2, flag=flag, minus=_MINUS),
            "Follow-up": format_number(row["mean_follow_up"], 2, flag=flag, minus=_MINUS),
            "Change": _num(row["mean_change"]) if flag != "c" else "[c]",
            "p": format_p(row["p_value"], flag=flag),
            "Test": {"wilcoxon": "Wilcoxon signed-rank", "mcnemar_exact": "exact McNemar"}.get(row["test"], ""),
        })
    return pd.DataFrame(rows)


def attrition_display(attrition: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """``attrition.csv`` as a table: who stayed, who left, and the baseline difference of those who left."""
    codebook = codebook or load_codebook()
    groups = phrases.load_phrases()["groups_short"]
    rows = []
    for _, row in attrition.iterrows():
        flag = row["flag"]
        everyone = row["measure"] == "all"
        rows.append({
            "Question": "All children" if everyone else measure_label(row["measure"], _CHILDREN, codebook),
            "Group": groups.get(row["group"], row["group"]),
            "At baseline": format_count(row["n_baseline"], flag),
            "Both surveys": format_count(row["n_pairs"], flag),
            "Baseline only": format_count(row["n_baseline_only"], flag),
            "Follow-up only": format_count(row["n_follow_up_only"], flag) if everyone else "",
            "Difference at baseline (left minus stayed)": "" if everyone else
            (_num(row["difference"]) if flag != "c" else "[c]"),
            "Interval": "" if everyone or flag == "c" or pd.isna(row["ci_low"]) else
            f"{_num(row['ci_low'])} to {_num(row['ci_high'])}",
        })
    return pd.DataFrame(rows)


def trend_display(trend: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """``trend.csv`` as a table: share agreeing per year with its interval, and the trend per year."""
    codebook = codebook or load_codebook()
    rows = []
    for _, row in trend.iterrows():
        flag = row["flag"]
        rows.append({
            "Question": measure_label(row["measure"], _CHILDREN, codebook), "Year": str(int(row["year"])),
            "Agreeing (or yes)": format_percent(row["value"], flag),
            "Interval": "[c]" if flag == "c" else
            f"{format_percent(row['ci_low'])} to {format_percent(row['ci_high'])}",
            "Trend per year (points)": _num(row["slope"], 1),
            "p (trend)": format_p(row["p_trend"]),
        })
    return pd.DataFrame(rows)


def trend_chart_rows(trend: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """Rows of the per-year dot-and-interval chart: one row per item and year."""
    codebook = codebook or load_codebook()
    if not has_trend(trend):
        return pd.DataFrame(columns=["item", "year", "value", "ci_low", "ci_high", "flag"])
    rows = trend.copy()
    rows["item"] = [f"{measure_label(m, _CHILDREN, codebook)} ({int(y)})"
                    for m, y in zip(rows["measure"], rows["year"], strict=True)]
    rows["year"] = rows["year"].astype(int).astype(str)
    return rows[["item", "year", "value", "ci_low", "ci_high", "flag"]]
