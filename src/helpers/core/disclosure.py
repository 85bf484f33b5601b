"""Disclosure control of the processed tables (docs/contract.md section 5).

One job: mark cells that could identify a child or let a reader work out a
small number, so that no page shows them. Suppressed cells keep their row,
get ``flag = "c"`` (GSS shorthand, printed ``[c]``) and lose ``n``,
``value`` and the interval; in a national build the base stays, because it
is the published number of people who answered, while a local build hides
it where the whole block is suppressed.

Rules
-----
* Any build: every cell of a (measure, group) block whose base is below
  ``min_cell`` is suppressed (a small group).
* Local builds (``--force``): in addition every non-zero ``n`` below
  ``min_cell`` is suppressed (primary suppression).
* Secondary suppression, repeated until nothing changes, so that no
  suppressed cell is the only unknown in any additive relation of the
  table:

  - a block: the cells of a (measure, group) add up to its base;
  - the groups: for every (measure, category), the whole sample is the sum
    of its parts (all children = programme group + other children), for counts
    and for means weighted by their bases.

  Where a relation has exactly one suppressed cell, another cell of it is
  suppressed too: across groups the whole sample's cell (so the groups the
  report compares stay visible), within a block the smallest other non-zero
  cell (a zero when there is no other). That may open another relation; the
  loop ends when every relation holds no suppressed cell or at least two.
* Local builds: who answered is hidden like what they answered. The
  ``sample_size`` of a respondent group is a cell like any other (a group
  below ``min_cell`` is suppressed, with secondary suppression across
  groups), and a block whose cells are all suppressed loses its ``base``
  too; where that leaves one hidden base in a whole-and-parts relation,
  the whole group's block is suppressed and its base hidden as well.
* ``tests.csv``: a comparison in which either group has fewer than
  ``min_cell`` answers keeps its row and its group sizes, but its
  statistic, p-values and effect size are emptied and ``flag`` is ``c``
  (:func:`suppress_tests`). In a local build, its group sizes below
  ``min_cell`` are emptied too, and so are those of ``power.csv`` and the
  bases and effective n of suppressed rows of ``sensitivity.csv``
  (:func:`hide_sizes`, :func:`hide_suppressed_bases`).

Exempt, and why: census rows (``census_*``, census items, group
``national``) count forces, schools and children per programme, not
respondents; ``sample_size`` rows are the published bases (in national
builds; local builds suppress them, see above); counts of forces
(``sample_forces``, ``sample_forces_by_role``) and of schools and workshops
(``sample_schools``, ``sample_schools_by_force``, ``sample_workshops``) are
about organisations, not people.

Examples
--------
>>> import pandas as pd
>>> from helpers.core.codebook import default_groups
>>> g = default_groups()  # the codebook's groups: programme, other children, all children
>>> rows = pd.DataFrame({"measure": "aware_cadets", "unit": "percent", "flag": "",
...     "group": [g.yes] * 2 + [g.no] * 2 + [g.all] * 2,
...     "category": ["yes", "no"] * 3, "n": [20, 10, 3, 9, 23, 19], "base": [30, 30, 12, 12, 42, 42]})
>>> rows = rows.assign(value=100 * rows["n"] / rows["base"], ci_low=0.0, ci_high=100.0)
>>> out = suppress(rows, min_cell=5, local=True)  # 3 other children said yes: hidden, and so is enough else
>>> out.loc[out["flag"] == "c", ["group", "category"]].values.tolist() == [
...     [g.no, "yes"], [g.no, "no"], [g.all, "yes"], [g.all, "no"]]
True
>>> recoverable(out)
[]
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from helpers.core.codebook import Codebook, Groups, default_groups, load_codebook

__all__ = ["EXEMPT_MEASURES", "count_for_prose", "group_relations", "hide_sizes", "hide_suppressed_bases",
           "recoverable", "relations", "suppress", "suppress_programme", "suppress_tests"]

log = logging.getLogger(__name__)

#: Measures never suppressed (see module docstring).
EXEMPT_MEASURES = frozenset({"sample_size", "sample_forces", "sample_forces_by_role", "sample_schools",
                             "sample_schools_by_force", "sample_workshops"})


def _exempt(results: pd.DataFrame) -> pd.Series:
    return (
        results["measure"].str.startswith("census_")
        | results["group"].eq("national")
        | results["measure"].isin(EXEMPT_MEASURES)
    )


def group_relations(codebook: Codebook | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """Groups that are the sum of other groups: ``[(all, (yes, no))]`` for each instrument with ``groups.by``."""
    codebook = codebook or load_codebook()
    out = []
    for inst in codebook.instruments.values():
        groups = dict(inst.groups)
        if "by" in groups and "all" in groups:
            parts = tuple(v for k, v in groups.items() if k not in ("by", "all"))
            out.append((groups["all"], parts))
    return out


def relations(results: pd.DataFrame, codebook: Codebook | None = None,
              tallies: frozenset[str] | set[str] = frozenset()) -> list[np.ndarray]:
    """The additive relations of a results table, as arrays of row positions.

    Each relation is a set of cells whose counts are tied by one equation
    with published numbers: the cells of a percent block (their sum is the
    base), the count rows of one of a programme's ``tallies`` (children per
    course: their sum is the base), or one (measure, category) across a
    whole group and its parts.
    """
    frame = results.reset_index(drop=True)
    out: list[np.ndarray] = []
    percent = frame["unit"].eq("percent") | frame["measure"].isin(tallies)
    for _, index in frame[percent].groupby(["measure", "group"], sort=False).groups.items():
        if len(index) > 1:
            out.append(np.asarray(index))
    for whole, parts in group_relations(codebook):
        cells = frame[frame["group"].isin((whole, *parts)) & frame["unit"].isin(["percent", "mean", "count"])]
        for _, index in cells.groupby(["measure", "category", "unit"], sort=False).groups.items():
            groups = frame.loc[index, "group"]
            if groups.eq(whole).any() and groups.isin(parts).any():
                # The whole group first: it is the cell secondary suppression prefers to hide,
                # so that the groups the report compares stay visible.
                out.append(np.asarray(sorted(index, key=lambda i: frame.at[i, "group"] != whole)))
    return out


def recoverable(results: pd.DataFrame, codebook: Codebook | None = None) -> list[tuple[str, str, str]]:
    """Suppressed cells that are the only suppressed cell of a relation (should be empty).

    Returns
    -------
    list of (measure, group, category)
        Each could be worked out as the relation's total minus its published cells.
    """
    frame = results.reset_index(drop=True)
    mark = frame["flag"].fillna("").eq("c").to_numpy()
    found = []
    for members in relations(frame, codebook):
        if mark[members].sum() == 1:
            row = frame.loc[members[mark[members]][0]]
            found.append((row["measure"], row["group"], row["category"]))
    return found


def _secondary(frame: pd.DataFrame, mark: np.ndarray, eligible: np.ndarray, codebook: Codebook | None,
               tallies: frozenset[str] | set[str] = frozenset()) -> np.ndarray:
    """Suppress more cells until no relation has exactly one suppressed cell."""
    rels = relations(frame, codebook, tallies)
    wholes = {whole for whole, _ in group_relations(codebook)}
    n = pd.to_numeric(frame["n"], errors="coerce").fillna(0).to_numpy(dtype=float)
    for _ in range(len(frame) + 1):
        changed = False
        for members in rels:
            if mark[members].sum() != 1:
                continue
            candidates = members[~mark[members] & eligible[members]]
            if len(candidates) == 0:
                continue  # only exempt cells left: nothing that may be hidden
            whole = members[0] if frame.at[members[0], "group"] in wholes else None
            if whole is not None and whole in candidates:
                pick = whole
            else:
                nonzero = candidates[n[candidates] > 0]
                pick = nonzero[np.argmin(n[nonzero])] if len(nonzero) else candidates[0]
            mark[pick] = True
            changed = True
        if not changed:
            break
    return mark


def _hide_bases(frame: pd.DataFrame, mark: np.ndarray, eligible: np.ndarray, codebook: Codebook | None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Local reports: the base of every block whose cells are all suppressed is hidden too.

    A base is the number of children of the group who answered; in one
    force it tells who answered. Across groups the bases add up (all
    children = programme group + other children), so where exactly one block
    of a (measure, whole, parts) relation has its base hidden, the whole
    group's block is suppressed entirely (and its base hidden), and cell
    suppression runs again; until nothing changes.

    Returns
    -------
    (mark, hidden_base) : two boolean arrays over the rows of ``frame``
    """
    blocks = frame.groupby(["measure", "group"], sort=False).indices
    relations_ = [(whole, parts) for whole, parts in group_relations(codebook)]
    hidden = np.zeros(len(frame), dtype=bool)
    for _ in range(len(blocks) + 1):
        changed = False
        for rows in blocks.values():
            if mark[rows].all() and not hidden[rows].all():
                hidden[rows] = True
                changed = True
        for measure in frame["measure"].unique():
            for whole, parts in relations_:
                present = [g for g in (whole, *parts) if (measure, g) in blocks]
                if whole not in present or len(present) < 2:
                    continue
                shut = [g for g in present if hidden[blocks[(measure, g)]].all()]
                if len(shut) == 1 and shut[0] != whole:
                    rows = blocks[(measure, whole)]
                    if eligible[rows].all():
                        mark[rows] = True
                        hidden[rows] = True
                        changed = True
        if not changed:
            break
        mark = _secondary(frame, mark, eligible, codebook)
    return mark, hidden


