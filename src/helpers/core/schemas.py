"""Schemas of the processed tables (docs/contract.md sections 3 and 4), with pandera.

One job: state, as executable checks, what ``results.csv``, ``tests.csv``,
``validation_log.csv``, ``power.csv``, ``sensitivity.csv`` and ``evidence.csv``
must look like (and ``design.csv``, ``balance.csv``, ``adjusted.csv``:
:func:`check_design_outputs`; ``breakdowns.csv``, ``enjoyed_least.csv``:
:func:`check_breakdown_outputs`). The pipeline validates every table
against its schema before writing it, so a programming error can never
publish a malformed table; other tools can import the same schemas.

Examples
--------
>>> from helpers.core.schemas import RESULTS_SCHEMA
>>> sorted(RESULTS_SCHEMA.columns)[:3]
['base', 'category', 'ci_high']
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.pandas import Check, Column

from helpers.core.codebook import Groups, default_groups

__all__ = ["RESULTS_SCHEMA", "TESTS_SCHEMA", "LOG_SCHEMA", "POWER_SCHEMA", "SENSITIVITY_SCHEMA", "EVIDENCE_SCHEMA",
           "DESIGN_SCHEMA", "BALANCE_SCHEMA", "ADJUSTED_SCHEMA", "POOLED_SCHEMA", "POOLED_FORCES_SCHEMA",
           "CHANGE_SCHEMA", "DID_SCHEMA", "ATTRITION_SCHEMA", "TREND_SCHEMA", "BREAKDOWNS_SCHEMA",
           "ENJOYED_LEAST_SCHEMA", "DERIVED_SCHEMA", "check_outputs", "check_design_outputs", "check_pooled_outputs",
           "check_change_outputs", "check_breakdown_outputs", "for_groups"]

#: The programme group and the other group of the default codebook: the per-group columns
#: are named after them (``n_<yes>``, ``n_<no>``, ``value_<yes>`` ...; docs/contract.md section 4).
#: The schemas below are the default programme's; :func:`for_groups` renames them for others.
_YES, _NO = default_groups().pair

_UNITS = ["percent", "mean", "count"]
_ACTIONS = ["set_missing", "quarantined", "ignored_column", "missing_column", "noted"]


def _percent_value_matches(df):
    """For unsuppressed percent rows with a base, value = 100 n / base."""
    rows = df[(df["unit"] == "percent") & (df["flag"] != "c") & (df["base"] > 0)]
    expected = 100 * rows["n"].astype(float) / rows["base"].astype(float)
    return ((rows["value"] - expected).abs() < 1e-9).all()


def _suppressed_cells_are_empty(df):
    rows = df[df["flag"] == "c"]
    return bool(rows["n"].isna().all() and rows["value"].isna().all())


def _wilson_contains_value(df):
    rows = df[(df["unit"] == "percent") & df["value"].notna()]
    return bool(((rows["ci_low"] <= rows["value"] + 1e-9) & (rows["value"] <= rows["ci_high"] + 1e-9)).all())


def _ci_contains_effect(df):
    """low <= high; r inside its interval; V at least its lower bound.

    The noncentrality interval of V need not contain the sample V: for a
    statistic near zero its upper bound can fall below it (module
    :mod:`helpers.core.stats`), so only the lower side is checked for V.
    """
    if "effect_ci_low" not in df or "effect_ci_high" not in df:
        return True
    rows = df[df["effect_size"].notna()]
    ordered = rows["effect_ci_low"] <= rows["effect_ci_high"] + 1e-12
    above_low = rows["effect_ci_low"] <= rows["effect_size"] + 1e-9
    below_high = (rows["effect_size"] <= rows["effect_ci_high"] + 1e-9) | rows["effect_name"].eq("cramers_v")
    return bool((ordered & above_low & below_high).all())


def _bounded_effects_in_unit_range(df):
    """r and V lie in [0, 1] (the minimum detectable effect is a magnitude)."""
    rows = df[df["effect_name"].isin(["rank_biserial_r", "cramers_v"]) & df["effect_size"].notna()]
    return bool(rows["effect_size"].le(1).all())


def _weighted_percent_in_range(df):
    rows = df[df["unit"].eq("percent") & ~df["group"].eq("difference") & df["value_weighted"].notna()]
    return bool(rows["value_weighted"].between(-1e-9, 100 + 1e-9).all())


def _kish_at_most_weighted_answers(df):
    rows = df[df["effective_n"].notna()]
    used = (rows["base"] - rows["excluded"]).astype(float)
    return bool((rows["effective_n"] <= used + 1e-9).all())


def _sensitivity_suppressed_cells_are_empty(df):
    rows = df[df["flag"] == "c"]
    return bool(rows["value"].isna().all() and rows["value_weighted"].isna().all())


RESULTS_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str),
        "group": Column(str),
        "category": Column(str),
        "n": Column("Int64", Check.ge(0), nullable=True),
        "base": Column("Int64", Check.ge(0), nullable=True),
        "value": Column(float, nullable=True),
        "unit": Column(str, Check.isin(_UNITS)),
        "ci_low": Column(float, Check.in_range(0, 100), nullable=True),
        "ci_high": Column(float, Check.in_range(0, 100), nullable=True),
        "flag": Column(str, Check.isin(["", "c"])),
        # appended (docs/waves-and-years.md): the wave and year a children's row describes, empty otherwise
        # (no dtype check: an all-empty column reads back as floats or text)
        "wave": Column(None, Check.isin(["", "baseline", "follow_up"]), nullable=True),
        "year": Column(None, Check(lambda s: s.dropna().astype(str).str.fullmatch(r"(\d{4}(\.0)?)?").all(),
                                   error="year must be a whole number"), nullable=True),
    },
    checks=[
        Check(_percent_value_matches, error="percent value is not 100 n / base"),
        Check(_suppressed_cells_are_empty, error="a suppressed cell still shows n or value"),
        Check(_wilson_contains_value, error="a Wilson interval does not contain its value"),
    ],
    unique=["measure", "group", "category"],
    strict=True,
    ordered=True,
    name="results.csv",
)

TESTS_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str, unique=True),
        "test": Column(str, Check.isin(["mann_whitney_u", "chi_square", "fisher_exact", "chi_square_permutation"])),
        "statistic": Column(float, nullable=True),
        "dof": Column(float, nullable=True),
        "p_value": Column(float, Check.in_range(0, 1), nullable=True),
        "p_holm": Column(float, Check.in_range(0, 1), nullable=True),
        "effect_size": Column(float, Check.in_range(-1, 1), nullable=True),
        "effect_name": Column(str, nullable=True),
        # Empty only in a local report, where a group below --min-cell is hidden (helpers.core.disclosure).
        f"n_{_YES}": Column("Int64", Check.ge(0), nullable=True),
        f"n_{_NO}": Column("Int64", Check.ge(0), nullable=True),
        # Appended columns (a compatible superset of docs/contract.md section 4): optional here so that a
        # tests.csv written before them still validates; check_outputs requires them.
        "effect_ci_low": Column(float, Check.in_range(-1, 1), nullable=True, required=False),
        "effect_ci_high": Column(float, Check.in_range(-1, 1), nullable=True, required=False),
        "n_required_80": Column("Int64", Check.ge(2), nullable=True, required=False),
        # smallest expected count of a chi-square table (empty for Mann-Whitney rows)
        "min_expected": Column(float, Check.ge(0), nullable=True, required=False),
        # "c" where disclosure control emptied the comparison (a group below --min-cell).
        "flag": Column(str, Check.isin(["", "c"]), nullable=True, required=False),
    },
    checks=[Check(lambda df: (df["p_holm"].isna() | (df["p_holm"] >= df["p_value"] - 1e-12)).all(),
                  error="a Holm-adjusted p-value is below its raw p-value"),
            Check(_ci_contains_effect, error="an effect-size interval is inconsistent with its effect size")],
    strict=True,
    ordered=True,
    coerce=True,
    name="tests.csv",
)

#: tests.csv as the pipeline writes it: the appended columns are required.
_TESTS_SCHEMA_COMPLETE = TESTS_SCHEMA.update_columns(
    {name: {"required": True} for name in ("effect_ci_low", "effect_ci_high", "n_required_80", "flag")})

POWER_SCHEMA = pa.DataFrameSchema(
    {
        "test": Column(str, Check.isin(["mann_whitney_u", "chi_square"])),
        "dof": Column(float, Check.ge(1), nullable=True),
        "effect_name": Column(str, Check.isin(["cohens_d", "rank_biserial_r", "cohens_w", "cramers_v"])),
        "effect_size": Column(float, Check.ge(0), nullable=True),
        # Empty only in a local report, where a group below --min-cell is hidden (helpers.core.disclosure).
        f"n_{_YES}": Column("Int64", Check.ge(0), nullable=True),
        f"n_{_NO}": Column("Int64", Check.ge(0), nullable=True),
        "power": Column(float, Check.in_range(0, 1, include_min=False)),
        "alpha": Column(float, Check.in_range(0, 1, include_min=False, include_max=False)),
    },
    checks=[Check(_bounded_effects_in_unit_range, error="a rank-biserial r or Cramér's V above 1"),
            Check(lambda df: (df["dof"].isna() == df["test"].eq("mann_whitney_u")).all(),
                  error="dof must be given exactly for chi-square rows")],
    unique=["test", "dof", "effect_name"],
    strict=True,
    ordered=True,
    name="power.csv",
)

def _derived_percent_matches(df):
    """For unsuppressed percent rows with a count and a base, value = 100 n / base."""
    rows = df[(df["unit"] == "percent") & (df["flag"] != "c") & df["n"].notna() & (df["base"] > 0)]
    expected = 100 * rows["n"].astype(float) / rows["base"].astype(float)
    return bool(((rows["value"] - expected).abs() < 1e-9).all())


def _derived_interval_contains(df):
    rows = df[df["ci_low"].notna() & df["value"].notna()]
    return bool(((rows["ci_low"] <= rows["value"] + 1e-9) & (rows["value"] <= rows["ci_high"] + 1e-9)).all())


#: derived.csv (helpers.core.derived): the numbers the prose prints that are no single results row.
DERIVED_SCHEMA = pa.DataFrameSchema(
    {
        "key": Column(str, Check.isin(["top_two", "bottom_two", "favourable", "unfavourable", "top_forces",
                                       "top_sample", "top_sample_census", "sample_forces", "census_forces",
                                       "mde", "mde_pairs", "mde_gap", "alpha", "holm_alpha", "tests"])),
        # measure ... value as in results.csv; unit has more kinds; no wave, year
        **{name: RESULTS_SCHEMA.columns[name] for name in ("measure", "group", "category", "n", "base", "value")},
        "unit": Column(str, Check.isin(["percent", "count", "effect", "points", "probability"])),
        **{name: RESULTS_SCHEMA.columns[name] for name in ("ci_low", "ci_high")},
        "flag": Column(str, Check.isin(["", "c"])),
    },
    checks=[
        Check(_derived_percent_matches, error="percent value is not 100 n / base"),
        Check(_suppressed_cells_are_empty, error="a suppressed derived row still shows n or value"),
        Check(_derived_interval_contains, error="a Wilson interval does not contain its value"),
        Check(lambda df: bool(df.loc[df["unit"].eq("percent"), "value"].dropna().between(0, 100 + 1e-9).all()),
              error="a percent outside 0-100"),
    ],
    unique=["key", "measure", "group", "category"],
    strict=True,
    ordered=True,
    name="derived.csv",
)

SENSITIVITY_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str),
        "group": Column(str, Check.isin([_YES, _NO, "difference"])),
        "category": Column(str),
        "unit": Column(str, Check.isin(["percent", "mean"])),
        "base": Column("Int64", Check.ge(0), nullable=True),
        "value": Column(float, nullable=True),
        "value_weighted": Column(float, nullable=True),
        "effective_n": Column(float, Check.ge(0), nullable=True),
        "excluded": Column("Int64", Check.ge(0), nullable=True),
        "flag": Column(str, Check.isin(["", "c"])),
        # Appended columns (helpers.core.weighting: trimming and design-based intervals); optional so that a
        # sensitivity.csv written before them still validates.
        "effective_n_untrimmed": Column(float, Check.ge(0), nullable=True, required=False),
        "weighted_ci_low": Column(float, nullable=True, required=False),
        "weighted_ci_high": Column(float, nullable=True, required=False),
        "weighted_p": Column(float, Check.in_range(0, 1), nullable=True, required=False),
    },
    checks=[
        Check(_weighted_percent_in_range, error="a weighted percent outside 0-100"),
        Check(_kish_at_most_weighted_answers, error="a Kish effective n above the number of weighted answers"),
        Check(_sensitivity_suppressed_cells_are_empty, error="a suppressed cell still shows a value"),
        Check(lambda df: (df["base"].isna() == (df["group"].eq("difference")
                                                | (df["base"].isna() & df["flag"].eq("c")))).all(),
              error="base must be empty for difference rows, and otherwise only where suppressed (local)"),
    ],
    unique=["measure", "group", "category"],
    strict=True,
    ordered=True,
    name="sensitivity.csv",
)

EVIDENCE_SCHEMA = pa.DataFrameSchema(
    {
        "scale": Column(str, Check.isin(["maryland_sms"])),
        "level": Column(int, Check.in_range(0, 5)),
        "label": Column(str),
        "design": Column(str),
        "allows": Column(str),
        "does_not_allow": Column(str),
        "reason": Column(str),
        "groups": Column(int, Check.in_range(0, 2)),
        "n_treated": Column(int, Check.ge(0)),
        "n_comparison": Column(int, Check.ge(0)),
        "waves": Column(int, Check.in_range(0, 2)),
        "both_waves": Column(bool),
        "adjusted": Column(str, nullable=True),
        "clustered": Column(bool),
        "clusters": Column(int, Check.ge(0)),
    },
    checks=[Check(lambda df: ((df["level"] < 3) | df["both_waves"]).all(),
                  error="level 3 needs both groups at baseline and follow-up"),
            Check(lambda df: ((df["level"] == 0) | (df["groups"] == 2) | df["both_waves"]).all(),
                  error="a rated design needs a comparison group or two waves")],
    strict=True,
    ordered=True,
    name="evidence.csv",
)

LOG_SCHEMA = pa.DataFrameSchema(
    {
        "instrument": Column(str),
        "row": Column("Int64", Check.ge(1), nullable=True),
        "respondent_id": Column(object, nullable=True),
        "column": Column(object, nullable=True),
        "value": Column(object, nullable=True),
        "problem": Column(str),
        "action": Column(str, Check.isin(_ACTIONS)),
        # appended (national intake): the force folder the event comes from; empty for a flat folder
        "submission": Column(str, required=False),
    },
    checks=[Check(lambda df: (df["row"].isna() == df["action"].isin(["ignored_column", "missing_column"])).all(),
                  error="row must be empty exactly for column-level events")],
    strict=True,
    ordered=True,
    name="validation_log.csv",
)


def for_groups(schema: pa.DataFrameSchema, groups: Groups | None = None) -> pa.DataFrameSchema:
    """``schema`` with its per-group columns and group values named after ``groups``.

    The schemas of this module name the default codebook's groups
    (``n_<yes>``, ``value_<no>`` ..., ``group`` in ``{yes, no}``); for a
    codebook with other groups the same checks apply to columns named after
    its groups. ``None`` or the default groups return ``schema`` itself.

    Examples
    --------
    >>> from helpers.core.codebook import Groups
    >>> pair = Groups("survey", by="member", yes="members", no="others", all="everyone")
    >>> list(for_groups(TESTS_SCHEMA, pair).columns)[8:10]
    ['n_members', 'n_others']
    """
    if groups is None or groups.pair == (_YES, _NO):
        return schema
    key = (schema.name, id(schema), *groups.pair)
    if key not in _RENAMED:
        _RENAMED[key] = _renamed(schema, *groups.pair)
    return _RENAMED[key]


_RENAMED: dict[tuple, pa.DataFrameSchema] = {}


def _renamed(schema: pa.DataFrameSchema, yes: str, no: str) -> pa.DataFrameSchema:
    mapping = {}
    for name in schema.columns:
        for old, new in ((_NO, no), (_YES, yes)):  # the longer name first: one may end with the other
            if name.endswith("_" + old):
                mapping[name] = name[: -len(old)] + new
                break
    out = schema.rename_columns(mapping)
    group = out.columns.get("group")
    allowed = [c.statistics.get("allowed_values") for c in group.checks] if group is not None else []
    if any(allowed):
        values = [{_YES: yes, _NO: no}.get(v, v) for v in next(a for a in allowed if a)]
        out = out.update_column("group", checks=[Check.isin(values)])
    return out


def check_outputs(results, tests, log, power=None, sensitivity=None, evidence=None, *,
                  groups: Groups | None = None) -> None:
    """Validate the processed tables; raise ``pandera.errors.SchemaError`` on a breach.

    ``power`` and ``sensitivity`` are checked when given. ``tests`` must
    have the appended columns (``effect_ci_low``, ``effect_ci_high``,
    ``n_required_80``), which :data:`TESTS_SCHEMA` alone leaves optional.
    ``groups`` names the per-group columns (:func:`for_groups`; default: the
    packaged codebook's groups).
    """
    RESULTS_SCHEMA.validate(results)
    for_groups(_TESTS_SCHEMA_COMPLETE, groups).validate(tests)
    LOG_SCHEMA.validate(log)
    if power is not None:
        for_groups(POWER_SCHEMA, groups).validate(power)
    if sensitivity is not None:
        for_groups(SENSITIVITY_SCHEMA, groups).validate(sensitivity)
    if evidence is not None:
        EVIDENCE_SCHEMA.validate(evidence)


# --------------------------------------------------------------------------- design-based tables


def _interval_contains(df, estimate="difference", low="ci_low", high="ci_high"):
    rows = df[df[estimate].notna() & df[low].notna() & df[high].notna()]
    return bool(((rows[low] <= rows[estimate] + 1e-9) & (rows[estimate] <= rows[high] + 1e-9)).all())


def _stats_empty_when_flagged(columns):
    def check(df):
        rows = df[df["flag"] == "c"]
        return bool(rows[[c for c in columns if c in rows]].isna().all().all())
    return check


DESIGN_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str, unique=True),
        f"n_{_YES}": Column("Int64", Check.ge(0), nullable=True),  # empty: hidden in a local report
        f"n_{_NO}": Column("Int64", Check.ge(0), nullable=True),
        "schools": Column(int, Check.ge(0)),
        "icc": Column(float, Check.in_range(0, 1), nullable=True),
        "design_effect": Column(float, Check.ge(1), nullable=True),
        "difference": Column(float, nullable=True),
        "ci_low": Column(float, nullable=True),
        "ci_high": Column(float, nullable=True),
        "p_cluster": Column(float, Check.in_range(0, 1), nullable=True),
        "p_cluster_holm": Column(float, Check.in_range(0, 1), nullable=True),
        "p_within": Column(float, Check.in_range(0, 1), nullable=True),
        "within_method": Column(str, Check.isin(["cmh", "fixed_effects"])),
        # appended after the columns
        "family": Column(str, Check.isin(["primary", "secondary", "exploratory"])),
        "score": Column(str, Check.isin(["scored", "rank", "yes"])),
        "se": Column(float, Check.ge(0), nullable=True),
        "schools_within": Column(int, Check.ge(0)),
        "sesoi": Column(float, Check.gt(0), nullable=True),
        "p_equivalence": Column(float, Check.in_range(0, 1), nullable=True),
        "equivalence": Column(str, nullable=True),
        "flag": Column(str, Check.isin(["", "c"])),
    },
    checks=[
        Check(_interval_contains, error="a cluster-robust interval does not contain its difference"),
        Check(lambda df: (df["p_cluster_holm"].isna() | (df["p_cluster_holm"] >= df["p_cluster"] - 1e-12)).all(),
              error="a Holm-adjusted p-value is below its raw p-value"),
        Check(lambda df: (df["sesoi"].isna() | df["family"].eq("primary")).all(),
              error="a smallest effect of interest outside the primary family"),
        Check(_stats_empty_when_flagged(["difference", "p_cluster", "p_within", "icc"]),
              error="a suppressed comparison still shows a statistic"),
    ],
    strict=True,
    ordered=True,
    coerce=True,
    name="design.csv",
)

BALANCE_SCHEMA = pa.DataFrameSchema(
    {
        "covariate": Column(str, Check.isin(["gender", "force", "year_group", "age"])),
        "category": Column(str),
        "unit": Column(str, Check.isin(["percent", "mean"])),
        f"n_{_YES}": Column("Int64", Check.ge(0), nullable=True),
        f"base_{_YES}": Column("Int64", Check.ge(0), nullable=True),
        f"value_{_YES}": Column(float, nullable=True),
        f"sd_{_YES}": Column(float, Check.ge(0), nullable=True),
        f"n_{_NO}": Column("Int64", Check.ge(0), nullable=True),
        f"base_{_NO}": Column("Int64", Check.ge(0), nullable=True),
        f"value_{_NO}": Column(float, nullable=True),
        f"sd_{_NO}": Column(float, Check.ge(0), nullable=True),
        "std_difference": Column(float, nullable=True),
        "flag": Column(str, Check.isin(["", "c"])),
    },
    checks=[Check(lambda df: df.loc[df["flag"].eq("c"), "std_difference"].isna().all(),
                  error="a suppressed balance row still shows its standardised difference")],
    unique=["covariate", "category"],
    strict=True,
    ordered=True,
    name="balance.csv",
)

ADJUSTED_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str),
        "model": Column(str, Check.isin(["unadjusted", "adjusted"])),
        "covariates": Column(str),
        "n": Column("Int64", Check.ge(0), nullable=True),  # empty: hidden in a local report
        "schools": Column(int, Check.ge(0)),
        "difference": Column(float, nullable=True),
        "se": Column(float, Check.ge(0), nullable=True),
        "ci_low": Column(float, nullable=True),
        "ci_high": Column(float, nullable=True),
        "p_value": Column(float, Check.in_range(0, 1), nullable=True),
        "flag": Column(str, Check.isin(["", "c"])),
    },
    checks=[Check(_interval_contains, error="an adjusted interval does not contain its difference"),
            Check(_stats_empty_when_flagged(["difference", "se", "p_value"]),
                  error="a suppressed model still shows a statistic")],
    unique=["measure", "model"],
    strict=True,
    ordered=True,
    name="adjusted.csv",
)


def check_design_outputs(design, balance, adjusted, *, groups: Groups | None = None) -> None:
    """Validate ``design.csv``, ``balance.csv`` and ``adjusted.csv``; raise ``SchemaError`` on a breach."""
    for_groups(DESIGN_SCHEMA, groups).validate(design)
    for_groups(BALANCE_SCHEMA, groups).validate(balance)
    ADJUSTED_SCHEMA.validate(adjusted)


_RATIO = Check.in_range(0, 1)

POOLED_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str, unique=True),
        "k": Column(int, Check.ge(0)),
        "estimate": Column(float, nullable=True),
        "se": Column(float, Check.gt(0), nullable=True),
        "ci_low": Column(float, nullable=True),
        "ci_high": Column(float, nullable=True),
        "tau2": Column(float, Check.ge(0), nullable=True),
        "i2": Column(float, _RATIO, nullable=True),
        "q": Column(float, Check.ge(0), nullable=True),
        "pi_low": Column(float, nullable=True),
        "pi_high": Column(float, nullable=True),
        "forces_left_out": Column(int, Check.ge(0)),
        "method": Column(str, Check.isin(["dl"])),
    },
    checks=[Check(lambda df: _interval_contains(df, "estimate"), error="ci must contain the pooled estimate"),
            Check(lambda df: _interval_contains(df, "estimate", "pi_low", "pi_high"),
                  error="the prediction interval must contain the pooled estimate"),
            Check(lambda df: (df["estimate"].notna() == (df["k"] >= 2)).all(),
                  error="an estimate exactly where at least two forces are pooled"),
            Check(lambda df: (df["pi_low"].notna() == (df["k"] >= 3)).all(),
                  error="a prediction interval exactly where at least three forces are pooled")],
    strict=True,
    ordered=True,
    name="pooled.csv",
)

POOLED_FORCES_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str),
        "force": Column(str),
        "method": Column(str, Check.isin(["", "cluster_ols", "difference_of_means"])),
        f"n_{_YES}": Column("Int64", Check.ge(0), nullable=True),
        f"n_{_NO}": Column("Int64", Check.ge(0), nullable=True),
        "schools": Column(int, Check.ge(0)),
        "estimate": Column(float, nullable=True),
        "se": Column(float, nullable=True),
        "ci_low": Column(float, nullable=True),
        "ci_high": Column(float, nullable=True),
        "weight": Column(float, _RATIO, nullable=True),
        "included": Column(bool),
        "reason": Column(str),
    },
    checks=[Check(lambda df: (df["included"] == (df["reason"] == "")).all(),
                  error="a force is left out exactly when a reason is given"),
            Check(lambda df: (df["weight"].notna() <= df["included"]).all(),
                  error="only included forces carry a weight"),
            Check(lambda df: _interval_contains(df, "estimate"), error="ci must contain the force's estimate")],
    unique=["measure", "force"],
    strict=True,
    ordered=True,
    name="pooled_forces.csv",
)


def check_pooled_outputs(pooled, forces, *, groups: Groups | None = None) -> None:
    """Validate ``pooled.csv`` and ``pooled_forces.csv``; raise ``SchemaError`` on a breach."""
    POOLED_SCHEMA.validate(pooled)
    for_groups(POOLED_FORCES_SCHEMA, groups).validate(forces)
# --------------------------------------------------------------------------- change between waves

_P = Check.in_range(0, 1)

CHANGE_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str),
        "group": Column(str, Check.isin([_YES, _NO])),
        "n_pairs": Column("Int64", Check.ge(0), nullable=True),
        "mean_baseline": Column(float, nullable=True),
        "mean_follow_up": Column(float, nullable=True),
        "mean_change": Column(float, nullable=True),
        "p_value": Column(float, _P, nullable=True),
        "test": Column(str, Check.isin(["wilcoxon", "mcnemar_exact"]), nullable=True),
        "score": Column(str, Check.isin(["scored", "yes"])),
        "flag": Column(str, Check.isin(["", "c"])),
    },
    checks=[Check(_stats_empty_when_flagged(["n_pairs", "mean_baseline", "mean_follow_up", "mean_change", "p_value"]),
                  error="a suppressed change row still shows a statistic")],
    unique=["measure", "group"],
    strict=True,
    ordered=True,
    name="change.csv",
)

DID_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str, unique=True),
        "n_pairs": Column("Int64", Check.ge(0), nullable=True),
        "estimate": Column(float, nullable=True),
        "ci_low": Column(float, nullable=True),
        "ci_high": Column(float, nullable=True),
        "p_value": Column(float, _P, nullable=True),
        "se": Column(float, Check.ge(0), nullable=True),
        f"n_pairs_{_YES}": Column("Int64", Check.ge(0), nullable=True),
        f"n_pairs_{_NO}": Column("Int64", Check.ge(0), nullable=True),
        "schools": Column("Int64", Check.ge(0), nullable=True),
        "score": Column(str, Check.isin(["scored", "yes"])),
        "flag": Column(str, Check.isin(["", "c"])),
    },
    checks=[Check(lambda df: _interval_contains(df, estimate="estimate"), error="a DiD interval misses its estimate"),
            Check(_stats_empty_when_flagged(["n_pairs", "estimate", "p_value"]),
                  error="a suppressed DiD row still shows a statistic")],
    strict=True,
    ordered=True,
    name="did.csv",
)

ATTRITION_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str),
        "group": Column(str, Check.isin([_YES, _NO])),
        **{c: Column("Int64", Check.ge(0), nullable=True)
           for c in ("n_baseline", "n_pairs", "n_baseline_only", "n_follow_up_only")},
        **{c: Column(float, nullable=True)
           for c in ("mean_pairs", "mean_baseline_only", "difference", "ci_low", "ci_high")},
        "p_value": Column(float, _P, nullable=True),
        "flag": Column(str, Check.isin(["", "c"])),
    },
    checks=[Check(_interval_contains, error="an attrition interval misses its difference"),
            Check(_stats_empty_when_flagged(["n_pairs", "difference", "p_value"]),
                  error="a suppressed attrition row still shows a statistic")],
    unique=["measure", "group"],
    strict=True,
    ordered=True,
    name="attrition.csv",
)

TREND_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str),
        "year": Column("Int64"),
        "n": Column("Int64", Check.ge(0), nullable=True),
        "base": Column("Int64", Check.ge(0), nullable=True),
        "value": Column(float, Check.in_range(0, 100), nullable=True),
        "ci_low": Column(float, Check.in_range(0, 100), nullable=True),
        "ci_high": Column(float, Check.in_range(0, 100), nullable=True),
        "slope": Column(float, nullable=True),
        "slope_ci_low": Column(float, nullable=True),
        "slope_ci_high": Column(float, nullable=True),
        "p_trend": Column(float, _P, nullable=True),
        "years": Column("Int64", Check.ge(2), nullable=True),
        "schools": Column("Int64", Check.ge(0), nullable=True),
        "flag": Column(str, Check.isin(["", "c"])),
    },
    checks=[Check(lambda df: _interval_contains(df, estimate="value"), error="a trend interval misses its value"),
            Check(_stats_empty_when_flagged(["n", "value"]), error="a suppressed trend cell still shows a value")],
    unique=["measure", "year"],
    strict=True,
    ordered=True,
    name="trend.csv",
)


def check_change_outputs(change, did, attrition, trend, *, groups: Groups | None = None) -> None:
    """Validate ``change.csv``, ``did.csv``, ``attrition.csv`` and ``trend.csv``; raise ``SchemaError`` on a breach."""
    for_groups(CHANGE_SCHEMA, groups).validate(change)
    for_groups(DID_SCHEMA, groups).validate(did)
    for_groups(ATTRITION_SCHEMA, groups).validate(attrition)
    TREND_SCHEMA.validate(trend)


# --------------------------------------------------------------------------- descriptive breakdowns

BREAKDOWNS_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str),
        "group": Column(str, Check.isin([_YES, _NO])),
        "by": Column(str, Check.isin(["gender", "year_group"])),
        "level": Column(str),
        "category": Column(str, Check.isin(["favourable", "other"])),
        "n": Column("Int64", Check.ge(0), nullable=True),
        "base": Column("Int64", Check.ge(0), nullable=True),
        "value": Column(float, Check.in_range(0, 100), nullable=True),
        "unit": Column(str, Check.isin(["percent"])),
        "ci_low": Column(float, Check.in_range(0, 100), nullable=True),
        "ci_high": Column(float, Check.in_range(0, 100), nullable=True),
        "flag": Column(str, Check.isin(["", "c"])),
    },
    checks=[
        Check(_percent_value_matches, error="percent value is not 100 n / base"),
        Check(_suppressed_cells_are_empty, error="a suppressed cell still shows n or value"),
        Check(_wilson_contains_value, error="a Wilson interval does not contain its value"),
    ],
    unique=["measure", "group", "by", "level", "category"],
    strict=True,
    ordered=True,
    name="breakdowns.csv",
)

#: ``enjoyed_least.csv``: the columns and checks of ``results.csv`` without the wave columns.
ENJOYED_LEAST_SCHEMA = RESULTS_SCHEMA.remove_columns(["wave", "year"]).set_name("enjoyed_least.csv")


def check_breakdown_outputs(breakdowns, enjoyed_least, *, groups: Groups | None = None) -> None:
    """Validate ``breakdowns.csv`` and ``enjoyed_least.csv``; raise ``SchemaError`` on a breach."""
    for_groups(BREAKDOWNS_SCHEMA, groups).validate(breakdowns)
    for_groups(ENJOYED_LEAST_SCHEMA, groups).validate(enjoyed_least)
