"""Local reports and disclosure: a force with three children, and planted identifiers.

Both tests build a whole book from a modified copy of the demo data (about
two minutes each with two jobs), so they are marked ``book``.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.build.book import build_book, pages_left_out
from helpers.core.codebook import load_codebook
from helpers.core.config import RAW_DIR
from helpers.core.disclosure import EXEMPT_MEASURES, recoverable
from helpers.core.pipeline import run_process
from helpers.text.redaction import find_identifiers

CODEBOOK = load_codebook()
LOCAL_FORCE = "Kent"  # in the demo census, with no children in the survey


def _copy_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    return raw


def _build(raw: Path, out: Path, *, force: str | None = None) -> Path:
    result = run_process(raw, out / "processed", force=force)
    parameters = {"data_dir": str(raw), "force": result.force or "", "min_cell": 5, "synthetic": True}
    return build_book(processed_dir=out / "processed", book_dir=out / "book", parameters=parameters, jobs=2,
                      exclude=pages_left_out(out / "processed", compare=False)).parent


def _children_measures() -> set[str]:
    inst = CODEBOOK.instruments["children_survey"]
    names = {c.name for c in inst.columns} | {f"sample_{c.name}" for c in inst.columns}
    return names - EXEMPT_MEASURES


def _pages_and_notebooks(html_dir: Path, book_dir: Path) -> dict[str, str]:
    """Visible text of every page and notebook, with embedded CSV downloads decoded."""
    texts = {}
    for path in [*html_dir.glob("*.html"), *book_dir.glob("*.ipynb")]:
        raw = path.read_text(encoding="utf-8")
        csvs = [base64.b64decode(b).decode("utf-8")
                for b in re.findall(r"data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)", raw)]
        raw = re.sub(r"data:[a-z/+.-]+;(?:charset=[\w-]+;)?base64,[A-Za-z0-9+/=]+", "", raw)
        raw = re.sub(r'"image/(?:png|jpeg)": "[A-Za-z0-9+/=\\n]+"', "", raw)
        texts[path.name] = "\n".join([raw, *csvs])
    return texts


@pytest.mark.book
def test_local_report_for_a_force_with_three_children(tmp_path):
    raw = _copy_raw(tmp_path)
    children = pd.read_csv(raw / "children_survey.csv", dtype=str, keep_default_na=False)
    assert not children["force"].eq(LOCAL_FORCE).any()
    moved = children.index[children["mini_police"].eq("yes")][:2].tolist() + \
        children.index[children["mini_police"].eq("no")][:1].tolist()
    children.loc[moved, "force"] = LOCAL_FORCE
    children.to_csv(raw / "children_survey.csv", index=False)

    html = _build(raw, tmp_path, force=LOCAL_FORCE)
    results = pd.read_csv(tmp_path / "processed" / "results.csv", keep_default_na=False, na_values=[""])
    # Who answered is hidden like what they answered: the group sizes are suppressed too.
    sizes = results.query("measure == 'sample_size' and group in ['mini_police', 'non_mini_police', 'all_children']")
    assert len(sizes) == 3 and sizes["flag"].eq("c").all() and sizes[["n", "base", "value"]].isna().all().all()

    # Every cell about the three children is suppressed, and so is each base (how many answered).
    child_rows = results[results["measure"].isin(_children_measures())
                         & results["group"].isin(["mini_police", "non_mini_police", "all_children"])]
    assert len(child_rows) > 100
    assert child_rows["flag"].eq("c").all(), child_rows[child_rows["flag"].ne("c")].head()
    assert child_rows["n"].isna().all() and child_rows["value"].isna().all()
    assert child_rows["base"].isna().all(), child_rows[child_rows["base"].notna()].head()
    # No suppressed cell is a published total minus published cells, in any table of results.csv.
    assert recoverable(results) == []
    tests = pd.read_csv(tmp_path / "processed" / "tests.csv", keep_default_na=False, na_values=[""])
    assert tests["flag"].eq("c").all() and tests["p_value"].isna().all()
    sizes = ["n_mini_police", "n_non_mini_police"]
    assert tests[sizes].fillna(0).eq(0).all().all()  # hidden, or 0 (items asked of mini-police children only)
    power = pd.read_csv(tmp_path / "processed" / "power.csv")
    assert power[sizes].isna().all().all()
    sensitivity = pd.read_csv(tmp_path / "processed" / "sensitivity.csv")
    assert sensitivity["base"].isna().all() and sensitivity["effective_n"].isna().all()
    # The design-based tables are written and emptied the same way (one school per child at most: no clusters).
    design = pd.read_csv(tmp_path / "processed" / "design.csv", keep_default_na=False, na_values=[""])
    assert design["flag"].eq("c").all() and design["difference"].isna().all() and design["icc"].isna().all()
    adjusted = pd.read_csv(tmp_path / "processed" / "adjusted.csv", keep_default_na=False, na_values=[""])
    assert adjusted["difference"].isna().all()
    balance = pd.read_csv(tmp_path / "processed" / "balance.csv", keep_default_na=False, na_values=[""])
    assert "force" not in set(balance["covariate"]) and balance["std_difference"].isna().all()

    # The book names the force and shows [c] where numbers were suppressed.
    index = (html / "index.html").read_text(encoding="utf-8")
    assert f"local report for {LOCAL_FORCE}" in index
    children_page = (html / "03_children.html").read_text(encoding="utf-8")
    assert "[c]" in children_page
    assert "In all, 3 children" not in children_page  # the count of written answers is hidden too


@pytest.mark.book
def test_planted_identifiers_never_reach_a_page(tmp_path):
    raw = _copy_raw(tmp_path)
    planted = {"e-mail": "sam.jones@example.org", "phone": "07700 900123", "postcode": "DH1 3LE",
               "school": "Oakfield Primary"}
    tail = " Ask {e-mail} or ring {phone}, we are at {postcode} near {school}.".format(**planted)
    for name, column in (("children_survey", "police_good_job_why"), ("children_survey", "enjoyed_most"),
                         ("workshop_comments", "comment"), ("interview_excerpts", "excerpt")):
        frame = pd.read_csv(raw / f"{name}.csv", dtype=str, keep_default_na=False)
        frame[column] = frame[column].where(frame[column].eq(""), frame[column] + tail)
        frame.to_csv(raw / f"{name}.csv", index=False)

    html = _build(raw, tmp_path)
    ids = set()
    for name in ("children_survey", "teacher_survey", "parent_survey", "practitioner_survey"):
        frame = pd.read_csv(raw / f"{name}.csv", dtype=str, keep_default_na=False)
        ids |= set(frame["respondent_id"]) | set(frame.get("school_id", pd.Series(dtype=str)))
    for name, column in (("workshop_comments", "child_id"), ("interview_excerpts", "interviewee_id")):
        ids |= set(pd.read_csv(raw / f"{name}.csv", dtype=str, keep_default_na=False)[column])
    ids.discard("")
    id_pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(ids))) + r")\b")
    texts = _pages_and_notebooks(html, tmp_path / "book")
    assert len(texts) > 15
    quotes = 0
    for name, text in texts.items():
        for kind, value in planted.items():
            assert value.lower() not in text.lower(), f"{name}: planted {kind} {value!r}"
        visible = re.sub(r"<[^>]+>", " ", text) if name.endswith(".html") else text
        assert find_identifiers(visible) == [], f"{name}: {find_identifiers(visible)[:3]}"
        found = id_pattern.search(visible)
        assert not found, f"{name}: identifier {found.group(0)}"
        quotes += text.count("[redacted]")
    assert quotes > 0, "the planted text should have reached the quotes, redacted"
