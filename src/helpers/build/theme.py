"""Fixes to the book's HTML theme, as a Sphinx extension.

One job: the markup Jupyter Book's theme writes around the chapters, made
clean for readers and assistive technology. ``_config.yml`` loads it
(``sphinx.extra_extensions``); the look itself is in
``book_assets/static/minipolice.css`` and the two theme templates in
``book_assets/templates/``.

- Inline scripts that extensions register twice (sphinx-thebe's
  ``const THEBE_JS_URL`` is declared twice on every page, a JavaScript error
  in every reader's console) are written once.
- The "Show code cell source" toggles of myst-nb carry
  ``aria-label="Toggle hidden content"``, which hides their visible text from
  screen readers (WCAG 2.5.3, label in name): the label is dropped so that
  the visible text is the accessible name.
- Every page gets a Content-Security-Policy ``<meta>`` tag
  (:func:`content_security_policy`), a second wall behind the escaping of
  respondent text (:mod:`helpers.text.safe_text`): scripts run only from files of
  the book itself or when they are one of the inline scripts the theme and
  Sphinx wrote *outside* the page's content, each allowed by its SHA-256
  hash (and so are the theme's two ``onclick`` attributes, by hash with
  ``'unsafe-hashes'``, and the one fixed statement myst-nb writes inside
  the content, ``kernelName = 'python3'``). An inline script inside the content (where notebook outputs and so
  any respondent text land) is not hashed and does not run; neither do
  inline event handlers (``onerror=``), ``javascript:`` links, plugins,
  frames and ``<base>`` changes. Styles are not restricted (the theme and
  pandas tables use inline styles): an injected ``<style>`` is kept out by
  the escaping alone. The content is told apart by two comments holding a
  random token of the build, put around the page body when the page is
  rendered and removed when the tag is written (``build-finished``), so
  content cannot fake the boundary.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from pathlib import Path

__all__ = ["unique_scripts", "fix_body", "content_security_policy", "add_csp", "CSP_DIRECTIVES", "setup"]

#: The policy of every page, without the hashes of its inline scripts (added per page).
#: ``file:`` keeps a book opened from disk working; ``data:`` images are the figures.
CSP_DIRECTIVES = {
    "default-src": "'self' file:",
    "script-src": "'self' file:",
    "style-src": "'self' file: 'unsafe-inline'",
    "img-src": "'self' file: data:",
    "font-src": "'self' file: data:",
    "connect-src": "'self' file:",
    "object-src": "'none'",
    "frame-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self' file:",
}

_INLINE_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_HANDLER = re.compile(r"""<[^>]*?\son[a-z]+\s*=\s*(?:"(?P<q1>[^"]*)"|'(?P<q2>[^']*)')""", re.IGNORECASE)
#: The one inline script Jupyter Book writes inside a page's content (myst-nb's kernel name for
#: thebe): a fixed statement, allowed by its hash like the theme's scripts.
_OWN_CONTENT_SCRIPT = re.compile(r"kernelName = '[\w.-]+'")
_SRC = re.compile(r"\bsrc\s*=", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)

_SUMMARY_WITH_LABEL = '<summary aria-label="Toggle hidden content">'


def unique_scripts(scripts: list) -> list:
    """The page's scripts without repeats: same file, or same inline body, kept once (first wins).

    Sphinx keeps one copy per (file, priority, attributes) and writes an inline script's file
    as ``None`` or ``""`` depending on when it was added, so a body registered once can be
    written twice.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> a, b = S(filename=None, attributes={"body": "const X = 1"}), S(filename="x.js", attributes={})
    >>> [s.filename for s in unique_scripts([a, b, S(filename="", attributes={"body": "const X = 1"})])]
    [None, 'x.js']
    """
    seen, out = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        key = (str(getattr(script, "filename", script) or ""), attributes.get("body", ""))
        if key not in seen:
            seen.add(key)
            out.append(script)
    return out


_GLUED = re.compile(r'<span class="pasted-text">([^<]*)</span>')


def _prose_glue(match: re.Match) -> str:
    text = match.group(1)
    if len(text.split()) > 3:  # a phrase or a sentence, not a number or a name
        return f'<span class="pasted-text mp-prose">{text}</span>'
    return match.group(0)


def fix_body(body: str) -> str:
    """A page body whose code-cell toggles are named by their visible text, glued prose not bold, and a
    reference list whose entries are list items.

    myst-nb prints every glued value in bold. Numbers and names should stand
    out; a glued phrase or sentence of more than three words is marked
    ``mp-prose`` instead, which the report's stylesheet sets in the
    text's own weight (bold for numbers and key terms only).

    Examples
    --------
    >>> fix_body('<summary aria-label="Toggle hidden content">\\n<p>Show code cell source</p>')
    '<summary>\\n<p>Show code cell source</p>'
    >>> fix_body('<span class="pasted-text">71%</span> <span class="pasted-text">Every question was collected.</span>')
    '<span class="pasted-text">71%</span> <span class="pasted-text mp-prose">Every question was collected.</span>'
    >>> fix_body('<div role="list" class="citation-list"><div class="citation" role="doc-biblioentry">')
    '<div role="list" class="citation-list"><div class="citation" role="listitem">'
    """
    body = body.replace(_SUMMARY_WITH_LABEL, "<summary>")
    # docutils writes the reference list as role="list" holding role="doc-biblioentry" entries, which
    # ARIA does not accept as list items (axe: aria-required-children, critical); entries become items.
    body = body.replace('role="doc-biblioentry"', 'role="listitem"')
    return _GLUED.sub(_prose_glue, body)


