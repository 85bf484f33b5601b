"""Phrases for the chapters' prose, written from the processed tables.

One job: turn result rows and tests into the short phrases the narrative
glues into its sentences — "88% of the programme's children against 80% of
other children", "a difference the data support (Holm-adjusted p = 0.009;
rank-biserial r = -0.21, 95% CI -0.32 to -0.10)", "Durham and
Lincolnshire, with 63% of all schools" — so that no number, and no claim
that depends on a number (higher, most, supported), is typed into a
notebook. Change the data and every phrase changes with it.

All functions take the processed tables first and return ``str`` (or a
``dict`` of ``str`` for glue); suppressed cells print as ``[c]`` and a
missing measure as ``"not collected"``.

Examples
--------
>>> import pandas as pd
>>> tests = pd.DataFrame({"measure": ["att_listen"], "p_holm": [0.004], "effect_size": [-0.2],
...                       "effect_name": ["rank_biserial_r"], "effect_ci_low": [-0.31],
...                       "effect_ci_high": [-0.09]})
>>> support(tests, "att_listen")  # p below 0.01: strong evidence, worded by definitions/phrases.yml
'a difference the data clearly support (Holm-adjusted p = 0.004; rank-biserial r = -0.20, 95% CI -0.31 to -0.09)'
>>> compared_word(71.0, 64.0), compared_word(64.0, 71.0), compared_word(70.2, 70.4)
('higher', 'lower', 'about the same')
"""

from __future__ import annotations

import pandas as pd

from helpers.build import tracking
from helpers.report import phrases
from helpers.report.formatting import format_count, format_mean, format_number, format_p, format_percent
from helpers.report.tables import (
    GROUP_LABELS,
    SIGNIFICANCE,
    compared_groups,
    derived_value,
    format_result,
    lookup,
    share_row,
)
from helpers.text.safe_text import escape_text

#: The children's two compared groups, as the codebook names them (in the programme, and not).
_PROGRAMME, _COMPARISON = compared_groups()

#: The programme's name in generated headings (the phrase file's ``names``: ``programme``, ``programme_title``).
_NAMES = phrases.load_phrases()["names"]

__all__ = [
    "compare_groups_phrase",
    "compared_word",
    "group_label",
    "share_value",
    "strength_word",
    "support",
    "supported",
    "top_forces",
    "census_phrases",
]

_EFFECT_NAMES = {"cramers_v": "Cramér's V", "rank_biserial_r": "rank-biserial r"}

#: Differences in percentage points below which two groups are called "about the same".
SAME_WITHIN = 1.0


def share_value(results: pd.DataFrame, measure: str, group: str, categories: list[str], *,
                derived: pd.DataFrame | None = None) -> float | None:
    """The percent of a group giving any of ``categories`` (``None`` if suppressed or absent).

    Several answers are a row of ``derived`` (``derived.csv``), looked up by
    :func:`helpers.report.tables.share_row`.
    """
    row = share_row(results, measure, group, categories, derived=derived)
    if row is None:
        return None
    if row["flag"] == "c" or pd.isna(row["value"]):
        return None
    return float(row["value"])


def compared_word(a: float | None, b: float | None, *, higher: str = "higher", lower: str = "lower",
                  same: str = "about the same") -> str:
    """``higher``/``lower``/``about the same``: how ``a`` compares with ``b`` (percent points)."""
    if a is None or b is None:
        return "not comparable (suppressed or not collected)"
    if abs(a - b) < SAME_WITHIN:
        return same
    return higher if a > b else lower


def supported(tests: pd.DataFrame, measure: str) -> bool | None:
    """Whether the Holm-adjusted p-value of a comparison is below :data:`~helpers.report.tables.SIGNIFICANCE`."""
    rows = tests[tests["measure"] == measure]
    if rows.empty or pd.isna(rows.iloc[0]["p_holm"]):
        return None
    return bool(float(rows.iloc[0]["p_holm"]) < SIGNIFICANCE)


def support(tests: pd.DataFrame, measure: str, *, wording: phrases.Wording | None = None) -> str:
    """Whether the data support a difference between the compared groups, with the numbers.

    The words are a verdict of :mod:`helpers.report.phrases`, chosen by the
    strength of the evidence (:func:`helpers.report.phrases.strength`:
    strong, some, unclear, untestable) and, with a page's ``wording``, the
    next wording of that grade on the page, so one page does not repeat itself.

    Returns
    -------
    str
        The verdict with, in its ``{stats}`` slot, the Holm-adjusted p-value
        and the effect size with its 95% confidence interval when
        ``tests.csv`` has one.
    """
    rows = tests[tests["measure"] == measure]
    if rows.empty or pd.isna(rows.iloc[0]["p_holm"]):
        return phrases.verdict("untestable", wording=wording)
    row = rows.iloc[0]
    p_holm = float(row["p_holm"])
    p_text = format_p(p_holm, prose=True)
    effect = f"{_EFFECT_NAMES.get(row['effect_name'], row['effect_name'])} = {format_number(row['effect_size'])}"
    if "effect_ci_low" in row and pd.notna(row.get("effect_ci_low")) and pd.notna(row.get("effect_ci_high")):
        effect += f", 95% CI {format_number(row['effect_ci_low'])} to {format_number(row['effect_ci_high'])}"
    return phrases.verdict(phrases.strength(p_holm), f"Holm-adjusted {p_text}; {effect}", wording=wording)


def strength_word(tests: pd.DataFrame, measure: str) -> str:
    """Cohen's conventional size of the effect: negligible, small, medium or large.

    Thresholds on the absolute effect (rank-biserial r or Cramér's V):
    0.1, 0.3 and 0.5.
    """
    rows = tests[tests["measure"] == measure]
    if rows.empty or pd.isna(rows.iloc[0]["effect_size"]):
        return "unknown"
    size = abs(float(rows.iloc[0]["effect_size"]))
    return "negligible" if size < 0.1 else "small" if size < 0.3 else "medium" if size < 0.5 else "large"


def compare_groups_phrase(results: pd.DataFrame, measure: str, categories: list[str], *,
                          derived: pd.DataFrame | None = None,
                          groups: tuple[str, str] | None = None,
                          nouns: tuple[str, str] | None = None) -> str:
    """``"88% of <programme> children against 80% of other children"`` for one answer (or several).

    The sentence is the ``compare_groups`` template of
    :mod:`helpers.report.phrases`; ``nouns`` name the two groups (default:
    the phrase file's ``compare_nouns``).
    """
    first, second = (share_value(results, measure, g, categories, derived=derived)
                     for g in groups or compared_groups())
    if first is None and second is None and results[results["measure"] == measure].empty:
        return "not collected"
    text = [format_percent(v) if v is not None else "[c]" for v in (first, second)]
    nouns = nouns or tuple(phrases.wordings("compare_nouns"))
    return phrases.sentence("compare_groups", first=text[0], first_noun=nouns[0], second=text[1],
                            second_noun=nouns[1])


def top_forces(derived: pd.DataFrame, measure: str) -> dict[str, str]:
    """The two forces with the largest census count and their share of the national total.

    Looked up in ``derived.csv`` (key ``top_forces``).

    Returns
    -------
    dict
        ``names`` ("Durham and Lincolnshire"), ``share`` ("63%") and
        ``count`` ("246"); ``n/a`` values when nothing is known.
    """
    try:
        row = derived_value(derived, "top_forces", measure, "")
    except KeyError:
        return {"names": "n/a", "share": "n/a", "count": "n/a"}
    return {"names": _and_join(row["category"].split("+")), "share": format_percent(row["value"], row["flag"]),
            "count": format_count(row["n"], row["flag"])}


def census_phrases(results: pd.DataFrame, derived: pd.DataFrame) -> dict[str, str]:
    """Every census number the national-overview chapter quotes, formatted for glue.

    Returns
    -------
    dict
        Keys: ``forces``, ``active``, ``planned_forces``, ``schools``,
        ``children``, ``per_school``, ``planned``, ``top_schools_names``,
        ``top_schools_share``, ``top_children_names``,
        ``top_children_share``, ``children_unstated`` (forces with schools but no
        child count), ``planning_forces`` (forces planning new units),
        ``one_cycle`` (percent of answering forces with one cycle a year),
        ``growth`` (planned units as a percent of current schools) and
        ``planned_new_forces`` (planned units in forces still planning a scheme).
        The largest forces' shares and the counts of forces are rows of
        ``derived`` (``derived.csv``).
    """
    out = {
        "forces": format_result(results, "census_forces", "national", "count"),
        "active": format_result(results, "status", "national", "active"),
        "planned_forces": format_result(results, "status", "national", "planned"),
        "schools": format_result(results, "census_schools", "national", "count"),
        "children": format_result(results, "census_children", "national", "count"),
        "per_school": format_result(results, "census_children_per_school", "national", "mean", default="n/a"),
        "planned": format_result(results, "census_planned_units", "national", "count"),
        "one_cycle": format_result(results, "census_cycles_per_year", "national", "1", default="n/a"),
        "growth": format_result(results, "census_growth", "national", "planned_units", default="n/a"),
        "planned_new_forces": format_result(results, "census_planned_units_new_forces", "national", "count",
                                            default="n/a"),
    }
    for measure, key in (("census_schools", "top_schools"), ("census_children", "top_children")):
        top = top_forces(derived, measure)
        out[f"{key}_names"], out[f"{key}_share"] = top["names"], top["share"]
    for measure, category, key in (("census_children", "unstated", "children_unstated"),
                                   ("census_planned_units", "planning", "planning_forces")):
        try:
            out[key] = format_count(derived_value(derived, "census_forces", measure, category)["value"])
        except KeyError:
            out[key] = "n/a"
    return out


def group_label(group: str) -> str:
    """Display name of a reporting group."""
    return GROUP_LABELS.get(group, group)


# --- chapter 5: adults' views -------------------------------------------------
#
# Phrases and small display tables for notebooks/04_adults.ipynb: headline
# percentages with their Wilson intervals (the adult samples are small), the
# spread of a block of impact items, and the coded interview excerpts (theme
# reach, the SWOT grid, quotes labelled as synthetic when they are).

__all__ += [
    "answer_total",
    "interval_table",
    "interviewee_counts",
    "not_supplied_note",
    "optional_table",
    "quotes_markdown",
    "share_interval",
    "share_range",
    "swot_table",
    "theme_reach",
    "theme_table",
    "top_themes",
]

#: The survey that asks each adult reporting group (for question texts).
ADULT_INSTRUMENTS = {"practitioners": "practitioner_survey", "teachers": "teacher_survey",
                     "parents": "parent_survey"}

#: Prefixes dropped from question texts when an item is named inside a sentence.
_ITEM_PREFIXES = ("Impact on my child's ", "Impact on children's ", "Impact on ", "Effect on my ", "Aim: ")

#: Plural display names of the interview roles (scale ``interview_role``), and of all interviewees.
_ROLE_PLURALS = {"strategic_lead": "Strategic leads", "practitioner": "Practitioners", "teacher": "Teachers",
                 "all": "All interviewees"}

#: Row and column labels of the SWOT grid (origin x effect, as in :data:`helpers.text.qualitative.SWOT`).
_SWOT_ROWS = {"internal": "Internal (the scheme itself)", "external": "External (the world around it)"}
_SWOT_COLUMNS = {"helpful": "Helpful", "harmful": "Harmful"}
_SWOT_NAMES = {"strength": "Strengths", "weakness": "Weaknesses", "opportunity": "Opportunities",
               "threat": "Threats"}


def _item_text(measure: str, group: str, *, short: bool = False, capital: bool = False) -> str:
    """Question text of an adult survey item (without its prefix when ``short``; lower-case unless ``capital``)."""
    from helpers.report.tables import measure_label

    text = measure_label(measure, ADULT_INSTRUMENTS.get(group, "teacher_survey"))
    if not short:
        return text
    for prefix in _ITEM_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return (text[:1].upper() if capital else text[:1].lower()) + text[1:]


