"""Disclosure control of the results table (CONTRACT section 5).

One job: mark cells that could identify a child or recover a small number,
so that no page shows them. Suppressed cells keep their row, get
``flag = "c"`` and lose ``n``, ``value`` and the interval.

Rules
-----
* Any build: every cell of a (measure, group) block whose base is below
  ``min_cell`` is suppressed (a small group).
* Local builds (``--force``): in addition every non-zero ``n`` below
  ``min_cell`` is suppressed (primary suppression).
* Secondary suppression within a block: if exactly one cell of a block is
  suppressed it could be recovered as base minus the other cells, so the
  smallest other non-zero cell is suppressed too.

Exempt: census rows (``census_*`` measures and census coded items: they
count forces, schools and children per programme, not respondents), the
``sample_size`` counts, which are the published bases, and the counts of
forces (``sample_forces``, ``sample_forces_by_role``).

Not yet covered (local-reports issue): recovery *across* groups (all
children minus mini-police) and across measures.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

__all__ = ["suppress", "EXEMPT_MEASURES"]

log = logging.getLogger(__name__)

#: Measures never suppressed (see module docstring).
EXEMPT_MEASURES = frozenset({"sample_size", "sample_forces", "sample_forces_by_role"})


def _exempt(results: pd.DataFrame) -> pd.Series:
    return (
        results["measure"].str.startswith("census_")
        | results["group"].eq("national")
        | results["measure"].isin(EXEMPT_MEASURES)
    )


def suppress(results: pd.DataFrame, *, min_cell: int, local: bool) -> pd.DataFrame:
    """Apply disclosure control to a results table.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`helpers.processing.summarise` (not changed in place).
    min_cell : int
        Threshold: counts below it (and groups with a base below it) are
        suppressed. ``min_cell <= 1`` turns suppression off.
    local : bool
        True for a one-force report: cell-level suppression applies too.

    Returns
    -------
    pandas.DataFrame
        A copy with ``flag = "c"`` and n, value, ci_low, ci_high emptied for
        suppressed cells.
    """
    out = results.copy()
    if min_cell <= 1:
        return out
    eligible = ~_exempt(out)
    base = out["base"].astype("Float64")
    n = out["n"].astype("Float64")
    small_group = eligible & base.lt(min_cell).fillna(False)
    mark = small_group.astype(bool).to_numpy().copy()
    if local:
        small_cell = eligible & n.gt(0).fillna(False) & n.lt(min_cell).fillna(False)
        mark |= small_cell.astype(bool).to_numpy()
    # Secondary suppression inside each percent block with a single suppressed cell.
    pct = (out["unit"].eq("percent") & eligible).to_numpy()
    keys = out["measure"] + "\x1f" + out["group"]
    frame = pd.DataFrame({"key": keys, "mark": mark, "n": n.fillna(0).to_numpy(dtype=float), "pct": pct})
    for _, block in frame[frame["pct"]].groupby("key", sort=False):
        if len(block) > 1 and block["mark"].sum() == 1:
            others = block[~block["mark"] & (block["n"] > 0)]
            if not others.empty:
                mark[others["n"].idxmin()] = True
            else:  # the rest are zeros: hide one of them so the total does not give it away
                mark[block[~block["mark"]].index[0]] = True
    mark = pd.Series(mark, index=out.index)
    out.loc[mark, ["n"]] = pd.NA
    out.loc[mark, ["value", "ci_low", "ci_high"]] = np.nan
    out.loc[mark, "flag"] = "c"
    if mark.any():
        log.info("disclosure control: %d cells suppressed (min cell %d, %s)", int(mark.sum()), min_cell,
                 "local report" if local else "national report")
    return out
