"""Descriptive breakdowns of the children's answers (``breakdowns.csv``, ``enjoyed_least.csv``).

One job: two small tables the children's chapter describes, each under
disclosure control, neither of which adds a row to ``results.csv``.

- :func:`breakdown_table`: for each primary outcome of the analysis plan
  (``definitions/outcomes.yml``), the share of children giving a favourable
  answer (the codes whose scale ``polarity`` is +1: "strongly agree" or
  "agree") by gender and by year group, within the programme group and
  within the comparison group. It describes who answered what; it tests
  nothing, and the groups are not compared within a level.
- :func:`least_enjoyed_table`: the themes of what children of the programme group
  enjoyed least, coded from their free-text answer by the keyword rules of
  ``definitions/themes.yml`` (:func:`code_themes`), as percent rows in the
  results layout.

Layout
------
``breakdowns.csv`` has the columns of :data:`BREAKDOWN_COLUMNS`: one row per
(measure, group, by, level, category), where ``by`` is ``gender`` or
``year_group``, ``level`` the gender code or the year (``"5"``), and
``category`` is ``favourable`` or ``other`` (every other answer, the
neutral one included), so that the two cells of a level add up to its
``base``. ``value`` is ``100 n / base`` with a 95% Wilson interval.

``enjoyed_least.csv`` has the columns of ``results.csv``
(:data:`helpers.core.processing.RESULTS_COLUMNS`): measure
``enjoyed_least_theme``, the programme group, one row per theme (zeros
included), ``base`` the children who wrote an answer.

Disclosure control (docs/contract.md section 5)
---------------------------------------
``breakdowns.csv`` applies the rules of :func:`helpers.core.disclosure.suppress`
to its own relations:

* a level whose base is below ``min_cell`` (but not zero) loses both its
  cells (any build); a level nobody is in keeps its zeros and an empty
  value, because a hidden zero would protect no one (the sample's make-up
  in ``results.csv`` already shows it); in a local build (``--force``) every non-zero ``n`` below
  ``min_cell`` is suppressed too, and so is the base of a level whose
  cells are suppressed;
* secondary suppression, repeated until nothing changes: the two cells of a
  level add up to its base, and the levels of one (measure, group, by,
  category) add up to the group's count in ``results.csv`` (treated as an
  exact sum even though children who left out their gender or year are
  missing from it, which only errs on the side of hiding more). Where such
  a relation holds exactly one suppressed cell, its smallest other
  non-zero cell is suppressed as well.

``enjoyed_least.csv`` goes through :func:`helpers.core.disclosure.suppress`
itself (one block per group: the themes add up to the base).

Examples
--------
>>> import pandas as pd
>>> rules = [{"id": "play", "label": "Play", "keywords": ["break", "play"]}]
>>> code_themes(pd.Series(["Missing my BREAK time", "rain", None, pd.NA, " "]), rules).tolist()
['play', 'other', None, None, None]
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from helpers.core.codebook import Codebook
from helpers.core.config import DEFINITIONS_DIR
from helpers.core.disclosure import suppress
from helpers.core.processing import RESULTS_COLUMNS
from helpers.core.stats import wilson_interval

__all__ = ["BREAKDOWN_COLUMNS", "BY", "THEMES_PATH", "breakdown_table", "breakdown_recoverable", "code_themes",
           "least_enjoyed_table", "load_themes"]

log = logging.getLogger(__name__)

#: Columns of ``breakdowns.csv``.
BREAKDOWN_COLUMNS = ["measure", "group", "by", "level", "category", "n", "base", "value", "unit", "ci_low",
                     "ci_high", "flag"]
#: The children's columns the answers are broken down by.
BY = ("gender", "year_group")
#: Keyword rules of the free-text themes.
THEMES_PATH = DEFINITIONS_DIR / "themes.yml"
_CATEGORIES = ("favourable", "other")


@cache
def _read_themes(path: str) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def load_themes(name: str = "enjoyed_least", path: str | Path = THEMES_PATH) -> dict:
    """The rules of one coded free-text question: ``{"column", "measure", "themes", "other"}``.

    Raises
    ------
    ValueError
        The file has no entry ``name``, or a theme has no keywords.
    """
    spec = _read_themes(str(path)).get(name)
    if not spec:
        raise ValueError(f"{path}: no theme rules for {name!r}")
    for theme in spec["themes"]:
        if not theme.get("keywords"):
            raise ValueError(f"{path}: theme {theme.get('id')!r} of {name} has no keywords")
    return spec


def code_themes(texts: pd.Series, themes: list[dict], *, other: str = "other") -> pd.Series:
    """The theme of each answer: the first theme one of whose keywords it contains.

    Keywords match whole words or phrases, ignoring case; an answer matching
    no theme is ``other``; an empty answer stays missing. The input is not
    changed.
    """
    patterns = [(t["id"], re.compile(r"\b(?:" + "|".join(re.escape(k) for k in t["keywords"]) + r")\b",
                                     re.IGNORECASE)) for t in themes]

    def one(text):
        if pd.isna(text) or not str(text).strip():
            return None
        for code, pattern in patterns:
            if pattern.search(str(text)):
                return code
        return other

    coded = texts.astype("object").map(one).astype("object")
    return coded.where(coded.notna(), None)


def least_enjoyed_table(children: pd.DataFrame, codebook: Codebook, *, min_cell: int, local: bool,
                        not_collected=(), rules: dict | None = None) -> pd.DataFrame:
    """Themes of what children of the programme group enjoyed least, in the results layout, suppressed.

    Parameters
    ----------
    children : pandas.DataFrame
        The clean children's table (not changed).
    codebook : Codebook
        Names the programme group.
    min_cell, local : int, bool
        As for :func:`helpers.core.disclosure.suppress`.
    not_collected : iterable of str
        Children's columns absent from the file: without the free-text
        column the table has no rows.
    rules : dict, optional
        Theme rules (default: :func:`load_themes`).

    Returns
    -------
    pandas.DataFrame
        :data:`~helpers.core.processing.RESULTS_COLUMNS`; one row per theme,
        ``other`` last.
    """
    rules = rules or load_themes()
    column = rules["column"]
    groups = codebook.groups
    collected = column not in set(not_collected) and column in children
    mini = children[children[groups.column].astype("object").eq("yes")]
    texts = mini[column] if collected else pd.Series([], dtype="object")
    coded = code_themes(texts, rules["themes"], other=rules["other"]["id"]).dropna()
    codes = [t["id"] for t in rules["themes"]] + [rules["other"]["id"]] if collected else []
    counts = coded.value_counts()
    base = int(len(coded))
    rows = pd.DataFrame({"measure": pd.Series([rules["measure"]] * len(codes), dtype="str"),
                         "group": pd.Series([groups.yes] * len(codes), dtype="str"),
                         "category": pd.Series(codes, dtype="str"),
                         "n": pd.Series([int(counts.get(c, 0)) for c in codes], dtype="int64"), "base": base})
    rows["value"] = (100 * rows["n"] / base if base else np.nan) if len(rows) else pd.Series([], dtype=float)
    rows["unit"] = pd.Series(["percent"] * len(rows), dtype="str", index=rows.index)
    rows["ci_low"], rows["ci_high"] = wilson_interval(rows["n"], rows["base"])
    rows["flag"] = pd.Series([""] * len(rows), dtype="str", index=rows.index)
    out = suppress(rows[RESULTS_COLUMNS], min_cell=min_cell, local=local, codebook=codebook)
    return out.astype({"n": "Int64", "base": "Int64"})


def _levels(codebook: Codebook, by: str) -> list[str]:
    column = codebook.instruments["children_survey"].column(by)
    if column.type == "coded":
        return list(codebook.scales[column.scale].codes)
    return [str(v) for v in range(column.min, column.max + 1)]


def breakdown_table(children: pd.DataFrame, codebook: Codebook, *, items: list[str], min_cell: int,
                    local: bool, not_collected=()) -> pd.DataFrame:
    """Favourable answers to ``items`` by gender and by year group, within each group, suppressed.

    Parameters
    ----------
    children : pandas.DataFrame
        The clean children's table (not changed).
    codebook : Codebook
        Scales (favourable codes), levels of gender and year group, and the
        group names.
    items : list of str
        Coded children's items (the primary outcomes).
    min_cell : int
        Disclosure threshold; ``<= 1`` turns suppression off.
    local : bool
        True for a one-force report (cell-level suppression too).
    not_collected : iterable of str
        Columns absent from the file: an item or breakdown column among
        them gives no rows.

    Returns
    -------
    pandas.DataFrame
        :data:`BREAKDOWN_COLUMNS` (see the module docstring); every level of
        the codebook appears, zeros included.
    """
    missing = set(not_collected)
    groups = codebook.groups
    member = children[groups.column].astype("object")
    rows = []
    for measure in items:
        if measure in missing or measure not in children:
            continue
        scale = codebook.scales[codebook.instruments["children_survey"].column(measure).scale]
        favourable = {c for c, p in zip(scale.codes, scale.polarity or (), strict=False) if p > 0}
        answers = children[measure].astype("object")
        for answer, group in (("yes", groups.yes), ("no", groups.no)):
            for by in BY:
                if by in missing or by not in children:
                    continue
                level_of = children[by].astype("object").map(lambda v: None if pd.isna(v) else str(v))
                for level in _levels(codebook, by):
                    chosen = answers[member.eq(answer) & level_of.eq(level)].dropna()
                    n_fav = int(chosen.isin(favourable).sum())
                    for category, n in zip(_CATEGORIES, (n_fav, len(chosen) - n_fav), strict=True):
                        rows.append({"measure": measure, "group": group, "by": by, "level": level,
                                     "category": category, "n": n, "base": int(len(chosen))})
    frame = pd.DataFrame(rows, columns=["measure", "group", "by", "level", "category", "n", "base"])
    frame["value"] = np.where(frame["base"] > 0, 100 * frame["n"] / frame["base"].where(frame["base"] > 0), np.nan)
    frame["unit"] = "percent"
    frame["ci_low"], frame["ci_high"] = wilson_interval(frame["n"], frame["base"])
    frame["flag"] = ""
    frame = frame[BREAKDOWN_COLUMNS].astype({**dict.fromkeys(["measure", "group", "by", "level", "category", "unit",
                                                              "flag"], "str"),
                                             **dict.fromkeys(["value", "ci_low", "ci_high"], float)})
    return _suppress(frame, min_cell=min_cell, local=local).astype({"n": "Int64", "base": "Int64"})


def _relations(frame: pd.DataFrame) -> list[np.ndarray]:
    """Row positions tied by one sum: the cells of a level, and the levels of a (measure, group, by, category)."""
    out = []
    for keys in (["measure", "group", "by", "level"], ["measure", "group", "by", "category"]):
        out += [np.asarray(i) for i in frame.groupby(keys, sort=False).indices.values() if len(i) > 1]
    return out


def breakdown_recoverable(frame: pd.DataFrame) -> list[tuple]:
    """Suppressed cells that are the only suppressed cell of a relation (should be empty)."""
    frame = frame.reset_index(drop=True)
    mark = frame["flag"].fillna("").eq("c").to_numpy()
    return [tuple(frame.loc[members[mark[members]][0], ["measure", "group", "by", "level", "category"]])
            for members in _relations(frame) if mark[members].sum() == 1]


def _suppress(frame: pd.DataFrame, *, min_cell: int, local: bool) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    if min_cell <= 1 or out.empty:
        return out
    n = out["n"].astype(float).to_numpy()
    base = out["base"].astype(float).to_numpy()
    mark = (base > 0) & (base < min_cell)  # a level nobody is in stays a visible zero: it protects no one
    if local:
        mark |= (n > 0) & (n < min_cell)
    primary = int(mark.sum())
    relations = _relations(out)
    for _ in range(len(out) + 1):
        changed = False
        for members in relations:
            if mark[members].sum() != 1:
                continue
            candidates = members[~mark[members]]
            nonzero = candidates[n[candidates] > 0]
            mark[nonzero[np.argmin(n[nonzero])] if len(nonzero) else candidates[0]] = True
            changed = True
        if not changed:
            break
    out.loc[mark, "n"] = np.nan
    out.loc[mark, ["value", "ci_low", "ci_high"]] = np.nan
    out.loc[mark, "flag"] = "c"
    if local:  # in one force, how many children of a level answered is itself disclosive
        hidden = out.groupby(["measure", "group", "by", "level"])["flag"].transform(lambda f: f.eq("c").all())
        out.loc[hidden, "base"] = np.nan
    if mark.any():
        log.info("breakdowns: %d cells suppressed (%d primary; min cell %d, %s)", int(mark.sum()), primary,
                 min_cell, "local report" if local else "national report")
    return out
