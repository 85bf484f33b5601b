"""Tests for helpers.core.questionnaire and `minipolice questionnaire` (issue 13, point 5).

The question lists are read back and compared with the codebook; the HTML
forms are parsed (every question's wording, headings in order, a label for
every answer control, the routing instruction); the children's data-entry
workbook is filled with thirty demo children's answers as labels and
processed, and must give exactly the tables of the same rows as a canonical
CSV; the children's PDF is printed with Chromium, its first page rendered
with pdftoppm to ``tests/artifacts/questionnaire_children_p1.png`` (or
``$MINIPOLICE_ARTIFACTS``) and checked not to be blank. Without Chromium or
poppler-utils the PDF test skips, except under CI=true, where it fails.
"""

from __future__ import annotations

import dataclasses
import html as html_lib
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from helpers.build.pdf import PdfError, find_chromium, print_html_files
from helpers.cli import main
from helpers.core.codebook import INSTRUMENTS
from helpers.core.config import PROJECT_ROOT, RAW_DIR
from helpers.core.pipeline import run_process
from helpers.core.questionnaire import (
    OPTION_SEPARATOR,
    QUESTION_LIST_COLUMNS,
    filled_by,
    question_list,
    render_html,
    write_questionnaires,
    write_workbook,
)

ARTIFACTS = Path(os.environ.get("MINIPOLICE_ARTIFACTS") or Path(__file__).parent / "artifacts")


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the questionnaire PDF test must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("questionnaire")
    return out, write_questionnaires(out, pdf=False)


# --- the question lists ------------------------------------------------------------------------

def test_every_instrument_gets_a_question_list_a_workbook_and_a_form(written):
    out, files = written
    assert files.groupby("instrument")["kind"].apply(sorted).to_dict() == {
        name: ["html", "question_list", "workbook"] for name in INSTRUMENTS}
    for path in files["path"]:
        assert Path(path).is_file() and Path(path).stat().st_size > 0
    assert sorted(p.name for p in (out / "data-entry").iterdir()) == sorted(f"{n}.xlsx" for n in INSTRUMENTS)


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_question_list_read_back_has_every_column_with_its_options_in_order(written, codebook, instrument):
    out, _ = written
    table = pd.read_csv(out / "question-lists" / f"{instrument}_questions.csv", dtype=str, keep_default_na=False)
    inst = codebook.instruments[instrument]
    assert list(table.columns) == list(QUESTION_LIST_COLUMNS)
    assert table["column"].tolist() == list(inst.column_names)
    assert (table["instrument"] == instrument).all()
    rank_of = {c: name for name, cols in inst.rank_sets.items() for c in cols}
    for row, col in zip(table.itertuples(index=False), inst.columns, strict=True):
        assert row.question == col.label
        if col.type == "coded":
            scale = codebook.scales[col.scale]
            assert row.type == "choice"
            assert row.options.split(OPTION_SEPARATOR) == list(scale.labels)
            assert row.codes.split(OPTION_SEPARATOR) == list(scale.codes)
        elif col.type == "force":
            assert row.options.split(OPTION_SEPARATOR) == list(codebook.forces)
        elif col.type == "flag":
            assert row.options.split(OPTION_SEPARATOR) == ["0", "1"]
        elif col.type == "integer":
            assert row.min == ("" if col.min is None else str(col.min))
            assert row.max == ("" if col.max is None else str(col.max))
        assert row.rank_set == rank_of.get(col.name, "")
        assert row.required == ("yes" if col.required else "no")
        if col.applies_if:
            (name, code), = col.applies_if.items()
            other = inst.column(name)
            assert row.asked_of == f"{name} = {codebook.scales[other.scale].label(code)}"
        else:
            assert row.asked_of == "all"
    # The separator never occurs inside a label, so the options split back unambiguously.
    assert not any("|" in label for scale in codebook.scales.values() for label in scale.labels)
    assert not any("|" in force for force in codebook.forces)


def test_question_numbers_count_the_questions_a_respondent_answers(codebook):
    table = question_list("children_survey")
    asked = table[table["filled_by"] == "respondent"]
    numbers = asked["number"].astype(int)
    # One number per question, the six ranked jobs sharing one.
    assert numbers.is_monotonic_increasing
    assert numbers.nunique() == len(asked) - (len(codebook.instruments["children_survey"].rank_sets["rank"]) - 1)
    assert (table.loc[table["filled_by"] != "respondent", "number"] == "").all()