def share_interval(results: pd.DataFrame, measure: str, group: str, categories: list[str], *,
                   derived: pd.DataFrame | None = None, default: str = "not collected") -> str:
    """A share with its 95% Wilson interval, for prose: ``"73% (95% CI 59% to 83%)"``.

    Parameters
    ----------
    results : pandas.DataFrame
        ``results.csv`` (:func:`helpers.report.tables.load_results`).
    measure, group : str
        The item and reporting group.
    categories : list of str
        Answer codes added together (e.g. ``["strongly_agree", "agree"]``).
    default : str, default "not collected"
        Returned when the measure has no rows for the group.

    Returns
    -------
    str
        The percent and its interval (for several answers, the row of
        ``derived``: ``derived.csv``); ``[c]`` when suppressed.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"measure": ["recommend"] * 3, "group": ["teachers"] * 3,
    ...                     "category": ["strongly_agree", "agree", "neither"], "n": [23, 8, 2],
    ...                     "base": [33] * 3, "value": [69.7, 24.2, 6.1], "unit": ["percent"] * 3,
    ...                     "flag": [""] * 3})
    >>> from helpers.core.derived import answer_shares
    >>> derived = answer_shares(res, min_cell=5, local=False)
    >>> share_interval(res, "recommend", "teachers", ["strongly_agree", "agree"], derived=derived)
    '94% (95% CI 80% to 98%)'
    """
    row = share_row(results, measure, group, categories, derived=derived)
    if row is None:
        return default
    if row["flag"] == "c" or pd.isna(row["value"]):
        return "[c]"
    return (f"{format_percent(float(row['value']))} (95% CI {format_percent(float(row['ci_low']))} "
            f"to {format_percent(float(row['ci_high']))})")


def interval_table(results: pd.DataFrame, items: list[dict], *, derived: pd.DataFrame | None = None,
                   question: str = "full") -> pd.DataFrame:
    """Headline percentages of the adult surveys with their 95% Wilson intervals.

    Parameters
    ----------
    results : pandas.DataFrame
        ``results.csv``.
    items : list of dict
        One dict per row wanted, with keys ``measure``, ``group``,
        ``categories`` (answer codes added together) and ``answer`` (how
        the combined answer reads, e.g. ``"Positive or significantly
        positive"``). Items not collected are left out.
    question : {"full", "short"}, default "full"
        ``"full"``: the question text as asked; ``"short"``: without its
        lead-in ("Impact on ", "Aim: " ...), capitalised.

    Returns
    -------
    pandas.DataFrame
        One row per item, in the order given: ``question`` (question text
        of the group's survey, see ``question``), ``group`` (display name), ``answer``,
        ``n``, ``base``, ``percent``, ``ci_low``, ``ci_high`` (unrounded,
        NaN when suppressed), ``width`` (``ci_high - ci_low``, percentage
        points) and ``estimate`` (``"97% (85% to 99%)"``, ``[c]`` when
        suppressed).

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"measure": ["recommend"] * 2, "group": ["teachers"] * 2,
    ...                     "category": ["strongly_agree", "agree"], "n": [23, 8], "base": [33, 33],
    ...                     "value": [69.7, 24.2], "unit": ["percent"] * 2, "ci_low": [52.7, 12.8],
    ...                     "ci_high": [82.6, 41.1], "flag": ["", ""]})
    >>> out = interval_table(res, [{"measure": "recommend", "group": "teachers",
    ...                             "categories": ["strongly_agree"], "answer": "Strongly agree"}])
    >>> out[["n", "base", "estimate"]].to_dict("records")
    [{'n': 23, 'base': 33, 'estimate': '70% (53% to 83%)'}]
    """
    if question not in ("full", "short"):
        raise ValueError(f"interval_table: question must be 'full' or 'short', not {question!r}")
    rows = []
    for item in items:
        row = share_row(results, item["measure"], item["group"], list(item["categories"]), derived=derived)
        if row is None:
            continue
        hidden = row["flag"] == "c" or pd.isna(row["value"])
        low, high, value = (float("nan") if hidden else float(row[c]) for c in ("ci_low", "ci_high", "value"))
        rows.append({
            "question": _item_text(item["measure"], item["group"], short=question == "short", capital=True),
            "group": group_label(item["group"]),
            "answer": item["answer"],
            "n": row["n"] if pd.notna(row["n"]) else pd.NA,
            "base": None if pd.isna(row["base"]) else int(row["base"]),  # hidden in a local report's small group
            "percent": value, "ci_low": low, "ci_high": high, "width": high - low,
            "estimate": "[c]" if hidden else (f"{format_percent(value)} ({format_percent(low)} "
                                               f"to {format_percent(high)})"),
        })
    columns = ["question", "group", "answer", "n", "base", "percent", "ci_low", "ci_high", "width", "estimate"]
    return pd.DataFrame(rows, columns=columns)


def share_range(results: pd.DataFrame, measures: list[str], group: str, categories: list[str], *,
                derived: pd.DataFrame | None = None) -> dict[str, str]:
    """The lowest and highest share giving ``categories`` across a block of items, and which items.

    Parameters
    ----------
    results : pandas.DataFrame
        ``results.csv``.
    measures : list of str
        Items of one scale asked of ``group``.
    group : str
        An adult reporting group (``teachers``, ``parents``, ``practitioners``).
    categories : list of str
        Answer codes added together.

    Returns
    -------
    dict
        ``low`` and ``high`` (formatted percents), ``top`` and ``bottom``
        (short item texts, e.g. ``"behaviour in school"``; items tied at
        the top or bottom are all named, in the order of ``measures``:
        ``"teamwork, listening skills and speaking skills"``) and ``items``
        (how many of ``measures`` were collected for the group, suppressed
        or not). Items not collected are skipped
        (all values ``"n/a"`` when none is left); when any item is
        suppressed, ``low``, ``high``, ``top`` and ``bottom`` are ``"[c]"``,
        since the hidden value could be the lowest or the highest.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"measure": ["behaviour_school", "behaviour_home"], "group": ["teachers"] * 2,
    ...                     "category": ["positive"] * 2, "n": [30, 26], "base": [34, 34],
    ...                     "value": [100 * 30 / 34, 100 * 26 / 34], "unit": ["percent"] * 2, "flag": ["", ""]})
    >>> share_range(res, ["behaviour_school", "behaviour_home"], "teachers", ["positive"])
    {'low': '76%', 'high': '88%', 'top': 'behaviour in school', 'bottom': 'behaviour at home', 'items': '2'}
    >>> share_range(res.assign(n=30, value=100 * 30 / 34), ["behaviour_school", "behaviour_home"], "teachers",
    ...             ["positive"])["top"]
    'behaviour in school and behaviour at home'
    """
    found = {m: share_row(results, m, group, categories, derived=derived) for m in measures}
    found = {m: row for m, row in found.items() if row is not None}
    collected = format_count(len(found))
    values = {m: float(row["value"]) for m, row in found.items() if row["flag"] != "c" and pd.notna(row["value"])}
    if len(values) < len(found):
        return {"low": "[c]", "high": "[c]", "top": "[c]", "bottom": "[c]", "items": collected}
    if not values:
        return {"low": "n/a", "high": "n/a", "top": "n/a", "bottom": "n/a", "items": "0"}
    high, low = max(values.values()), min(values.values())
    top = [_item_text(m, group, short=True) for m, v in values.items() if v == high]
    bottom = [_item_text(m, group, short=True) for m, v in values.items() if v == low]
    return {"low": format_percent(low), "high": format_percent(high), "top": _and_join(top),
            "bottom": _and_join(bottom), "items": collected}


