"""What a reader of the built book sees, and the defects a reader would notice.

One job: read the HTML pages of a built book as a reader does (the visible
text, without navigation, scripts, styles or code) and list what gives the
machinery away: an object's repr (``<IPython.core.display.Markdown object>``),
raw MyST markup (``:::{note}``, ``{doc}`...```), an internal file name cited as
a source, a space inside parentheses or before a full stop or comma, a count
with decimals ("16.98 children"), the same sentence twice on one page, a code
cell or a "Show code cell source" toggle, a citation that does not resolve,
and a book without a reference list.

:func:`page_text` gives a page's visible text and its paragraphs;
:func:`page_defects` checks one page; :func:`book_defects` checks every page
of a book and the reference list. Both return tidy DataFrames (one row per
defect), empty when the page reads as written.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pandas as pd
from bs4 import BeautifulSoup

__all__ = ["CHECKS", "PAGES_SKIPPED", "page_text", "page_defects", "book_defects", "citations", "case_labels",
           "lowered_labels"]

#: Pages of a Sphinx build that are not part of the report.
PAGES_SKIPPED = frozenset({"genindex.html", "search.html", "py-modindex.html"})

#: Defects found in the visible text, by name: a regular expression each.
CHECKS = {
    "object repr": re.compile(r"<[\w.]+ object( at 0x[0-9a-fA-F]+)?>"),
    "raw MyST markup": re.compile(r":::\{|```\{|\{(?:doc|ref|numref|glue(?::\w+)?|cite(?::\w+)?|term)\}`"),
    "internal file name": re.compile(r"\b\d{3}_[0-9a-f]{16}(?:\.txt)?\b|\bseed \d{3}_"),
    "space inside parentheses": re.compile(r"\(\s+[\w\d]|[\w\d%]\s+\)"),
    "space before punctuation": re.compile(r"\w\s+[.,;:](?:\s|$)"),
    "count with decimals": re.compile(
        r"\b\d+\.\d+\s+(?:children|schools|forces|people|respondents|pupils|parents|teachers|"
        r"practitioners|units|officers|volunteers)\b"),
}

# Elements whose text a reader does not read as the page's prose.
_HIDDEN = ("script", "style", "nav", "header", "footer", "pre", "noscript", "template")
# Block elements: their text starts on a new line.
_BLOCKS = ("p", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "br", "figcaption", "summary",
           "dt", "dd", "caption", "blockquote", "section", "table", "tr")


def page_text(html: str) -> tuple[str, list[str]]:
    """The visible text of a page and its paragraphs.

    Parameters
    ----------
    html : str
        One page of the built book.

    Returns
    -------
    tuple of (str, list of str)
        The text a reader sees, block elements on their own lines, without
        scripts, styles, navigation, header, footer, code listings, the
        heading permalinks ("#") and screen-reader-only text; and the text of
        each ``<p>`` of the article, whitespace collapsed.

    Examples
    --------
    >>> text, paragraphs = page_text("<main><p>One ( two ).</p><script>x</script></main>")
    >>> paragraphs
    ['One ( two ).']
    """
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_HIDDEN):
        tag.decompose()
    for tag in soup.select("a.headerlink, .visually-hidden, .sr-only, .cell_input, .toggle-details"):
        tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    body = soup.find("article") or soup.find("main") or soup
    text = body.get_text()
    paragraphs = [" ".join(p.get_text().split()) for p in body.find_all("p")]
    return text, [p for p in paragraphs if p]


def _keeps_case(label: str) -> bool:
    """Whether a label has a capital that lower-casing would make wrong.

    That is a capital after its first letter ("Volunteer Police Cadets"), or
    a first word that is a capital on its own account: the pronoun "I" or an
    acronym ("PCSO visits"). A label whose only capital starts an ordinary
    word ("Making an impact on others", "A bit safer") may be lower-cased
    inside a sentence. Labels of one word are left out.
    """
    words = label.split()
    if len(words) < 2:
        return False
    first = words[0]
    return first == "I" or (len(first) > 1 and first.isupper()) or any(c.isupper() for c in label[1:])


@cache
def case_labels() -> tuple[str, ...]:
    """The codebook's question and answer labels that must keep their case (:func:`_keeps_case`)."""
    from helpers.core.codebook import load_codebook

    codebook = load_codebook()
    labels = {c.label for inst in codebook.instruments.values() for c in inst.columns if c.label}
    labels |= {label for scale in codebook.scales.values() for label in scale.labels}
    return tuple(sorted(label for label in labels if _keeps_case(label)))


