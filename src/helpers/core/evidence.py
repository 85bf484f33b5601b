"""Evidence rating: the strength of the design, on the Maryland Scientific Methods Scale.

One job: look at the children's data and say what kind of design they come
from, how high it reaches on the Maryland Scientific Methods Scale (SMS, as
used by the What Works Centre for Local Economic Growth), and what that level
lets a report claim. :func:`rate_design` returns one row, written by the
pipeline as ``evidence.csv``; the front page and every chapter print its
``label`` and sentences, so the rating changes when the data do, never by an
edit of the prose.

The rules (the design facts in brackets are columns of the output)
    ========================================================  =====  =============================
    design                                                    level  label
    ========================================================  =====  =============================
    no programme children, or programme children only, in     0      not rated
    one wave (``groups`` < 2 and not ``both_waves``)
    programme children only, before and after (``waves`` 2)   1      before/after, no comparison
    two groups, one wave, no adjustment                       1      cross-sectional comparison
    two groups, one wave, headline comparisons adjusted       2      ... with control variables
    for covariates (``adjusted``)
    two groups, each with a baseline and a follow-up          3      comparison group, before and
    (``both_waves``)                                                 after
    ========================================================  =====  =============================

    * A **group** counts when at least ``min_group`` children are in it.
    * A **wave** column (default ``wave``) with the codes ``baseline`` and
      ``follow_up`` marks repeated surveys. ``both_waves`` is true when each
      group has at least ``min_group`` children in each wave. Without the
      column the survey is taken to be a single, post-programme wave.
    * **Adjustment** is a property of the analysis, not of the data: the
      caller says which covariates the *headline* comparisons are adjusted
      for. The pipeline passes none, because the headline tests compare the
      groups as they are (adjusted estimates, where a chapter shows them, are
      a check beside them). Level 2 in the SMS asks for adequate controls;
      a few demographic covariates rarely are when teachers pick the
      children, so the level is only raised when the caller says so.
    * **Clustering** does not change the level but is reported
      (``clusters``: schools with answers; ``clustered``: whether the
      caller's headline analysis accounts for them), because intervals that
      ignore it are too narrow whatever the level.

Levels 4 and 5 (quasi-random variation, randomisation) cannot be recognised
from survey data alone and are never returned.

Examples
--------
>>> import pandas as pd
>>> kids = pd.DataFrame({"member": ["yes"] * 3 + ["no"] * 3, "school_id": list("aabbcc")})
>>> row = rate_design(kids, group="member", min_group=2).iloc[0]
>>> int(row["level"]), row["label"]
(1, 'Maryland Scientific Methods Scale level 1')
"""

from __future__ import annotations

import logging

import pandas as pd

__all__ = ["EVIDENCE_COLUMNS", "LEVEL_TEXT", "rate_design", "allows_causal_wording"]

log = logging.getLogger(__name__)

#: Columns of ``evidence.csv``.
EVIDENCE_COLUMNS = ["scale", "level", "label", "design", "allows", "does_not_allow", "reason", "groups",
                    "n_treated", "n_comparison", "waves", "both_waves", "adjusted", "clustered", "clusters"]

#: What each level's design is, allows and does not allow (sentences with no numbers in them).
LEVEL_TEXT = {
    "none": {
        "design": "a description of one group at one time",
        "allows": "It describes what the children who answered said.",
        "does_not_allow": "It has no comparison group and no earlier measurement, so it cannot say whether "
                          "children in the programme differ from others or have changed.",
    },
    "before_after": {
        "design": "programme children surveyed before and after, without a comparison group",
        "allows": "It shows how the answers of children in the programme moved between the two surveys.",
        "does_not_allow": "Without a comparison group it cannot separate the programme from whatever else "
                          "changed over the same months, such as children growing older.",
    },
    "cross_section": {
        "design": "a comparison of programme children with other children at one point in time, "
                  "without control variables",
        "allows": "It shows whether the two groups answer differently: an association.",
        "does_not_allow": "It cannot show that the programme produced any difference, because the groups may "
                          "have differed before the programme began (children are chosen for it, not "
                          "assigned at random). The findings are associations and children's own reports of change, "
                          "not measured consequences of taking part.",
    },
    "cross_section_controls": {
        "design": "a comparison of programme children with other children at one point in time, adjusted "
                  "for control variables",
        "allows": "It shows whether the groups answer differently once the measured characteristics are "
                  "held equal.",
        "does_not_allow": "Differences the controls do not capture, such as why teachers chose some children, "
                          "remain, so the findings are still associations.",
    },
    "difference_in_differences": {
        "design": "programme children and a comparison group, each surveyed before and after",
        "allows": "It compares how much each group's answers changed, which removes fixed differences "
                  "between the groups and supports cautious statements about the programme's effect.",
        "does_not_allow": "It still assumes the two groups would have changed alike without the programme, "
                          "and it cannot rule out differences that grow over time for other reasons.",
    },
}