def suppress(results: pd.DataFrame, *, min_cell: int, local: bool, codebook: Codebook | None = None
             ) -> pd.DataFrame:
    """Apply disclosure control to a results table.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`helpers.core.processing.summarise` (not changed in place).
    min_cell : int
        Threshold: counts below it (and groups with a base below it) are
        suppressed. ``min_cell <= 1`` turns suppression off.
    local : bool
        True for a one-force report: cell-level suppression applies too.
    codebook : Codebook, optional
        Where the group relations come from.

    Returns
    -------
    pandas.DataFrame
        A copy with ``flag = "c"`` and n, value, ci_low, ci_high emptied for
        suppressed cells; :func:`recoverable` of it is empty. In a local
        report ``base`` is emptied too where a block's cells are all
        suppressed (see :func:`_hide_bases`), and ``sample_size`` rows of the
        respondent groups are suppressed like cells.
    """
    out = results.copy()
    if min_cell <= 1:
        return out
    frame = out.reset_index(drop=True)
    exempt = _exempt(frame)
    if local:  # who answered is itself disclosive in one force: group sizes are cells like any other
        exempt &= ~(frame["measure"].eq("sample_size") & frame["group"].ne("national"))
    eligible = (~exempt).to_numpy()
    base = frame["base"].astype("Float64")
    n = frame["n"].astype("Float64")
    mark = (eligible & base.lt(min_cell).fillna(False).to_numpy(dtype=bool)).copy()
    if local:
        mark |= eligible & (n.gt(0) & n.lt(min_cell)).fillna(False).to_numpy(dtype=bool)
    primary = int(mark.sum())
    mark = _secondary(frame, mark, eligible, codebook)
    hidden_base = np.zeros(len(frame), dtype=bool)
    if local:
        mark, hidden_base = _hide_bases(frame, mark, eligible, codebook)
    mark = pd.Series(mark, index=out.index)
    out.loc[mark, ["n"]] = pd.NA
    out.loc[mark, ["value", "ci_low", "ci_high"]] = np.nan
    out.loc[mark, "flag"] = "c"
    out.loc[pd.Series(hidden_base, index=out.index), "base"] = pd.NA
    if mark.any():
        log.info("disclosure control: %d cells suppressed (%d primary, %d secondary; min cell %d, %s)",
                 int(mark.sum()), primary, int(mark.sum()) - primary, min_cell,
                 "local report" if local else "national report")
    return out


