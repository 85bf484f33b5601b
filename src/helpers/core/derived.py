"""Numbers the prose prints that are not a single row of ``results.csv``.

One job: compute, once and in the pipeline, every number a chapter would
otherwise work out at render time, and hand it back as ``derived.csv``, a
long table that passes a schema and disclosure control like
``results.csv``. Notebooks and phrase helpers look these rows up; they never
re-add cells or recompute an interval.

Rows (column ``key``)
---------------------
``top_two``, ``bottom_two``
    For every ordinal item with at least three answers, the share giving
    either of its first two (last two) answers, e.g. strongly agree or
    agree, with a fresh 95% Wilson interval. ``category`` is the codes
    joined with ``+``.
``favourable``, ``unfavourable``
    The share giving any answer the codebook's ``polarity`` marks +1 (-1),
    where that set has two codes or more and differs from the rows above.
``top_forces``
    The two forces with the largest census count (``census_schools``,
    ``census_children``): ``n`` their total, ``base`` the national total,
    ``value`` their share in percent, ``category`` their names joined with
    ``+`` (largest first).
``top_sample``
    The two forces with the most respondents in a group's sample
    (``sample_force``): ``n`` their respondents, ``base`` the group's.
``top_sample_census``
    The census's programme children in those same two forces, as a share
    of all of them (``measure`` ``census_children``).
``sample_forces``
    How many forces have respondents in the children's sample (``unit``
    ``count``).
``census_forces``
    Counts of forces from the census: ``census_children`` / ``unstated``
    (forces with schools but no count of children) and
    ``census_planned_units`` / ``planning`` (forces planning new units).
``mde``, ``mde_pairs``, ``mde_gap``
    Smallest effects the children's sample detects with 80% power
    (:func:`helpers.core.stats.design_power`): ``measure`` the effect
    (``rank_biserial_r``, ``cramers_v`` for a yes/no item), ``category``
    ``unadjusted`` (alpha 0.05) or ``holm_strictest`` (alpha divided by the
    number of comparisons); ``mde_pairs`` is that r as the share of
    (programme, other) pairs in which the programme's child answers more
    favourably, 100 (1 + r) / 2; ``mde_gap`` is that V in percentage points
    for an answer given by half the children.
``holm_alpha``, ``tests``
    The strictest Holm step's alpha and the number of comparisons.

Disclosure control: a share is suppressed (``flag`` ``c``, ``n``,
``value`` and interval emptied) when any cell it adds up is suppressed or
its base is hidden or below ``min_cell``, and in a local report also when
it counts between 1 and ``min_cell`` - 1 people. The detectable effects
are emptied when a group size was hidden. Census rows count forces,
schools and programme children, not respondents, and are exempt, as in
:mod:`helpers.core.disclosure`.

Examples
--------
>>> import pandas as pd
>>> from helpers.core.codebook import load_codebook
>>> rows = pd.DataFrame({"measure": "recommend", "group": "teachers", "unit": "percent", "flag": "",
...     "category": ["strongly_agree", "agree", "neither", "disagree", "strongly_disagree"],
...     "n": [23, 8, 2, 0, 0], "base": 33})
>>> rows = rows.assign(value=100 * rows["n"] / rows["base"])
>>> out = answer_shares(rows, load_codebook(), min_cell=5, local=False)
>>> out[["key", "category", "n", "base"]].astype({"n": int, "base": int}).values.tolist()
[['top_two', 'strongly_agree+agree', 31, 33], ['bottom_two', 'disagree+strongly_disagree', 0, 33]]
>>> round(float(out["value"].iloc[0]), 1), round(float(out["ci_low"].iloc[0]), 1)
(93.9, 80.4)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.codebook import Codebook, load_codebook
from helpers.core.stats import design_power, wilson_interval

__all__ = ["COLUMNS", "SHARE_KEYS", "answer_sets", "answer_shares", "census_counts", "derive", "detectable",
           "lookup_share", "top_forces", "top_sample"]

#: Columns of ``derived.csv``, in order.
COLUMNS = ["key", "measure", "group", "category", "n", "base", "value", "unit", "ci_low", "ci_high", "flag"]

#: Keys of the rows that add up answers of one item (looked up by their codes).
SHARE_KEYS = ("top_two", "bottom_two", "favourable", "unfavourable")



def _reporting_groups(codebook: Codebook | None = None) -> set[str]:
    """The reporting groups of results.csv, from the codebook (every other group of a census row is a force)."""
    codebook = codebook or load_codebook()
    return {g for inst in codebook.instruments.values() for g in inst.groups.values()} | {"national"}


def _compared(codebook: Codebook | None = None) -> tuple[str, str]:
    """The children's two compared groups (in the programme, not), as the codebook names them."""
    return (codebook or load_codebook()).groups.pair