def _and_join(words: list[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def answer_total(results: pd.DataFrame, measures: list[str], groups: list[str],
                 categories: list[str]) -> dict[str, str]:
    """How many of all the ratings in a block of items gave ``categories``.

    Adds up ``n`` (the answers in ``categories``) and ``base`` (all valid
    answers) over every item and group, e.g. "of the 597 impact ratings
    teachers and parents gave, 0 were negative".

    Returns
    -------
    dict
        ``n`` and ``base`` (formatted counts) and ``percent``; ``n`` and
        ``percent`` are ``[c]`` when any cell added is suppressed.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"measure": ["x", "x", "y", "y"], "group": ["teachers"] * 4,
    ...                     "category": ["positive", "negative"] * 2, "n": [9, 1, 10, 0], "base": [10] * 4,
    ...                     "value": [90.0, 10.0, 100.0, 0.0], "unit": ["percent"] * 4, "flag": [""] * 4})
    >>> answer_total(res, ["x", "y"], ["teachers"], ["negative"])
    {'n': '1', 'base': '20', 'percent': '5%'}
    """
    rows = results[results["measure"].isin(measures) & results["group"].isin(groups)
                   & results["unit"].eq("percent")]
    if rows.empty:
        return {"n": "not collected", "base": "not collected", "percent": "not collected"}
    bases = rows.groupby(["measure", "group"])["base"].max()
    if bases.isna().any():  # a local report hid a small group's base: the total would give it away
        return {"n": "[c]", "base": "[c]", "percent": "[c]"}
    base = int(bases.sum())
    chosen = rows[rows["category"].isin(categories)]
    if chosen["flag"].eq("c").any() or chosen["n"].isna().any():
        return {"n": "[c]", "base": format_count(base), "percent": "[c]"}
    n = int(chosen["n"].sum())
    return {"n": format_count(n), "base": format_count(base),
            "percent": format_percent(100 * n / base) if base else "n/a"}


def optional_table(processed_dir, instrument: str) -> pd.DataFrame:
    """A processed table, or an empty one with the codebook's columns when it was not supplied.

    The qualitative instruments (``workshop_comments``,
    ``interview_excerpts``) are optional: when their raw file is absent,
    ``minipolice process`` writes no table and the chapter reports them as
    not collected. The empty table has the codebook's column names (object
    dtype), so the summaries of :mod:`helpers.text.qualitative` return zeros.

    Examples
    --------
    >>> optional_table("/nonexistent", "interview_excerpts").columns.tolist()
    ['excerpt_id', 'force', 'interviewee_id', 'role', 'theme', 'excerpt']
    """
    from pathlib import Path

    from helpers.core.codebook import load_codebook
    from helpers.report.tables import load_table

    if (Path(processed_dir) / f"{instrument}.parquet").exists():
        return load_table(processed_dir, instrument)
    columns = load_codebook().instruments[instrument].column_names
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def not_supplied_note(table: pd.DataFrame, *, what: str = "coded interview excerpts") -> str:
    """A MyST note when an optional qualitative table is empty (empty string otherwise).

    Examples
    --------
    >>> import pandas as pd
    >>> not_supplied_note(pd.DataFrame({"excerpt": ["We meet weekly."]}))
    ''
    >>> print(not_supplied_note(pd.DataFrame({"excerpt": []})).splitlines()[1][:60])
    **Not collected.** No coded interview excerpts were supplied
    """
    if len(table):
        return ""
    return (":::{note}\n"
            f"**Not collected.** No {what} were supplied for this report, so the counts in this section "
            "are zero and no quotes are shown. Sentences about 2019 describe the published evaluation.\n"
            ":::\n")


def interviewee_counts(themes: pd.DataFrame) -> dict[str, str]:
    """Interviewees per role, from :func:`helpers.text.qualitative.interview_themes`.

    Returns
    -------
    dict
        Formatted counts keyed by role code (``strategic_lead``,
        ``practitioner``, ``teacher``) and ``all``.

    Examples
    --------
    >>> import pandas as pd
    >>> from helpers.text.qualitative import interview_themes
    >>> ie = pd.DataFrame({"interviewee_id": ["A", "A", "B", "C"], "theme": ["aims", "threat", "aims", "aims"],
    ...                    "role": ["strategic_lead", "strategic_lead", "strategic_lead", "teacher"]})
    >>> interviewee_counts(interview_themes(ie))
    {'strategic_lead': '2', 'practitioner': '0', 'teacher': '1', 'all': '3'}
    """
    per_role = themes.groupby("role", sort=False)["role_interviewees"].max()
    return {role: format_count(int(count)) for role, count in per_role.items()}


def theme_reach(themes: pd.DataFrame, theme: str, *, role: str = "all") -> str:
    """``"6 of 10"``: interviewees of a role who raised a theme (``"none of 0"`` without interviews).

    Examples
    --------
    >>> import pandas as pd
    >>> from helpers.text.qualitative import interview_themes
    >>> ie = pd.DataFrame({"interviewee_id": ["A", "B", "C"], "theme": ["aims", "threat", "aims"],
    ...                    "role": ["strategic_lead"] * 3})
    >>> theme_reach(interview_themes(ie), "aims", role="strategic_lead")
    '2 of 3'
    """
    row = themes[(themes["role"] == role) & (themes["theme"] == theme)]
    if row.empty or int(row.iloc[0]["role_interviewees"]) == 0:
        return "none of 0"
    row = row.iloc[0]
    return f"{format_count(int(row['interviewees']))} of {format_count(int(row['role_interviewees']))}"


def top_themes(themes: pd.DataFrame, *, role: str = "all", k: int = 3) -> str:
    """The ``k`` themes raised by most interviewees of a role, as a phrase.

    Ranked by interviewees, then excerpts, then the codebook's theme order.
    The SWOT themes are named in the plural ("strengths"). When themes
    left out were raised by as many interviewees as the last one named,
    the phrase says how many.

    Returns
    -------
    str
        ``"design and delivery (19 of 26 interviewees), aims and objectives
        (16) and community engagement (16)"``, or with ties at the cut
        ``"…; 3 other themes were also raised by 7"``; ``"no theme"`` when
        nobody was interviewed.

    Examples
    --------
    >>> import pandas as pd
    >>> from helpers.text.qualitative import interview_themes
    >>> ie = pd.DataFrame({"interviewee_id": ["A", "B", "B", "C"], "theme": ["aims", "aims", "threat", "threat"],
    ...                    "role": ["teacher"] * 4})
    >>> top_themes(interview_themes(ie), k=2)
    'aims and objectives (2 of 3 interviewees) and threats (2)'
    >>> top_themes(interview_themes(ie), k=1)
    'aims and objectives (2 of 3 interviewees); 1 other theme was also raised by 2'
    """
    rows = themes[(themes["role"] == role) & (themes["interviewees"] > 0)].copy()
    if rows.empty:
        return "no theme"
    rows["order"] = range(len(rows))
    ranked = rows.sort_values(["interviewees", "excerpts", "order"], ascending=[False, False, True])
    rows, rest = ranked.head(k), ranked.iloc[k:]
    total = format_count(int(rows.iloc[0]["role_interviewees"]))
    parts = []
    for i, (_, row) in enumerate(rows.iterrows()):
        label = _SWOT_NAMES.get(row["theme"], row["theme_label"])
        label = label[:1].lower() + label[1:]
        count = format_count(int(row["interviewees"]))
        parts.append(f"{label} ({count} of {total} interviewees)" if i == 0 else f"{label} ({count})")
    phrase = _and_join(parts)
    last = int(rows.iloc[-1]["interviewees"])
    tied = int((rest["interviewees"] == last).sum())
    if tied:
        phrase += (f"; {format_count(tied)} other theme{'s' if tied > 1 else ''} "
                   f"{'were' if tied > 1 else 'was'} also raised by {format_count(last)}")
    return phrase


def theme_table(themes: pd.DataFrame) -> pd.DataFrame:
    """Interviewees raising each theme, by role, ready to show.

    Returns
    -------
    pandas.DataFrame
        One row per theme (codebook order): ``Theme``, ``Excerpts`` (all
        roles), then one column per role and ``All interviewees``, each
        holding the number of interviewees who raised the theme; the column
        names carry the role's number of interviewees (``"Strategic leads
        (of 10)"``). No identifier.

    Examples
    --------
    >>> import pandas as pd
    >>> from helpers.text.qualitative import interview_themes
    >>> ie = pd.DataFrame({"interviewee_id": ["A", "B"], "theme": ["aims", "aims"],
    ...                    "role": ["strategic_lead", "teacher"]})
    >>> theme_table(interview_themes(ie)).iloc[0].to_dict()
    {'Theme': 'Aims and objectives', 'Excerpts': 2, 'Strategic leads (of 1)': 1, 'Practitioners (of 0)': 0, \
'Teachers (of 1)': 1, 'All interviewees (of 2)': 2}
    """
    counts = interviewee_counts(themes)
    wide = themes.pivot(index="theme", columns="role", values="interviewees")
    order = list(dict.fromkeys(themes["theme"]))
    roles = list(dict.fromkeys(themes["role"]))
    labels = dict(zip(themes["theme"], themes["theme_label"], strict=False))
    excerpts = themes[themes["role"] == "all"].set_index("theme")["excerpts"]
    out = pd.DataFrame({"Theme": [labels[t] for t in order],
                        "Excerpts": [int(excerpts.get(t, 0)) for t in order]})
    for role in roles:
        name = f"{_ROLE_PLURALS.get(role, role)} (of {counts[role]})"
        out[name] = [int(wide.at[t, role]) for t in order]
    return out


def swot_table(themes: pd.DataFrame, *, role: str = "all") -> pd.DataFrame:
    """The four SWOT themes as the usual two-by-two grid, with how often each came up.

    Returns
    -------
    pandas.DataFrame
        Index: ``Internal (the scheme itself)``, ``External (the world
        around it)``; columns ``Helpful`` and ``Harmful``; each cell reads
        ``"Strengths: 14 of 26 interviewees, 14 excerpts"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from helpers.text.qualitative import interview_themes
    >>> ie = pd.DataFrame({"interviewee_id": ["A", "A", "B"], "theme": ["strength", "threat", "strength"],
    ...                    "role": ["strategic_lead"] * 3})
    >>> swot_table(interview_themes(ie)).loc["External (the world around it)", "Harmful"]
    'Threats: 1 of 2 interviewees, 1 excerpt'
    """
    rows = themes[(themes["role"] == role) & themes["swot_origin"].notna()]
    out = pd.DataFrame(index=list(_SWOT_ROWS.values()), columns=list(_SWOT_COLUMNS.values()), dtype=object)
    for _, row in rows.iterrows():
        excerpts = int(row["excerpts"])
        text = (f"{_SWOT_NAMES.get(row['theme'], row['theme_label'])}: {theme_reach(themes, row['theme'], role=role)} "
                f"interviewees, {format_count(excerpts)} excerpt{'' if excerpts == 1 else 's'}")
        out.loc[_SWOT_ROWS[row["swot_origin"]], _SWOT_COLUMNS[row["swot_effect"]]] = text
    return out


def quotes_markdown(quotes: pd.DataFrame, *, synthetic: bool, min_cell: int = 5, show_theme: bool = False,
                    theme: str | None = None) -> str:
    """Quotes from :func:`helpers.text.qualitative.illustrative_quotes` as MyST block quotes.

    Each quote is followed by the speaker's role only (never an identifier
    or a force) and, for synthetic data, the words "synthetic demo quote",
    so no reader takes it for a real interviewee's words.

    Parameters
    ----------
    quotes : pandas.DataFrame
        Columns ``quote`` and, optionally, ``role_label``; already redacted.
    synthetic : bool
        Whether the data are the project's synthetic demo data.
    min_cell : int, default 5
        Named in the sentence shown when there is no quote.
    show_theme : bool, default False
        Add the theme (column ``theme_label``) to each attribution, for
        quotes of several themes shown together.
    theme : str, optional
        What the quotes are about, named in the sentence shown when there is
        no quote; default the ``theme_label`` that
        :func:`helpers.text.qualitative.illustrative_quotes` attaches to its result
        (``quotes.attrs``), else "this theme".

    Returns
    -------
    str
        Markdown: one block quote per quote, or an italic sentence saying
        why none is shown.

    Examples
    --------
    >>> import pandas as pd
    >>> q = pd.DataFrame({"quote": ["We meet every week in term time."], "role_label": ["Teacher"]})
    >>> print(quotes_markdown(q, synthetic=True))
    > We meet every week in term time.
    >
    > — Teacher (synthetic demo quote)
    >>> q["theme_label"] = "Strength"
    >>> quotes_markdown(q, synthetic=False, show_theme=True).splitlines()[-1]
    '> — Teacher, on the theme “Strength” (redacted)'
    """
    if quotes.empty:
        label = theme or quotes.attrs.get("theme_label")
        which = f"the theme “{escape_text(label)}”" if label else "this theme"
        return (f"*No quote is shown for {which}: fewer than {min_cell} interviewees raised it, "
                "or none of their words could be shown without identifying them.*")
    blocks = []
    for _, row in quotes.iterrows():
        role_text = row.get("role_label") if "role_label" in quotes and pd.notna(row.get("role_label")) \
            else "Interviewee"
        role_text = escape_text(role_text)
        if show_theme and "theme_label" in quotes and pd.notna(row.get("theme_label")):
            role_text = f"{role_text}, on the theme “{escape_text(row['theme_label'])}”"
        source = f"{role_text} (synthetic demo quote)" if synthetic else f"{role_text} (redacted)"
        text = escape_text(" ".join(str(row["quote"]).split()))  # respondent text: shown, never interpreted
        blocks.append(f"> {text}\n>\n> — {source}")
    return "\n\n".join(blocks)


# --- chapter 4: children ---------------------------------------------------
# Phrases and tables of the children's chapter (notebooks/03_children.ipynb):
# item rankings, the direction of each programme vs other children
# difference, the comparisons table, what the design could detect (power),
# the force-skew sensitivity check and workshop quotes by theme.

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from helpers.core.codebook import Codebook, load_codebook  # noqa: E402
from helpers.core.config import DEFAULT_MIN_CELL, DEFAULT_SEED  # noqa: E402
from helpers.report.tables import measure_label  # noqa: E402
from helpers.report.tables import tests_table as _tests_table  # noqa: E402
from helpers.text.qualitative import illustrative_quotes  # noqa: E402

__all__ += [
    "COMPARISON_LABELS",
    "SENSITIVITY_LABELS",
    "comparison_table",
    "count_of",
    "direction_phrase",
    "format_comparisons",
    "format_sensitivity",
    "item_ranking",
    "list_phrase",
    "load_optional",
    "power_phrases",
    "quotes_by_theme",
    "answer_ranking",
    "sample_skew",
    "sensitivity_table",
    "sensitivity_verdict",
    "support_summary",
    "workshop_quotes_markdown",
]

#: Display headers of :func:`format_comparisons`.
COMPARISON_LABELS = {
    "item": "Question",
    "test": "Test",
    "direction": f"{_NAMES['programme_title']} children …",
    "n": f"Answers ({_NAMES['programme']} / other)",
    "effect": "Effect size (95% CI)",
    "p_holm": "Holm-adjusted p",
    "verdict": "Difference supported?",
}

#: Display headers of :func:`format_sensitivity`.
SENSITIVITY_LABELS = {
    "item": "Question",
    "answer": "Answer shown",
    _PROGRAMME: _NAMES["programme_title"],
    _COMPARISON: "Other children",
    "difference": "Difference",
    "interval": "95% interval of the weighted difference (clustered by school)",
    "effective_n": f"Effective n, before → after trimming ({_NAMES['programme']} / other)",
    "direction": "Direction",
}

#: Differences in means (score or rank points) below which two groups are called "about the same".
SAME_MEAN_WITHIN = 0.05

_TEST_NAMES = {"mann_whitney_u": "Mann-Whitney U", "chi_square": "Chi-square", "fisher_exact": "Fisher's exact",
               "chi_square_permutation": "Chi-square (permutation p)"}
#: Answer summarised for each scale in the sensitivity table: (codes, label).
_HEADLINE_ANSWERS = {
    "agree5": (["strongly_agree"], "Strongly agree (%)"),
    "yesno": (["yes"], "Yes (%)"),
    "yesnotsure": (["yes"], "Yes (%)"),
    "yesmaybeno": (["yes"], "Yes (%)"),
    "safety_impact": (["much_safer", "a_bit_safer"], "Much or a bit safer (%)"),
}
_CHILDREN = "children_survey"


def load_optional(processed_dir: str | Path, name: str) -> pd.DataFrame:
    """Read a processed CSV (``power``, ``sensitivity`` ...) if it exists, else an empty table.

    Examples
    --------
    >>> load_optional("/nonexistent", "power").empty
    True
    """
    path = Path(processed_dir) / f"{name}.csv"
    if not path.exists():
        return pd.DataFrame()
    return tracking.read_keyed(path, _read_optional)


def _read_optional(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype={"measure": str, "group": str, "category": str, "flag": str})
    if "flag" in table:
        table["flag"] = table["flag"].fillna("")
    return table


def count_of(results: pd.DataFrame, measure: str, group: str, category: str, *,
             default: str = "not collected") -> str:
    """The number of respondents (``n``) in one results cell, formatted: ``"2"``, ``[c]`` or ``default``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"measure": ["enjoyed"], "group": ["teachers"], "category": ["no"], "n": [2],
    ...                   "base": [248], "value": [0.8], "unit": ["percent"], "flag": [""]})
    >>> count_of(r, "enjoyed", "teachers", "no"), count_of(r, "enjoyed", "teachers", "yes")
    ('2', 'not collected')
    """
    try:
        row = lookup(results, measure, group, category)
    except KeyError:
        return default
    return format_count(row["n"], row["flag"])


def _strip(label: str, prefix: str) -> str:
    return label[len(prefix):].strip() if prefix and label.startswith(prefix) else label


def item_ranking(results: pd.DataFrame, measures: list[str], group: str, *, categories: list[str] | None = None,
                 derived: pd.DataFrame | None = None, instrument: str = _CHILDREN, strip: str = "",
                 codebook: Codebook | None = None) -> pd.DataFrame:
    """Several items of one group, ranked by their share (or by their mean).

    Parameters
    ----------
    results : pandas.DataFrame
        ``results.csv``.
    measures : list of str
        Items to rank.
    group : str
        Reporting group.
    categories : list of str, optional
        Answers added up for each item (e.g. strongly agree and agree; the
        share is a row of ``derived``, ``derived.csv``, for several answers):
        items are ranked by that share, largest first. Without it the
        items' means are ranked, smallest first (1 = most important, or
        strongly agree, comes first).
    instrument : str
        Instrument of the question texts.
    strip : str
        Leading words removed from every question text ("Being in the
        programme has improved my").
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``item`` (question text), ``value`` (percent or mean;
        NaN when suppressed) and ``text`` (formatted: ``71%``, ``1.84``,
        ``[c]``), one row per collected item, ranked; suppressed items last.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"measure": ["rank_arrest", "rank_emergency"], "group": ["all_children"] * 2,
    ...                   "category": ["mean"] * 2, "n": [None] * 2, "base": [9, 9], "value": [2.5, 1.8],
    ...                   "unit": ["mean"] * 2, "flag": ["", ""]})
    >>> item_ranking(r, ["rank_arrest", "rank_emergency"], "all_children")[["item", "text"]]
                                 item  text
    0  Helping people in an emergency  1.80
    1                Arresting people  2.50
    """
    codebook = codebook or load_codebook()
    rows = []
    for measure in measures:
        if results[results["measure"].eq(measure) & results["group"].eq(group)].empty:
            continue
        if categories is None:
            try:
                row = lookup(results, measure, group, "mean")
            except KeyError:
                continue
            flag = row["flag"] if isinstance(row["flag"], str) else ""
            value = float(row["value"]) if flag != "c" and pd.notna(row["value"]) else np.nan
            text = format_mean(row["value"], flag)
        else:
            share = share_value(results, measure, group, categories, derived=derived)
            value = np.nan if share is None else share
            text = "[c]" if share is None else format_percent(share)
        label = _strip(measure_label(measure, instrument, codebook), strip)
        rows.append({"measure": measure, "item": label, "value": value, "text": text})
    out = pd.DataFrame(rows, columns=["measure", "item", "value", "text"])
    return out.sort_values("value", ascending=categories is None, na_position="last",
                           kind="stable").reset_index(drop=True)


def answer_ranking(results: pd.DataFrame, measure: str, group: str, *, instrument: str = _CHILDREN,
                   codebook: Codebook | None = None) -> pd.DataFrame:
    """The answers of one item in one group, most common first.

    Returns
    -------
    pandas.DataFrame
        ``category``, ``answer`` (label), ``n``, ``value`` (percent, NaN when
        suppressed) and ``text`` (``54%`` or ``[c]``); answers nobody gave
        are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"measure": ["sample_age"] * 3, "group": ["all_children"] * 3,
    ...                   "category": ["9", "10", "11"], "n": [6, 21, 7], "base": [34] * 3,
    ...                   "value": [17.6, 61.8, 20.6], "unit": ["percent"] * 3, "flag": [""] * 3})
    >>> answer_ranking(r, "sample_age", "all_children")[["answer", "text"]].iloc[0].tolist()
    ['10', '62%']
    """
    codebook = codebook or load_codebook()
    rows = results[results["measure"].eq(measure) & results["group"].eq(group) & results["unit"].eq("percent")]
    labels = {}
    column = codebook.instruments[instrument].column(measure.removeprefix("sample_"))
    if column.type == "coded":
        scale = codebook.scales[column.scale]
        labels = dict(zip(scale.codes, scale.labels, strict=True))
    suppressed = rows["flag"].fillna("").eq("c")
    out = pd.DataFrame({
        "category": rows["category"].to_numpy(),
        "answer": [labels.get(c, c) for c in rows["category"]],
        "n": rows["n"].to_numpy(),
        "value": np.where(suppressed, np.nan, rows["value"].astype(float)),
        "text": [format_percent(v, f) for v, f in zip(rows["value"], rows["flag"].fillna(""), strict=True)],
    })
    out = out[~(out["n"].fillna(1) == 0)]
    return out.sort_values("value", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def list_phrase(table: pd.DataFrame, *, label: str = "item", value: str = "text", lower: bool = True,
                quote: bool = False) -> str:
    """Rows of a ranking as prose: ``"a (71%), b (64%) and c (60%)"``; ``"none"`` for no rows.

    ``lower`` lower-cases each name's first letter (not an acronym's);
    ``quote`` puts each name in quotation marks (and keeps its case);
    ``value=""`` leaves the values out.

    Examples
    --------
    >>> import pandas as pd
    >>> list_phrase(pd.DataFrame({"item": ["Activities", "Learning"], "text": ["54%", "8%"]}))
    'activities (54%) and learning (8%)'
    >>> list_phrase(pd.DataFrame({"item": ["I feel safe at home"], "text": ["1.25"]}), quote=True)
    '“I feel safe at home” (1.25)'
    """
    parts = []
    for _, row in table.iterrows():
        name = str(row[label])
        if quote:
            name = f"“{name}”"
        elif lower and name[:2] != name[:2].upper():
            name = name[:1].lower() + name[1:]
        parts.append(f"{name} ({row[value]})" if value else name)
    if not parts:
        return "none"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def direction_phrase(tests: pd.DataFrame, results: pd.DataFrame, measure: str, *,
                     codebook: Codebook | None = None) -> str:
    """Which way the programme's children's answers lean, against other children's, in words.

    For items tested with Mann-Whitney U the sign of the rank-biserial r
    decides (negative: the programme's children's answers nearer the first code of the
    scale, "strongly agree" or rank 1); for chi-square items the share
    answering ``yes`` in ``results``, compared with :func:`compared_word`.

    Returns
    -------
    str
        A predicate for the subject "<programme> children", a ``direction_*``
        sentence of the phrase file: ``"agreed more
        strongly than other children"``, ``"felt safer than other children
        did"``, ``"ranked it as more important than other children did"``,
        ``"answered yes more often than other children"``, their opposites,
        ``"answered much as other children did"`` (an effect that prints as
        0.00, i.e. rounds to zero at two decimals, or shares within
        :data:`SAME_WITHIN` points), ``"were compared with other
        children (their shares are suppressed)"`` or ``"could not be compared
        with other children"`` (no test).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"measure": ["att_listen", "safe_online"], "test": ["mann_whitney_u"] * 2,
    ...                   "effect_size": [-0.2, 0.15]})
    >>> direction_phrase(t, pd.DataFrame(), "att_listen"), direction_phrase(t, pd.DataFrame(), "safe_online")
    ('agreed more strongly than other children', 'felt less safe than other children did')
    """
    codebook = codebook or load_codebook()
    rows = tests[tests["measure"] == measure]
    if rows.empty or pd.isna(rows.iloc[0]["effect_size"]):
        return phrases.sentence("direction_untested")
    row = rows.iloc[0]
    if row["test"] in ("chi_square", "fisher_exact", "chi_square_permutation"):
        word = compared_word(share_value(results, measure, _PROGRAMME, ["yes"]),
                             share_value(results, measure, _COMPARISON, ["yes"]),
                             higher="more", lower="less", same="same")
        if word.startswith("not comparable"):
            return phrases.sentence("direction_suppressed")
        return phrases.sentence(f"direction_{'same' if word == 'same' else 'yes_' + word}")
    r = float(row["effect_size"])
    if format_number(r) == format_number(0):  # an effect printed as 0.00 gets no direction word
        return phrases.sentence("direction_same")
    nearer_start = r < 0
    role = codebook.instruments[_CHILDREN].column(measure).role
    kind = {"rank": ("rank_more", "rank_less"), "safety": ("safer", "less_safe")}.get(role, ("agree_more",
                                                                                              "agree_less"))
    return phrases.sentence(f"direction_{kind[0] if nearer_start else kind[1]}")


def support_summary(tests: pd.DataFrame, measures: list[str], *, instrument: str = _CHILDREN,
                    codebook: Codebook | None = None) -> dict[str, str]:
    """How many of several comparisons the data support, and which.

    Returns
    -------
    dict
        ``tested`` (comparisons with a p-value), ``supported`` (Holm-adjusted
        p below :data:`~helpers.report.tables.SIGNIFICANCE`), ``items`` (their
        question texts in quotation marks, joined, or ``"none"``),
        ``others`` (the rest, likewise) and ``all_or_some``: ``"all"``,
        ``"none"`` or ``"some"``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"measure": ["att_listen", "att_trust"], "p_holm": [0.01, 0.6]})
    >>> s = support_summary(t, ["att_listen", "att_trust"])
    >>> s["supported"], s["tested"], s["items"]
    ('1', '2', '“I think that the police listen to young people”')
    """
    codebook = codebook or load_codebook()
    verdicts = {m: supported(tests, m) for m in measures}
    tested = [m for m, v in verdicts.items() if v is not None]
    yes = [m for m in tested if verdicts[m]]
    no = [m for m in tested if not verdicts[m]]

    def quoted(items: list[str]) -> str:
        texts = [f"“{measure_label(m, instrument, codebook)}”" for m in items]
        if not texts:
            return "none"
        return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]

    return {"tested": format_count(len(tested)), "supported": format_count(len(yes)), "items": quoted(yes),
            "others": quoted(no),
            "all_or_some": "all" if tested and len(yes) == len(tested) else "none" if not yes else "some"}


def sample_skew(derived: pd.DataFrame, *, group: str = "all_children") -> dict[str, str]:
    """How concentrated the children's sample is in its largest forces, against the census.

    Every number is a row of ``derived.csv`` (keys ``top_sample``,
    ``top_sample_census``, ``sample_forces``); the sentence is a template of
    :mod:`helpers.report.phrases` (``sample_skew``).

    Returns
    -------
    dict
        ``names`` ("Cumbria and Durham"), ``share`` (their share of the
        group's answers, "64%"), ``census_share`` (their share of the
        census's programme children, or "n/a"), ``forces`` (forces in the
        sample), ``compared`` ("larger than", "smaller than" or "about
        the same as": the sample share against the census share) and
        ``sentence``, all of it in words (one force: a sentence saying so).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"key": ["top_sample", "top_sample_census", "sample_forces"],
    ...                   "measure": ["sample_force", "census_children", "sample_force"],
    ...                   "group": ["all_children", "national", "all_children"], "category": ["A", "A", "forces"],
    ...                   "n": [6, 40, None], "base": [10, 100, None], "value": [60.0, 40.0, 3.0],
    ...                   "unit": ["percent", "percent", "count"], "flag": ["", "", ""]})
    >>> skew = sample_skew(d)
    >>> skew["names"], skew["share"], skew["census_share"], skew["compared"]
    ('A', '60%', '40%', 'larger than')
    >>> skew["sentence"].startswith("The force area with the most respondents, A, supplied 60% of them.")
    True
    """
    def row(key: str, measure: str, category: str = "") -> pd.Series | None:
        try:
            return derived_value(derived, key, measure, category)
        except KeyError:
            return None

    counted = row("sample_forces", "sample_force", "forces")
    forces = int(counted["value"]) if counted is not None and pd.notna(counted["value"]) else 0
    top = row("top_sample", "sample_force")
    if top is None:
        return {"names": "n/a", "share": "n/a", "census_share": "n/a", "forces": format_count(forces),
                "compared": "not comparable with", "sentence": phrases.sentence("sample_skew_unknown")}
    names = sorted(top["category"].split("+"))
    census = row("top_sample_census", "census_children")
    share = None if top["flag"] == "c" else float(top["value"])
    census_share = None if census is None or census["flag"] == "c" else float(census["value"])
    joined = _and_join(names)
    out = {"names": joined, "share": format_percent(top["value"], top["flag"]),
           "census_share": "n/a" if census_share is None else format_percent(census_share),
           "forces": format_count(forces),
           "compared": ("not comparable with" if census_share is None or share is None else
                        compared_word(share, census_share, higher="larger than", lower="smaller than",
                                      same="about the same as"))}
    if forces <= 1:
        out["sentence"] = phrases.sentence("sample_skew_one_force", names=joined)
        return out
    out["sentence"] = phrases.sentence("sample_skew_many" if len(names) > 1 else "sample_skew_one",
                                       count=phrases.number_words(len(names)), names=joined, share=out["share"],
                                       census_share=out["census_share"], compared=out["compared"])
    return out


def _ci_text(row: pd.Series) -> str:
    effect = row.get("effect_size")
    if effect is None or pd.isna(effect):
        return "n/a"
    text = f"{row['effect_label']} {format_number(effect)}"
    low, high = row.get("effect_ci_low"), row.get("effect_ci_high")
    if low is not None and high is not None and pd.notna(low) and pd.notna(high):
        text += f" ({format_number(low)} to {format_number(high)})"
    return text


def comparison_table(tests: pd.DataFrame, results: pd.DataFrame | None = None, *,
                     codebook: Codebook | None = None) -> pd.DataFrame:
    """Every comparison of the programme's children with other children, with its verdict, for a table.

    Parameters
    ----------
    tests : pandas.DataFrame
        ``tests.csv``; the columns ``effect_ci_low`` and ``effect_ci_high``
        are used when present (else left empty). ``n_required_80`` (power
        at the observed effect, which says nothing the p-value does not) is
        not carried over.
    results : pandas.DataFrame, optional
        ``results.csv``, for the ``direction`` of chi-square items.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        One row per comparison, in the order of ``tests.csv``: ``measure``,
        ``item`` (question text), ``test`` (display name),
        ``n_<group>`` of the two compared groups, ``effect_label``,
        ``effect_size``, ``effect_ci_low``, ``effect_ci_high``, ``p_holm``,
        ``supported`` (boolean, missing when no test was possible),
        ``strength`` (:func:`strength_word`), ``direction``
        (:func:`direction_phrase`).
        ``tests`` is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"measure": ["att_listen"], "test": ["mann_whitney_u"], "statistic": [10.0],
    ...                   "p_value": [0.001], "p_holm": [0.02], "effect_size": [-0.2],
    ...                   "effect_name": ["rank_biserial_r"]})
    >>> t = t.assign(**{f"n_{g}": [n] for g, n in zip(compared_groups(), (248, 102))})
    >>> comparison_table(t)[["test", "supported", "strength", "direction"]]
                 test  supported strength                                 direction
    0  Mann-Whitney U       True    small  agreed more strongly than other children
    """
    codebook = codebook or load_codebook()
    results = results if results is not None else pd.DataFrame(columns=["measure", "group", "unit"])
    out = _tests_table(tests, codebook)
    for column in ("effect_ci_low", "effect_ci_high"):
        out[column] = tests[column].to_numpy() if column in tests else np.nan
    out["test"] = out["test"].map(_TEST_NAMES).fillna(out["test"])
    out["supported"] = pd.array([supported(tests, m) for m in out["measure"]], dtype="boolean")
    out["strength"] = [strength_word(tests, m) for m in out["measure"]]
    out["direction"] = [direction_phrase(tests, results, m, codebook=codebook) for m in out["measure"]]
    columns = ["measure", "item", "test", f"n_{_PROGRAMME}", f"n_{_COMPARISON}", "effect_label", "effect_size",
               "effect_ci_low", "effect_ci_high", "p_holm", "supported", "strength", "direction"]
    return out[columns].reset_index(drop=True)


def format_comparisons(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`comparison_table` as display text, headed by :data:`COMPARISON_LABELS`.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"measure": ["att_listen"], "test": ["mann_whitney_u"], "statistic": [10.0],
    ...                   "p_value": [0.001], "p_holm": [0.0004], "effect_size": [-0.2],
    ...                   "effect_name": ["rank_biserial_r"], "effect_ci_low": [-0.31], "effect_ci_high": [-0.09]})
    >>> t = t.assign(**{f"n_{g}": [n] for g, n in zip(compared_groups(), (248, 102))})
    >>> format_comparisons(comparison_table(t)).iloc[0, 4:].tolist()
    ['rank-biserial r -0.20 (-0.31 to -0.09)', '< 0.001', 'yes']
    """
    verdict = {True: "yes", False: "not clearly"}
    out = pd.DataFrame({
        "item": table["item"],
        "test": table["test"],
        "direction": table["direction"],
        "n": [f"{format_count(a)} / {format_count(b)}" for a, b in
              zip(table[f"n_{_PROGRAMME}"], table[f"n_{_COMPARISON}"], strict=True)],
        "effect": [_ci_text(row) for _, row in table.iterrows()],
        "p_holm": [format_p(p) for p in table["p_holm"]],
        "verdict": [verdict.get(v, "no test") if not pd.isna(v) else "no test" for v in table["supported"]],
    })
    return out.rename(columns=COMPARISON_LABELS)


def power_phrases(power: pd.DataFrame, derived: pd.DataFrame) -> dict[str, str]:
    """What the design could and could not detect, formatted for glue.

    Parameters
    ----------
    power : pandas.DataFrame
        ``power.csv`` (for the group sizes and the power).
    derived : pandas.DataFrame
        ``derived.csv``: the detectable effects (keys ``mde``,
        ``mde_pairs``, ``mde_gap``, ``alpha``, ``holm_alpha``, ``tests``;
        :func:`helpers.core.derived.detectable`), looked up, never
        recomputed here.

    Returns
    -------
    dict
        ``n_mini``, ``n_other``: group sizes; ``power``: ``80%``;
        ``alpha``: ``0.05``; ``mde_r``: smallest rank-biserial r detected
        (two-sided, unadjusted alpha); ``mde_pairs``: the same effect as the
        share of (programme, other) pairs in which the programme child
        gives the more positive answer (``59%`` against ``50%`` for no
        difference); ``mde_v``: smallest Cramér's V for a yes/no item;
        ``mde_gap``: that V in percentage points for an answer given by
        half the children; ``mde_r_holm``, ``mde_pairs_holm``, ``holm_alpha``:
        the same at the strictest Holm step (alpha divided by the number of
        tests); ``tests``: number of comparisons. Nothing is computed from
        the observed effects: power at an observed effect is a function of
        its p-value and adds nothing to it (Hoenig and Heisey 2001), so only
        the minimum detectable effects of the design are given.

    Examples
    --------
    >>> import pandas as pd
    >>> from helpers.core.derived import detectable
    >>> from helpers.core.stats import design_power
    >>> power = design_power(248, 102)
    >>> p = power_phrases(power, detectable(power, pd.DataFrame({"p_holm": [0.01, 0.5]})))
    >>> p["mde_r"], p["mde_pairs"], p["tests"]
    ('0.19', '59%', '2')
    """
    def size(column: str) -> str:  # a group size; [c] where a local report suppressed it (too small)
        if power.empty or pd.isna(power[column].iloc[0]):
            return "[c]"
        return format_count(int(power[column].iloc[0]))

    def value(key: str, measure: str, category: str) -> float:
        try:
            row = derived_value(derived, key, measure, category)
        except KeyError:
            return np.nan
        return float(row["value"]) if row["flag"] != "c" and pd.notna(row["value"]) else np.nan

    def fmt(x: float, digits: int = 2, unit: str = "") -> str:
        return "n/a" if pd.isna(x) else format_number(x, digits) + unit

    level = float(power["power"].iloc[0]) if not power.empty else np.nan
    alpha = value("alpha", "p_holm", "unadjusted")
    return {
        "n_mini": size(f"n_{_PROGRAMME}"), "n_other": size(f"n_{_COMPARISON}"),
        "power": "n/a" if pd.isna(level) else format_percent(100 * level),
        "alpha": "n/a" if pd.isna(alpha) else f"{alpha:g}",
        "mde_r": fmt(value("mde", "rank_biserial_r", "unadjusted")),
        "mde_pairs": fmt(value("mde_pairs", "rank_biserial_r", "unadjusted"), 0, "%"),
        "mde_v": fmt(value("mde", "cramers_v", "unadjusted")),
        "mde_gap": fmt(value("mde_gap", "cramers_v", "unadjusted"), 0),
        "mde_r_holm": fmt(value("mde", "rank_biserial_r", "holm_strictest")),
        "mde_pairs_holm": fmt(value("mde_pairs", "rank_biserial_r", "holm_strictest"), 0, "%"),
        "holm_alpha": fmt(value("holm_alpha", "p_holm", "holm_strictest"), 4),
        "tests": format_count(value("tests", "p_holm", "count")) if pd.notna(value("tests", "p_holm", "count"))
        else "0",
    }


def _summary_answer(measure: str, unit_rows: pd.DataFrame, codebook: Codebook) -> tuple[list[str], str]:
    """Categories summarised for one measure of ``sensitivity.csv`` and their label."""
    if unit_rows["unit"].eq("mean").any():
        column = codebook.instruments[_CHILDREN].column(measure)
        return ["mean"], "Mean rank (1 = most important)" if column.role == "rank" else \
            "Mean score (1 = strongly agree)"
    column = codebook.instruments[_CHILDREN].column(measure)
    return _HEADLINE_ANSWERS.get(column.scale, ([str(unit_rows["category"].iloc[0])], "Share (%)"))


def sensitivity_table(sensitivity: pd.DataFrame, *, measures: list[str] | None = None,
                      codebook: Codebook | None = None) -> pd.DataFrame:
    """Headline children's results unweighted and reweighted to the census force distribution.

    Each item is summarised by one answer: the share strongly agreeing
    (agree-scale attitude items, where the groups differ most), the share
    answering yes, the share feeling safer, or the mean (safety scores and
    ranks, where ``sensitivity.csv`` has one).

    Parameters
    ----------
    sensitivity : pandas.DataFrame
        ``sensitivity.csv`` (:func:`helpers.core.weighting.sensitivity`).
    measures : list of str, optional
        Items to show, in order; by default every item in the file.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        One row per item: ``measure``, ``item``, ``answer``, ``unit``
        (``percent`` or ``mean``), ``<programme group>``,
        ``<programme group>_weighted``, ``<comparison group>``,
        ``<comparison group>_weighted`` (the codebook's group names), ``difference``,
        ``difference_weighted`` (the programme's children minus other children; NaN for
        items asked of the programme's children only or when a cell is
        suppressed), ``effective_n_mini``, ``effective_n_other`` (Kish),
        ``direction`` and ``direction_weighted`` ("higher", "lower",
        "about the same", or empty) and ``changed`` (the weighting turns
        the direction; ``False`` when there is no comparison). Empty when
        ``sensitivity`` is.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"measure": ["aware_cadets"] * 3, "group": [*compared_groups(), "difference"],
    ...                   "category": ["yes"] * 3, "unit": ["percent"] * 3, "base": [248, 102, None],
    ...                   "value": [66.0, 45.0, 21.0], "value_weighted": [60.0, 50.0, 10.0],
    ...                   "effective_n": [76.0, 27.0, None], "excluded": [0, 0, None], "flag": ["", "", ""]})
    >>> sensitivity_table(s)[["answer", "difference", "difference_weighted", "changed"]]
        answer  difference  difference_weighted  changed
    0  Yes (%)        21.0                 10.0    False
    """
    codebook = codebook or load_codebook()
    columns = ["measure", "item", "answer", "unit", _PROGRAMME, f"{_PROGRAMME}_weighted", _COMPARISON,
               f"{_COMPARISON}_weighted", "difference", "difference_weighted", "effective_n_mini",
               "effective_n_other", "direction", "direction_weighted", "changed", "difference_ci_low",
               "difference_ci_high", "effective_n_mini_untrimmed", "effective_n_other_untrimmed"]
    if sensitivity.empty:
        return pd.DataFrame(columns=columns)
    measures = measures or list(dict.fromkeys(sensitivity["measure"]))
    rows = []
    for measure in measures:
        part = sensitivity[sensitivity["measure"].eq(measure)]
        if part.empty:
            continue
        categories, answer = _summary_answer(measure, part, codebook)
        part = part[part["category"].isin(categories)]
        row = {"measure": measure, "item": measure_label(measure, _CHILDREN, codebook), "answer": answer,
               "unit": "mean" if categories == ["mean"] else "percent"}
        for group, key in ((_PROGRAMME, _PROGRAMME), (_COMPARISON, _COMPARISON), ("difference", "difference")):
            cells = part[part["group"].eq(group)]
            hidden = cells.empty or cells["flag"].fillna("").eq("c").any()
            row[key] = np.nan if hidden else float(cells["value"].sum())
            row[f"{key}_weighted"] = np.nan if hidden else float(cells["value_weighted"].sum(min_count=1))
            if group != "difference":
                short = "mini" if group == _PROGRAMME else "other"
                row[f"effective_n_{short}"] = np.nan if cells.empty else float(cells["effective_n"].iloc[0])
                untrimmed = cells["effective_n_untrimmed"] if "effective_n_untrimmed" in cells else cells["effective_n"]
                row[f"effective_n_{short}_untrimmed"] = np.nan if cells.empty else float(untrimmed.iloc[0])
            else:  # the design-based interval exists for a single category (or a mean), not for a sum
                one = len(cells) == 1 and not hidden and "weighted_ci_low" in cells
                row["difference_ci_low"] = float(cells["weighted_ci_low"].iloc[0]) if one else np.nan
                row["difference_ci_high"] = float(cells["weighted_ci_high"].iloc[0]) if one else np.nan
        if pd.isna(row[_PROGRAMME]) or (_COMPARISON in set(part["group"]) and pd.isna(row[_COMPARISON])):
            row["difference"] = row["difference_weighted"] = np.nan  # never recover a suppressed cell
            row["difference_ci_low"] = row["difference_ci_high"] = np.nan
        within = SAME_WITHIN if row["unit"] == "percent" else SAME_MEAN_WITHIN
        for key in ("direction", "direction_weighted"):
            diff = row["difference" + key.removeprefix("direction")]
            row[key] = "" if pd.isna(diff) else "about the same" if abs(diff) < within else \
                "higher" if diff > 0 else "lower"
        row["changed"] = bool(row["direction"] and row["direction_weighted"]
                              and row["direction"] != row["direction_weighted"])
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def _interval_text(low: float, high: float, unit: str) -> str:
    if pd.isna(low) or pd.isna(high):
        return "–"
    digits = 0 if unit == "percent" else 2
    return f"{format_number(low, digits, signed=True)} to {format_number(high, digits, signed=True)}"


def _effective_text(row: pd.Series) -> str:
    """``76 → 187 / 27 → 27``: Kish effective n before and after trimming, per group."""
    parts = []
    for short in ("mini", "other"):
        after = row.get(f"effective_n_{short}")
        before = row.get(f"effective_n_{short}_untrimmed", after)
        if pd.isna(after):
            parts.append("–")
        elif pd.isna(before) or round(before) == round(after):
            parts.append(format_count(round(after)))
        else:
            parts.append(f"{format_count(round(before))} → {format_count(round(after))}")
    return " / ".join(parts) if parts[0] != "–" else "–"


def format_sensitivity(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`sensitivity_table` as display text: "unweighted → weighted" cells, headed by :data:`SENSITIVITY_LABELS`.

    Examples
    --------
    >>> import pandas as pd
    >>> p, c = compared_groups()
    >>> t = pd.DataFrame({"item": ["I know"], "answer": ["Yes (%)"], "unit": ["percent"], p: [66.1],
    ...                   f"{p}_weighted": [60.4], c: [45.0],
    ...                   f"{c}_weighted": [50.2], "difference": [21.1], "difference_weighted": [10.2],
    ...                   "effective_n_mini": [76.3], "effective_n_other": [26.9], "direction": ["higher"],
    ...                   "direction_weighted": ["higher"], "changed": [False]})
    >>> format_sensitivity(t).iloc[0].tolist()
    ['I know', 'Yes (%)', '66 → 60', '45 → 50', '+21 → +10', '–', '76 / 27', 'unchanged']
    """
    def cell(value: float, weighted: float, unit: str, signed: bool = False) -> str:
        if pd.isna(value):
            return "–"
        digits = 0 if unit == "percent" else 2
        right = "[c]" if pd.isna(weighted) else format_number(weighted, digits, signed=signed)
        return f"{format_number(value, digits, signed=signed)} → {right}"

    out = pd.DataFrame({
        "item": table["item"],
        "answer": table["answer"],
        _PROGRAMME: [cell(a, b, u) for a, b, u in
                     zip(table[_PROGRAMME], table[f"{_PROGRAMME}_weighted"], table["unit"], strict=True)],
        _COMPARISON: [cell(a, b, u) for a, b, u in
                      zip(table[_COMPARISON], table[f"{_COMPARISON}_weighted"], table["unit"], strict=True)],
        "difference": [cell(a, b, u, signed=True) for a, b, u in
                       zip(table["difference"], table["difference_weighted"], table["unit"], strict=True)],
        "interval": [_interval_text(lo, hi, u) for lo, hi, u in
                     zip(table.get("difference_ci_low", pd.Series(np.nan, index=table.index)),
                         table.get("difference_ci_high", pd.Series(np.nan, index=table.index)), table["unit"],
                         strict=True)],
        "effective_n": [_effective_text(row) for _, row in table.iterrows()],
        "direction": ["–" if not d else "changed" if c else "unchanged"
                      for d, c in zip(table["direction"], table["changed"], strict=True)],
    })
    return out.rename(columns=SENSITIVITY_LABELS)


