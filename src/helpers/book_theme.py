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
"""

from __future__ import annotations

__all__ = ["unique_scripts", "fix_body", "setup"]

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


def fix_body(body: str) -> str:
    """A page body whose code-cell toggles are named by their visible text.

    Examples
    --------
    >>> fix_body('<summary aria-label="Toggle hidden content">\\n<p>Show code cell source</p>')
    '<summary>\\n<p>Show code cell source</p>'
    """
    return body.replace(_SUMMARY_WITH_LABEL, "<summary>")


def _page_context(app, pagename, templatename, context, doctree) -> None:
    if context.get("script_files"):
        context["script_files"] = unique_scripts(context["script_files"])
    if context.get("body"):
        context["body"] = fix_body(context["body"])


def setup(app) -> dict:
    """Register the page hook (runs after the theme's own, priority 900)."""
    app.connect("html-page-context", _page_context, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