#: The power the detectable effects are computed for (as in power.csv).
_POWER = 0.8


def answer_sets(codebook: Codebook | None = None) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """The answer sets added up for each coded measure: ``{measure: [(key, codes), ...]}``.

    Ordinal scales of three codes or more give ``top_two`` and
    ``bottom_two``; a scale with a polarity gives ``favourable`` and
    ``unfavourable`` where they have two codes or more and are not already
    listed. Demographic and ranking columns are left out. A measure asked
    in several surveys on different scales (``impact_understanding``) lists
    the sets of each; :func:`answer_shares` uses those whose codes a block has.

    Examples
    --------
    >>> answer_sets()["police_support"]
    [('top_two', ('strongly_agree', 'agree')), ('bottom_two', ('disagree', 'strongly_disagree')), \
('favourable', ('strongly_agree', 'agree', 'slightly_agree')), \
('unfavourable', ('slightly_disagree', 'disagree', 'strongly_disagree'))]
    """
    codebook = codebook or load_codebook()
    out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for instrument in codebook.instruments.values():
        for column in instrument.columns:
            if column.type != "coded" or column.role in ("demographic", "rank", "admin", "identity"):
                continue
            scale = codebook.scales[column.scale]
            sets: list[tuple[str, tuple[str, ...]]] = []
            if scale.level == "ordinal" and len(scale.codes) >= 3:
                sets += [("top_two", scale.codes[:2]), ("bottom_two", scale.codes[-2:])]
            if scale.polarity is not None:
                for key, sign in (("favourable", 1), ("unfavourable", -1)):
                    codes = tuple(c for c, p in zip(scale.codes, scale.polarity, strict=True) if p == sign)
                    if len(codes) >= 2 and codes not in [s for _, s in sets]:
                        sets.append((key, codes))
            known = out.setdefault(column.measure, [])  # one name, several instruments: every scale's sets
            known += [s for s in sets if s not in known]
    return {measure: sets for measure, sets in out.items() if sets}


def _suppress_small(frame: pd.DataFrame, *, min_cell: int, local: bool) -> pd.DataFrame:
    """Flag and empty rows whose base is hidden or small, or (local) whose count is small."""
    n = frame["n"].astype("Float64")
    base = frame["base"].astype("Float64")
    small = base.isna() | (base < min_cell)
    if local:
        small |= (n > 0) & (n < min_cell)
    hide = (frame["flag"].eq("c") | small.fillna(True).astype(bool)) & (min_cell > 0)
    frame.loc[hide, "flag"] = "c"
    frame.loc[frame["flag"].eq("c"), ["n", "value", "ci_low", "ci_high"]] = np.nan
    return frame