def content_security_policy(page: str, *, content: tuple[int, int] | None = None) -> str:
    """The Content-Security-Policy of one page: :data:`CSP_DIRECTIVES` plus the hashes of its own scripts.

    Parameters
    ----------
    page : str
        The page's HTML.
    content : (int, int), optional
        Start and end offsets of the page's content: inline scripts there
        are not allowed (a script in a chapter's text is never the theme's).

    Examples
    --------
    >>> page = "<head><script>var a = 1;</script></head><main><script>alert(1)</script></main>"
    >>> policy = content_security_policy(page, content=(page.index("<main>"), len(page)))
    >>> policy.count("'sha256-"), "object-src 'none'" in policy
    (1, True)
    """
    hashes = []
    for match in _INLINE_SCRIPT.finditer(page):
        if _SRC.search(match.group("attrs")):
            continue
        if (content is not None and content[0] <= match.start() < content[1]
                and not _OWN_CONTENT_SCRIPT.fullmatch(match.group("body").strip())):
            continue
        digest = base64.b64encode(hashlib.sha256(match.group("body").encode("utf-8")).digest()).decode("ascii")
        token = f"'sha256-{digest}'"
        if token not in hashes:
            hashes.append(token)
    handlers = []
    for match in _HANDLER.finditer(page):
        if content is not None and content[0] <= match.start() < content[1]:
            continue
        value = html.unescape(match.group("q1") if match.group("q1") is not None else match.group("q2"))
        token = "'sha256-" + base64.b64encode(hashlib.sha256(value.encode("utf-8")).digest()).decode("ascii") + "'"
        if token not in handlers:
            handlers.append(token)
    directives = dict(CSP_DIRECTIVES)
    # 'unsafe-hashes' lets the theme's own event-handler attributes (its print and full-screen
    # buttons) run by their hashes; an injected handler has another body, so it stays blocked.
    directives["script-src"] = " ".join([directives["script-src"], *hashes,
                                         *(["'unsafe-hashes'", *handlers] if handlers else [])])
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def add_csp(page: str, token: str) -> str:
    """A page with its content markers (``token``) removed and the CSP ``<meta>`` first in ``<head>``.

    Pages without markers (not rendered by this extension) are given a policy in which every
    inline script counts as the theme's; pages without ``<head>`` are returned unchanged.
    """
    start, end = f"<!--mp-content-start-{token}-->", f"<!--mp-content-end-{token}-->"
    content = None
    if start in page and end in page:
        a = page.index(start)
        page = page.replace(start, "", 1)
        b = page.index(end)
        page = page.replace(end, "", 1)
        content = (a, b)
    head = _HEAD.search(page)
    if head is None or (content is None and 'http-equiv="Content-Security-Policy"' in page):
        return page  # not a page, or one that already has its policy
    policy = content_security_policy(page, content=content)
    meta = f'\n<meta http-equiv="Content-Security-Policy" content="{policy}">'
    return page[: head.end()] + meta + page[head.end():]


def _page_context(app, pagename, templatename, context, doctree) -> None:
    if context.get("script_files"):
        context["script_files"] = unique_scripts(context["script_files"])
    if context.get("body"):
        token = app.config.mp_csp_token
        context["body"] = (f"<!--mp-content-start-{token}-->" + fix_body(context["body"])
                           + f"<!--mp-content-end-{token}-->")


def _write_policies(app, exception) -> None:
    """After an HTML build: the CSP tag on every page, content markers removed."""
    if exception is not None or app.builder.format != "html":
        return
    for path in Path(app.outdir).rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        path.write_text(add_csp(page, app.config.mp_csp_token), encoding="utf-8")


def _register_round_brackets() -> None:
    """Register the citation style ``author_year_round``: "(Callender et al., 2019)".

    sphinxcontrib-bibtex's ``author_year`` style puts citations in square
    brackets; British reports use round ones. ``_config.yml`` selects this
    style with ``bibtex_reference_style``.
    """
    from dataclasses import dataclass, field

    import sphinxcontrib.bibtex.plugin
    from sphinxcontrib.bibtex.style.referencing import BracketStyle
    from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

    def round_brackets() -> BracketStyle:
        return BracketStyle(left="(", right=")")

    @dataclass
    class RoundAuthorYear(AuthorYearReferenceStyle):
        bracket_parenthetical: BracketStyle = field(default_factory=round_brackets)
        bracket_textual: BracketStyle = field(default_factory=round_brackets)
        bracket_author: BracketStyle = field(default_factory=round_brackets)
        bracket_label: BracketStyle = field(default_factory=round_brackets)
        bracket_year: BracketStyle = field(default_factory=round_brackets)

    group = "sphinxcontrib.bibtex.style.referencing"
    try:
        sphinxcontrib.bibtex.plugin.find_plugin(group, "author_year_round")
    except ImportError:
        sphinxcontrib.bibtex.plugin.register_plugin(group, "author_year_round", RoundAuthorYear)


def setup(app) -> dict:
    """Register the page hook (runs after the theme's own, priority 900), the CSP writer and the citation style."""
    _register_round_brackets()
    # A fresh random token per build: notebook content, written before the build, cannot know it.
    app.add_config_value("mp_csp_token", secrets.token_hex(16), "")
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("build-finished", _write_policies)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
