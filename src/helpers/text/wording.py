"""Causal wording: find sentences that claim more than the design allows.

One job: below Maryland Scientific Methods Scale level 3
(:mod:`helpers.core.evidence`) the report may describe associations and what
children and adults *say*, never effects of the programme. This module keeps
the list of phrases that read as causal (:data:`CAUSAL_PATTERNS`) and finds
them in text or in the built HTML book, so that a test (``tests/test_wording.py``)
and the lead can check every page.

What is not scanned
    * The survey's own questions: the 2019 items ask children whether being in
      the programme improved things, and reporting that question is
      reporting what children said. Text inside curly quotation marks
      (“…”, ‘…’) and every question and answer label of the codebook are
      removed before the scan.
    * Reported speech: a phrase with a reporting cue (:data:`REPORTING_CUES`:
      "say", "agreed", "perceptions of", "asked whether", ...) among the
      :data:`CUE_WINDOW` words before it is the respondents' view, reported
      as theirs ("children say it made them keener"), and is not a hit. The
      same phrase without the cue ("it made them keener") is.
    * Denials: a phrase with a negation (:data:`NEGATION_CUES`: "not", "no",
      "never", "nor", "cannot show", "rather than") among the
      :data:`NEGATION_WINDOW` words before it says what the data do *not*
      show ("associations, not effects of the programme"), and is not a hit.
    * Code blocks, scripts and styles (``pre``, ``script``, ``style``), the
      site navigation and the hidden input of code cells. Inline code in a
      sentence is kept: readers see it.

Examples
--------
>>> find_causal("Children feel safer for having taken part. Answers differ.")["phrase"].tolist()
['for having taken part']
>>> find_causal("Children were asked “Has being in the programme improved their confidence?”").empty
True
>>> find_causal("These are associations, not effects of the programme.").empty
True
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from helpers.core.codebook import Codebook, load_codebook
from helpers.core.programme import load_programme

__all__ = ["CAUSAL_PATTERNS", "REPORTING_CUES", "CUE_WINDOW", "NEGATION_CUES", "NEGATION_WINDOW",
           "find_causal", "visible_text", "scan_html",
           "quoted_labels"]

log = logging.getLogger(__name__)

#: The programme as prose names it: "the programme", "the scheme" and the names ``programme.yml`` gives.
_PROGRAMME = load_programme().name_pattern()
_NAMES = load_programme().name_pattern(article=False)  # for the possessive

#: Phrase (as shown in a failure) -> regular expression, matched case-insensitively on whole words.
CAUSAL_PATTERNS = {
    "caused": r"\bcaus(?:ed|es|ing)\b",
    "led to": r"\bl(?:ed|eads?|eading) to\b",
    "because of the programme": rf"\bbecause of {_PROGRAMME}",
    "made them": r"\bmade them\b",
    "for having taken part": r"\bfor having taken part\b",
    "as a result of": r"\bas a result of\b",
    "improved their": r"\bimproved (?:their|children's|pupils')\b",
    "effect of the programme": rf"\beffects? of {_PROGRAMME}",
    "impact of the programme": rf"\bimpacts? of {_PROGRAMME}",
    "programme's effect": rf"\b{_NAMES}'s (?:effect|impact)s?\b",
    "thanks to": r"\bthanks to\b",
    "resulted in": r"\bresult(?:ed|s) in\b",
    "changed children": r"\bchang(?:ed|es) (?:children|pupils)\b",
    "what children say changed": r"\bwhat children say changed\b",
    "due to the programme": rf"\bdue to {_PROGRAMME}",
    "made children": r"\bmade (?:children|pupils)\b",
}

#: Words that frame what follows as someone's report or perception, not as the report's own claim.
REPORTING_CUES = (r"\b(?:say|says|said|saying|report|reports|reported|reporting|agree|agreed|agreeing|think|thinks|"
                  r"thought|felt that|feel that|believe|believed|perceptions? of|views? of|judge|judged|"
                  r"asked (?:whether|if|about)|questions? about|rated|rating|ratings of)\b")
#: How many words before a phrase a reporting cue may stand to excuse it.
CUE_WINDOW = 6

#: Words that deny what follows: the sentence says what the design cannot show.
NEGATION_CUES = r"\b(?:not|no|never|nor|cannot show|can't show|rather than)\b"
#: How many words before a phrase a negation may stand to excuse it.
NEGATION_WINDOW = 5

_QUOTED = re.compile(r"“[^”]*”|‘[^’]*’")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“‘(])")


def quoted_labels(codebook: Codebook | None = None) -> list[str]:
    """Every question and answer label of the codebook, longest first (removed before a scan)."""
    codebook = codebook or load_codebook()
    labels = {col.label for inst in codebook.instruments.values() for col in inst.columns if col.label}
    labels |= {label for scale in codebook.scales.values() for label in scale.labels}
    return sorted((lab for lab in labels if len(lab) > 3), key=len, reverse=True)


def _strip_quoted(text: str, labels: list[str]) -> str:
    text = _QUOTED.sub(" ", text)
    for label in labels:
        if label in text:
            text = text.replace(label, " ")
    return text


def find_causal(text: str, *, labels: list[str] | None = None,
                patterns: dict[str, str] | None = None) -> pd.DataFrame:
    """Sentences of ``text`` with causal wording, outside quoted survey questions.

    Parameters
    ----------
    text : str
        Visible prose; each line is split into sentences on its own
        (whitespace within a line is normalised).
    labels : list of str, optional
        Question and answer texts to ignore (default: none besides curly
        quotations; :func:`scan_html` passes :func:`quoted_labels`).
    patterns : dict, optional
        Phrase -> regular expression; default :data:`CAUSAL_PATTERNS`.

    Returns
    -------
    pandas.DataFrame
        ``phrase`` (the key of the pattern) and ``sentence``, one row per hit.
    """
    patterns = patterns or CAUSAL_PATTERNS
    compiled = {name: re.compile(rx, re.IGNORECASE) for name, rx in patterns.items()}
    cue = re.compile(REPORTING_CUES, re.IGNORECASE)
    negation = re.compile(NEGATION_CUES, re.IGNORECASE)
    rows = []
    sentences = [s for line in str(text).splitlines() for s in _SENTENCE.split(" ".join(line.split()))]
    for sentence in sentences:
        scanned = _strip_quoted(sentence, labels or [])
        for name, rx in compiled.items():
            for match in rx.finditer(scanned):
                words = scanned[:match.start()].split()
                before = " ".join(words[-CUE_WINDOW:])
                if not cue.search(before) and not negation.search(" ".join(words[-NEGATION_WINDOW:])):
                    rows.append({"phrase": name, "sentence": sentence.strip()})
                    break
    return pd.DataFrame(rows, columns=["phrase", "sentence"])


_BLOCKS = ["p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption", "dt", "dd",
           "blockquote"]


def visible_text(html: str) -> str:
    """The reader-visible prose of one built page: the article, without code, scripts or navigation.

    Each block (paragraph, list item, table cell, heading, caption) becomes
    one line, so a sentence never runs from one block into the next.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    root = soup.find("article") or soup.find("main") or soup.body or soup
    for tag in root.find_all(["script", "style", "pre", "nav", "noscript"]):  # inline code in prose stays
        tag.decompose()
    for tag in root.select(".cell_input, .headerlink, .toggle-details"):
        tag.decompose()
    lines = []
    for block in root.find_all(_BLOCKS):
        if block.find(_BLOCKS) is None:  # innermost blocks only: no text twice
            text = " ".join(block.get_text(" ").split())
            if text:
                lines.append(text)
    if not lines:
        lines = [" ".join(root.get_text(" ").split())]
    return "\n".join(lines)


def scan_html(html_dir: str | Path, *, pages: list[str] | None = None,
              codebook: Codebook | None = None) -> pd.DataFrame:
    """Causal wording on every page of a built book.

    Parameters
    ----------
    html_dir : str or Path
        The book's HTML folder (``book/_build/html``).
    pages : list of str, optional
        Page names without ``.html``; default every ``*.html`` file at the
        top of the folder except Sphinx's own (``genindex``, ``search``).
    codebook : Codebook, optional
        Source of the survey labels to ignore.

    Returns
    -------
    pandas.DataFrame
        ``page``, ``phrase`` and ``sentence``, one row per hit (empty when
        the book is clean).
    """
    html_dir = Path(html_dir)
    if pages is None:
        pages = sorted(p.stem for p in html_dir.glob("*.html") if p.stem not in ("genindex", "search"))
    labels = quoted_labels(codebook)
    found = []
    for page in pages:
        hits = find_causal(visible_text((html_dir / f"{page}.html").read_text(encoding="utf-8")), labels=labels)
        if len(hits):
            found.append(hits.assign(page=page))
    out = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["page", "phrase", "sentence"])
    log.info("wording: %d pages scanned, %d causal phrases found", len(pages), len(out))
    return out[["page", "phrase", "sentence"]]
