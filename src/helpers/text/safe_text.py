"""Respondent-supplied text made inert before it reaches a page.

One job: turn any text that came from a data file (a quote, a word, a
table cell, a caption built from data) into characters that HTML and
MyST/Markdown can only show, never interpret.

How
---
:func:`escape_text` has two contexts, because a page is made of two kinds
of output:

* ``"markdown"`` (the default), for outputs MyST parses as Markdown (a
  notebook's ``IPython.display.Markdown``, e.g. the quotes): every ASCII
  character that is syntax in HTML (``< > & " '``), in CommonMark (``* _
  [ ] ( ) ! # > - + | ~ \\`` and the backtick) or in MyST (``{ } : $ %``
  for roles, directives, colon fences, maths and comments), and a ``.``
  after a digit (a list number), becomes its numeric character reference
  (``<`` becomes ``&#60;``). markdown-it decodes a numeric reference to the
  plain character and never reads it as syntax (CommonMark, section 6.2:
  references "cannot be used in place of structural characters"), and so
  does a browser, so the text shows exactly what the respondent wrote:
  ``<name removed>`` stays visible as ``<name removed>``.
* ``"html"`` (:func:`escape_html`), for raw HTML outputs (figures, alt
  text, captions, the tables folded under charts), which MyST inserts as
  they are: :func:`html.escape` with quotes.

In both, line breaks are folded into single spaces (a line break in
Markdown could start a new block) and other control characters are
dropped. Letters, digits, spaces and non-ASCII characters (``’``, ``é``)
pass unchanged.

Styled pandas tables (``DataFrame.style``) are escaped by pandas itself:
:func:`helpers.report.plots.setup` sets ``styler.format.escape`` to ``"html"``.

What it does not do: redact (see :mod:`helpers.text.redaction`, applied first).
:func:`neutralise_csv` is the matching rule for CSV files a reader or an
analyst opens in a spreadsheet.

Examples
--------
>>> escape_text("<script>alert(1)</script>")
'&#60;script&#62;alert&#40;1&#41;&#60;&#47;script&#62;'
>>> escape_text("Mrs <name removed> said [hi](javascript:x)")
'Mrs &#60;name removed&#62; said &#91;hi&#93;&#40;javascript&#58;x&#41;'
>>> escape_text("We’re glad")
'We’re glad'
"""

from __future__ import annotations

import html
import logging
import re

import pandas as pd

__all__ = ["SYNTAX_CHARACTERS", "FORMULA_PREFIXES", "escape_text", "escape_html", "neutralise_csv",
           "neutralise_value"]

log = logging.getLogger(__name__)

#: ASCII punctuation that is syntax somewhere in HTML, CommonMark or MyST (``,``, ``;`` and ``?``
#: never are; a ``.`` only after a digit, where it could number a list, see :func:`escape_text`).
SYNTAX_CHARACTERS = frozenset("!\"#$%&'()*+-/:<=>@[\\]^_`{|}~")

_TABLE = {ord(c): f"&#{ord(c)};" for c in SYNTAX_CHARACTERS}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LIST_DOT = re.compile(r"(?<=\d)\.")
_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\x85]+\s*")

#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_text(text, *, context: str = "markdown") -> str:
    """Text shown as text, never read as markup.

    Parameters
    ----------
    text : object
        Anything; ``None`` and missing values give ``""``, other values are
        converted with ``str`` first.
    context : {"markdown", "html"}, default "markdown"
        ``"markdown"``: for text that MyST parses (an ``IPython.display.Markdown``
        output, a glued Markdown fragment): every character of
        :data:`SYNTAX_CHARACTERS`, and a ``.`` after a digit, becomes its
        numeric character reference; the result is also safe in HTML element
        text and quoted attribute values. ``"html"``: for raw HTML outputs,
        which MyST does not parse as Markdown: ``& < > " '`` become
        character references (:func:`html.escape`), nothing else changes.

    Returns
    -------
    str
        Line breaks folded into spaces, control characters dropped.

    Examples
    --------
    >>> escape_text("**bold** {eval}`x` $x$ ::: - 1. #")
    '&#42;&#42;bold&#42;&#42; &#123;eval&#125;&#96;x&#96; &#36;x&#36; &#58;&#58;&#58; &#45; 1&#46; &#35;'
    >>> escape_text("<b>4.5</b> & 'x'", context="html")
    '&lt;b&gt;4.5&lt;/b&gt; &amp; &#x27;x&#x27;'
    >>> escape_text(None)
    ''
    >>> escape_text("two\\nlines")
    'two lines'
    """
    if context not in ("markdown", "html"):
        raise ValueError(f"escape_text: context must be 'markdown' or 'html', not {context!r}")
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    text = _CONTROL.sub("", _BREAKS.sub(" ", str(text)))
    if context == "html":
        return html.escape(text, quote=True)
    return _LIST_DOT.sub("&#46;", text.translate(_TABLE))


def escape_html(text) -> str:
    """``escape_text(text, context="html")``: for raw HTML outputs (element text, quoted attributes)."""
    return escape_text(text, context="html")


def neutralise_value(value):
    """A text value a spreadsheet would read as a formula, prefixed with ``'``; anything else unchanged.

    Only strings are touched: numbers (``-0.3``) stay numbers.

    Examples
    --------
    >>> [neutralise_value(v) for v in ["=1+1", "-3", "@me", "ok", -0.3, None]]
    ["'=1+1", "'-3", "'@me", 'ok', -0.3, None]
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot start a spreadsheet formula.

    Every string cell (in columns of object, string or category dtype) that
    starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading ``'`` (the rule spreadsheets themselves use to mark text).
    Numeric columns are left alone, so a negative effect size stays a
    number; column headers are neutralised the same way.

    Returns
    -------
    pandas.DataFrame
        Same shape, index and dtypes for untouched columns; text columns
        become ``object``.

    Examples
    --------
    >>> import pandas as pd
    >>> out = neutralise_csv(pd.DataFrame({"value": ["=1+1", "fine"], "effect": [-0.3, 0.2]}))
    >>> out["value"].tolist(), out["effect"].tolist()
    (["'=1+1", 'fine'], [-0.3, 0.2])
    """
    out = frame.copy()
    changed = 0
    for col in out.columns:
        series = out[col]
        if not (series.dtype == object or isinstance(series.dtype, (pd.StringDtype, pd.CategoricalDtype))):
            continue
        values = series.astype(object)
        neutral = values.map(neutralise_value)
        hits = int((neutral.ne(values) & values.notna()).sum())
        if hits:
            changed += hits
            out[col] = neutral
    out.columns = [neutralise_value(c) for c in out.columns]
    if changed:
        log.info("csv: %d text cells starting like a formula prefixed with '", changed)
    return out