def _range_text(values: pd.Series) -> str:
    """Rounded values as "187" or "184 to 187" ("n/a" for none)."""
    shown = values.dropna().round().astype(int)
    if shown.empty:
        return "n/a"
    low, high = format_count(shown.min()), format_count(shown.max())
    return low if low == high else f"{low} to {high}"


def sensitivity_verdict(table: pd.DataFrame, tests: pd.DataFrame) -> dict[str, str]:
    """Whether reweighting to the census force distribution changes the chapter's conclusions.

    A conclusion changes when the weighted difference between the groups
    points the other way (or becomes "about the same") for a comparison the
    data support; a turn among comparisons the data do not support changes
    nothing that the chapter concludes.

    Returns
    -------
    dict
        ``sentence`` (the verdict in words), ``compared`` (comparisons with
        both groups), ``turned`` (how many change direction),
        ``turned_supported`` (of them, supported), ``largest_shift`` (the
        largest change of a difference, percentage points, with its item),
        ``effective_mini``/``effective_other`` (Kish effective sizes after
        trimming, over the rows of ``table`` as the table prints them,
        rounded: "187" or "184 to 187"), ``effective_mini_untrimmed``/
        ``effective_other_untrimmed`` (the same before trimming),
        ``with_interval`` (weighted differences with a design-based
        interval), ``clear_of_zero`` (of them, intervals that exclude zero
        as printed) and ``changes`` ("does not change" or "changes"). Every
        number is one of ``table``'s, so the prose matches the table it
        describes: give it the rows the page shows.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"measure": ["aware_cadets", "rank_arrest"], "unit": ["percent", "mean"],
    ...                   "item": ["Aware", "Arresting people"],
    ...                   "difference": [21.0, 0.1], "difference_weighted": [10.0, -0.3],
    ...                   "effective_n_mini": [76.0, 74.0], "effective_n_other": [27.0, 26.0],
    ...                   "direction": ["higher", "higher"], "direction_weighted": ["higher", "lower"],
    ...                   "changed": [False, True]})
    >>> tests = pd.DataFrame({"measure": ["aware_cadets", "rank_arrest"], "p_holm": [0.01, 0.9]})
    >>> print(sensitivity_verdict(t, tests)["sentence"])
    Reweighting changes the direction of 1 of the 2 differences (a move into or out of “about the same” counts), \
but none of them is a difference the data support, so the chapter's conclusions do not change.
    """
    compared = table[table["direction"].astype(bool)] if len(table) else table
    out = {"compared": format_count(len(compared)), "turned": "0", "turned_supported": "0",
           "largest_shift": "n/a", "effective_mini": "n/a", "effective_other": "n/a",
           "effective_mini_untrimmed": "n/a", "effective_other_untrimmed": "n/a", "with_interval": "0",
           "clear_of_zero": "0", "changes": "does not change"}
    if compared.empty:
        out["sentence"] = "No comparison could be reweighted, so the check could not be made."
        return out
    turned = compared[compared["changed"]]
    key_supported = [m for m in compared["measure"] if supported(tests, m)]
    turned_supported = [m for m in turned["measure"] if m in key_supported]
    percent = compared[compared["unit"].eq("percent")]
    if len(percent):
        shift = (percent["difference_weighted"] - percent["difference"]).abs()
        at = shift.idxmax()
        out["largest_shift"] = f"{shift[at]:.0f} percentage points (“{percent.loc[at, 'item']}”)"
    for key, column in (("effective_mini", "effective_n_mini"), ("effective_other", "effective_n_other"),
                        ("effective_mini_untrimmed", "effective_n_mini_untrimmed"),
                        ("effective_other_untrimmed", "effective_n_other_untrimmed")):
        out[key] = _range_text(table[column] if column in table else pd.Series(dtype=float))
    if "difference_ci_low" in compared:
        has_ci = compared["difference_ci_low"].notna() & compared["difference_ci_high"].notna()
        # as printed: an interval "clear of zero" has both printed bounds on the same side of zero
        clear = [(_interval_text(lo, hi, u).count("+") == 2 or _interval_text(lo, hi, u).count("-") == 2)
                 for lo, hi, u in zip(compared["difference_ci_low"], compared["difference_ci_high"],
                                      compared["unit"], strict=True)]
        out["with_interval"] = format_count(int(has_ci.sum()))
        out["clear_of_zero"] = format_count(int(sum(c for c, h in zip(clear, has_ci, strict=True) if h)))
    out["turned"], out["turned_supported"] = format_count(len(turned)), format_count(len(turned_supported))
    out["changes"] = "changes" if turned_supported else "does not change"
    n_all, n_turned = format_count(len(compared)), format_count(len(turned))
    if turned.empty:
        sentence = (f"Reweighting leaves the direction of all {n_all} differences as it was, so the chapter's "
                    "conclusions do not change.")
    elif not turned_supported:
        sentence = (f"Reweighting changes the direction of {n_turned} of the {n_all} differences (a move into or "
                    "out of “about the same” counts), but none of them is a difference the data support, so the "
                    "chapter's conclusions do not change.")
    else:
        sentence = (f"Reweighting changes the direction of {n_turned} of the {n_all} differences, including "
                    f"{format_count(len(turned_supported))} that the data support, so the conclusions about "
                    "those differences depend on the force mix of the sample.")
    out["sentence"] = sentence
    return out