def answer_shares(results: pd.DataFrame, codebook: Codebook | None = None, *, min_cell: int,
                  local: bool) -> pd.DataFrame:
    """The :func:`answer_sets` shares of every (measure, group) block of ``results``.

    ``n`` is the sum of the cells, ``value`` = 100 n / base and
    ``ci_low``/``ci_high`` its 95% Wilson interval; a share any of whose cells
    is suppressed (or absent) is suppressed too. The wave-tagged rows of a
    survey with waves are left out (they describe baseline answers).
    """
    sets = answer_sets(codebook)
    rows = results[results["unit"].eq("percent") & results["measure"].isin(list(sets))]
    if "wave" in rows:
        rows = rows[rows["wave"].fillna("").isin(["", "follow_up"])]
    out = []
    for (measure, group), block in rows.groupby(["measure", "group"], sort=False):
        cells = block.set_index("category")
        base = float(pd.to_numeric(cells["base"], errors="coerce").astype("float64").max())
        for key, codes in sets[measure]:
            if not set(codes) <= set(cells.index):  # another instrument's scale under the same name
                continue
            counts = pd.to_numeric(cells.loc[list(codes), "n"], errors="coerce").astype("float64")
            hidden = cells.loc[list(codes), "flag"].fillna("").eq("c").any() or counts.isna().any()
            n = np.nan if hidden else float(counts.sum())
            out.append({"key": key, "measure": measure, "group": group, "category": "+".join(codes), "n": n,
                        "base": base, "flag": "c" if hidden else ""})
    frame = pd.DataFrame(out, columns=["key", "measure", "group", "category", "n", "base", "flag"])
    n, base = frame["n"].astype(float).to_numpy(), frame["base"].astype(float).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["value"] = np.where(base > 0, 100 * n / np.where(base > 0, base, 1), np.nan)
    low, high = wilson_interval(np.nan_to_num(n), np.nan_to_num(base))
    frame["ci_low"] = np.where(np.isnan(n) | ~(base > 0), np.nan, low)
    frame["ci_high"] = np.where(np.isnan(n) | ~(base > 0), np.nan, high)
    frame["unit"] = "percent"
    return _suppress_small(frame, min_cell=min_cell, local=local).reindex(columns=COLUMNS)


def _census_total(results: pd.DataFrame, measure: str, forces: pd.DataFrame) -> float:
    rows = results[results["measure"].eq(measure) & results["group"].eq("national")
                   & results["category"].eq("count")]
    return float(rows["value"].iloc[0]) if len(rows) and pd.notna(rows["value"].iloc[0]) else float(
        forces["value"].sum())


def _forces(results: pd.DataFrame, measure: str) -> pd.DataFrame:
    rows = results[results["measure"].eq(measure) & ~results["group"].isin(_reporting_groups())]
    return rows[rows["flag"].fillna("") != "c"].dropna(subset=["value"])


def top_forces(results: pd.DataFrame, measure: str, *, k: int = 2) -> pd.DataFrame:
    """The ``k`` forces with the largest census count and their share of the national total (one row)."""
    forces = _forces(results, measure)
    total = _census_total(results, measure, forces)
    top = forces.nlargest(k, "value")
    if top.empty or not total:
        return pd.DataFrame(columns=COLUMNS)
    n = float(top["value"].sum())
    return pd.DataFrame([{"key": "top_forces", "measure": measure, "group": "national",
                          "category": "+".join(top["group"]), "n": n, "base": total, "value": 100 * n / total,
                          "unit": "percent", "flag": ""}], columns=COLUMNS)


