"""Hostile input, the user's own files, and interrupted or concurrent runs (issue 12).

Each case asserts the exit status, the message, and that nothing unsafe
was written or reached a page. The fast cases run ``minipolice process``
(through :func:`helpers.cli.main`) on copies of the messy fixture or the
demo data; the last part builds one book from the demo data with script,
image, frame, link and style payloads planted in every free-text column of
the children's survey and in both qualitative files, then opens every page
in Debian's Chromium (Playwright), as tests/test_browser.py does. It is
marked ``book`` and skips without Chromium (fails under ``CI=true``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from helpers.build.book import toc_pages
from helpers.build.theme import add_csp, content_security_policy
from helpers.cli import main
from helpers.core import outputs, pipeline
from helpers.core.config import RAW_DIR
from helpers.report.figures import make_figure
from helpers.report.narrative import quotes_markdown, workshop_quotes_markdown
from helpers.report.plots import chart_data, escaped_cells
from helpers.text.safe_text import escape_html, escape_text, neutralise_csv

#: One string holding every payload of the issue: it runs script in five different ways.
PAYLOAD = ('<script>alert("xss1")</script><img src=x onerror=alert("xss2")>'
           '<iframe srcdoc="<script>alert(3)</script>"></iframe>[x](javascript:alert("xss4"))'
           '<style>body{display:none}</style>')
#: What a reader must see of it, as text (quotes may become typographic ones on the page).
VISIBLE = ["<script>alert(", "<img src=x onerror=alert(", "<iframe srcdoc=", "[x](javascript:alert(",
           "<style>body{display:none}</style>"]
#: Free-text columns the payload is planted in.
FREE_TEXT = {"children_survey": ["enjoyed_most", "enjoyed_least", "police_good_job_why"],
             "workshop_comments": ["comment"], "interview_excerpts": ["excerpt"]}


def _run(capsys, *argv) -> tuple[int, str]:
    status = main(["-q", *map(str, argv)])
    return status, capsys.readouterr().err


def _plant(raw: Path, text: str = PAYLOAD) -> None:
    for name, columns in FREE_TEXT.items():
        frame = pd.read_csv(raw / f"{name}.csv", dtype=str, keep_default_na=False)
        for column in columns:
            frame[column] = frame[column].where(frame[column].eq(""), text + " " + frame[column])
        frame.to_csv(raw / f"{name}.csv", index=False)


def _rendered(markdown: str) -> str:
    """HTML of a Markdown string, raw HTML allowed (as MyST allows it)."""
    return MarkdownIt("commonmark", {"html": True}).render(markdown)


def _no_markup(page: str) -> None:
    for tag in ("<script", "<img", "<iframe", "<style", "href=\"javascript", "<a "):
        assert tag not in page.lower(), f"{tag} reached the page: {page[:300]}"


# --- 1. escaping ------------------------------------------------------------------------------

def test_quotes_show_the_payload_as_text_and_run_none_of_it():
    quotes = pd.DataFrame({"quote": [PAYLOAD + " then Mrs <name removed> came", "**bold** {eval}`1` $x$ 1. :::"],
                           "role_label": ["Teacher", "Strategic lead"], "theme": "other",
                           "theme_label": ["<b>Other</b>", "Other"]})
    for markdown in (quotes_markdown(quotes, synthetic=False, show_theme=True),
                     workshop_quotes_markdown(quotes, synthetic=True)):
        page = _rendered(markdown)
        _no_markup(page)
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        for fragment in [*VISIBLE, "<name removed>", "**bold** {eval}`1` $x$ 1. :::", "<b>Other</b>"]:
            assert fragment in text
        assert "<strong>bold" not in page and "<ol" not in page  # Markdown syntax stays text


def test_html_outputs_escape_cells_alt_text_and_captions():
    table = pd.DataFrame({"word": [PAYLOAD], "count": [7]})
    _no_markup(chart_data(table, {"word": "Word", "count": "Times"}, flag=None).data)
    styled = escaped_cells(table.style.format({"count": "{:d}"})).to_html()
    _no_markup(styled[styled.index("<tbody>"):])  # (pandas writes its own <style> block before the table)
    assert escape_html('"><script>') == "&quot;&gt;&lt;script&gt;"  # safe inside a quoted attribute
    assert "<" not in escape_text(PAYLOAD) and "\n" not in escape_text("a\nb")
    # The word cloud's words reach alt text and the CSV: letters only, whatever the answers held.
    texts = pd.DataFrame({"police_good_job_why": [PAYLOAD + " they help people"] * 6})
    figure = make_figure("4.8", pd.DataFrame(columns=["measure"]), texts=texts, min_cell=5)
    assert set(figure.table["word"]) <= {w for w in figure.table["word"] if re.fullmatch(r"[a-z']+", w)}
    page = figure._repr_html_()
    assert page.count("<img") == 1 and page.count("<a ") == 1  # the figure's own picture and CSV link
    assert not any(tag in page for tag in ("<script", "<iframe", "<style", "javascript:", "onerror"))


def test_csp_hashes_only_the_themes_scripts():
    token = "t0k"
    page = ("<html><head><script>var theme = 1;</script></head><body><button onclick=\"window.print()\">"
            f"<!--mp-content-start-{token}--><script>alert(1)</script><img src=x onerror=\"alert(2)\">"
            f"<!--mp-content-end-{token}--></body></html>")
    out = add_csp(page, token)
    assert "mp-content" not in out and out.count("Content-Security-Policy") == 1
    policy = re.search(r'content="([^"]+)"', out).group(1)
    hashes = re.findall(r"'sha256-[^']+'", policy)
    assert len(hashes) == 2  # the theme's inline script and its onclick, not the content's script or handler

    def digest(body: str) -> str:  # the CSP source expression of a script body
        return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"

    assert digest("var theme = 1;") in hashes and digest("window.print()") in hashes
    assert digest("alert(1)") not in policy and digest("alert(2)") not in policy
    # Without content markers (a page not rendered by the extension) every inline script counts as the theme's.
    assert digest("alert(1)") in content_security_policy("<script>alert(1)</script>")
    assert "object-src 'none'" in policy and "frame-src 'none'" in policy and "'unsafe-inline'" not in \
        policy.split("script-src")[1].split(";")[0]
    assert add_csp(out, token) == out  # a page that has its policy is left alone


# --- 2. CSV neutralisation --------------------------------------------------------------------

def test_formula_text_is_neutralised_in_the_log_the_quarantine_and_figure_csvs(messy_dir, tmp_path, capsys):
    children = pd.read_csv(messy_dir / "children_survey.csv", dtype=str, keep_default_na=False, encoding="cp1252")
    children.loc[0, "gender"] = '=HYPERLINK("http://x","y")'
    children.loc[1, "Force"] = "@SUM(1+1)"  # unknown force: the row is quarantined verbatim (but neutralised)
    children.loc[2, "gender"] = "-2+3"
    children.to_csv(messy_dir / "children_survey.csv", index=False, encoding="cp1252")
    status, _ = _run(capsys, "process", "--data-dir", messy_dir, "--out", tmp_path / "out")
    assert status == 0
    log = pd.read_csv(tmp_path / "out" / "validation_log.csv", dtype=str, keep_default_na=False)
    values = set(log["value"])
    assert "'=HYPERLINK(\"http://x\",\"y\")" in values and "'-2+3" in values
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in log.to_numpy().ravel())
    quarantine = pd.read_csv(tmp_path / "out" / "quarantine" / "children_survey.csv", dtype=str,
                             keep_default_na=False)
    assert "'@SUM(1+1)" in set(quarantine["Force"])
    # Figure CSVs: text cells neutralised, numbers (a negative effect size) stay numbers.
    frame = neutralise_csv(pd.DataFrame({"item": ["=1+1", "fine"], "effect": [-0.3, 0.2]}))
    assert frame["item"].tolist() == ["'=1+1", "fine"] and frame["effect"].tolist() == [-0.3, 0.2]


# --- 3. arguments and edge input --------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["--force", ""], "--force is empty"),
    (["--force", "   "], "--force is empty"),
    (["--force", "../../etc"], "unknown police force"),
    (["--force", "Durham", "--min-cell", "0"], "must be 1 or more for local reports"),
    (["--min-cell", "-1"], "--min-cell -1"),
])
def test_bad_options_exit_2_and_write_nothing(messy_dir, tmp_path, capsys, argv, message):
    status, err = _run(capsys, "process", "--data-dir", messy_dir, "--out", tmp_path / "out", *argv)
    assert status == 2 and message in err and err.count("error:") == 1
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob("**/.staging-*")) and not (tmp_path / "etc").exists()


def test_min_cell_0_warns_that_disclosure_control_is_off(messy_dir, tmp_path, capsys):
    status = main(["process", "--data-dir", str(messy_dir), "--out", str(tmp_path / "out"), "--min-cell", "0"])
    assert status == 0 and "disclosure control is OFF" in capsys.readouterr().err
    from helpers.cli import DISCLOSURE_OFF_BANNER

    assert "Disclosure control is OFF" in DISCLOSURE_OFF_BANNER  # the banner the build puts on every page


@pytest.mark.parametrize("instrument, status, message", [
    ("children_survey", 2, "children_survey.csv: the file has a header and no rows"),
    ("scheme_census", 2, "scheme_census.csv: the file has a header and no rows"),
    ("teacher_survey", 0, "teacher_survey.csv has a header and no rows; reported as not collected"),
    ("parent_survey", 0, "parent_survey.csv has a header and no rows; reported as not collected"),
])
def test_header_only_files(messy_dir, tmp_path, capsys, instrument, status, message):
    path = messy_dir / f"{instrument}.csv"
    path.write_bytes(path.read_bytes().splitlines()[0] + b"\n")
    out = tmp_path / "out"
    got, err = main(["process", "--data-dir", str(messy_dir), "--out", str(out)]), capsys.readouterr().err
    assert got == status and message in err
    if status == 2:
        assert not out.exists()
    else:
        log = pd.read_csv(out / "validation_log.csv", dtype=str, keep_default_na=False)
        assert ((log["instrument"] == instrument) & log["problem"].str.contains("no rows")).any()


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff\xfe\x00binary\x00" * 50])
def test_empty_and_binary_files_exit_2(messy_dir, tmp_path, capsys, content):
    (messy_dir / "teacher_survey.csv").write_bytes(content)
    status, err = _run(capsys, "process", "--data-dir", messy_dir, "--out", tmp_path / "out")
    assert status == 2 and "teacher_survey" in err and not (tmp_path / "out").exists()


def test_min_cell_0_with_quotes_does_not_crash():
    from helpers.text.qualitative import illustrative_quotes

    comments = pd.DataFrame({"child_id": ["a", "b"], "theme": ["other"] * 2,
                             "comment": ["We went to the police station on a coach"] * 2})
    assert illustrative_quotes(comments, theme="learning_helping", scale="workshop_theme", min_cell=0).empty


# --- 4. folders: ownership, separation, locks, staging ----------------------------------------

@pytest.mark.parametrize("layout", ["same", "data_inside_out", "out_inside_data"])
def test_data_dir_and_out_must_be_apart(messy_dir, tmp_path, capsys, layout):
    data, out = {"same": (messy_dir, messy_dir), "data_inside_out": (messy_dir, messy_dir.parent),
                 "out_inside_data": (messy_dir, messy_dir / "tables")}[layout]
    before = sorted(p.name for p in messy_dir.rglob("*"))
    for command in ("process", "build"):
        status, err = _run(capsys, command, "--data-dir", data, "--out", out)
        assert status == 2 and "the output folder" in err
    assert sorted(p.name for p in messy_dir.rglob("*")) == before


def test_process_keeps_the_users_files_and_replaces_only_its_own(messy_dir, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "quarantine").mkdir(parents=True)
    mine = {out / "thesis.parquet": b"PAR1 my thesis", out / "notes.txt": b"my notes",
            out / "quarantine" / "kept.csv": b"a,b\n"}
    for path, data in mine.items():
        path.write_bytes(data)
    for _ in range(2):
        assert _run(capsys, "process", "--data-dir", messy_dir, "--out", out)[0] == 0
        assert all(path.read_bytes() == data for path, data in mine.items())
    written = outputs.owned(out)
    assert "results.csv" in written and "thesis.parquet" not in written and "notes.txt" not in written
    # A stale output of the tool goes; a file the tool did not write is never overwritten.
    (out / "old_instrument.parquet").write_bytes(b"stale")
    outputs.add_owned(out, ["old_instrument.parquet"])
    assert _run(capsys, "process", "--data-dir", messy_dir, "--out", out)[0] == 0
    assert not (out / "old_instrument.parquet").exists()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "results.csv").write_text("my own results\n")
    status, err = _run(capsys, "process", "--data-dir", messy_dir, "--out", fresh)
    assert status == 2 and "results.csv already exists and was not written by minipolice" in err
    assert (fresh / "results.csv").read_text() == "my own results\n" and not (fresh / "manifest.json").exists()


def test_a_folder_in_use_is_refused_naming_the_process_and_a_dead_lock_is_taken_over(messy_dir, tmp_path,
                                                                                      capsys):
    out = tmp_path / "out"
    out.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / outputs.LOCK).write_text(f"{sleeper.pid}\n")
        status, err = _run(capsys, "process", "--data-dir", messy_dir, "--out", out)
        assert status == 2 and f"process {sleeper.pid}" in err and not (out / "results.csv").exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    # The sleeper is gone: its lock is stale and taken over; the run succeeds and leaves no lock.
    assert _run(capsys, "process", "--data-dir", messy_dir, "--out", out)[0] == 0
    assert (out / "results.csv").exists() and not (out / outputs.LOCK).exists()


def test_a_run_killed_mid_swap_never_leaves_new_tables_beside_an_old_manifest(messy_dir, tmp_path, capsys,
                                                                             monkeypatch):
    out = tmp_path / "out"
    assert _run(capsys, "process", "--data-dir", messy_dir, "--out", out)[0] == 0
    (out / ".staging-minipolice-left-by-a-kill").mkdir()  # a staging folder of a killed run
    old_results = (out / "results.csv").read_bytes()
    path = messy_dir / "children_survey.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n")  # one child fewer
    real_replace = os.replace

    def dying_replace(src, dst):
        if Path(dst).name == "tests.csv":  # after results.csv, before the manifest
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(pipeline.os, "replace", dying_replace)
    status, err = _run(capsys, "process", "--data-dir", messy_dir, "--out", out)
    assert status == 1 and "interrupted" in err
    assert (out / "results.csv").read_bytes() != old_results  # the new results were moved in ...
    assert not (out / "manifest.json").exists()  # ... and no manifest vouches for a mixed set
    assert not list(out.glob(".staging-*")) and not list(tmp_path.glob(".staging-*"))
    assert not (out / outputs.LOCK).exists()
    monkeypatch.setattr(pipeline.os, "replace", real_replace)
    assert _run(capsys, "process", "--data-dir", messy_dir, "--out", out)[0] == 0
    assert json.loads((out / "manifest.json").read_text())["contract_version"] == 2


@pytest.mark.parametrize("delay", [0.5, 1.5, 3.0])
def test_sigterm_at_any_moment_leaves_no_staging_no_lock_and_no_mixed_set(tmp_path, delay):
    import signal
    import time

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "helpers.cli", "-q", "process", "--data-dir", str(RAW_DIR), "--out", str(out)]
    run = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=120)
    # 1: stopped and cleaned up; -15: killed before Python set its handler; -2: cleaned up, then ended by
    # an interrupt signal a library re-raised at exit (pyarrow does so).
    assert run.returncode in (0, 1, -signal.SIGTERM, -signal.SIGINT), err
    if run.returncode in (1, -signal.SIGINT):
        assert "interrupted" in err
    assert not list(tmp_path.rglob(".staging-*")) and not list(tmp_path.rglob(outputs.LOCK))
    if (out / "manifest.json").exists():  # a manifest vouches for a complete set
        assert run.returncode == 0 and all((out / name).exists() for name in pipeline.OUTPUT_FILES)


# --- 5. the hostile book in a browser ---------------------------------------------------------

def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run)")
    pytest.skip(reason)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


USER_FILES = {"notes.txt": "a user's notes next to the tables", "html/my_page.txt": "a user's file in the HTML",
              "book/my_draft.md": "a user's draft in the book folder"}


@pytest.fixture(scope="module")
def hostile_book(tmp_path_factory):
    """One book from the demo data with the payload in every free-text column; built twice."""
    root = tmp_path_factory.mktemp("hostile")
    raw, out = root / "raw", root / "out"
    shutil.copytree(RAW_DIR, raw)
    _plant(raw)
    for name, text in USER_FILES.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    for _ in range(2):  # the second build reuses what it can and must still keep the user's files
        assert main(["-q", "build", "--data-dir", str(raw), "--out", str(out), "--jobs", "2"]) == 0
    return out


@pytest.mark.book
def test_users_files_survive_two_builds(hostile_book):
    for name, text in USER_FILES.items():
        assert (hostile_book / name).read_text() == text, name
    assert (hostile_book / "html" / "index.html").exists()
    assert not list(hostile_book.rglob(".staging-*")) and not list(hostile_book.rglob(outputs.LOCK))


@pytest.mark.book
def test_no_payload_runs_on_any_page(hostile_book):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (it is in requirements.lock: `make venv`)")
    from helpers.build.pdf import find_chromium, launch_chromium

    if not find_chromium():
        _unavailable("Chromium not found: `apt-get install chromium` (Debian's; .ci/run installs it)")
    html_dir = hostile_book / "html"
    pages = toc_pages(hostile_book / "book" / "_toc.yml") + ["search", "genindex"]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    shown = ""
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                for stem in pages:
                    context = browser.new_context()
                    page = context.new_page()
                    dialogs, errors = [], []
                    page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
                    page.on("console", lambda m, seen=errors: seen.append(m.text) if m.type == "error" else None)
                    page.goto(base + f"{stem}.html", wait_until="load")
                    page.wait_for_timeout(300)
                    found = page.evaluate("""() => ({
                        iframes: document.querySelectorAll('iframe, object, embed').length,
                        handlers: [...document.querySelectorAll('*')].filter(e =>
                            [...e.attributes].some(a => /^on/i.test(a.name) && /alert/.test(a.value))).length,
                        scripts: [...document.scripts].filter(s => /alert/.test(s.textContent)).length,
                        styles: [...document.querySelectorAll('style')].filter(s =>
                            /display:\\s*none/.test(s.textContent) && /body/.test(s.textContent)).length,
                        jslinks: [...document.querySelectorAll('a[href]')].filter(a =>
                            a.getAttribute('href').trim().toLowerCase().startsWith('javascript:')).length,
                        bodyShown: getComputedStyle(document.body).display !== 'none',
                        text: document.body.innerText})""")
                    context.close()
                    assert dialogs == [], f"{stem}: a dialog fired: {dialogs}"
                    assert found["iframes"] == found["handlers"] == found["scripts"] == 0, (stem, found)
                    assert found["styles"] == found["jslinks"] == 0 and found["bodyShown"], stem
                    csp = [e for e in errors if "Content Security Policy" in e or "Content-Security" in e]
                    assert csp == [], f"{stem}: the policy blocked something of the book's own: {csp[:2]}"
                    if stem in ("03_children", "04_adults"):
                        shown += found["text"]
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    # The payload is shown as text where quotes are shown (typographic quotes aside).
    for fragment in VISIBLE:
        assert fragment in shown, fragment
