"""The programme as data: the codebook's groups, programme.yml and the demo generator loaded by path.

The engine names no programme (tests/test_engine_names_no_programme.py); these
tests check that what it used to spell out now comes from the definition
files, and that a codebook with other group names gives tables with other
column names, while the default programme keeps the contract's names.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.core.codebook import Groups, load_codebook
from helpers.core.config import CODEBOOK_PATH, DEMO_MARKER, PROJECT_ROOT
from helpers.core.design import balance_columns, design_columns
from helpers.core.programme import load_programme
from helpers.core.stats import POWER_COLUMNS, TESTS_COLUMNS, compare_groups, comparison_columns, design_power
from helpers.demo import demo_module, write_marker, write_table


def _renamed_codebook(tmp_path: Path) -> Path:
    """The packaged codebook with the children's groups renamed (members / others / everyone)."""
    spec = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))
    spec["instruments"]["children_survey"]["groups"] = {
        "by": spec["instruments"]["children_survey"]["groups"]["by"], "yes": "members", "no": "others",
        "all": "everyone"}
    spec["group_labels"] = {"members": {"label": "Members", "noun": "member children"}}
    path = tmp_path / "codebook.yml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def test_the_default_groups_give_the_contract_column_names(codebook):
    groups = codebook.groups
    assert (groups.instrument, groups.column) == ("children_survey", groups.by)
    # docs/contract.md section 4: tests.csv names its group sizes after the groups; other tools read these names.
    assert TESTS_COLUMNS[8:10] == ["n_mini_police", "n_non_mini_police"]
    assert POWER_COLUMNS[4:6] == ["n_mini_police", "n_non_mini_police"]
    assert design_columns(groups)[1:3] == ["n_mini_police", "n_non_mini_police"]
    assert groups.label(groups.no) == "Not in the mini-police"
    assert groups.noun(groups.yes) == "mini-police children"


def test_other_group_names_name_the_columns(tmp_path):
    codebook = load_codebook(_renamed_codebook(tmp_path))
    groups = codebook.groups
    assert groups.pair == ("members", "others") and groups.names == ("members", "others", "everyone")
    assert groups.of("yes") == "members" and groups.of("no") == "others"
    assert comparison_columns(groups)[8:10] == ["n_members", "n_others"]
    assert balance_columns(groups)[3:7] == ["n_members", "base_members", "value_members", "sd_members"]
    assert design_power(30, 20, groups=groups)[["n_members", "n_others"]].iloc[0].tolist() == [30, 20]
    assert groups.label("members") == "Members" and groups.noun("others") == "others"  # no label: the code
    answers = ["agree", "strongly_agree", "agree", "neither", "agree", "agree",
               "disagree", "agree", "neither", "disagree", "agree", "neither"]
    children = pd.DataFrame({groups.column: ["yes"] * 6 + ["no"] * 6,  # as validation leaves it: ordered codes
                             "att_trust": pd.Categorical(answers, categories=codebook.scales["agree5"].codes)})
    tests = compare_groups(children, codebook)
    assert tests.columns.tolist() == comparison_columns(groups)
    assert tests.set_index("measure").loc["att_trust", ["n_members", "n_others"]].tolist() == [6, 6]


def test_two_instruments_splitting_their_respondents_are_refused(tmp_path):
    spec = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))
    spec["instruments"]["teacher_survey"]["groups"] = {"by": "school_id", "yes": "a", "no": "b", "all": "c"}
    path = tmp_path / "codebook.yml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValueError, match="only one instrument may split"):
        load_codebook(path)


def test_instrument_roles_come_from_the_codebook(codebook):
    assert codebook.surveys == ("children_survey", "practitioner_survey", "teacher_survey", "parent_survey",
                                "scheme_census")
    assert codebook.qualitative == ("workshop_comments", "interview_excerpts")
    assert set(codebook.rows_required) == {"children_survey", "scheme_census"}
    assert all(codebook.rows_required.values())  # each with the reason the error message gives
    assert codebook.census == "scheme_census"
    assert codebook.weight_target == "children"  # the census count the sensitivity table weights to
    headline = codebook.headline_items
    assert headline and all(codebook.instruments[codebook.groups.instrument].column(item).applies_if
                            for item in headline)  # asked of the programme group only


def test_groups_without_labels_read_as_their_codes():
    groups = Groups("survey", by="member", yes="members", no="others", all="everyone")
    assert groups.label("members") == "members" and groups.noun("members") == "members"
    assert groups.count_column("others", "n_pairs") == "n_pairs_others"