def top_sample(results: pd.DataFrame, *, group: str = "all_children", k: int = 2, min_cell: int = 0,
               local: bool = False) -> pd.DataFrame:
    """The ``k`` forces with most respondents in ``group``: their share, their census share, the force count.

    Rows ``top_sample`` (share of the group's answers, with its Wilson
    interval), ``top_sample_census`` (those forces' share of the census's
    children; absent without a census) and ``sample_forces`` (forces with any
    respondent). Suppressed cells of ``sample_force`` are left out of the
    ranking.
    """
    rows = results[results["measure"].eq("sample_force") & results["group"].eq(group)
                   & results["unit"].eq("percent")]
    shown = rows[rows["flag"].fillna("") != "c"].dropna(subset=["value"])
    out = [{"key": "sample_forces", "measure": "sample_force", "group": group, "category": "forces",
            "n": np.nan, "base": np.nan, "value": float((shown["n"].fillna(0) > 0).sum()), "unit": "count",
            "flag": ""}]
    top = shown.nlargest(k, "value")
    if not top.empty:
        n, base = float(top["n"].sum()), float(top["base"].max())
        low, high = wilson_interval(np.array([n]), np.array([base]))
        out.append({"key": "top_sample", "measure": "sample_force", "group": group,
                    "category": "+".join(top["category"]), "n": n, "base": base, "value": 100 * n / base,
                    "unit": "percent", "ci_low": float(low[0]), "ci_high": float(high[0]), "flag": ""})
        census = _forces(results, "census_children")
        total = _census_total(results, "census_children", census)
        if total and not census.empty:
            children = float(census.loc[census["group"].isin(list(top["category"])), "value"].sum())
            out.append({"key": "top_sample_census", "measure": "census_children", "group": "national",
                        "category": "+".join(top["category"]), "n": children, "base": total,
                        "value": 100 * children / total, "unit": "percent", "flag": ""})
    frame = pd.DataFrame(out).reindex(columns=COLUMNS)
    share = frame["key"].eq("top_sample")
    frame.loc[share] = _suppress_small(frame.loc[share].copy(), min_cell=min_cell, local=local)
    return frame


def census_counts(results: pd.DataFrame) -> pd.DataFrame:
    """Counts of forces from the census: with schools but no child count; planning new units."""
    schools = _forces(results, "census_schools").set_index("group")["value"]
    children = results[results["measure"].eq("census_children") & ~results["group"].isin(_reporting_groups())]
    children = children.set_index("group")["value"]
    unstated = sum(1 for force in schools[schools > 0].index
                   if force not in children.index or pd.isna(children.get(force)))
    planned = _forces(results, "census_planned_units")
    return pd.DataFrame([
        {"key": "census_forces", "measure": "census_children", "group": "national", "category": "unstated",
         "value": float(unstated), "unit": "count", "flag": ""},
        {"key": "census_forces", "measure": "census_planned_units", "group": "national", "category": "planning",
         "value": float((planned["value"] > 0).sum()), "unit": "count", "flag": ""},
    ]).reindex(columns=COLUMNS)


def _gap(w: float, share_mini: float, *, pooled: float = 0.5) -> float:
    """Percentage points between two groups' shares that a 2x2 Cohen's w (phi) stands for.

    phi = (p1 - p2) sqrt(q (1 - q)) / sqrt(p (1 - p)) for a 2x2 table with a
    share q of the children in the first group and a pooled share p answering yes.
    """
    return 100 * w * np.sqrt(pooled * (1 - pooled)) / np.sqrt(share_mini * (1 - share_mini))