def suppress_programme(results: pd.DataFrame, *, min_cell: int, children_groups: set[str],
                       child_counts: set[str] = frozenset(), exempt: set[str] = frozenset(),
                       codebook: Codebook | None = None) -> pd.DataFrame:
    """Disclosure control of a programme whose settings say which groups hold children's data.

    Every count of a children's group (a group of an instrument that
    describes a child or answers for one, ``programme.yml``'s
    ``disclosure: children``) between 1 and ``min_cell - 1`` is suppressed,
    and so is every cell of such a group whose base is below ``min_cell``;
    secondary suppression follows until no suppressed cell can be worked
    out from its block (the cells of a percent block, or of a count block
    listed in ``child_counts``, add up to the base). Counts of schools and
    courses, and the group sizes, stay (:data:`EXEMPT_MEASURES`), unless
    listed in ``child_counts``. Groups not in ``children_groups`` (adults'
    views of a course as a whole) are left as they are.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`helpers.core.processing.summarise` (not changed in place).
    min_cell : int
        Threshold; ``min_cell <= 1`` turns suppression off.
    children_groups : set of str
        Result groups whose counts are children's counts.
    child_counts : set of str
        Count measures that are children's counts and add up to their base
        (children per course, per school).
    exempt : set of str
        Further measures that describe the programme rather than children
        (how many courses ran): never suppressed.

    Returns
    -------
    pandas.DataFrame
        A copy with ``flag = "c"`` and n, value, ci_low, ci_high emptied for suppressed cells.

    Examples
    --------
    >>> rows = pd.DataFrame({"measure": ["by_course"] * 3, "group": ["children"] * 3, "category": ["a", "b", "c"],
    ...                      "n": [15, 14, 4], "base": [33] * 3, "value": [15.0, 14.0, 4.0], "unit": ["count"] * 3,
    ...                      "ci_low": np.nan, "ci_high": np.nan, "flag": ""})
    >>> suppress_programme(rows, min_cell=5, children_groups={"children"}, child_counts={"by_course"})["flag"].tolist()
    ['', 'c', 'c']
    """
    out = results.copy()
    if min_cell <= 1:
        return out
    frame = out.reset_index(drop=True)
    child_counts = frozenset(child_counts)
    never = (_exempt(frame) | frame["measure"].isin(exempt)) & ~frame["measure"].isin(child_counts)
    eligible = (frame["group"].isin(children_groups) & ~never).to_numpy()
    base = frame["base"].astype("Float64")
    n = frame["n"].astype("Float64")
    small_base = base.lt(min_cell).fillna(False).to_numpy(dtype=bool)
    small_count = (n.gt(0) & n.lt(min_cell)).fillna(False).to_numpy(dtype=bool)
    mark = eligible & (small_base | small_count)
    primary = int(mark.sum())
    mark = _secondary(frame, mark.copy(), eligible, codebook, child_counts)
    mark = pd.Series(mark, index=out.index)
    out.loc[mark, ["n"]] = pd.NA
    out.loc[mark, ["value", "ci_low", "ci_high"]] = np.nan
    out.loc[mark, "flag"] = "c"
    if mark.any():
        log.info("disclosure control (programme setting): %d cells of children's groups suppressed (%d primary, "
                 "%d secondary; min cell %d)", int(mark.sum()), primary, int(mark.sum()) - primary, min_cell)
    return out


