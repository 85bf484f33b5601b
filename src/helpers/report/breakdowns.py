"""The children's chapter's descriptive breakdowns and the "enjoyed least" themes, ready to show.

One job: turn ``breakdowns.csv`` and ``enjoyed_least.csv`` (written by
:mod:`helpers.core.breakdowns`) into what the chapter prints: rows with
display labels, a dot chart, a table of themes, and the phrases its
sentences quote. Nothing here computes a new number: every value is a row
of one of those tables (or of ``results.csv``), looked up and formatted.

- :func:`load`: read either table (codes kept as text, flags as ``""``/``c``);
- :func:`breakdown_rows`: the favourable-answer rows with labels, levels
  nobody is in left out;
- :func:`dot_chart`: one panel per outcome, one line per gender or year
  group, a dot and its interval per group;
- :func:`breakdown_phrases`: the lowest and highest share of each group
  over the levels shown, for the prose;
- :func:`theme_table`: what children enjoyed most (``results.csv``) beside
  what they enjoyed least (``enjoyed_least.csv``), each ranked;
- :func:`least_phrases`: the counts and shares the prose about those
  themes quotes.

Labels keep the case the codebook gives them (a question such as "I trust
the police" is never lower-cased inside a sentence).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from helpers.core.breakdowns import load_themes
from helpers.core.codebook import Codebook, load_codebook
from helpers.report.narrative import list_phrase
from helpers.report.plots import EMPTY_MESSAGE, PALETTE
from helpers.report.tables import format_count, format_percent

__all__ = ["group_labels", "load", "breakdown_rows", "dot_chart", "breakdown_phrases", "theme_table", "least_phrases"]



def group_labels(codebook: Codebook | None = None) -> dict[str, str]:
    """The two groups the chapter describes, with the names it uses for them (the codebook's nouns).

    >>> list(group_labels().values())[1]
    'Other children'
    """
    groups = (codebook or load_codebook()).groups
    return {g: groups.noun(g)[:1].upper() + groups.noun(g)[1:] for g in groups.pair}
_BY = {"gender": "Gender", "year_group": "Year group"}
_WIDTH = 7.5  # inches, as the other charts of the book
_ROW_INCH = 0.34
_CHILDREN = "children_survey"


def load(processed_dir: str | Path, name: str) -> pd.DataFrame:
    """Read ``breakdowns`` or ``enjoyed_least`` from ``processed_dir``; an empty table if absent."""
    path = Path(processed_dir) / f"{name}.csv"
    if not path.exists():
        return pd.DataFrame()
    numeric = {c: [""] for c in ("n", "base", "value", "ci_low", "ci_high")}
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=numeric)
    for column in ("n", "base"):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    for column in ("value", "ci_low", "ci_high"):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frame


def _level_label(by: str, level: str, codebook: Codebook) -> str:
    column = codebook.instruments[_CHILDREN].column(by)
    if column.type == "coded":
        return codebook.scales[column.scale].label(level)
    return f"Year {level}"


def breakdown_rows(breakdowns: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """The favourable-answer rows of ``breakdowns.csv``, labelled, in the codebook's order.

    Returns
    -------
    pandas.DataFrame
        ``measure, item`` (the question as the codebook words it), ``group,
        group_label, by, by_label, level, level_label, n, base, value,
        ci_low, ci_high, flag`` and ``text`` (``95%`` or ``[c]``). Levels
        that no child of the group is in are left out; suppressed ones stay,
        with an empty value.
    """
    columns = ["measure", "item", "group", "group_label", "by", "by_label", "level", "level_label", "n", "base",
               "value", "ci_low", "ci_high", "flag", "text"]
    if breakdowns.empty:
        return pd.DataFrame(columns=columns)
    codebook = codebook or load_codebook()
    rows = breakdowns[breakdowns["category"].eq("favourable")].copy()
    rows = rows[rows["base"].isna() | rows["base"].gt(0)]
    rows["item"] = [codebook.instruments[_CHILDREN].column(m).label for m in rows["measure"]]
    rows["group_label"] = rows["group"].map(group_labels()).fillna(rows["group"])
    rows["by_label"] = rows["by"].map(_BY).fillna(rows["by"])
    rows["level_label"] = [_level_label(b, lv, codebook) for b, lv in zip(rows["by"], rows["level"], strict=True)]
    rows["text"] = [format_percent(v, f) for v, f in zip(rows["value"], rows["flag"], strict=True)]
    return rows[columns].reset_index(drop=True)


def dot_chart(rows: pd.DataFrame, *, xlabel: str = "Percent agreeing or strongly agreeing",
              palette: str = PALETTE, empty: str = EMPTY_MESSAGE) -> Figure:
    """One panel per outcome; per gender or year group a dot for each group, with its 95% interval.

    The axis runs from 0 to 100 in every panel, so panels compare at a
    glance; a suppressed or empty share draws nothing (the table under
    the chart says ``[c]``).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per outcome; each holds one errorbar container per group
        with a value.
    """
    shown = rows.dropna(subset=["value"])
    if shown.empty:
        fig = Figure(figsize=(_WIDTH, 2.2), layout="constrained")
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
        return fig
    items = list(dict.fromkeys(shown["item"]))
    groups = list(dict.fromkeys(shown["group_label"]))
    colours = dict(zip(groups, sns.color_palette(palette, len(groups)), strict=True))
    lines = {item: list(dict.fromkeys(zip(shown.loc[shown["item"] == item, "by_label"],
                                          shown.loc[shown["item"] == item, "level_label"], strict=True)))
             for item in items}
    height = 0.9 + sum(0.7 + _ROW_INCH * len(v) for v in lines.values())
    fig = Figure(figsize=(_WIDTH, height), layout="constrained")
    axes = fig.subplots(len(items), 1, squeeze=False, sharex=True,
                        gridspec_kw={"height_ratios": [len(lines[i]) + 1.2 for i in items]})[:, 0]
    step = 0.36 / max(1, len(groups) - 1) if len(groups) > 1 else 0.0
    for ax, item in zip(axes, items, strict=True):
        block = shown[shown["item"] == item]
        keys = lines[item]
        for j, group in enumerate(groups):
            part = block[block["group_label"] == group]
            if part.empty:
                continue
            where = np.array([keys.index(k) for k in zip(part["by_label"], part["level_label"], strict=True)])
            where = where - 0.18 + step * j
            value = part["value"].to_numpy(dtype=float)
            err = np.nan_to_num([value - part["ci_low"].to_numpy(dtype=float),
                                 part["ci_high"].to_numpy(dtype=float) - value])
            ax.errorbar(value, where, xerr=err, fmt="o", color=colours[group], ecolor=colours[group], capsize=2,
                        label=group if ax is axes[0] else None)
        ax.set_yticks(np.arange(len(keys)), [level for _, level in keys])
        ax.set_ylim(len(keys) - 0.5, -0.5)
        # Gender and year group apart: a faint line between the two blocks of levels.
        for k in range(1, len(keys)):
            if keys[k][0] != keys[k - 1][0]:
                ax.axhline(k - 0.5, color="0.75", linewidth=0.8)
        ax.set_title(textwrap.fill(item, 70), fontsize="medium", loc="left")
        ax.set_xlim(0, 100)
        ax.grid(axis="y", visible=False)
    axes[-1].set_xlabel(xlabel)
    fig.legend(loc="outside upper center", frameon=False, ncols=len(groups))
    return fig


def breakdown_phrases(rows: pd.DataFrame) -> dict[str, str]:
    """For each group: the lowest and the highest share shown, each with its outcome and level.

    Keys ``<group>_low`` and ``<group>_high`` (e.g. ``<yes group>_low``):
    ``"88% (Year 4, “I trust the police”)"``; ``"[c]"`` when every share
    of the group is suppressed, ``"n/a"`` when the table has none.
    ``levels`` is the number of (outcome, level) shares shown, and
    ``hidden`` the number suppressed.
    """
    out: dict[str, str] = {}
    shown = rows.dropna(subset=["value"])
    for group in group_labels():
        part = shown[shown["group"] == group]
        for key, ascending in (("low", True), ("high", False)):
            if part.empty:  # every share hidden ([c]), or none at all (n/a)
                out[f"{group}_{key}"] = "[c]" if rows["group"].eq(group).any() else "n/a"
                continue
            row = part.sort_values("value", ascending=ascending, kind="stable").iloc[0]  # ties: first shown
            out[f"{group}_{key}"] = f"{row['text']} ({row['level_label']}, “{row['item']}”)"
    out["levels"] = format_count(len(shown))
    out["hidden"] = format_count(int(rows["flag"].eq("c").sum()))
    return out


def _ranked(rows: pd.DataFrame, labels: dict[str, str], *, last: str = "other") -> pd.DataFrame:
    rows = rows.assign(label=rows["category"].map(labels).fillna(rows["category"]),
                       text=[format_percent(v, f) for v, f in zip(rows["value"], rows["flag"], strict=True)],
                       _last=rows["category"].eq(last))
    rows = rows[rows["n"].isna() | rows["n"].gt(0)]  # themes nobody wrote about are left out
    return rows.sort_values(["_last", "value"], ascending=[True, False], kind="stable").reset_index(drop=True)


def theme_table(results: pd.DataFrame, least: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """What children of the programme group enjoyed most and least, each theme with its share of the answers.

    Returns
    -------
    pandas.DataFrame
        Columns ``Enjoyed most``, ``Share`` (of the answers about what was
        enjoyed most), ``Enjoyed least``, ``Share `` (of the answers about
        what was enjoyed least; a trailing space keeps the two headers
        apart); one row per rank, a column left empty where one list is
        shorter. "Something else" comes last in its list.
    """
    codebook = codebook or load_codebook()
    scale = codebook.scales[codebook.instruments[_CHILDREN].column("enjoyed_most_theme").scale]
    most = results[results["measure"].eq("enjoyed_most_theme") & results["group"].eq(load_codebook().groups.yes)
                   & results["unit"].eq("percent")]
    most = _ranked(most, dict(zip(scale.codes, scale.labels, strict=True)))
    rules = load_themes()
    least_labels = {t["id"]: t["label"] for t in rules["themes"]} | {rules["other"]["id"]: rules["other"]["label"]}
    least = _ranked(least, least_labels) if not least.empty else least.assign(label=[], text=[])
    size = max(len(most), len(least))
    return pd.DataFrame({
        "Enjoyed most": list(most["label"]) + [""] * (size - len(most)),
        "Share": list(most["text"]) + [""] * (size - len(most)),
        "Enjoyed least": list(least["label"]) + [""] * (size - len(least)),
        "Share ": list(least["text"]) + [""] * (size - len(least)),
    })


def _count(value) -> str:
    """A base for prose: ``138``; ``[c]`` where a local report hid it."""
    return format_count(value, "c" if pd.isna(value) else "")


def least_phrases(results: pd.DataFrame, least: pd.DataFrame) -> dict[str, str]:
    """Counts and shares the prose about the "enjoyed least" themes quotes.

    Keys: ``answers`` (children who wrote what they enjoyed least),
    ``most_answers`` (children whose answer about what they enjoyed most
    was coded), ``top`` and ``top_share`` (the largest theme but
    "Something else"), ``nothing_share`` (answers saying nothing was
    disliked, or that it ended), ``others`` (the remaining themes, ranked,
    as ``“a” (18%), “b” (13%) and “c” (9%)``). ``n/a`` where the table has no rows.
    """
    out = dict.fromkeys(["answers", "most_answers", "top", "top_share", "nothing_share", "others"], "n/a")
    most = results[results["measure"].eq("enjoyed_most_theme") & results["group"].eq(load_codebook().groups.yes)]
    if len(most):
        out["most_answers"] = _count(most["base"].iloc[0])
    if least.empty:
        return out
    rules = load_themes()
    labels = {t["id"]: t["label"] for t in rules["themes"]} | {rules["other"]["id"]: rules["other"]["label"]}
    ranked = _ranked(least, labels, last=rules["other"]["id"])
    out["answers"] = _count(least["base"].iloc[0])
    themes = ranked[~ranked["category"].isin([rules["other"]["id"], "nothing"])]
    if themes["value"].notna().any():  # the largest theme shown (hidden ones are never larger: see docs)
        out["top"], out["top_share"] = f"“{themes['label'].iloc[0]}”", themes["text"].iloc[0]
        out["others"] = list_phrase(themes.iloc[1:], label="label", quote=True)
    elif len(themes):  # every share hidden: no theme can be named as the largest
        out["top"] = out["top_share"] = "[c]"
        out["others"] = list_phrase(themes, label="label", quote=True)
    nothing = least[least["category"].eq("nothing")]
    if len(nothing):
        out["nothing_share"] = format_percent(nothing["value"].iloc[0], nothing["flag"].iloc[0])
    return out