def detectable(power: pd.DataFrame, tests: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """The smallest detectable effects behind the prose, from ``power.csv`` and ``tests.csv``.

    The group sizes are those of ``power.csv``; where a local report hid one
    (empty), every row is suppressed.

    Examples
    --------
    >>> from helpers.core.stats import design_power
    >>> t = pd.DataFrame({"p_holm": [0.01, 0.5]})
    >>> out = detectable(design_power(248, 102), t).set_index(["key", "measure", "category"])["value"]
    >>> r = out.xs(("rank_biserial_r", "unadjusted"), level=["measure", "category"])
    >>> float(round(r["mde"], 2)), round(r["mde_pairs"])
    (0.19, 59)
    """
    sizes = [power[f"n_{g}"].iloc[0] if len(power) else np.nan for g in _compared(codebook)]
    hidden = any(pd.isna(s) for s in sizes)
    n_mini, n_other = (0 if pd.isna(s) else int(s) for s in sizes)
    alpha = float(power["alpha"].iloc[0]) if len(power) else 0.05
    m = int(tests["p_holm"].notna().sum()) if "p_holm" in tests else 0
    strict = design_power(n_mini, n_other, power=_POWER, alpha=alpha / max(m, 1))

    def pick(table: pd.DataFrame, name: str, dof: float | None = None) -> float:
        rows = table[table["effect_name"].eq(name)]
        if dof is not None:
            rows = rows[rows["dof"].eq(dof)]
        return float(rows["effect_size"].iloc[0]) if len(rows) and pd.notna(rows["effect_size"].iloc[0]) else np.nan

    share_mini = n_mini / (n_mini + n_other) if n_mini + n_other else np.nan
    rows = []
    for category, table, a in (("unadjusted", power, alpha), ("holm_strictest", strict, alpha / max(m, 1))):
        r, v = pick(table, "rank_biserial_r"), pick(table, "cramers_v", 1.0)
        rows += [
            {"key": "mde", "measure": "rank_biserial_r", "category": category, "value": r, "unit": "effect"},
            {"key": "mde_pairs", "measure": "rank_biserial_r", "category": category, "value": 100 * (1 + r) / 2,
             "unit": "percent"},
            {"key": "mde", "measure": "cramers_v", "category": category, "value": v, "unit": "effect"},
            {"key": "mde_gap", "measure": "cramers_v", "category": category,
             "value": _gap(v, share_mini) if n_mini and n_other else np.nan, "unit": "points"},
            {"key": "holm_alpha" if category == "holm_strictest" else "alpha", "measure": "p_holm",
             "category": category, "value": a, "unit": "probability"},
        ]
    rows.append({"key": "tests", "measure": "p_holm", "category": "count", "value": float(m), "unit": "count"})
    frame = pd.DataFrame(rows).assign(group="all_children", n=np.nan, base=np.nan, flag="")
    if hidden:
        frame.loc[frame["unit"].isin(["effect", "percent", "points"]), ["value", "flag"]] = [np.nan, "c"]
    return frame.reindex(columns=COLUMNS)


def derive(results: pd.DataFrame, tests: pd.DataFrame, power: pd.DataFrame, codebook: Codebook | None = None,
           *, min_cell: int, local: bool) -> pd.DataFrame:
    """Every row of ``derived.csv`` (see the module docstring), typed and in :data:`COLUMNS` order."""
    parts = [answer_shares(results, codebook, min_cell=min_cell, local=local),
             *(top_forces(results, m) for m in ("census_schools", "census_children")),
             top_sample(results, min_cell=min_cell, local=local), census_counts(results)]
    if len(power):  # a programme without the two-group comparison has no detectable effects
        parts.append(detectable(power, tests, codebook))
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True).reindex(columns=COLUMNS)
    for column in ("n", "base"):
        frame[column] = pd.to_numeric(frame[column]).round().astype("Int64")
    for column in ("value", "ci_low", "ci_high"):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    for column in ("key", "measure", "group", "category", "unit", "flag"):
        frame[column] = frame[column].fillna("").astype(str)
    return frame


def lookup_share(derived: pd.DataFrame, measure: str, group: str, categories: list[str] | tuple[str, ...]
                 ) -> pd.Series:
    """The derived row adding up ``categories`` of one item and group.

    Raises
    ------
    KeyError
        No such row: the answer set is not one of :func:`answer_sets` (add
        it there, never add cells up in a notebook) or the item was not
        collected.
    """
    rows = derived[derived["key"].isin(SHARE_KEYS) & derived["measure"].eq(measure) & derived["group"].eq(group)
                   & derived["category"].eq("+".join(categories))]
    if rows.empty:
        raise KeyError(f"derived.csv has no share of {'+'.join(categories)} for {measure}, {group}")
    return rows.iloc[0]