_TEST_STATISTICS = ["statistic", "dof", "p_value", "p_holm", "effect_size", "effect_ci_low", "effect_ci_high",
                    "n_required_80", "min_expected"]


def hide_sizes(frame: pd.DataFrame, columns: list[str], *, min_cell: int) -> pd.DataFrame:
    """Local reports: respondent counts in ``columns`` between 1 and ``min_cell - 1`` emptied.

    For the group sizes of ``tests.csv`` and ``power.csv`` and the bases of
    ``sensitivity.csv`` (where a row is suppressed, its base and effective
    n go too: see :func:`hide_suppressed_bases`). Zero stays: "nobody" is
    already published by the census and the empty chapter.

    Examples
    --------
    >>> hide_sizes(pd.DataFrame({"n_group": [2, 40, 0]}), ["n_group"], min_cell=5)["n_group"].tolist()
    [<NA>, 40, 0]
    """
    out = frame.copy()
    if min_cell <= 1:
        return out
    for col in columns:
        if col in out:
            values = pd.to_numeric(out[col], errors="coerce").astype("Float64")
            small = values.gt(0) & values.lt(min_cell)
            out[col] = values.round().astype("Int64").mask(small.fillna(False))
    return out


def count_for_prose(count, *, min_cell: int, local: bool) -> str:
    """A respondent count for a sentence: ``[c]`` in a local report when it is between 1 and ``min_cell - 1``.

    For the few counts a chapter takes from a clean table rather than from
    ``results.csv`` (how many children wrote an answer in their own words).

    Examples
    --------
    >>> count_for_prose(3, min_cell=5, local=True), count_for_prose(3, min_cell=5, local=False)
    ('[c]', '3')
    """
    from helpers.report.tables import format_count

    count = int(count)
    return "[c]" if local and min_cell > 1 and 0 < count < min_cell else format_count(count)


