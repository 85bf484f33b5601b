"""Causal wording (helpers.text.wording): the phrase list, and every page of the built book.

The book part reads book/_build/html as tests/test_build.py does (``make test``
builds it first; outside CI it skips when there is no book). Set
``MINIPOLICE_HTML`` to scan another built book, e.g. ``/tmp/out/html``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.config import BOOK_DIR, PROCESSED_DIR
from helpers.core.evidence import allows_causal_wording
from helpers.text.wording import CAUSAL_PATTERNS, find_causal, quoted_labels, scan_html, visible_text

HTML = Path(os.environ.get("MINIPOLICE_HTML", BOOK_DIR / "_build" / "html"))


@pytest.mark.parametrize("sentence,phrase", [
    ("The difference was caused by the scheme.", "caused"),
    ("Taking part led to more trust.", "led to"),
    ("Children trust officers because of the mini-police.", "because of the programme"),
    ("It made them keener to help.", "made them"),
    ("They feel safer for having taken part.", "for having taken part"),
    ("Trust rose as a result of the programme.", "as a result of"),
    ("The scheme improved their confidence.", "improved their"),
    ("The effect of the programme is large.", "effect of the programme"),
    ("The impact of the mini-police was clear.", "impact of the programme"),
    ("### What children say changed", "what children say changed"),
])
def test_each_phrase_is_found(sentence, phrase):
    hits = find_causal(sentence)
    assert phrase in set(hits["phrase"]), hits
    assert hits["sentence"].iloc[0] == sentence


def test_associational_wording_and_quoted_questions_pass():
    clean = ("Mini-police children agreed more strongly than other children. Of them, 80% reported that "
             "taking part had helped their understanding. Children were asked “Being in the mini-police has "
             "improved their confidence” and answered.")
    assert find_causal(clean).empty


def test_reported_speech_is_the_respondents_view_not_a_claim():
    assert find_causal("Most children say it made them keener to help others.").empty
    assert find_causal("Parents' perceptions of the impact of the mini-police were positive.").empty
    assert not find_causal("It made them keener to help others.").empty
    # the cue must be near: a reporting word early in a long sentence does not excuse a later claim
    long = ("Children agreed with most statements about the police in their area and at school, and the "
            "scheme made them keener to help.")
    assert find_causal(long)["phrase"].tolist() == ["made them"]


def test_codebook_question_labels_are_not_scanned():
    labels = quoted_labels()
    assert labels == sorted(labels, key=len, reverse=True) and len(labels) > 20
    question = next(lab for lab in labels if "improved" in lab.lower())
    # Without the labels a question could be caught by a pattern; with them it never is.
    assert find_causal(f"Children answered {question} in the survey.", labels=labels).empty


def test_visible_text_drops_code_and_navigation():
    html = ("<html><body><nav>Mini-police caused it</nav><article><p>Groups differ.</p>"
            "<div class='cell_input'><pre>x = 'led to'</pre></div><p>Answers vary.</p></article></body></html>")
    assert visible_text(html) == "Groups differ.\nAnswers vary."


def test_scan_html_names_page_and_sentence(tmp_path):
    (tmp_path / "index.html").write_text("<article><p>Fine. This was caused by the scheme.</p></article>")
    (tmp_path / "other.html").write_text("<article><p>Fine.</p></article>")
    out = scan_html(tmp_path)
    assert out.to_dict("records") == [{"page": "index", "phrase": "caused",
                                       "sentence": "This was caused by the scheme."}]
    assert set(CAUSAL_PATTERNS) >= {"caused", "led to", "made them", "for having taken part"}


@pytest.mark.book
def test_no_causal_wording_on_any_built_page():
    if not (HTML / "index.html").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{HTML} is missing: `make test` builds the book first")
        pytest.skip(f"no built book at {HTML}")
    # The tables beside the book: OUT/evidence.csv for a build with --out, else data/processed.
    evidence = next((p for p in (HTML.parent / "evidence.csv", PROCESSED_DIR / "evidence.csv") if p.exists()), None)
    if evidence is not None and allows_causal_wording(pd.read_csv(evidence)["level"].iloc[0]):
        pytest.skip("the design is rated level 3 or higher: effects may be named")
    hits = scan_html(HTML)
    assert hits.empty, "causal wording:\n" + "\n".join(
        f"{row.page}: [{row.phrase}] {row.sentence}" for row in hits.itertuples())


def test_a_denial_is_not_a_causal_claim():
    from helpers.text.wording import find_causal

    assert find_causal("These are associations in a survey taken once, not effects of the programme.").empty
    assert find_causal("The design cannot show that the programme caused the difference.").empty
    # The same phrase without the negation, or with the negation too far before it, is still found.
    assert find_causal("These are effects of the programme.")["phrase"].tolist() == ["effect of the programme"]
    assert not find_causal("Not every school took part, and the gain was caused by the programme.").empty