def quotes_by_theme(table: pd.DataFrame, *, n: int = 2, themes: list[str] | None = None,
                    names=(), seed: int = DEFAULT_SEED, min_cell: int = DEFAULT_MIN_CELL,
                    scale: str | None = None, **kwargs) -> pd.DataFrame:
    """A few redacted quotes for every theme, via :func:`helpers.text.qualitative.illustrative_quotes`.

    Parameters
    ----------
    table : pandas.DataFrame
        Processed ``workshop_comments`` (or any table ``illustrative_quotes`` takes).
    n : int
        Quotes per theme.
    themes : list of str, optional
        Theme codes, in order; by default every code of the theme column's
        scale (categories of the processed table).
    names, seed, min_cell, scale, **kwargs
        Passed on to ``illustrative_quotes``.

    Returns
    -------
    pandas.DataFrame
        ``theme``, ``theme_label`` and ``quote``; themes with too few
        speakers get no rows. Never an identifier or a force.

    Examples
    --------
    >>> import pandas as pd
    >>> wc = pd.DataFrame({"child_id": list("abcde"), "theme": ["other"] * 5,
    ...                    "comment": ["We went to the police station on a coach"] * 4 + ["Our badges came today"]})
    >>> quotes_by_theme(wc, scale="workshop_theme", min_cell=5)["quote"].tolist()
    ['We went to the police station on a coach']
    """
    if themes is None:
        column = table["theme"]
        if isinstance(column.dtype, pd.CategoricalDtype):
            themes = [str(c) for c in column.cat.categories]
        else:
            scale_name = scale or "workshop_theme"
            themes = list(load_codebook().scales[scale_name].codes)
    if table.empty:  # e.g. a local report for a force without workshops: nothing to quote
        return pd.DataFrame(columns=["theme", "theme_label", "quote"])
    parts = [illustrative_quotes(table, theme=t, n=n, names=names, seed=seed, min_cell=min_cell, scale=scale,
                                 **kwargs) for t in themes]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["theme", "theme_label", "quote"])
    return pd.concat(parts, ignore_index=True)[["theme", "theme_label", "quote"]]


