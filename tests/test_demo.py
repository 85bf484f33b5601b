"""Tests for the programme's demo-data generator (definitions/demo/generate.py, loaded by helpers.demo).

Structural figures checked here are the 2019 national evaluation's (report
chapters 3-5); see the constants at the top of ``definitions/demo/generate.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from helpers.core.codebook import ALL_INSTRUMENTS, INSTRUMENTS
from helpers.core.config import DEFAULT_SEED, DEMO_MARKER
from helpers.core.pipeline import run_process
from helpers.demo import demo_module
from helpers.report.reproduction import compare, load_published

_generate = demo_module("generate")  # the programme's demo generator (definitions/demo/generate.py), loaded by path
ANSWER_TARGETS = _generate.ANSWER_TARGETS
calibrated_targets = _generate.calibrated_targets
generate_demo_data = _generate.generate_demo_data


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Path]:
    return generate_demo_data(tmp_path_factory.mktemp("demo"), seed=DEFAULT_SEED)


@pytest.fixture(scope="module")
def rows(demo) -> dict[str, list[dict[str, str]]]:
    return {name: _read(demo[name])[1] for name in INSTRUMENTS}


def _count(records, column, value) -> int:
    return sum(r[column] == value for r in records)


# --- files and determinism --------------------------------------------------


def test_writes_five_csvs_and_marker(demo):
    assert set(demo) == {*ALL_INSTRUMENTS, "marker"}
    assert sorted(p.name for p in demo["marker"].parent.iterdir()) == sorted(
        [f"{name}.csv" for name in ALL_INSTRUMENTS] + [DEMO_MARKER]
    )
    text = demo["marker"].read_text(encoding="utf-8")
    assert f"seed {DEFAULT_SEED}" in text
    assert "minipolice" in text and "demo-data" in text
    assert "illustrative" in text


def test_same_seed_gives_identical_bytes(tmp_path, demo):
    again = generate_demo_data(tmp_path / "again", seed=DEFAULT_SEED)
    for name, path in demo.items():
        assert again[name].read_bytes() == path.read_bytes(), name


def test_other_seed_differs(tmp_path, demo):
    other = generate_demo_data(tmp_path / "other", seed=DEFAULT_SEED + 1)
    assert other["children_survey"].read_bytes() != demo["children_survey"].read_bytes()


def test_plain_utf8_lf(demo):
    for name in INSTRUMENTS:
        data = demo[name].read_bytes()
        assert b"\r" not in data
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")


def test_columns_exactly_as_codebook(demo, codebook):
    for name in INSTRUMENTS:
        header, _ = _read(demo[name])
        # design columns (wave, year, child_key) belong to `demo-data --waves` only (tests/test_change.py)
        assert tuple(header) == tuple(c.name for c in codebook.instruments[name].columns if not c.design), name


# --- values fit the codebook ------------------------------------------------


def test_coded_integer_flag_values_are_valid(rows, codebook):
    for name in INSTRUMENTS:
        inst = codebook.instruments[name]
        for col in (c for c in inst.columns if not c.design):  # design columns: demo-data --waves only
            values = {r[col.name] for r in rows[name]} - {""}
            if col.type == "coded":
                scale = codebook.scales[col.scale]
                assert values <= set(scale.codes), (name, col.name, values - set(scale.codes))
            elif col.type == "integer":
                for v in values:
                    assert v.isdigit(), (name, col.name, v)
                    lo = col.min if col.min is not None else 0
                    hi = col.max if col.max is not None else float("inf")
                    assert lo <= int(v) <= hi, (name, col.name, v)
            elif col.type == "flag":
                assert {r[col.name] for r in rows[name]} <= {"0", "1"}, (name, col.name)
            elif col.type == "force":
                assert values <= set(codebook.forces), (name, values - set(codebook.forces))


def test_required_and_ids(rows, codebook):
    for name in INSTRUMENTS:
        inst = codebook.instruments[name]
        ids = [r[inst.id] for r in rows[name]]
        assert len(set(ids)) == len(ids)
        for col in inst.required:
            assert all(r[col] for r in rows[name]), (name, col)


def test_not_applicable_items_are_empty(rows, codebook):
    inst = codebook.instruments["children_survey"]
    conditional = [c for c in inst.columns if c.applies_if]
    assert conditional
    for col in conditional:
        for r in rows["children_survey"]:
            if any(r[k] != v for k, v in col.applies_if.items()):
                assert r[col.name] == "", (col.name, r["respondent_id"])


def test_rank_items_permutation_or_all_empty(rows, codebook):
    columns = codebook.instruments["children_survey"].rank_sets["rank"]
    empty = 0
    for r in rows["children_survey"]:
        values = [r[c] for c in columns]
        if all(v == "" for v in values):
            empty += 1
        else:
            assert sorted(int(v) for v in values) == list(range(1, 7)), r["respondent_id"]
    assert 0 < empty < 20


def test_targets_cover_every_coded_column(codebook):
    # every coded column is generated from ANSWER_TARGETS or set structurally
    structural = {"mini_police", "status", "social_action", "safeguarding", "after_school"}
    for name in INSTRUMENTS:
        for col in codebook.instruments[name].columns:
            if col.type == "coded" and col.name not in structural and not col.design:
                assert col.name in ANSWER_TARGETS.get(name, {}), (name, col.name)


def test_bad_targets_rejected(tmp_path):
    bad = {"children_survey": {"att_good_job": {"mini_police": (1, 2)}}}
    with pytest.raises(ValueError, match="att_good_job"):
        generate_demo_data(tmp_path, targets=bad)


# --- sample structure (report chapters 4 and 5) ------------------------------


def test_children_structure(rows):
    kids = rows["children_survey"]
    assert len(kids) == 350
    assert _count(kids, "mini_police", "yes") == 248
    assert _count(kids, "mini_police", "no") == 102
    assert len({r["school_id"] for r in kids}) == 26
    assert len({r["school_id"] for r in kids if r["force"] == "Durham"}) == 10
    share = {f: _count(kids, "force", f) / 350 for f in {r["force"] for r in kids}}
    assert 0.28 < share["Durham"] < 0.38 and 0.28 < share["Cumbria"] < 0.38
    assert 0.20 < share["Gwent"] + share["Merseyside"] < 0.30
    assert 3 <= len(share) - 4 <= 4
    mp_share = {f: sum(r["mini_police"] == "yes" for r in kids if r["force"] == f)
                / _count(kids, "force", f) for f in ("Durham", "Cumbria")}
    assert mp_share["Durham"] > 248 / 350 > mp_share["Cumbria"]
    assert _count(kids, "enjoyed", "no") == 2
    assert _count(kids, "enjoyed_amount", "all") == 190
    assert _count(kids, "enjoyed_amount", "most") == 47


def test_children_age_fits_year_group(rows):
    for r in rows["children_survey"]:
        if r["year_group"] and r["age"]:
            assert int(r["age"]) - int(r["year_group"]) in (4, 5), r["respondent_id"]


def test_mini_police_more_positive(rows):
    kids = rows["children_survey"]

    def pct(column, code, group):
        answered = [r for r in kids if r["mini_police"] == group and r[column]]
        return 100 * sum(r[column] == code for r in answered) / len(answered)

    assert pct("att_good_job", "strongly_agree", "yes") > pct("att_good_job", "strongly_agree", "no")
    assert pct("aware_cadets", "yes", "yes") > pct("aware_cadets", "yes", "no")
    assert pct("interest_cadets", "no", "yes") < pct("interest_cadets", "no", "no")


def test_adult_surveys_structure(rows):
    prac = rows["practitioner_survey"]
    assert len(prac) == 48
    assert len({r["force"] for r in prac}) == 5
    assert (_count(prac, "role", "pcso"), _count(prac, "role", "police_officer"),
            _count(prac, "role", "other")) == (30, 13, 5)

    teachers = rows["teacher_survey"]
    assert len(teachers) == 35
    assert len({r["school_id"] for r in teachers}) == 31
    assert len({r["force"] for r in teachers}) == 7

    parents = rows["parent_survey"]
    assert len(parents) == 40
    assert len({r["school_id"] for r in parents}) == 14
    assert 0 < _count(parents, "force", "") < 10
    child_schools = {r["school_id"] for r in rows["children_survey"]}
    assert {r["school_id"] for r in parents} <= child_schools


def test_aims_text_present_when_flagged(rows):
    for name in ("practitioner_survey", "teacher_survey"):
        for r in rows[name]:
            assert r["aims"], (name, r["respondent_id"])


def test_census_structure(rows):
    census = rows["scheme_census"]
    active = [r for r in census if r["status"] == "active"]
    planned = [r for r in census if r["status"] == "planned"]
    assert len(active) == 16
    assert sum(int(r["schools"]) for r in active) == 388
    assert sum(int(r["children"]) for r in active if r["children"]) == 5517
    # 17 children a school (chapter 3): over the forces that gave both counts
    both = [r for r in active if r["children"]]
    assert round(5517 / sum(int(r["schools"]) for r in both)) == 17
    assert sum(int(r["planned_units"]) for r in census) == 160
    assert {r["force"] for r in planned} == {"South Yorkshire", "Dyfed-Powys", "Devon & Cornwall", "North Wales"}
    assert sum(int(r["planned_units"]) for r in planned) == 16
    assert all(r["schools"] == "0" and r["children"] == "0" for r in planned)
    cycles = sorted(r["cycles_per_year"] for r in active)
    assert cycles.count("1") == 7 and cycles.count("3") == 1
    assert cycles.count("6") == 1 and cycles.count("9") == 1 and cycles.count("") == 6
    assert _count(active, "social_action", "yes") == 11
    assert [_count(active, "safeguarding", c) for c in ("yes", "no", "unknown")] == [11, 4, 1]
    assert _count(active, "after_school", "yes") == 6
    big = sorted(active, key=lambda r: -int(r["schools"]))[:2]
    assert {r["force"] for r in big} == {"Durham", "Lincolnshire"}
    assert all(1 <= int(r["schools"]) <= 27 for r in active if r not in big)


def test_committed_raw_data_is_exactly_the_generator_output(tmp_path):
    """`minipolice demo-data --out X` then `diff -r X data/raw` is empty."""
    from helpers.cli import main
    from helpers.core.config import RAW_DIR

    assert main(["-q", "demo-data", "--out", str(tmp_path)]) == 0
    generated = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in RAW_DIR.iterdir()}
    assert sorted(generated) == sorted(committed)
    for name, content in generated.items():
        assert content == committed[name], f"data/raw/{name} differs: run `make data`"


# --- calibration to the published numbers ------------------------------------


@pytest.fixture(scope="module")
def compared(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    results = run_process(demo["children_survey"].parent, out).results
    return compare(load_published(), results), results


def test_every_published_result_is_reproduced(compared):
    """Every published number checked against data (survey, census and qualitative) passes."""
    table, _ = compared
    results = table[table["target"].eq("results")]
    checked = table[table["check"].eq("data")]
    assert len(checked) >= 160
    failing = checked[checked["status"].ne("pass")]
    shown = failing[["id", "measure", "group", "category", "unit", "value", "low", "high", "reproduced",
                     "status"]].to_string()
    assert failing.empty, f"published rows not reproduced:\n{shown}"
    # rows the table marks as contradictions are shown, not compared
    assert set(results["status"]) <= {"pass", "contradiction"}


def test_children_per_school_matches_report(compared):
    # P052: 17 children a school (chapter 3), although 5,517 / 388 = 14.2
    _, results = compared
    row = results[results["measure"].eq("census_children_per_school") & results["group"].eq("national")]
    assert abs(float(row["value"].iloc[0]) - 17) < 0.5


def test_calibration_keeps_unpublished_targets_and_counts_published_ones():
    calibrated = calibrated_targets()
    kids = calibrated["children_survey"]
    # nothing published about safe_home: the plausible weights stay
    assert kids["safe_home"] == ANSWER_TARGETS["children_survey"]["safe_home"]
    # published: 190 of 248 enjoyed all of it, 47 most of it, none blank (P086, P088)
    assert kids["enjoyed_amount"]["mini_police"][:2] == (190, 47)
    assert sum(kids["enjoyed_amount"]["mini_police"][:-1]) == 248
    assert kids["enjoyed_amount"]["mini_police"][-1] == 0
    # published counts 20, 7 and 5 and 100 % in the three agree codes: 32 answers (P221-P227)
    support = calibrated["teacher_survey"]["police_support"]["all"]
    assert support[:3] == (20, 7, 5) and sum(support[:-1]) == 32