_LEVEL_OF = {"none": 0, "before_after": 1, "cross_section": 1, "cross_section_controls": 2,
             "difference_in_differences": 3}

#: Lowest level at which a report may speak of the programme's effects.
CAUSAL_LEVEL = 3


def allows_causal_wording(level: int) -> bool:
    """Whether prose may speak of effects of the programme at this SMS level (level 3 or higher).

    >>> allows_causal_wording(1), allows_causal_wording(3)
    (False, True)
    """
    return int(level) >= CAUSAL_LEVEL


def rate_design(children: pd.DataFrame, *, group: str | None = None, treated: str = "yes",
                comparison: str = "no", wave: str = "wave", baseline: str = "baseline",
                follow_up: str = "follow_up", cluster: str = "school_id", adjusted_for: tuple[str, ...] = (),
                clustered: bool = False, min_group: int = 2) -> pd.DataFrame:
    """The design of the children's data and its Maryland SMS level (module docstring).

    Parameters
    ----------
    children : pandas.DataFrame
        One row per child (the clean children's table); not changed.
    group, treated, comparison : str
        The column saying who is in the programme (default: the packaged
        codebook's ``groups.column``), and its two codes.
    wave, baseline, follow_up : str
        The optional column of survey waves and its two codes.
    cluster : str
        The column of the sampling clusters (schools).
    adjusted_for : tuple of str
        Covariates the headline comparisons are adjusted for (none: unadjusted).
    clustered : bool
        Whether the headline analysis accounts for the clusters.
    min_group : int
        Children a group (or a group in a wave) needs to count as present.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`EVIDENCE_COLUMNS`: ``scale``
        (``maryland_sms``), ``level`` (0 = not rated, 1-3), ``label``,
        ``design``, ``allows``, ``does_not_allow``, ``reason`` (the facts
        that decided the level, in words), ``groups`` (groups present),
        ``n_treated``, ``n_comparison``, ``waves`` (waves present: 1 without
        a wave column), ``both_waves`` (every present group in both waves),
        ``adjusted`` (covariates, joined with ``;``, or empty), ``clustered``
        and ``clusters`` (distinct clusters with answers).
    """
    if group is None:
        from helpers.core.codebook import default_groups

        group = default_groups().column
    codes = children[group].astype("object") if group in children else pd.Series(dtype=object)
    n_treated, n_comparison = int(codes.eq(treated).sum()), int(codes.eq(comparison).sum())
    present = [g for g, n in ((treated, n_treated), (comparison, n_comparison)) if n >= min_group]
    has_waves = wave in children and children[wave].notna().any()
    if has_waves:
        waves = children[wave].astype("object")
        waves_present = int(sum(waves.eq(w).sum() >= min_group for w in (baseline, follow_up)))
        both = bool(present) and all((codes.eq(g) & waves.eq(w)).sum() >= min_group
                                     for g in present for w in (baseline, follow_up))
    else:
        waves_present, both = 1, False
    clusters = int(children[cluster].nunique()) if cluster in children else 0
    two_groups = treated in present and comparison in present
    if two_groups and both:
        kind, reason = "difference_in_differences", "both groups answered at baseline and at follow-up"
    elif two_groups and adjusted_for:
        kind, reason = "cross_section_controls", ("both groups answered once; the comparisons are adjusted for "
                                                  + ", ".join(adjusted_for))
    elif two_groups:
        kind = "cross_section"
        reason = ("both groups answered once, with no baseline" if not has_waves else
                  "both groups are present but not each in both waves")
    elif treated in present and both:
        kind, reason = "before_after", "only programme children answered, at baseline and at follow-up"
    else:
        kind = "none"
        reason = ("no programme children answered" if treated not in present else
                  "only programme children answered, once: there is no comparison")
    level = _LEVEL_OF[kind]
    text = LEVEL_TEXT[kind]
    label = "not rated on the Maryland Scientific Methods Scale" if level == 0 else \
        f"Maryland Scientific Methods Scale level {level}"
    log.info("evidence: %s (%s)", label, reason)
    return pd.DataFrame([{
        "scale": "maryland_sms", "level": level, "label": label, "design": text["design"],
        "allows": text["allows"], "does_not_allow": text["does_not_allow"], "reason": reason,
        "groups": len(present), "n_treated": n_treated, "n_comparison": n_comparison, "waves": waves_present,
        "both_waves": both, "adjusted": ";".join(adjusted_for), "clustered": bool(clustered), "clusters": clusters,
    }], columns=EVIDENCE_COLUMNS)