def test_programme_file(tmp_path):
    programme = load_programme()
    assert programme.root == PROJECT_ROOT.resolve()
    assert programme.definitions == PROJECT_ROOT.resolve() / "definitions"
    assert programme.demo == PROJECT_ROOT.resolve() / "definitions" / "demo" / "generate.py"
    assert "synthetic" in programme.synthetic_banner.lower() and "\n" not in programme.synthetic_banner
    assert programme.local_title(None) is None
    assert programme.local_title("Kent") == f"{programme.report_title}: Kent"
    folder = tmp_path / "prog"
    (folder / "definitions").mkdir(parents=True)
    (folder / "definitions" / "codebook.yml").write_text("version: 1\n", encoding="utf-8")
    (folder / "programme.yml").write_text("name: x\ntitle: X\n", encoding="utf-8")
    minimal = load_programme(folder / "programme.yml")  # every other key has a default
    assert (minimal.name, minimal.label, minimal.report_title) == ("x", "X", "X")
    assert "synthetic" in minimal.synthetic_banner.lower() and minimal.demo is None
    with pytest.raises(ValueError, match="no programme folder"):
        load_programme(tmp_path / "programme.yml")  # no definitions/codebook.yml beside it
    other = tmp_path / "other"
    shutil.copytree(folder / "definitions", other / "definitions")
    (other / "programme.yml").write_text("name: x\ntitle: X\ndemo: nowhere/generate.py\n", encoding="utf-8")
    with pytest.raises(ValueError, match="demo .* does not exist"):
        load_programme(other / "programme.yml")


def test_the_name_pattern_matches_every_spelling():
    import re

    pattern = re.compile(load_programme().name_pattern(), re.IGNORECASE)
    for name in load_programme().names:
        for spelling in (name, name.upper(), name.replace("-", " "), "the  " + name.replace("-", "  ")):
            assert pattern.fullmatch(spelling), spelling
    assert pattern.fullmatch("the programme") and not pattern.fullmatch("the school")


def test_the_generator_is_loaded_by_path_from_the_programme_folder():
    generator = demo_module()
    assert Path(generator.__file__).resolve() == load_programme().demo.resolve()
    text = demo_module("text")
    assert Path(text.__file__).parent == Path(generator.__file__).parent
    assert generator.enjoyed_most_text is text.enjoyed_most_text  # siblings by relative import, loaded once


def test_write_table_keeps_the_codebook_columns(tmp_path, codebook):
    inst = codebook.instruments["workshop_comments"]
    table = {c.name: ["x1"] for c in inst.columns}
    write_table(tmp_path / "w.csv", inst, table)
    assert (tmp_path / "w.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(inst.column_names)
    with pytest.raises(ValueError, match="not generated"):
        write_table(tmp_path / "w.csv", inst, {"comment_id": ["x1"]})
    marker = write_marker(tmp_path, "# Synthetic\n")
    assert marker.name == DEMO_MARKER and marker.read_bytes() == b"# Synthetic\n"


def test_a_codebook_with_other_groups_runs_the_whole_pipeline(tmp_path):
    """The engine follows the codebook's groups end to end: every per-group column and value is renamed."""
    from helpers.core.config import RAW_DIR
    from helpers.core.pipeline import run_process

    codebook = load_codebook(_renamed_codebook(tmp_path))
    run_process(RAW_DIR, tmp_path / "out", codebook=codebook)  # the schemas are checked before writing
    out = tmp_path / "out"
    results = pd.read_csv(out / "results.csv", keep_default_na=False)
    assert {"members", "others", "everyone"} <= set(results["group"])
    assert not {"mini_police", "non_mini_police", "all_children"} & set(results["group"])
    for name, columns in (("tests", ["n_members", "n_others"]), ("power", ["n_members", "n_others"]),
                          ("design", ["n_members", "n_others"]), ("pooled_forces", ["n_members", "n_others"]),
                          ("balance", ["n_members", "base_members", "value_others", "sd_others"])):
        header = pd.read_csv(out / f"{name}.csv", nrows=0).columns
        assert set(columns) <= set(header) and not any("mini_police" in c for c in header), name
    assert set(pd.read_csv(out / "sensitivity.csv")["group"]) == {"members", "others", "difference"}


def test_a_census_with_other_columns_gives_its_own_counts(tmp_path):
    """Census counts are the columns of role census; the root programme's derived figures need its columns."""
    from helpers.core.processing import summarise

    spec = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))
    census = spec["instruments"]["scheme_census"]
    census["columns"] = [census["columns"][0],
                         {"name": "clubs", "type": "integer", "min": 0, "role": "census", "label": "Clubs"}]
    path = tmp_path / "codebook.yml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    codebook = load_codebook(path)
    frame = pd.DataFrame({"force": ["Durham", "Kent"], "clubs": pd.array([3, 4], dtype="Int64")})
    out = summarise({"scheme_census": frame}, codebook)
    national = out[out["group"].eq("national")].set_index("measure")
    assert national.loc["census_clubs", "n"] == 7 and national.loc["census_forces", "n"] == 2
    assert not out["measure"].isin(["census_children_per_school", "census_growth"]).any()
    assert out.loc[out["measure"].eq("census_clubs") & out["group"].eq("Kent"), "n"].tolist() == [4]