def workshop_quotes_markdown(quotes: pd.DataFrame, *, synthetic: bool, themes: pd.DataFrame | None = None,
                             speaker: str = f"{_NAMES['programme_title']} child, creative workshop",
                             min_cell: int = DEFAULT_MIN_CELL) -> str:
    """Quotes of :func:`quotes_by_theme` as MyST block quotes under a bold heading per theme.

    Each quote is attributed to ``speaker`` only, marked "synthetic demo
    quote" for synthetic data (see :func:`quotes_markdown`).

    Parameters
    ----------
    quotes : pandas.DataFrame
        ``theme``, ``theme_label``, ``quote`` (already redacted).
    synthetic : bool
        Whether the data are the project's synthetic demo data.
    themes : pandas.DataFrame, optional
        ``theme`` and ``theme_label`` of every theme to list, in order (e.g.
        from :func:`helpers.text.qualitative.theme_shares`); a theme without a
        quote gets a sentence saying why. By default the themes in ``quotes``.
    speaker : str
        Who is quoted, without identifying anyone.
    min_cell : int
        Named in the sentence shown for a theme without quotes.

    Examples
    --------
    >>> import pandas as pd
    >>> q = pd.DataFrame({"theme": ["other"], "theme_label": ["Other"], "quote": ["We had a parade."]})
    >>> print(workshop_quotes_markdown(q, synthetic=True))
    **Other**
    <BLANKLINE>
    > We had a parade.
    >
    > — Mini&#45;police child, creative workshop (synthetic demo quote)
    """
    if themes is None:
        themes = quotes[["theme", "theme_label"]].drop_duplicates()
    blocks = []
    for _, theme in themes.iterrows():
        part = quotes[quotes["theme"].eq(theme["theme"])].assign(role_label=speaker)
        body = quotes_markdown(part, synthetic=synthetic) if len(part) else (
            f"*No quote is shown for this theme: fewer than {min_cell} children raised it, or none of "
            "their words could be shown without identifying them.*")
        blocks.append(f"**{escape_text(theme['theme_label'])}**\n\n{body}")
    return "\n\n".join(blocks)