def test_who_fills_in_what(codebook):
    children = codebook.instruments["children_survey"]
    who = {c.name: filled_by(c, "children_survey", codebook) for c in children.columns}
    assert {c for c, w in who.items() if w == "evaluator"} == {"respondent_id", "force", "school_id", "mini_police",
                                                               "wave", "year", "child_key"}  # design: office use
    assert {c for c, w in who.items() if w == "researcher"} == {"enjoyed_most_theme"}
    teachers = codebook.instruments["teacher_survey"]
    coded_later = {c.name for c in teachers.columns if filled_by(c, "teacher_survey", codebook) == "researcher"}
    assert coded_later == {c.name for c in teachers.columns if c.type == "flag"} and coded_later
    census = codebook.instruments["scheme_census"]
    assert [c.name for c in census.columns if filled_by(c, "scheme_census", codebook) == "evaluator"] == ["force"]


def test_forms_block_overrides_who_fills_in_what_and_words_the_form(codebook):
    forms = {"programme": "Test programme", "instruments": {"parent_survey": {
        "title": "Carers' form", "office_use": ["respondent_id"], "coded_later": ["improve"],
        "grids": {"impact4": "What changed?"}, "intro": "A short introduction."}}}
    custom = dataclasses.replace(codebook, forms=forms)
    parents = custom.instruments["parent_survey"]
    who = {c.name: filled_by(c, "parent_survey", custom) for c in parents.columns}
    assert who["respondent_id"] == "evaluator"
    assert who["school_id"] == who["force"] == "respondent"  # office_use replaces the default
    assert who["improve"] == "researcher"
    text = _text(render_html("parent_survey", custom))
    for words in ("Test programme", "Carers' form", "A short introduction.", "What changed?"):
        assert words in text
    assert parents.column("improve").label not in text
    assert text.count("For office use") == 1


def test_unknown_instrument_is_refused():
    with pytest.raises(ValueError, match="unknown instrument"):
        question_list("workshop_comments")
    with pytest.raises(ValueError, match="unknown instrument"):
        write_questionnaires(Path("/nonexistent"), ["children"], pdf=False)


# --- the printable forms -----------------------------------------------------------------------