def hide_suppressed_bases(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """Local reports: ``base`` and ``effective_n`` of suppressed rows of ``sensitivity.csv`` emptied."""
    out = sensitivity.copy()
    if "flag" not in out or out.empty:
        return out
    hidden = out["flag"].eq("c")
    out["base"] = out["base"].astype("Int64").mask(hidden)
    out["effective_n"] = out["effective_n"].astype(float).mask(hidden)
    return out


def suppress_tests(tests: pd.DataFrame, *, min_cell: int, local: bool = False,
                   groups: Groups | None = None) -> pd.DataFrame:
    """Empty the comparisons in which either group has fewer than ``min_cell`` answers.

    The row and its group sizes (``n_<yes>``, ``n_<no>`` of ``groups``; by
    default the packaged codebook's) stay; ``flag`` (appended to the contract
    columns) is ``c`` for suppressed rows and empty otherwise.

    Examples
    --------
    >>> from helpers.core.codebook import Groups
    >>> pair = Groups("survey", by="member", yes="members", no="others", all="everyone")
    >>> tests = pd.DataFrame({"measure": ["a", "b"], "p_value": [0.01, 0.2],
    ...                       "n_members": [40, 3], "n_others": [30, 30]})
    >>> suppress_tests(tests, min_cell=5, groups=pair)[["p_value", "flag"]].values.tolist()
    [[0.01, ''], [nan, 'c']]
    """
    groups = groups or default_groups()
    sizes = [groups.count_column(group) for group in groups.pair]
    out = tests.copy()
    small = (out[sizes[0]] < min_cell) | (out[sizes[1]] < min_cell)
    if min_cell <= 1:
        small[:] = False
    out.loc[small, [c for c in _TEST_STATISTICS if c in out]] = np.nan
    out["flag"] = np.where(small, "c", "")
    if local:  # the group sizes say who answered: hidden where small, like the cells
        out = hide_sizes(out, sizes, min_cell=min_cell)
    if small.any():
        log.info("disclosure control: %d comparisons suppressed (a group below %d answers)", int(small.sum()),
                 min_cell)
    return out