# --- issue 14: evidence rating, disclosure statement, intervals against Holm ------------------
# Phrases glued on the front page, in every chapter's summary and in the methods appendix.

from helpers.core.evidence import allows_causal_wording  # noqa: E402  (the sentences themselves live in helpers.core.evidence)

__all__ += ["evidence_phrases", "evidence_note", "suppression_statement", "interval_agreement"]


def evidence_phrases(evidence: pd.DataFrame) -> dict[str, str]:
    """The rating of ``evidence.csv`` in words, for glue.

    Returns
    -------
    dict
        ``level`` ("1", or "not rated"), ``label``, ``design``, ``allows``,
        ``does_not_allow``, ``reason``, ``sentence`` (the rating, the
        design, what it allows and what it does not) and ``wording`` (what
        that means for the report's language: associations and people's own
        reports below level 3). Without the table every value says the
        rating is unavailable.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"level": [1], "label": ["Maryland Scientific Methods Scale level 1"],
    ...                   "design": ["a comparison at one point in time"], "allows": ["It shows an association."],
    ...                   "does_not_allow": ["It cannot show more."], "reason": ["one wave"]})
    >>> print(evidence_phrases(e)["sentence"])
    The design is rated Maryland Scientific Methods Scale level 1: a comparison at one point in time. \
It shows an association. It cannot show more.
    """
    if evidence is None or evidence.empty:
        missing = "not available (no evidence.csv)"
        return {key: missing for key in ("level", "label", "design", "allows", "does_not_allow", "reason")} | {
            "sentence": "The strength of the design has not been rated: evidence.csv is missing.",
            "wording": "Differences between groups are therefore described as associations only."}
    row = evidence.iloc[0]
    level = int(row["level"])
    out = {"level": str(level) if level else "not rated", "label": str(row["label"]),
           "design": str(row["design"]), "allows": str(row["allows"]),
           "does_not_allow": str(row["does_not_allow"]), "reason": str(row["reason"])}
    rated = f"The design is rated {out['label']}" if level else \
        "The design is not rated on the Maryland Scientific Methods Scale"
    out["sentence"] = f"{rated}: {out['design']}. {out['allows']} {out['does_not_allow']}"
    out["wording"] = ("The report's wording follows from that: differences between groups are described as "
                      "associations, and what children and adults say about the programme is reported as their "
                      "own view." if not allows_causal_wording(level) else
                      "Differences in how the groups changed may be read, with the caution stated, as what "
                      "taking part does.")
    return out


def evidence_note(evidence: pd.DataFrame) -> str:
    """A MyST admonition stating the evidence rating and what it means for the wording, for a page's summary.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"level": [1], "label": ["Maryland Scientific Methods Scale level 1"],
    ...                   "design": ["a comparison"], "allows": ["It shows an association."],
    ...                   "does_not_allow": ["It cannot show more."], "reason": ["one wave"]})
    >>> print(evidence_note(e).splitlines()[0])
    :::{admonition} Strength of evidence: Maryland Scientific Methods Scale level 1
    """
    p = evidence_phrases(evidence)
    title = p["label"][:1].upper() + p["label"][1:]
    return f":::{{admonition}} Strength of evidence: {title}\n:class: note\n\n{p['sentence']} {p['wording']}\n:::"


def suppression_statement(min_cell: int, *, local: bool) -> str:
    """What disclosure control did in this build, in one or two sentences true of it.

    A national build suppresses every number of a group whose base is
    below ``min_cell``; a local build also suppresses any count below it
    (:mod:`helpers.core.disclosure`). Both then hide further cells from which a
    suppressed one could be worked out.

    Examples
    --------
    >>> suppression_statement(5, local=False).split(":")[0]
    'To protect respondents, every number describing a group of fewer than 5 people is suppressed'
    """
    k = format_count(min_cell)
    rule = (f"every number describing a group of fewer than {k} people, and any count of fewer than {k} people "
            "within a larger group, is suppressed" if local else
            f"every number describing a group of fewer than {k} people is suppressed")
    tail = "" if local else (f" Within larger groups this national edition shows counts of every size; a local "
                             f"edition for one force also suppresses counts below {k}.")
    return (f"To protect respondents, {rule}: it prints as [c] and is left out of figures, together with any "
            f"number from which it could be worked out.{tail}")


def interval_agreement(tests: pd.DataFrame, *, alpha: float = SIGNIFICANCE) -> dict[str, str]:
    """How the unadjusted effect-size intervals line up with the Holm-adjusted verdicts.

    An interval "clear of zero" is one whose lower bound is above zero
    (Cramér's V) or that does not contain zero (rank-biserial r). The
    intervals are not adjusted for multiple testing while the verdicts are,
    so an interval can be clear of zero for a comparison the Holm-adjusted
    p-value does not support.

    Returns
    -------
    dict
        ``clear`` (intervals clear of zero), ``supported`` (Holm p below
        ``alpha``), ``clear_not_supported`` (clear of zero, not supported),
        ``items`` (their question texts, quoted, or "none") and
        ``holm_range`` (their Holm p-values, "between 0.07 and 0.44", or "n/a").

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"measure": ["att_listen", "att_trust"], "effect_ci_low": [-0.3, -0.2],
    ...                   "effect_ci_high": [-0.1, -0.01], "p_holm": [0.01, 0.2]})
    >>> interval_agreement(t)["clear_not_supported"]
    '1'
    """
    if tests.empty or "effect_ci_low" not in tests:
        return {"clear": "0", "supported": "0", "clear_not_supported": "0", "items": "none", "holm_range": "n/a"}
    low, high = tests["effect_ci_low"].astype(float), tests["effect_ci_high"].astype(float)
    clear = (low > 0) | (high < 0)
    supported_ = tests["p_holm"].astype(float) < alpha
    odd = tests[clear & ~supported_]
    codebook = load_codebook()
    items = [f"“{measure_label(m, _CHILDREN, codebook)}”" for m in odd["measure"]]
    holm = odd["p_holm"].astype(float)
    return {"clear": format_count(int(clear.sum())), "supported": format_count(int(supported_.sum())),
            "clear_not_supported": format_count(len(odd)),
            "items": "none" if not items else items[0] if len(items) == 1 else
            ", ".join(items[:-1]) + " and " + items[-1],
            "holm_range": "n/a" if holm.empty else
            f"{holm.min():.2f}" if round(holm.min(), 2) == round(holm.max(), 2) else
            f"between {holm.min():.2f} and {holm.max():.2f}"}


from helpers.core.stats import MIN_EXPECTED  # noqa: E402
from helpers.core.weighting import TRIM_QUANTILE  # noqa: E402

__all__ += ["trim_percentile", "MIN_EXPECTED"]


def trim_percentile(quantile: float = TRIM_QUANTILE) -> str:
    """The percentile at which :mod:`helpers.core.weighting` trims the weights, as an ordinal ("95th").

    Examples
    --------
    >>> trim_percentile(), trim_percentile(0.99), trim_percentile(0.92)
    ('95th', '99th', '92nd')
    """
    pct = round(100 * quantile)
    suffix = "th" if 10 <= pct % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(pct % 10, "th")
    return f"{pct}{suffix}"


# --- design-based comparisons (design.csv, balance.csv, adjusted.csv) --------
#
# Phrases and display tables for the children's chapter's comparisons that
# take the schools into account (helpers.core.design). The verdict of every
# per-item phrase comes from design.csv's Holm-adjusted cluster-robust p-value;
# tests.csv stays as the sensitivity analysis.

__all__ += [
    "DESIGN_LABELS",
    "PRIMARY_LABELS",
    "BALANCE_LABELS",
    "design_verdicts",
    "design_summary",
    "design_display",
    "design_chart_rows",
    "primary_display",
    "primary_verdicts",
    "balance_display",
    "balance_summary",
]

#: Display headers of :func:`design_display`.
DESIGN_LABELS = {
    "item": "Question",
    "family": "Outcome family",
    "difference": f"Difference, {_NAMES['programme']} minus other (95% CI)",
    "p_cluster_holm": "Holm-adjusted p, schools as clusters",
    "p_within": "p within schools",
    "icc": "ICC",
    "design_effect": "Design effect",
    "verdict": "Holds up?",
}

#: Display headers of :func:`primary_display`.
PRIMARY_LABELS = {
    "item": "Primary outcome",
    "expected": "Expected sign",
    "sesoi": "SESOI",
    "difference": "Difference (95% CI)",
    "adjusted": "Adjusted (95% CI)",
    "p_cluster_holm": "Holm-adjusted p",
    "p_equivalence": "Equivalence p",
    "equivalence": "Verdict",
}

#: Display headers of :func:`balance_display`.
BALANCE_LABELS = {
    "covariate": "Characteristic",
    "category": "Category",
    _PROGRAMME: f"{_NAMES['programme_title']} children",
    _COMPARISON: "Other children",
    "std_difference": "Standardised difference",
}

#: Absolute standardised difference from which a covariate is called imbalanced (a common rule of thumb).
IMBALANCE = 0.1

_SCORE_NAMES = {"scored": "difference in mean score", "rank": "difference in mean rank",
                "yes": "difference in the share answering yes"}
_COVARIATE_NAMES = {"gender": "Gender", "force": "Force area", "year_group": "Year group", "age": "Age"}


def _interval(row: pd.Series, estimate: str = "difference", low: str = "ci_low", high: str = "ci_high") -> str:
    if pd.isna(row.get(estimate)):
        return "[c]" if row.get("flag") == "c" else "n/a"
    text = format_number(row[estimate])
    if pd.notna(row.get(low)) and pd.notna(row.get(high)):
        text += f" ({format_number(row[low])} to {format_number(row[high])})"
    return text