class _Page(HTMLParser):
    """Headings, form controls, labels and ids of a page."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.headings: list[int] = []
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "label" and "for" in attrs:
            self.label_for.add(attrs["for"])
        if tag in ("input", "textarea") or attrs.get("role") == "textbox":
            self.controls.append({**attrs, "_tag": tag, "_in_label": "label" in self.stack})
        if tag not in ("input", "meta", "col", "br"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass


def _text(page: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_form_has_every_question_word_for_word_and_passes_basic_accessibility(written, codebook, instrument):
    out, _ = written
    page = (out / "paper" / f"{instrument}.html").read_text(encoding="utf-8")
    text = _text(page)
    for col in codebook.instruments[instrument].columns:
        who = filled_by(col, instrument, codebook)
        if who == "researcher":
            assert col.label not in text, f"{col.name} is coded afterwards and should not be on the form"
        else:
            assert col.label in text, f"{instrument}: question of {col.name} missing"
    parsed = _Page()
    parsed.feed(page)
    assert parsed.lang == "en"
    assert parsed.headings[0] == 1 and parsed.headings.count(1) == 1
    for before, after in zip(parsed.headings, parsed.headings[1:], strict=False):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    assert len(parsed.ids) == len(set(parsed.ids)), "repeated id"
    assert parsed.controls
    for control in parsed.controls:
        labelled = control["_in_label"] or control.get("aria-label") or control.get("id") in parsed.label_for \
            or control.get("aria-labelledby") in parsed.ids
        assert labelled, f"{instrument}: unlabelled control {control}"


def test_children_form_routes_and_ranks(codebook):
    page = render_html("children_survey", codebook)
    text = _text(page)
    table = question_list("children_survey", codebook).set_index("column")
    assert 'class="children"' in page
    # The routing instruction comes before the first mini-police question and says where others go.
    assert text.index("Only if you are in the mini-police") < text.index("Did you enjoy being part of the mini-police?")
    assert f"Everyone else: go to question {table.loc['police_good_job', 'number']}." in text
    assert text.count("Only if you are in the mini-police") == 2  # the first block, and safety_impact
    # The ranking grid has one box per rank on each job's line.
    ranks = codebook.instruments["children_survey"].rank_sets["rank"]
    for column in ranks:
        assert page.count(f'name="q-{column}"') == 6
    # Every option of a coded question is a tick box with the label's words.
    assert page.count('name="q-att_trust"') == len(codebook.scales["agree5"].codes)
    assert "break-inside: avoid" in page


def test_forms_pass_axe_in_chromium(written):
    """axe-core (as the browser tests inject it into the book) finds no violation on any form."""
    axe = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
    if not find_chromium():
        _unavailable("Chromium not found: `apt-get install chromium`")
    if not axe.exists():
        _unavailable("axe-core is not installed: run `npm ci` (package-lock.json pins it)")
    from playwright.sync_api import sync_playwright

    from helpers.build.pdf import launch_chromium

    out, _ = written
    found = {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            for form in sorted((out / "paper").glob("*.html")):
                page.goto(form.as_uri())
                page.add_script_tag(content=axe.read_text(encoding="utf-8"))
                result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
                found[form.stem] = [(v["id"], v["impact"]) for v in result["violations"]]
        finally:
            browser.close()
    assert sorted(found) == sorted(INSTRUMENTS)
    assert not any(found.values()), found


# --- the data-entry workbook -------------------------------------------------------------------

def test_workbook_layout_headers_lists_and_limits(written, codebook):
    out, _ = written
    book = load_workbook(out / "data-entry" / "children_survey.xlsx")
    assert book.sheetnames[:2] == ["Data", "Instructions"]
    data = book["Data"]
    inst = codebook.instruments["children_survey"]
    assert [c.value for c in data[1]] == list(inst.column_names)
    assert data.max_row == 1, "no data rows until a form is typed"
    assert data.freeze_panes == "B2"
    letters = {col.name: data.cell(row=1, column=i).column_letter for i, col in enumerate(inst.columns, 1)}
    checks = {}
    for dv in data.data_validations.dataValidation:
        for area in str(dv.sqref).split():
            checks[area.split(":")[0].rstrip("0123456789")] = dv
    for col in inst.columns:
        letter = letters[col.name]
        assert data.column_dimensions[letter].width >= 12
        if col.type == "coded":
            dv = checks[letter]
            assert dv.type == "list"
            sheet, cells = dv.formula1.lstrip("=").split("!")
            first, last = cells.replace("$", "").split(":")
            values = [c.value for row in book[sheet][first:last] for c in row]
            assert values == list(codebook.scales[col.scale].labels), col.name
        elif col.type == "integer":
            dv = checks[letter]
            assert dv.type == "whole"
            assert (dv.formula1, dv.formula2) == (str(col.min), str(col.max))
    guide = book["Instructions"]
    guide_text = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value is not None)
    for col in inst.columns:
        assert col.label in guide_text


def _labels(frame: pd.DataFrame, codebook) -> pd.DataFrame:
    """The demo's codes written as the labels a typist picks from the drop-down lists."""
    out = frame.copy()
    for col in codebook.instruments["children_survey"].columns:
        if col.type == "coded":
            scale = codebook.scales[col.scale]
            out[col.name] = out[col.name].map(lambda v, s=scale: s.label(v) if v else v)
    return out


