"""Redaction of free text before it reaches the book (docs/contract.md section 5).

One job: remove what could identify a person from free text — e-mail
addresses, UK telephone numbers, UK postcodes, personal and school names
known to the data, officers' and adults' names written after a rank or
title ("PC Jones", "Sergeant Smith", "Mrs Patel") and school names written
with their type ("Oakfield Primary", "St Mary's C of E Academy") — and find
such identifiers in built pages so that tests can check nothing leaked.

Why regular expressions and not a library
-----------------------------------------
The PII scrubbers on PyPI do not fit: ``scrubadub`` pulls in scikit-learn,
TextBlob and Faker and finds names with NLTK/spaCy/Stanford models, and
Presidio needs a spaCy language model; such models are downloaded at run
time, which this project's machines cannot do, and statistical name finders
are not reproducible across versions. Google's ``phonenumbers`` would be a
good, dependency-free matcher for telephone numbers, but the patterns here
are written to the UK numbering plan (10 digits after the trunk ``0``, 9 for
a few old area codes and 0800 numbers) and need no new dependency. Every
pattern is a module constant, so what is and is not caught can be read.

Rules
-----
* E-mail addresses: ``local@domain.tld``.
* Telephone numbers: a UK number written nationally (``01632 960417``,
  ``(020) 7946 0000``, ``07700-900-123``) or internationally (``+44 7700
  900123``, ``+44 (0)20 7946 0000``, ``0044 ...``): the trunk prefix, then
  9 or 10 digits separated by at most two spaces, dots, hyphens or
  brackets. Short numbers (``999``, ``101``, ``111``) are kept.
* Postcodes: a full postcode in any case, with or without the space
  (``DH1 3LE``, ``sw1a 1aa``, ``M11AE``), except that a lower-case inward
  part that reads as an ordinal (``Y6 1st``, ``M25 4th``) is not taken for
  one; and an outward
  code alone (``DH1``, ``SW1A``) where that is unambiguous: upper case, a
  two-letter postcode area of :data:`POSTCODE_AREAS`, not ``CO2``/``CH4``.
  One-letter areas alone (``M25``, ``B12``, ``E3``) are kept: they read as
  roads, vitamins or school years far more often than as addresses.
* Known names (``names=``; see :func:`known_names`): whole words, any case,
  longest first, spaces in a name matching any run of white space. A
  one-word name that is also a common English word (``Will``, ``May``,
  ``Grace``) is matched only when capitalised, so that "will" and "may"
  survive.
* A rank or title followed by a capitalised name: ``PC``, ``PCSO``,
  ``DC``, ``DS``, ``DI``, ``DCI``, ``Mr``, ``Mrs``, ``Ms``, ``Miss``,
  ``Mx``, ``Dr`` (as written) and ``Sergeant``, ``Sgt``, ``Inspector``,
  ``Insp``, ``Constable``, ``Superintendent``, ``Supt`` (any case), with
  an optional initial and up to two name words. The title stays
  ("PC [redacted]") because it is not identifying and keeps the quote
  readable.
* A school named with its type: one to four capitalised words (not
  sentence starters such as "At", "Our", "The") followed by ``Primary``,
  ``Junior``, ``Infant(s)``, ``Academy``, ``School``, ``College``,
  ``Nursery`` or ``High School``, optionally with ``C of E``, ``CE``,
  ``RC``, ``Catholic`` ... in between.

Replacements run in that order, so an e-mail address is gone before its
parts could be read as a name. Missing values stay missing.

Limits: names that the data do not know and that carry no title or school
type (a child writing "my friend Aisha") cannot be found by any pattern
here and need a human reader; neither can misspelt or spaced-out
identifiers ("oh seven seven ...", "name at example dot org"), addresses
without a postcode, or non-UK phone numbers.

Examples
--------
>>> import pandas as pd
>>> redact(pd.Series(["Ring 01632 960417 or e-mail d.okafor@example.org", "PC Jones came to Oakfield Primary",
...                   "Year 6 rang 999 at 3pm in 2019", None], dtype=object)).tolist()
['Ring [redacted] or e-mail [redacted]', 'PC [redacted] came to [redacted]', 'Year 6 rang 999 at 3pm in 2019', None]
>>> find_identifiers("Write to DH1 3LE or call +44 7700 900123.")
['DH1 3LE', '+44 7700 900123']
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Mapping

import pandas as pd

from helpers.core.codebook import Codebook, load_codebook
from helpers.core.loading import normalise_header

__all__ = [
    "DEFAULT_REPLACEMENT",
    "NAME_COLUMNS",
    "POSTCODE_AREAS",
    "COMMON_WORDS",
    "EMAIL_PATTERN",
    "PHONE_PATTERN",
    "POSTCODE_PATTERN",
    "TITLE_NAME_PATTERN",
    "SCHOOL_PATTERN",
    "redact",
    "known_names",
    "find_identifiers",
]

log = logging.getLogger(__name__)

#: What an identifier is replaced with.
DEFAULT_REPLACEMENT = "[redacted]"

#: Columns whose values are names (matched case-insensitively after trimming,
#: as raw headers are): respondent and officer names and school names.
NAME_COLUMNS = frozenset({
    "name", "first_name", "last_name", "surname", "forename", "full_name", "respondent_name", "child_name",
    "parent_name", "teacher_name", "officer", "officer_name", "interviewee_name", "school_name", "school",
})

#: Columns of :data:`NAME_COLUMNS` that hold school names rather than personal names.
_SCHOOL_COLUMNS = frozenset({"school_name", "school"})

#: The UK postcode areas (Royal Mail), used to decide when an outward code
#: alone is unambiguous (two-letter areas only, see the module docstring).
POSTCODE_AREAS = frozenset(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX "
    "FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE "
    "NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ "
    "TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE".split()
)

#: Outward codes that are far more often something else (chemical formulae, brands).
_NOT_OUTWARD = ("CO2", "CH4", "SO2", "UB40", "WD40")

#: Common English words that are also first names; as a one-word known name
#: they are matched only when capitalised.
COMMON_WORDS = frozenset(
    "will may june april august grace hope joy faith rose lily ruby amber summer autumn dawn eve sky "
    "river brook bill bob mark pat rob sue jack frank guy art miles rich chase hunter mason baker cook "
    "young long little brown white green black king park hill wood field head page the and".split()
)

#: E-mail addresses.
EMAIL_PATTERN = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                           r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b")

#: UK telephone numbers: trunk prefix (``0``, ``(0``, ``+44``, ``0044``,
#: optional ``(0)``), a non-zero digit, then 8 or 9 digits with separators.
PHONE_PATTERN = re.compile(
    r"(?<![\w+])(?<!\d\.)"
    r"(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|(?:\((?=0[\d\s]{1,6}\)))?0)"
    r"[1-9](?:[\s.\-()]{0,2}\d){8,9}"
    r"(?![\d])"
)

_OUTWARD = r"(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_AREAS2 = "|".join(sorted(a for a in POSTCODE_AREAS if len(a) == 2))

#: UK postcodes: full (any case, space optional) or an unambiguous outward code alone.
POSTCODE_PATTERN = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    rf"(?i:{_OUTWARD}\s?(?!(?-i:1st|2nd|3rd|[04-9]th)\b){_INWARD})"
    rf"|(?!(?:{'|'.join(_NOT_OUTWARD)})\b)(?:{_AREAS2})[0-9](?:[0-9]|[A-HJKPSTUW])?"
    r")(?![A-Za-z0-9])"
)

_CASED_TITLES = r"PCSO|PC|DCI|DC|DS|DI|Mrs|Mr|Ms|Miss|Mx|Dr"
_ANY_CASE_TITLES = r"Sergeant|Sgt|Inspector|Insp|Constable|Superintendent|Supt"
_NAME_WORD = r"(?:Mc|Mac|O['’])?[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
#: Capitalised words that follow a rank without being a name ("the PCSO Team").
_NOT_AFTER_TITLE = (r"(?!(?:Team|Teams|Office|Station|Day|Week|Role|Roles|Training|Scheme|Service|Unit|Officers?"
                    r"|Police)\b)")

#: A rank or title followed by an optional initial and one or two capitalised name words.
TITLE_NAME_PATTERN = re.compile(
    rf"(?P<title>(?<![\w-])(?:(?:{_CASED_TITLES})|(?i:{_ANY_CASE_TITLES}))\.?\s+)"
    rf"(?P<name>(?:[A-Z]\.?\s+)?{_NOT_AFTER_TITLE}{_NAME_WORD}(?:\s+{_NAME_WORD})?)(?![\w'’-])"
)

_NOT_NAME_WORDS = (
    "The|A|An|At|In|On|Of|To|From|For|With|By|And|But|Or|Our|My|Your|Their|His|Her|Its|This|That|These|Those|"
    "Every|Each|Some|Any|All|Most|Many|Other|Another|Which|What|When|Where|Local|Both|Every|One|Two|Three|"
    "Primary|Secondary|Junior|Infant|Infants|High|Middle|First|Grammar|Academy|School|Schools|College|Nursery|"
    "Year|Key|Stage|Mini|Police|We|I|It|He|She|They|If|So|Then|Also|Only|Just|Not|No|Yes|Most|Several|Few"
)
_SCHOOL_WORD = rf"(?!(?:{_NOT_NAME_WORDS})\b)(?:St\.?|[A-Z][a-z]+(?:['’]s)?(?:-[A-Z][a-z]+)?)"
_SCHOOL_FAITH = r"(?:C\.?\s?of\s?E\.?|CE|C\.?E\.?|RC|R\.?C\.?|Catholic|Church\s+of\s+England|Methodist|Community)"
_SCHOOL_TYPE = r"(?:Primary|Junior|Infants?|Academy|School|College|Nursery|High\s+School|Grammar\s+School)"

#: A school named with its type ("Oakfield Primary", "St Mary's C of E Primary School").
SCHOOL_PATTERN = re.compile(
    rf"(?<![\w'’-]){_SCHOOL_WORD}(?:\s+{_SCHOOL_WORD}){{0,3}}"
    rf"(?:\s+{_SCHOOL_FAITH})*\s+{_SCHOOL_TYPE}"
    r"(?:\s+(?:School|Academy|and\s+Nursery))*(?![\w'’-])"
)

_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def redact(
    texts: pd.Series,
    *,
    names: Iterable[str] = (),
    replacement: str = DEFAULT_REPLACEMENT,
) -> pd.Series:
    """Replace identifiers in free text.

    Parameters
    ----------
    texts : pandas.Series
        Free text (object or string dtype); not changed in place.
    names : iterable of str, default ()
        Names known to the data (see :func:`known_names`): replaced as whole
        words in any case, longest first. Empty and one-character names are
        ignored.
    replacement : str, default ``"[redacted]"``
        What each identifier becomes (a title before a name is kept).

    Returns
    -------
    pandas.Series
        Same index and name; object and string columns keep their dtype,
        any other becomes ``string``. Missing values stay missing; other
        non-text values are converted to text first.

    Examples
    --------
    >>> import pandas as pd
    >>> redact(pd.Series(["Sergeant Smith and Mrs O'Brien at Hill Top Academy"])).tolist()
    ['Sergeant [redacted] and Mrs [redacted] at [redacted]']
    >>> redact(pd.Series(["Ask Sam Lee, she will help. Will?"]), names=["Sam Lee", "Will"]).tolist()
    ['Ask [redacted], she will help. [redacted]?']
    """
    if not isinstance(texts, pd.Series):
        raise TypeError(f"redact: texts must be a pandas Series, not {type(texts).__name__}")
    out = texts
    if out.dtype == object:
        out = out.where(out.isna() | out.map(lambda v: isinstance(v, str)), out.astype(str))
    elif not isinstance(out.dtype, pd.StringDtype):
        out = out.astype("string")
    if not out.notna().any():
        return out.copy()
    before = out
    literal = replacement.replace("\\", "\\\\")
    for pattern in (EMAIL_PATTERN, PHONE_PATTERN, POSTCODE_PATTERN):
        out = out.str.replace(pattern, literal, regex=True)
    for pattern in _name_patterns(names):
        out = out.str.replace(pattern, literal, regex=True)
    out = out.str.replace(TITLE_NAME_PATTERN, lambda m: m.group("title") + replacement, regex=True)
    out = out.str.replace(SCHOOL_PATTERN, literal, regex=True)
    changed = int((before.notna() & out.ne(before)).astype(bool).sum())
    log.debug("redaction: %d of %d texts changed", changed, int(texts.notna().sum()))
    return out


def known_names(
    tables: Mapping[str, pd.DataFrame],
    codebook: Codebook | None = None,
    *,
    columns: Iterable[str] = NAME_COLUMNS,
) -> list[str]:
    """Names known to the data, for :func:`redact`.

    Collects the values of every column called one of ``columns`` (header
    trimmed and case-folded, as raw headers are matched) in any of
    ``tables``: raw tables (:attr:`helpers.core.loading.RawTable.frame`) keep
    such extra columns, processed tables only keep codebook columns. A
    personal name also contributes its parts ("Sam Lee" gives "Sam" and
    "Lee"); a school name also contributes its stem without the school type
    ("Oakfield Primary School" gives "Oakfield Primary" and "Oakfield").
    Parts and stems shorter than three letters are left out, and so are
    parts and stems that are a police force name of the codebook (a child
    called Kent does not redact the force); the full names always stay.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Tables by instrument name.
    codebook : Codebook, optional
        For force names (parts equal to a force name are not added);
        defaults to the packaged codebook.
    columns : iterable of str, default :data:`NAME_COLUMNS`
        Column names that hold names.

    Returns
    -------
    list of str
        Distinct names, longest first, then alphabetically.

    Examples
    --------
    >>> import pandas as pd
    >>> known_names({"x": pd.DataFrame({"School_Name ": ["Oakfield Primary School"], "officer": ["PC Sam Lee"]})})
    ['Oakfield Primary School', 'Oakfield Primary', 'PC Sam Lee', 'Oakfield', 'Lee', 'Sam']
    """
    wanted = {normalise_header(c) for c in columns}
    codebook = codebook or load_codebook()
    forces = {f.casefold() for f in codebook.forces}
    found: set[str] = set()
    for name, table in tables.items():
        for col in table.columns:
            key = normalise_header(col)
            if key not in wanted:
                continue
            values = {str(v).strip() for v in table[col].dropna() if str(v).strip()}
            log.info("known names: %d distinct values in %s.%s", len(values), name, col)
            for value in values:
                value = re.sub(r"\s+", " ", value)
                found.add(value)
                extra = _school_stems(value) if key in _SCHOOL_COLUMNS else _name_parts(value)
                found.update(p for p in extra if len(p) >= 3 and p.casefold() not in forces)
    return sorted(found, key=lambda s: (-len(s), s))


def find_identifiers(text: str, *, markup: str = "text") -> list[str]:
    """E-mail addresses, UK telephone numbers and UK postcodes in a text.

    The same patterns as :func:`redact`, so text that went through
    :func:`redact` has none. Meant for tests that scan the built book.

    Parameters
    ----------
    text : str
        The text to scan.
    markup : {"text", "html"}, default "text"
        ``"html"``: scan only what a reader sees: ``<script>`` and
        ``<style>`` elements, comments and tags (with their attributes, such
        as embedded images and hashes) are dropped and entities decoded
        first.

    Returns
    -------
    list of str
        Every match in order of position (e-mails first where they overlap
        others), repeats included; empty when there is none.

    Examples
    --------
    >>> find_identifiers("<p>Mail <a href='mailto:a@b.org'>a@b.org</a> from DH1&nbsp;3LE</p>", markup="html")
    ['a@b.org', 'DH1\\xa03LE']
    >>> find_identifiers("Year 6, 999, 101, aged 10, at 3pm in 2019")
    []
    """
    if markup not in ("text", "html"):
        raise ValueError(f"find_identifiers: markup must be 'text' or 'html', not {markup!r}")
    if markup == "html":
        text = _visible_text(text)
    hits: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (EMAIL_PATTERN, PHONE_PATTERN, POSTCODE_PATTERN):
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            hits.append((m.start(), m.group(0)))
            taken.append(m.span())
    return [s for _, s in sorted(hits)]


# ---------------------------------------------------------------------------
# Private helpers
# ---------------------------------------------------------------------------


def _name_patterns(names: Iterable[str]) -> list[re.Pattern[str]]:
    """Whole-word patterns for known names: one case-insensitive alternation, one for common words."""
    if isinstance(names, str):
        names = [names]
    cleaned = {re.sub(r"\s+", " ", str(n).strip()) for n in names if n is not None and not pd.isna(n)}
    cleaned = sorted((n for n in cleaned if len(n) >= 2), key=lambda s: (-len(s), s))
    common = [n for n in cleaned if " " not in n and n.casefold() in COMMON_WORDS]
    other = [n for n in cleaned if n not in common]
    patterns = []
    if other:
        alternation = "|".join(r"\s+".join(re.escape(part) for part in n.split(" ")) for n in other)
        patterns.append(re.compile(rf"(?<![\w])(?:{alternation})(?![\w])", re.IGNORECASE))
    if common:
        alternation = "|".join(re.escape(n[0].upper() + n[1:]) for n in common)
        patterns.append(re.compile(rf"(?<![\w])(?:{alternation})(?![\w])"))
    return patterns


def _name_parts(value: str) -> list[str]:
    """The words of a personal name, without titles and initials."""
    titles = {t.casefold() for t in (_CASED_TITLES + "|" + _ANY_CASE_TITLES).split("|")}
    words = [w.strip(".,") for w in value.split(" ")]
    return [w for w in words if w.casefold() not in titles and len(w.strip(".")) > 1]


def _school_stems(value: str) -> list[str]:
    """A school name without its type words at the end ("Oakfield Primary School" -> two stems)."""
    type_words = {"school", "academy", "primary", "junior", "infant", "infants", "nursery", "college",
                  "c", "of", "e", "ce", "rc", "catholic", "church", "england", "methodist", "and", "community"}
    words = value.split(" ")
    stems = []
    while len(words) > 1 and words[-1].strip(".").casefold() in type_words:
        words = words[:-1]
        stems.append(" ".join(words))
    dangling = {"c", "of", "and", "church"}
    return [s for s in stems if s.split(" ")[-1].casefold() not in dangling and s.casefold() not in type_words]


def _visible_text(page: str) -> str:
    """The text of an HTML page as a reader sees it (roughly): no scripts, styles, comments or tags."""
    page = _COMMENT.sub(" ", page)
    page = _SCRIPT_STYLE.sub(" ", page)
    page = _TAG.sub(" ", page)
    return html.unescape(page)
