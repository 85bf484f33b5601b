"""The table of numbers published in the 2019 report (data/published/published_2019.csv).

Checks the table's shape and, for every row the pipeline is meant to
reproduce (``target = results``), that its measure / group / category use
exactly the names of ``results.csv`` (docs/contract.md section 4), as defined by the
codebook.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.core.codebook import load_codebook

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "data" / "published" / "published_2019.csv"

COLUMNS = ["id", "location", "description", "measure", "group", "category", "unit", "value", "low", "high",
           "rounding", "base", "kind", "target", "note", "check"]
CHECKS = {"data", "contradiction", "not_from_data"}
UNITS = {"percent", "count", "mean", "ratio"}
KINDS = {"point", "range"}
TARGETS = {"results", "qualitative", "context", "design"}
ROUNDINGS = {"exact", "integer", "one_decimal", "two_decimals", "approximate", "vague"}
#: Measure-name prefixes of rows the pipeline does not compute.
PREFIXES = {"qualitative": ("qual_",), "context": ("lit_", "ctx_"), "design": ("design_",)}

#: Derived measures of helpers.core.processing and the kind of category each takes.
COUNT_MEASURES = {"sample_size", "sample_schools", "sample_forces", "sample_workshops", "sample_workshop_children",
                  "sample_interviewees", "census_forces", "census_schools", "census_children",
                  "census_planned_units"}
FORCE_MEASURES = {"sample_schools_by_force"}
SURVEY_GROUPS = {"mini_police", "non_mini_police", "all_children", "practitioners", "teachers", "parents",
                 "workshops", "interviews"}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(PUBLISHED, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def numeric(table) -> pd.DataFrame:
    out = table.copy()
    for column in ("value", "low", "high", "base"):
        out[column] = pd.to_numeric(out[column].replace("", None), errors="raise")
    return out


def _survey_instruments(codebook):
    return dict(codebook.instruments)


def _measure_columns(codebook) -> dict[str, list]:
    """results.csv measure name -> (instrument, column) pairs that produce it."""
    out: dict[str, list] = {}
    for inst in _survey_instruments(codebook).values():
        for col in inst.columns:
            if col.role in ("admin", "text") or col.type in ("id", "identifier", "free_text"):
                continue
            out.setdefault(col.measure, []).append((inst, col))
    return out


def _is_force(codebook, value: str) -> bool:
    return codebook.match_force(value) == value


def _groups_of(inst, col) -> set[str]:
    """Groups results.csv reports a codebook column for (docs/contract.md section 4)."""
    by = inst.groups.get("by")
    if by and col.applies_if and by in col.applies_if:
        return {inst.groups[col.applies_if[by]]}  # asked of one group only, e.g. mini-police children
    return {name for key, name in inst.groups.items() if key != "by"}


def _code_ok(codebook, col, category: str) -> bool:
    if col.type == "coded":
        scale = codebook.scales[col.scale]
        return category in scale.codes or (category == "mean" and col.role == "safety" and scale.scores is not None)
    if col.type == "flag":
        return category == "yes"
    if col.type == "force":
        return _is_force(codebook, category)
    if col.type == "integer" and col.role == "rank":
        return category == "mean"
    if col.type == "integer":
        return category.isdigit() and col.min <= int(category) <= col.max
    return False


def _problems(codebook, columns: dict, measure: str, group: str, category: str) -> list[str]:
    """What is wrong with one (measure, group, category) as a results.csv key (empty list: nothing)."""
    parts = category.split("+")
    if any(part != part.strip() or not part for part in parts):
        return ["category"]
    if measure.startswith("census_"):
        if measure not in COUNT_MEASURES | {"census_cycles_per_year", "census_children_per_school"}:
            return ["measure"]
        per_force = measure in {"census_schools", "census_children", "census_planned_units", "census_cycles_per_year"}
        if not (group == "national" or (per_force and _is_force(codebook, group))):
            return ["group"]
        if measure == "census_cycles_per_year":
            ok = all(p.isdigit() and int(p) >= 1 for p in parts)
        else:
            ok = parts == ["mean" if measure == "census_children_per_school" else "count"]
        return [] if ok else ["category"]
    if measure in columns:
        candidates = [(inst, col) for inst, col in columns[measure] if group in _groups_of(inst, col)]
        if not candidates:
            return ["group"]
        ok = all(any(_code_ok(codebook, col, p) for _, col in candidates) for p in parts)
        return [] if ok else ["category"]
    if measure in COUNT_MEASURES | FORCE_MEASURES | {"sample_forces_by_role"}:
        if group not in SURVEY_GROUPS:
            return ["group"]
        if measure in FORCE_MEASURES:
            ok = all(_is_force(codebook, p) for p in parts)
        elif measure == "sample_forces_by_role":
            roles = set(codebook.scales["practitioner_role"].codes) | set(codebook.scales["interview_role"].codes)
            ok = all(p in roles for p in parts)
        else:
            ok = parts == ["count"]
        return [] if ok else ["category"]
    return ["measure"]


def test_file_is_utf8_with_lf_line_endings():
    raw = PUBLISHED.read_bytes()
    raw.decode("utf-8")
    assert b"\r" not in raw


def test_columns_exactly(table):
    assert list(table.columns) == COLUMNS


def test_at_least_ninety_rows(table):
    assert len(table) >= 90


def test_ids_unique_and_well_formed(table):
    assert table["id"].is_unique
    assert table["id"].str.fullmatch(r"P\d{3}").all()


def test_required_text_present(table):
    for column in ("location", "description", "measure", "group", "category"):
        assert (table[column].str.strip() != "").all(), column
    assert table["location"].str.contains(r"; line \d+$").all()


def test_vocabularies(table):
    assert set(table["unit"]) <= UNITS
    assert set(table["kind"]) <= KINDS
    assert set(table["target"]) <= TARGETS
    assert set(table["rounding"]) <= ROUNDINGS


def test_points_have_values_and_ranges_are_ordered(numeric):
    points = numeric[numeric["kind"] == "point"]
    assert points["value"].notna().all(), points.loc[points["value"].isna(), "id"].tolist()
    ranges = numeric[numeric["kind"] == "range"]
    assert ranges["value"].isna().all()
    assert ranges["low"].notna().all() and ranges["high"].notna().all()
    assert (ranges["low"] <= ranges["high"]).all(), ranges.loc[ranges["low"] > ranges["high"], "id"].tolist()


def test_percents_within_bounds(numeric):
    pct = numeric[numeric["unit"] == "percent"]
    for column in ("value", "low", "high"):
        values = pct[column].dropna()
        assert ((values >= 0) & (values <= 100)).all(), column


def test_other_targets_use_prefixed_measures(table):
    """Rows not checked against data use prefixed names; checked ones use results names."""
    for target, prefixes in PREFIXES.items():
        rows = table[(table["target"] == target) & (table["check"] != "data")]
        bad = rows.loc[~rows["measure"].str.startswith(prefixes), "id"].tolist()
        assert not bad, (target, bad)


def test_check_column(table):
    assert set(table["check"]) <= CHECKS
    assert (table.loc[table["target"] == "results", "check"] != "not_from_data").all()
    contradictions = table[table["check"] == "contradiction"]
    assert contradictions["note"].str.contains("CONTRADICTION").all()


def test_results_rows_use_results_names():
    codebook = load_codebook()
    table = pd.read_csv(PUBLISHED, dtype=str, keep_default_na=False)
    columns = _measure_columns(codebook)
    problems = [(row.id, what, row.measure, row.group, row.category)
                for row in table[table["check"] == "data"].itertuples()
                for what in _problems(codebook, columns, row.measure, row.group, row.category)]
    assert not problems, problems


@pytest.mark.parametrize("key, ok", [
    (("enjoyed_amount", "mini_police", "all"), True),
    (("enjoyed_amount", "non_mini_police", "all"), False),       # asked of mini-police only
    (("att_good_job", "mini_police", "strongly_agree+agree"), True),
    (("att_good_job", "mini_police", "yes"), False),
    (("impact_trust", "teachers", "significantly_positive+positive"), True),
    (("impact_trust", "teachers", "agree"), False),              # agree5 is the children's scale
    (("sample_force", "all_children", "Gwent+Merseyside"), True),
    (("sample_force", "all_children", "Gwent and Merseyside"), False),
    (("sample_year_group", "all_children", "13"), False),
    (("gender", "all_children", "girl"), False),                 # demographics are sample_<name>
    (("census_cycles_per_year", "national", "9"), True),
    (("status", "Durham", "active"), False),                     # census codes are national only
    (("census_schools", "Durham", "count"), True),
    (("sample_schools_by_force", "all_children", "Durham"), True),
])
def test_key_checker(key, ok):
    codebook = load_codebook()
    assert (not _problems(codebook, _measure_columns(codebook), *key)) is ok


def test_results_rows_mean_unit_only_for_means():
    table = pd.read_csv(PUBLISHED, dtype=str, keep_default_na=False)
    means = table[table["unit"] == "mean"]
    assert (means["category"] == "mean").all()