def test_filled_workbook_round_trips_through_process(tmp_path, codebook):
    """Thirty demo children typed into the workbook as labels give the tables of the same rows as CSV."""
    rows = pd.read_csv(RAW_DIR / "children_survey.csv", dtype=str, keep_default_na=False).head(30)
    # the design columns (docs/waves-and-years.md) are office-use columns of the workbook too
    rows = rows.assign(wave=["baseline", "follow_up"] * 15, year="2025",
                       child_key=[f"K{i:03d}" for i in range(30)])
    labelled = _labels(rows, codebook)
    assert (labelled["att_trust"].isin(codebook.scales["agree5"].labels) | (labelled["att_trust"] == "")).all()
    assert (labelled["mini_police"] == "Yes").any() and (labelled["mini_police"] == "No").any()

    canonical, typed = tmp_path / "csv", tmp_path / "xlsx"
    for folder in (canonical, typed):
        shutil.copytree(RAW_DIR, folder, ignore=shutil.ignore_patterns("children_survey.*"))
    rows.to_csv(canonical / "children_survey.csv", index=False)

    workbook = write_workbook("children_survey", typed / "children_survey.xlsx", codebook)
    book = load_workbook(workbook)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    integers = {c.name for c in codebook.instruments["children_survey"].columns if c.type == "integer"}
    for r, record in enumerate(labelled.to_dict("records"), 2):
        for c, name in enumerate(header, 1):
            value = record[name]
            if value != "":
                sheet.cell(row=r, column=c, value=int(value) if name in integers else value)
    book.save(workbook)

    run_process(canonical, tmp_path / "out-csv")
    run_process(typed, tmp_path / "out-xlsx")
    counts = pd.read_csv(tmp_path / "out-xlsx" / "row_counts.csv")
    children = counts[counts["instrument"] == "children_survey"].iloc[0]
    assert children["raw_rows"] == 30 and children["kept"] + children["quarantined"] == 30
    assert children["kept"] > 0
    for table in ("results.csv", "tests.csv", "validation_log.csv"):
        expected = (tmp_path / "out-csv" / table).read_bytes()
        assert (tmp_path / "out-xlsx" / table).read_bytes() == expected, f"{table} differs"


# --- the PDF -----------------------------------------------------------------------------------

def test_children_pdf_page_one_is_a_real_page(tmp_path):
    if not find_chromium():
        _unavailable("Chromium not found: `apt-get install chromium` (Debian's; no browser is downloaded)")
    pdftoppm, pdfinfo, pdftotext = (shutil.which(t) for t in ("pdftoppm", "pdfinfo", "pdftotext"))
    if not (pdftoppm and pdfinfo and pdftotext):
        _unavailable("poppler-utils not found: `apt-get install poppler-utils`")
    from PIL import Image, ImageStat

    files = write_questionnaires(tmp_path, ["children_survey"])
    pdf = Path(files.loc[files["kind"] == "pdf", "path"].iloc[0])
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages >= 1
    assert "A4" in info
    first = subprocess.run([pdftotext, "-f", "1", "-l", "1", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert "Children's survey" in first and "For office use" in first and "Gender" in first
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run([pdftoppm, "-r", "100", "-png", "-singlefile", "-f", "1", "-l", "1", str(pdf),
                    str(ARTIFACTS / "questionnaire_children_p1")], check=True)
    with Image.open(ARTIFACTS / "questionnaire_children_p1.png") as image:
        grey = image.convert("L")
        assert grey.width > 700 and grey.height > 1000
        assert ImageStat.Stat(grey).stddev[0] > 20, "page 1 looks blank"
        inked = sum(grey.histogram()[:128]) / (grey.width * grey.height)
        assert 0.005 < inked < 0.5, f"page 1: {inked:.1%} of the page is ink"


def test_printing_without_chromium_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIPOLICE_CHROMIUM", str(tmp_path / "no-chromium"))
    page = tmp_path / "a.html"
    page.write_text("<!DOCTYPE html><html lang='en'><title>a</title></html>", encoding="utf-8")
    with pytest.raises(PdfError, match="apt-get install chromium"):
        print_html_files([(page, tmp_path / "a.pdf")])


# --- the command -------------------------------------------------------------------------------

def test_command_writes_the_chosen_instruments(tmp_path):
    assert main(["-q", "questionnaire", "--out", str(tmp_path), "--instrument", "scheme_census", "parent_survey",
                 "--no-pdf"]) == 0
    assert sorted(p.name for p in (tmp_path / "paper").iterdir()) == ["parent_survey.html", "scheme_census.html"]
    assert sorted(p.name for p in (tmp_path / "question-lists").iterdir()) == [
        "parent_survey_questions.csv", "scheme_census_questions.csv"]


def test_command_without_chromium_exits_1_after_writing_the_rest(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIPOLICE_CHROMIUM", str(tmp_path / "no-chromium"))
    assert main(["-q", "questionnaire", "--out", str(tmp_path / "q"), "--instrument", "scheme_census"]) == 1
    assert (tmp_path / "q" / "paper" / "scheme_census.html").exists()
    assert not (tmp_path / "q" / "paper" / "scheme_census.pdf").exists()


def test_command_refuses_an_unknown_instrument(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["questionnaire", "--out", str(tmp_path), "--instrument", "workshop_comments"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
