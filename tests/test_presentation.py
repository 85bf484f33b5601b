"""Presentation errors of issue 14, each checked where a reader would see it.

Unit tests build the phrases from tables; the tests marked ``book`` read the
built HTML (``book/_build/html``, or ``MINIPOLICE_HTML``), as tests/test_build.py does.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.core.config import BOOK_DIR
from helpers.core.disclosure import suppress
from helpers.report import narrative
from helpers.text.wording import visible_text

HTML = Path(os.environ.get("MINIPOLICE_HTML", BOOK_DIR / "_build" / "html"))
_NUMBER = re.compile(r"(?<![\w.])[-+−]?\d[\d,]*(?:\.\d+)?")


def _numbers(text: str) -> list[str]:
    return [n.replace(",", "").replace("−", "-").lstrip("+") for n in _NUMBER.findall(text)]


# --- the suppression statement is true of the build it appears in ------------------------------

def _block(group, counts):
    base = sum(counts.values())
    return pd.DataFrame({"measure": "aware_cadets", "group": group, "category": list(counts), "unit": "percent",
                         "n": list(counts.values()), "base": base, "flag": "",
                         "value": [100 * v / base for v in counts.values()], "ci_low": 0.0, "ci_high": 100.0})


@pytest.mark.parametrize("local", [False, True])
def test_suppression_statement_says_what_disclosure_control_does(local):
    rows = pd.concat([_block("mini_police", {"yes": 40, "no": 3}), _block("non_mini_police", {"yes": 2, "no": 1})],
                     ignore_index=True)
    out = suppress(rows, min_cell=5, local=local)
    small_count_shown = bool(((out["n"] < 5) & out["flag"].ne("c") & out["group"].eq("mini_police")).any())
    small_group_shown = bool(out.loc[out["group"].eq("non_mini_police"), "flag"].ne("c").any())
    statement = narrative.suppression_statement(5, local=local)
    assert not small_group_shown and "every number describing a group of fewer than 5 people" in statement
    if small_count_shown:  # national: a count of 3 within a group of 43 is printed, and the text must say so
        assert not local and "shows counts of every size" in statement
        assert "any count of fewer than" not in statement
    else:
        assert local and "any count of fewer than 5 people" in statement


# --- the methods page's claim about intervals and adjusted p-values ----------------------------

def test_interval_agreement_counts_the_disagreements():
    t = pd.DataFrame({"measure": ["att_listen", "att_trust", "aware_cadets", "safe_home"],
                      "effect_ci_low": [-0.3, -0.2, 0.05, -0.1], "effect_ci_high": [-0.1, -0.01, 0.3, 0.1],
                      "p_holm": [0.01, 0.2, 0.07, 0.9]})
    out = narrative.interval_agreement(t)
    assert (out["clear"], out["supported"], out["clear_not_supported"]) == ("3", "1", "2")
    assert out["holm_range"] == "between 0.07 and 0.20"
    assert out["items"].count("“") == 2


# --- the built book -------------------------------------------------------------------------

def _pages() -> dict[str, str]:
    if not (HTML / "index.html").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{HTML} is missing: `make test` builds the book first")
        pytest.skip(f"no built book at {HTML}")
    return {p.stem: p.read_text(encoding="utf-8") for p in HTML.glob("*.html")
            if p.stem not in ("genindex", "search")}


def _section(html: str, heading_id: str) -> str:
    from bs4 import BeautifulSoup
    section = BeautifulSoup(html, "html.parser").find("section", id=heading_id)
    assert section is not None, heading_id
    return str(section)


@pytest.mark.book
def test_no_negative_zero_on_any_page():
    for page, html in _pages().items():
        text = visible_text(html)
        assert not re.search(r"[-−]0\.0+(?!\d*[1-9])\b", text), (page, re.findall(r".{40}[-−]0\.0+.{20}", text))


@pytest.mark.book
def test_no_post_hoc_power_and_no_one_axis_effect_chart():
    pages = _pages()
    for page, html in pages.items():
        text = visible_text(html)
        assert "Answers needed for 80% power" not in text, page
        assert "would need to detect the observed effect" not in text, page
    assert "points the same way as a small adjusted p-value" not in visible_text(pages["a1_methods"])


@pytest.mark.book
def test_front_page_states_the_maryland_level_and_suppression_rule():
    text = visible_text(_pages()["index"])
    assert re.search(r"Maryland Scientific Methods Scale level \d|not rated on the Maryland", text)
    assert "It cannot show" in text or "cannot say" in text
    national = "Within larger groups this national edition shows counts of every size"
    local = "any count of fewer than"
    assert (national in text) != (local in text)  # exactly one of the two rules, the one of this build
    assert "any cell describing fewer than" not in text


@pytest.mark.book
def test_every_chapter_states_the_evidence_rating():
    pages = _pages()
    for page in ("01_context", "02_national_overview", "03_children", "04_adults", "05_recommendations"):
        assert "Strength of evidence:" in visible_text(pages[page]), page


@pytest.mark.book
def test_weighting_prose_prints_only_numbers_of_its_table():
    """Every number of the section's prose is a cell of its table or a count or difference of its rows."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_section(_pages()["03_children"], "does-the-force-skew-matter"), "html.parser")
    table = soup.find("table")
    assert table is not None
    header = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")]
    col = {name: header.index(name) for name in header}
    table_numbers = set(_numbers(table.get_text(" ")))
    table.decompose()
    prose = " ".join(" ".join(p.get_text(" ") for p in soup.find_all("p")).split())
    numbers = _numbers(prose)
    # group sizes without weighting (results.csv) and the confidence level are not the table's
    sizes = re.search(r"against (\d[\d,]*) and (\d[\d,]*) (?:answers )?without weighting", prose)
    assert sizes, prose
    allowed = table_numbers | {g.replace(",", "") for g in sizes.groups()} | {"95"}
    # counts of the table's rows
    diff_col = col["Difference"]
    interval_col = next((i for name, i in col.items() if name.startswith("95% interval")), None)
    compared = [r for r in rows if r[diff_col] not in ("–", "")]
    derived = set()
    if interval_col is not None:
        with_interval = [r for r in compared if r[interval_col] not in ("–", "")]
        clear = [r for r in with_interval
                 if len({np.sign(float(v)) for v in _numbers(r[interval_col])} - {0.0}) == 1
                 and 0.0 not in {float(v) for v in _numbers(r[interval_col])}]
        m = re.search(r"Of the (\d+) reweighted differences, (\d+) have an interval that excludes zero", prose)
        assert m and (int(m.group(1)), int(m.group(2))) == (len(with_interval), len(clear)), prose
        derived |= {m.group(1), m.group(2)}
    m_all = re.search(r"all (\d+) differences|of the (\d+) differences", prose)
    assert m_all and int(next(g for g in m_all.groups() if g)) == len(compared), prose
    turned = re.search(r"changes the direction of (\d+) of", prose)
    changed = [r for r in rows if r[-1] == "changed"]
    assert (int(turned.group(1)) if turned else 0) == len(changed), prose
    # the largest movement: the widest gap between a percent row's two differences, and that row's question
    shift = re.search(r"was (\d+) percentage points \(“([^”]+)”\)", prose)
    assert shift, prose
    moves = {r[0]: abs(float(_numbers(r[diff_col])[1]) - float(_numbers(r[diff_col])[0]))
             for r in compared if "%" in r[1]}
    top = max(moves, key=moves.get)
    assert abs(int(shift.group(1)) - moves[top]) <= 1 and shift.group(2) == top, (shift.groups(), moves)
    derived |= {str(len(compared)), shift.group(1)} | ({turned.group(1)} if turned else set())
    stray = [n for n in numbers if n not in allowed | derived]
    assert not stray, f"numbers in the weighting prose that its table does not give: {stray}\n{prose}"


def test_no_notebook_draws_signed_and_unsigned_effect_sizes_on_one_axis():
    """The chart of effect sizes splits its kinds into panels, and is drawn once (one chart per quantity)."""
    from helpers.build import sources
    from helpers.core.config import NOTEBOOKS_DIR
    calls = 0
    for path in sorted(NOTEBOOKS_DIR.glob("*.md")):
        for cell in sources.read_chapter(path.parent, path.stem).cells:
            if cell.cell_type != "code":
                continue
            for call in re.findall(r"plots\.\w+\((?:[^()]|\([^()]*\))*\)", cell.source, flags=re.S):
                if 'x="effect_size"' in call and 'hue="effect_label"' in call:
                    calls += 1
                    assert 'panels="effect_label"' in call, f"{path.name}: {call}"
    assert calls == 1  # the recommendations chapter; the methods appendix refers to it rather than drawing it again