def design_verdicts(tests: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """``tests.csv`` with the design-based verdicts of ``design.csv``, for the per-item phrases.

    The rows and ``test`` of ``tests`` stay (so :func:`direction_phrase` reads
    chi-square items from the shares); ``p_value`` and ``p_holm`` become
    ``p_cluster`` and ``p_cluster_holm``, the effect size becomes the
    difference in mean score with its 95% interval (``effect_name`` says
    which score), and ``n_required_80`` is dropped. :func:`support`,
    :func:`supported` and :func:`support_summary` then speak of the
    design-based comparison. Without ``design`` rows, ``tests`` is returned
    unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"measure": ["att_listen"], "test": ["mann_whitney_u"], "p_holm": [0.01],
    ...                   "effect_size": [-0.2], "effect_name": ["rank_biserial_r"]})
    >>> d = pd.DataFrame({"measure": ["att_listen"], "difference": [-0.29], "ci_low": [-0.48],
    ...                   "ci_high": [-0.10], "p_cluster": [0.002], "p_cluster_holm": [0.02], "score": ["scored"]})
    >>> support(design_verdicts(t, d), "att_listen")
    'a difference the data support (Holm-adjusted p = 0.020; difference in mean score = -0.29, 95% CI -0.48 to -0.10)'
    """
    if design is None or design.empty:
        return tests
    d = design.set_index("measure")
    out = tests.drop(columns=["n_required_80"], errors="ignore").copy()
    pick = lambda column: out["measure"].map(d[column]) if column in d else np.nan  # noqa: E731
    out["p_value"] = pick("p_cluster")
    out["p_holm"] = pick("p_cluster_holm")
    out["effect_size"] = pick("difference")
    out["effect_ci_low"] = pick("ci_low")
    out["effect_ci_high"] = pick("ci_high")
    out["effect_name"] = out["measure"].map(d["score"].map(_SCORE_NAMES)) if "score" in d else "difference"
    return out


def design_summary(design: pd.DataFrame, tests: pd.DataFrame, *, codebook: Codebook | None = None
                   ) -> dict[str, str]:
    """What the design-based comparisons say, in phrases for glue.

    Returns
    -------
    dict
        ``tested`` (comparisons with a cluster-robust p), ``survive``
        (Holm-adjusted within families below the significance level),
        ``items`` (their questions), ``naive`` (differences ``tests.csv``
        supports), ``lost`` (questions supported there that do not hold up
        here, or ``"none"``), ``within`` (of the survivors, how many also
        differ within schools), ``schools_within`` (most schools with both
        groups), ``icc_low``/``icc_high``/``icc_median``, ``icc_top`` (the
        question with the highest ICC), ``deff_high``, and the family sizes
        ``primary``, ``secondary``, ``exploratory``, ``primary_survive``, and
        ``brief`` (the phrase file's ``design_brief_*``: the count and the
        questions, or why no comparison was possible), ``icc`` (``design_icc_*``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"measure": ["att_listen", "att_trust"], "p_cluster": [0.01, 0.4],
    ...                   "p_cluster_holm": [0.02, 0.4], "p_within": [0.03, 0.5], "icc": [0.04, 0.0],
    ...                   "design_effect": [1.5, 1.0], "schools_within": [23, 23],
    ...                   "family": ["secondary", "primary"]})
    >>> t = pd.DataFrame({"measure": ["att_listen", "att_trust"], "p_holm": [0.01, 0.03]})
    >>> s = design_summary(d, t)
    >>> s["survive"], s["naive"], s["lost"]
    ('1', '2', '“I trust the police”')
    """
    codebook = codebook or load_codebook()
    if design is None or design.empty:
        keys = ("tested", "survive", "items", "naive", "lost", "within", "schools_within", "icc_low", "icc_high",
                "icc_median", "icc_top", "deff_high", "primary", "secondary", "exploratory", "primary_survive")
        return {"brief": phrases.sentence("design_brief_none"), "icc": phrases.sentence("design_icc_none"),
                **{key: "n/a" for key in keys}}
    as_tests = design.rename(columns={"p_cluster_holm": "p_holm"})
    ours = support_summary(as_tests, list(design["measure"]), codebook=codebook)
    naive = support_summary(tests, list(tests["measure"]), codebook=codebook)
    holds = design["p_cluster_holm"] < SIGNIFICANCE
    naive_yes = set(tests.loc[tests["p_holm"] < SIGNIFICANCE, "measure"])
    lost = [m for m in tests["measure"] if m in naive_yes and m not in set(design.loc[holds, "measure"])]
    lost_text = support_summary(pd.DataFrame({"measure": lost, "p_holm": 0.0}), lost, codebook=codebook)["items"]
    icc = design["icc"].dropna()
    top = design.loc[design["icc"].idxmax()] if icc.size else None
    sizes = design["family"].value_counts()
    brief = phrases.sentence("design_brief_none") if ours["tested"] == "0" else \
        phrases.sentence("design_brief_some", survive=ours["supported"], tested=ours["tested"], items=ours["items"])
    values = {"icc_low": format_number(icc.min()) if icc.size else "n/a",
              "icc_high": format_number(icc.max()) if icc.size else "n/a",
              "icc_median": format_number(icc.median()) if icc.size else "n/a",
              "icc_top": f"“{measure_label(top['measure'], _CHILDREN, codebook)}”" if top is not None else "n/a",
              "deff_high": format_number(design["design_effect"].max()) if icc.size else "n/a"}
    return {
        "brief": brief,
        "icc": phrases.sentence("design_icc_some", **values) if icc.size else phrases.sentence("design_icc_none"),
        "tested": ours["tested"], "survive": ours["supported"], "items": ours["items"], "naive": naive["supported"],
        "lost": lost_text,
        "within": format_count(int((holds & (design["p_within"] < SIGNIFICANCE)).sum())),
        "schools_within": format_count(int(design["schools_within"].max())),
        **values,
        **{family: format_count(int(sizes.get(family, 0))) for family in ("primary", "secondary", "exploratory")},
        "primary_survive": format_count(int((holds & design["family"].eq("primary")).sum())),
    }


def design_display(design: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """``design.csv`` as display text, one row per question, headed by :data:`DESIGN_LABELS`.

    Differences are on each item's score scale (agreement and safety 1-5,
    ranks 1-6, yes/no items the share answering yes as a proportion).
    """
    codebook = codebook or load_codebook()
    rows = []
    for _, row in design.iterrows():
        verdict = "[c]" if row.get("flag") == "c" else "no test" if pd.isna(row["p_cluster_holm"]) else \
            "yes" if row["p_cluster_holm"] < SIGNIFICANCE else "not clearly"
        rows.append({
            "item": measure_label(row["measure"], _CHILDREN, codebook),
            "family": row["family"],
            "difference": _interval(row),
            "p_cluster_holm": format_p(row["p_cluster_holm"]),
            "p_within": format_p(row["p_within"]),
            "icc": format_number(row["icc"]),
            "design_effect": format_number(row["design_effect"]),
            "verdict": verdict,
        })
    return pd.DataFrame(rows, columns=list(DESIGN_LABELS)).rename(columns=DESIGN_LABELS)


def design_chart_rows(design: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """The scored items of ``design.csv`` (one 1-5 scale), labelled, for a forest plot and its table."""
    codebook = codebook or load_codebook()
    if design is None or design.empty:
        return pd.DataFrame(columns=["measure", "item", "family", "difference", "ci_low", "ci_high", "flag"])
    rows = design[design["score"].eq("scored")].copy()
    rows["item"] = [measure_label(m, _CHILDREN, codebook) for m in rows["measure"]]
    rows["family"] = rows["family"].str.capitalize()
    return rows.reset_index(drop=True)


def primary_display(design: pd.DataFrame, adjusted: pd.DataFrame, *, plan: pd.DataFrame | None = None,
                    codebook: Codebook | None = None) -> pd.DataFrame:
    """The primary outcomes: expectation, SESOI, unadjusted and adjusted differences, verdict.

    Headed by :data:`PRIMARY_LABELS`; one row per primary item of ``design.csv``.
    """
    from helpers.core.outcomes import item_plan

    codebook = codebook or load_codebook()
    if design is None or design.empty:
        return pd.DataFrame(columns=list(PRIMARY_LABELS.values()))
    plan = (plan if plan is not None else item_plan()).set_index("measure")
    adj = adjusted[adjusted["model"].eq("adjusted")].set_index("measure") if not adjusted.empty else pd.DataFrame()
    rows = []
    for _, row in design[design["family"].eq("primary")].iterrows():
        measure = row["measure"]
        direction = plan["direction"].get(measure, "")
        expected = {"lower": "negative", "higher": "positive"}.get(direction, "n/a")
        rows.append({
            "item": measure_label(measure, _CHILDREN, codebook),
            "expected": expected,
            "sesoi": format_number(row["sesoi"]),
            "difference": _interval(row),
            "adjusted": _interval(adj.loc[measure]) if measure in adj.index else "n/a",
            "p_cluster_holm": format_p(row["p_cluster_holm"]),
            "p_equivalence": format_p(row["p_equivalence"]),
            # "equivalent", "difference", "inconclusive": the bound is the SESOI column
            "equivalence": row["equivalence"].split(" (")[0] if isinstance(row["equivalence"], str)
            and row["equivalence"] else "[c]" if row.get("flag") == "c" else "n/a",
        })
    return pd.DataFrame(rows, columns=list(PRIMARY_LABELS)).rename(columns=PRIMARY_LABELS)


def primary_verdicts(design: pd.DataFrame, *, codebook: Codebook | None = None) -> str:
    """``"“I trust the police”: equivalent (no difference larger than 0.25); …"`` for the primary outcomes."""
    codebook = codebook or load_codebook()
    if design is None or design.empty:
        return "none"
    parts = []
    for _, row in design[design["family"].eq("primary")].iterrows():
        verdict = row["equivalence"] if isinstance(row["equivalence"], str) and row["equivalence"] else \
            "not tested"
        parts.append(f"“{measure_label(row['measure'], _CHILDREN, codebook)}”: {verdict}")
    return "; ".join(parts) if parts else "none"


def _balance_cell(row: pd.Series, group: str) -> str:
    value, flag = row[f"value_{group}"], row["flag"]
    if row["unit"] == "percent":
        return format_percent(value, "c" if pd.isna(value) and flag == "c" else "")
    if pd.isna(value):
        return "[c]" if flag == "c" else "n/a"
    sd = row[f"sd_{group}"]
    return f"{value:.2f}" + (f" (SD {sd:.2f})" if pd.notna(sd) else "")


def balance_display(balance: pd.DataFrame) -> pd.DataFrame:
    """``balance.csv`` as display text, headed by :data:`BALANCE_LABELS`."""
    rows = []
    for _, row in balance.iterrows():
        category = "Mean" if row["unit"] == "mean" else str(row["category"]).replace("_", " ").capitalize() \
            if row["covariate"] == "gender" else str(row["category"])
        rows.append({
            "covariate": _COVARIATE_NAMES.get(row["covariate"], row["covariate"]),
            "category": category,
            _PROGRAMME: _balance_cell(row, _PROGRAMME),
            _COMPARISON: _balance_cell(row, _COMPARISON),
            "std_difference": "[c]" if row["flag"] == "c" else format_number(row["std_difference"]),
        })
    return pd.DataFrame(rows, columns=list(BALANCE_LABELS)).rename(columns=BALANCE_LABELS)


def balance_summary(balance: pd.DataFrame) -> dict[str, str]:
    """The largest imbalance and how many rows pass :data:`IMBALANCE`, in phrases for glue.

    Returns
    -------
    dict
        ``largest`` ("Force area: Durham (0.66)"), ``imbalanced`` (rows with
        an absolute standardised difference of at least :data:`IMBALANCE`),
        ``rows`` (rows with a standardised difference), ``threshold``.

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame({"covariate": ["gender", "age"], "category": ["girl", "mean"],
    ...                   "std_difference": [0.03, -0.17], "flag": ["", ""]})
    >>> balance_summary(b)["largest"], balance_summary(b)["imbalanced"]
    ('Age (-0.17)', '1')
    """
    if balance is None or balance.empty:
        return {"threshold": f"{IMBALANCE:g}", "rows": "0", "imbalanced": "0", "largest": "n/a"}
    shown = balance[balance["std_difference"].notna() & balance["flag"].ne("c")]
    out = {"threshold": f"{IMBALANCE:g}", "rows": format_count(len(shown)),
           "imbalanced": format_count(int((shown["std_difference"].abs() >= IMBALANCE).sum()))}
    if shown.empty:
        out["largest"] = "n/a"
        return out
    top = shown.loc[shown["std_difference"].abs().idxmax()]
    name = _COVARIATE_NAMES.get(top["covariate"], top["covariate"])
    what = name if top["category"] == "mean" else f"{name}: {str(top['category']).replace('_', ' ')}"
    out["largest"] = f"{what} ({format_number(top['std_difference'])})"
    return out