def lowered_labels(text: str, labels: tuple[str, ...] | list[str] | None = None) -> list[tuple[str, str]]:
    """Labels printed with a capital they must keep in lower case: ``[(label, as printed), ...]``.

    A label is looked for in ``text`` ignoring case (whitespace collapsed,
    curly apostrophes read as straight ones); a match is a defect when a
    letter that is a capital in the label, other than the first letter of
    an ordinary first word, is small in the text. Quoted labels keep their
    case and pass; so does a label at the start of a sentence.

    Examples
    --------
    >>> lowered_labels("Most said i think that the police work well with young people.",
    ...                ["I think that the police work well with young people"])
    [('I think that the police work well with young people', 'i think that the police work well with young people')]
    >>> lowered_labels("Most agreed: “I trust the police”.", ["I trust the police"])
    []
    """
    labels = case_labels() if labels is None else labels
    flat = " ".join(text.replace("\u2019", "'").split())
    found = []
    for label in labels:
        first = label.split()[0]
        guarded = [i for i, c in enumerate(label) if c.isupper() and (i > 0 or first == "I" or first.isupper())]
        for match in re.finditer(re.escape(label), flat, flags=re.IGNORECASE):
            printed = match.group(0)
            if any(printed[i].islower() for i in guarded):
                found.append((label, printed))
    return found


def _sentences(paragraphs: list[str]) -> list[str]:
    prose = " ".join(paragraphs)
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", prose) if len(s.strip()) > 50]


def citations(html: str) -> list[tuple[str, str]]:
    """The citations on a page: ``(text, target)`` of each link into a bibliography entry.

    sphinxcontrib-bibtex renders a citation as a ``span.bibtex-citation``
    holding a link whose target is the ``id`` of the entry in the reference
    list (``01_context.html#id12``);
    a citation it could not resolve stays as its raw key, which
    :data:`CHECKS` finds as raw markup.
    """
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for span in soup.select("span.bibtex-citation, span.cite"):
        for link in span.find_all("a", href=True):
            found.append((" ".join(link.get_text().split()), link["href"]))
    return found


def page_defects(html: str, *, page: str = "") -> pd.DataFrame:
    """Every defect a reader would notice on one page.

    Parameters
    ----------
    html : str
        The page's HTML.
    page : str
        Its file name, written into the result.

    Returns
    -------
    pandas.DataFrame
        ``page, defect, example``, one row per defect found (empty when
        none): each of :data:`CHECKS` over the visible text, ``label
        lower-cased`` for each :func:`lowered_labels` finding, ``code on the
        page`` for a code cell's input or a "Show code cell source" toggle,
        and ``sentence printed twice`` for a sentence of more than fifty
        characters that appears twice in the page's paragraphs.

    Examples
    --------
    >>> page_defects("<p>16.98 children per school.</p>")["defect"].tolist()
    ['count with decimals']
    """
    text, paragraphs = page_text(html)
    rows = []
    for name, pattern in CHECKS.items():
        for match in pattern.finditer(text):
            example = text[max(0, match.start() - 40):match.end() + 30]
            rows.append({"page": page, "defect": name, "example": " ".join(example.split())})
    for label, printed in lowered_labels(text):
        rows.append({"page": page, "defect": "label lower-cased", "example": f"{printed!r} (codebook: {label!r})"})
    toggles = html.count("Show code cell source") + len(BeautifulSoup(html, "html.parser").select(".cell_input"))
    if toggles:
        rows.append({"page": page, "defect": "code on the page", "example": f"{toggles} code inputs or toggles"})
    for sentence, k in Counter(_sentences(paragraphs)).items():
        if k > 1:
            rows.append({"page": page, "defect": "sentence printed twice", "example": sentence[:120]})
    return pd.DataFrame(rows, columns=["page", "defect", "example"])


def book_defects(html_dir: str | Path) -> pd.DataFrame:
    """Every defect of a built book: each page's, the reference list and the citations.

    Parameters
    ----------
    html_dir : str or Path
        The book's HTML folder (``book/_build/html``).

    Returns
    -------
    pandas.DataFrame
        ``page, defect, example`` as :func:`page_defects`, plus ``no reference
        list`` when no page has a "References" heading (or rubric) and a
        bibliography, and ``citation does not resolve`` for a citation whose
        target is not an entry of the reference list.
    """
    html_dir = Path(html_dir)
    frames, entries, cited = [], set(), []
    has_list = False
    for path in sorted(html_dir.glob("*.html")):
        if path.name in PAGES_SKIPPED:
            continue
        html = path.read_text(encoding="utf-8", errors="replace")
        frames.append(page_defects(html, page=path.name))
        soup = BeautifulSoup(html, "html.parser")
        bibliography = soup.select("div.citation[id], [role=doc-biblioentry][id]")
        for node in bibliography:
            if node.get("id"):
                entries.add(f"{path.name}#{node['id']}")
        headings = [" ".join(h.get_text().replace("#", " ").split())
                    for h in soup.select("h1, h2, h3, p.rubric")]
        headings = [re.sub(r"^[\d.]+\s*", "", h) for h in headings]  # section numbers
        if bibliography and any(h.lower() in ("references", "bibliography") for h in headings):
            has_list = True
        cited += [(path.name, text, href) for text, href in citations(html)]
    rows = []
    if not has_list:
        rows.append({"page": "", "defect": "no reference list", "example": "no page has a References section"})
    for page, text, href in cited:
        target = href if "#" in href and not href.startswith("#") else f"{page}{href}"
        if target not in entries:
            rows.append({"page": page, "defect": "citation does not resolve", "example": f"{text} -> {href}"})
    frames.append(pd.DataFrame(rows, columns=["page", "defect", "example"]))
    return pd.concat(frames, ignore_index=True)
