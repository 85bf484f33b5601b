"""The instrument out: paper questionnaires, data-entry workbooks and question lists.

One job: from the codebook alone (``codebook.yml`` through
:mod:`helpers.core.codebook`), write for each of the five instruments the files
an evaluator needs to collect answers that ``minipolice process`` reads as
they are (``minipolice questionnaire --out DIR``):

``paper/<instrument>.html`` and ``.pdf``
    The printable questionnaire. Every question is worded exactly as the
    column's label; coded answers are tick boxes in the scale's order;
    questions asked only of some respondents (``applies_if``) sit in a
    framed block under a routing instruction; a ranking set is a grid of
    boxes; free text is a lined box; on adults' forms, statements answered
    on the same scale share one grid. Identifiers, force and required
    columns go into a small office-use box that the evaluator fills in;
    columns the evaluator codes later from written answers (0/1 flags, and
    those named under ``coded_later``) are not printed. The ``forms`` block
    of the codebook adds the title, an introduction, routing wording, the
    ranking question and grid questions; ``audience: children`` prints in large type, one
    question per block. The HTML is a standalone page (styles inline,
    ``lang="en"``, every answer a labelled form control); the PDF is printed
    from it by Chromium with :func:`helpers.build.pdf.print_html_files`, the same
    path as the report's PDF edition.
``data-entry/<instrument>.xlsx``
    A workbook for typing paper forms: the first sheet has the codebook's
    column names in row 1 (what ``process`` reads as the header) and one row
    per respondent, a drop-down list of the scale's labels on every coded
    column, whole-number limits on integer columns, 0/1 on flags, the force
    names on the force column, a unique-value check on the respondent
    identifier, a frozen header row and column widths; a second sheet
    explains how to type a form and lists every column with its question.
    Once filled, a workbook goes into the folder of raw files as it is.
``question-lists/<instrument>_questions.csv``
    One row per column: the question, its type, the answer options in
    order (labels separated by `` | ``), the codes, limits, who is asked
    and who fills it in; for building the same form in an online tool.

Examples
--------
>>> from helpers.core.codebook import load_codebook
>>> from helpers.core.questionnaire import question_list
>>> q = question_list("children_survey")
>>> group = load_codebook().groups.column  # the question that splits the children into groups
>>> enjoyed = q.loc[q["column"] == "enjoyed"].iloc[0]
>>> enjoyed["options"], enjoyed["asked_of"] == f"{group} = Yes"
('Yes | No', True)
>>> sorted(q.loc[q["filled_by"] == "evaluator", "column"]) == sorted(
...     ['child_key', 'force', group, 'respondent_id', 'school_id', 'wave', 'year'])
True
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from helpers.core.codebook import Codebook, Column, Instrument, load_codebook

__all__ = [
    "OPTION_SEPARATOR",
    "QUESTION_LIST_COLUMNS",
    "filled_by",
    "question_list",
    "render_html",
    "write_workbook",
    "write_questionnaires",
]

log = logging.getLogger(__name__)

#: Separator of the answer options in a question list's ``options`` and ``codes`` cells.
OPTION_SEPARATOR = " | "

#: The columns of a question list, in order.
QUESTION_LIST_COLUMNS = ("instrument", "number", "column", "question", "type", "options", "codes", "min", "max",
                         "rank_set", "asked_of", "filled_by", "required")

#: Rows of the data-entry sheet that carry drop-down lists and limits.
_ENTRY_ROWS = 2000

#: Integer questions with at most this many possible answers are printed as tick boxes.
_MAX_TICK_NUMBERS = 8


# --- who fills in what ---------------------------------------------------------------------------

def _form_spec(codebook: Codebook, instrument: str) -> dict:
    return dict((codebook.forms.get("instruments") or {}).get(instrument) or {})


def filled_by(column: Column, instrument: str, codebook: Codebook | None = None) -> str:
    """Who writes a column's answer: ``respondent``, ``evaluator`` (office use) or ``researcher`` (coded later).

    The codebook's ``forms`` block may name ``office_use`` and ``coded_later`` columns. Otherwise
    identifiers, the force and the required columns are office use (the evaluator knows which
    school and force a batch of forms came from and numbers the forms). 0/1 flags are always
    coded later from written answers. Every other column is a question.
    """
    codebook = codebook or load_codebook()
    spec = _form_spec(codebook, instrument)
    office = spec.get("office_use")
    if office is not None:
        is_office = column.name in office
    else:
        is_office = column.type in ("id", "identifier", "force") or column.required
    if is_office:
        return "evaluator"
    if column.type == "flag" or column.name in (spec.get("coded_later") or ()):
        return "researcher"
    return "respondent"


# --- the question list ---------------------------------------------------------------------------

def _rank_set_of(inst: Instrument) -> dict[str, str]:
    return {col: name for name, cols in inst.rank_sets.items() for col in cols}


def _asked_of(column: Column, inst: Instrument, codebook: Codebook) -> str:
    if not column.applies_if:
        return "all"
    parts = []
    for name, code in column.applies_if.items():
        other = inst.column(name)
        label = codebook.scales[other.scale].label(code) if other.scale else code
        parts.append(f"{name} = {label}")
    return " and ".join(parts)


def _options(column: Column, codebook: Codebook) -> tuple[list[str], list[str]]:
    """(labels, codes) of a column's answers, in order; empty for open answers."""
    if column.type == "coded":
        scale = codebook.scales[column.scale]
        return list(scale.labels), list(scale.codes)
    if column.type == "flag":
        return ["0", "1"], ["0", "1"]
    if column.type == "force":  # names, not codes: process matches them leniently (docs/contract.md section 6)
        return list(codebook.forces), []
    if column.type == "integer" and column.min is not None and column.max is not None \
            and column.max - column.min < _MAX_TICK_NUMBERS:
        numbers = [str(n) for n in range(column.min, column.max + 1)]
        return numbers, numbers
    return [], []


def question_list(instrument: str, codebook: Codebook | None = None) -> pd.DataFrame:
    """Every column of an instrument as a question: wording, type, options in order, routing.

    Parameters
    ----------
    instrument : str
        One of the codebook's survey instruments (:attr:`helpers.core.codebook.Codebook.surveys`).
    codebook : Codebook, optional
        Default: the packaged codebook.

    Returns
    -------
    pandas.DataFrame
        One row per codebook column, in codebook order, with the columns of
        :data:`QUESTION_LIST_COLUMNS`: ``instrument``; ``number`` (the question's number on the
        paper form, empty for office-use and coded-later columns; a ranking set shares one
        number); ``column`` (the header a data file must use); ``question`` (the label, word
        for word); ``type`` (``choice``, ``number``, ``rank``, ``text``, ``flag``, ``force``,
        ``identifier``); ``options`` and ``codes`` (labels and codes in order, separated by
        :data:`OPTION_SEPARATOR`; for small integer ranges the numbers; empty for open
        answers); ``min`` and ``max`` (integer limits, else empty); ``rank_set``; ``asked_of``
        (``all``, or the answer that routes a respondent to the question, e.g.
        ``<group column> = Yes``); ``filled_by`` (see :func:`filled_by`); ``required``
        (``yes`` when ``process`` refuses a file without the column).
    """
    codebook = codebook or load_codebook()
    if instrument not in codebook.surveys:
        raise ValueError(f"unknown instrument {instrument!r}: choose from {', '.join(codebook.surveys)}")
    inst = codebook.instruments[instrument]
    rank_of = _rank_set_of(inst)
    types = {"coded": "choice", "integer": "number", "free_text": "text", "flag": "flag", "force": "force",
             "id": "identifier", "identifier": "identifier"}
    rows, number, numbered_sets = [], 0, {}
    for col in inst.columns:
        who = filled_by(col, instrument, codebook)
        rank_set = rank_of.get(col.name, "")
        if who != "respondent":
            shown = ""
        elif rank_set:
            if rank_set not in numbered_sets:
                number += 1
                numbered_sets[rank_set] = number
            shown = numbered_sets[rank_set]
        else:
            number += 1
            shown = number
        labels, codes = _options(col, codebook)
        rows.append({
            "instrument": instrument,
            "number": shown,
            "column": col.name,
            "question": col.label,
            "type": "rank" if rank_set else types.get(col.type, col.type),
            "options": OPTION_SEPARATOR.join(labels),
            "codes": OPTION_SEPARATOR.join(codes),
            "min": "" if col.min is None else col.min,
            "max": "" if col.max is None else col.max,
            "rank_set": rank_set,
            "asked_of": _asked_of(col, inst, codebook),
            "filled_by": who,
            "required": "yes" if col.required else "no",
        })
    return pd.DataFrame(rows, columns=list(QUESTION_LIST_COLUMNS))


# --- the printable form --------------------------------------------------------------------------

_CSS = """
@page { size: A4; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #000; background: #fff; }
body { margin: 0 auto; max-width: 180mm; font-size: 11pt; line-height: 1.35; --option: 30mm; }
h1 { font-size: 20pt; margin: 0 0 2mm; }
.programme { font-size: 11pt; margin: 0; text-transform: uppercase; letter-spacing: 0.05em; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; }
p { margin: 0 0 2mm; }
.intro { margin: 3mm 0; }
.office { float: right; width: 70mm; margin: 0 0 4mm 6mm; padding: 2mm 3mm; border: 1.5px solid #555;
          font-size: 8.5pt; line-height: 1.2; }
.office h2 { font-size: 9pt; margin: 0 0 1mm; }
.office p { margin: 0 0 1.5mm; }
.office .field { display: flex; align-items: flex-end; gap: 2mm; margin: 1.5mm 0; }
.office .field label { flex: 0 0 32mm; }
.office .field input[type=text] { flex: 1 1 auto; min-width: 0; width: 100%; height: 6mm; border: 1px solid #555; }
.office fieldset { border: 0; margin: 1.5mm 0; padding: 0; }
.office legend { padding: 0; }
.office ul { display: flex; gap: 5mm; list-style: none; margin: 1mm 0 0; padding: 0; }
.office li label { display: inline-flex; align-items: center; gap: 1.5mm; }
.office input[type=radio] { width: 4mm; height: 4mm; }
.how { clear: both; border-left: 3px solid #000; padding-left: 3mm; }
.how .example { display: inline-flex; align-items: center; gap: 2mm; vertical-align: middle; }
fieldset.q, div.q { border: 0; margin: 0 0 5mm; padding: 0; break-inside: avoid; page-break-inside: avoid; }
.q legend, .q > label, .q .question { display: block; font-weight: 700; padding: 0 0 0 2.2em; margin: 0 0 2mm;
  text-indent: -2.2em; }
.num { display: inline-block; min-width: 2.2em; text-indent: 0; }
.hint { font-weight: 400; font-style: italic; margin: 0 0 2mm 2.2em; }
ul.options { list-style: none; margin: 0 0 0 2.2em; padding: 0; display: grid; gap: 2mm 3mm; }
ul.options li label { display: flex; flex-direction: column; align-items: center; text-align: center; gap: 1.5mm; }
ul.options.wide li label { flex-direction: row; text-align: left; }
input[type=radio], input[type=checkbox] { appearance: none; -webkit-appearance: none; margin: 0; flex: none;
  width: 7mm; height: 7mm; border: 2px solid #000; border-radius: 1mm; background: #fff; }
.lines { margin-left: 2.2em; border: 1.5px solid #000; border-radius: 1mm; padding: 0 3mm 3mm; }
.lines span { display: block; height: 8mm; border-bottom: 1px solid #888; }
input.number { margin-left: 2.2em; width: 30mm; height: 10mm; border: 1.5px solid #000; border-radius: 1mm; }
.routed { border: 2px solid #000; border-radius: 2mm; padding: 3mm 4mm 0; margin: 0 0 5mm;
          box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.routing { font-weight: 700; background: #e8e8e8; margin: 0 0 4mm; padding: 2mm 3mm; border-radius: 1mm;
           break-after: avoid; }
.routing .skip { font-weight: 400; display: block; }
fieldset.q.matrix { break-inside: auto; page-break-inside: auto; }
.q.matrix legend { font-weight: 400; padding-left: 0; text-indent: 0; }
.q.matrix .stem { font-weight: 700; }
.q.matrix .hint-inline { font-style: italic; }
table.grid { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.grid col.item { width: 46%; }
table.grid th, table.grid td { border-bottom: 1px solid #999; padding: 1.5mm 1mm; text-align: center;
  vertical-align: middle; }
table.grid thead th { font-size: 8.5pt; font-weight: 700; vertical-align: bottom; }
table.grid th[scope=row] { text-align: left; font-weight: 400; padding-left: 2.2em; text-indent: -2.2em; }
table.grid tr { break-inside: avoid; page-break-inside: avoid; }
table.grid td input { display: block; margin: 0 auto; width: 6mm; height: 6mm; }
table.rank { border-collapse: collapse; margin: 0 0 0 2.2em; width: calc(100% - 2.2em); table-layout: fixed; }
table.rank col.item { width: 34%; }
table.rank th, table.rank td { border: 1px solid #777; padding: 1.5mm 2mm; text-align: center; }
table.rank th[scope=row] { text-align: left; font-weight: 400; }
table.rank thead th { font-weight: 700; vertical-align: bottom; }
table.rank thead .what { display: block; font-size: 8pt; font-weight: 400; line-height: 1.1; }
table.rank td input { display: block; margin: 0 auto; }
.keep { break-inside: avoid; page-break-inside: avoid; }
.end { margin-top: 6mm; font-weight: 700; break-inside: avoid; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

/* Children: large type, roomy boxes, one question per block. */
/* Six 26 mm columns fit the page, so every question's boxes stand in the same columns. */
body.children { font-size: 15pt; line-height: 1.3; --option: 26mm; }
body.children h1 { font-size: 26pt; }
body.children h2 { font-size: 16pt; }
body .office h2 { font-size: 9pt; }
body.children .intro { font-size: 15pt; }
body.children fieldset.q, body.children div.q { margin-bottom: 8mm; }
body.children ul.options { gap: 2mm 2mm; }
body.children ul.options li label { font-size: 13pt; }
body.children input[type=radio], body.children input[type=checkbox] { width: 10mm; height: 10mm; }
body.children .office input[type=radio] { width: 4mm; height: 4mm; }
body.children .lines span { height: 11mm; }
body.children table.rank td, body.children table.rank th { padding: 2mm; }
body.children table.rank th[scope=row] { font-size: 14pt; }
body.children table.rank input { width: 9mm; height: 9mm; }

@media screen {
  body { padding: 8mm; }
  input:checked { background: #000; box-shadow: inset 0 0 0 2px #fff; }
}
"""

_HOW = {
    "children": ("Read each question and tick one box, like this:", "Some questions ask you to write. "
                 "Write your answer in the box with lines."),
    "adults": ("Tick one box for each question, like this:", "Where there are lines, write your answer "
               "in your own words; where there is an empty box, write a number."),
}


_END = '<p class="end">Thank you for your answers.</p>'


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _choice(col: Column, labels: Sequence[str], number: int | str, hint: str = "", prefix: str = "q") -> str:
    name = f"{prefix}-{col.name}"
    wide = max(len(lab) for lab in labels) > 40
    cols = 1 if wide else min(len(labels), 6)
    items = "".join(
        f'<li><label><input type="radio" name="{_esc(name)}" value="{_esc(lab)}">'
        f"<span>{_esc(lab)}</span></label></li>" for lab in labels)
    hint_html = f'<p class="hint">{_esc(hint)}</p>' if hint else ""
    return (f'<fieldset class="q" id="{_esc(name)}"><legend><span class="num">{_esc(number)}</span>'
            f"{_esc(col.label)}</legend>{hint_html}"
            f'<ul class="options{" wide" if wide else ""}" '
            f'style="grid-template-columns: repeat({cols}, {"1fr" if wide else "var(--option)"})">'
            f"{items}</ul></fieldset>")


def _question(col: Column, number: int, codebook: Codebook, hint: str = "") -> str:
    labels, _ = _options(col, codebook)
    if col.type in ("coded", "flag") or (col.type == "integer" and labels):
        return _choice(col, labels, number, hint)
    qid = f"q-{col.name}"
    if col.type == "free_text":
        # Lines to write on, drawn as blocks (print engines draw a textarea's background unreliably).
        return (f'<div class="q"><p class="question" id="{_esc(qid)}"><span class="num">{number}</span>'
                f'{_esc(col.label)}</p><div class="lines" role="textbox" aria-multiline="true" '
                f'aria-labelledby="{_esc(qid)}">' + "<span></span>" * 4 + "</div></div>")
    limits = "Write a whole number" + (f" from {col.min}" if col.min is not None else "") + \
        (f" to {col.max}" if col.max is not None else "") + "."
    hint_html = f'<p class="hint" id="{_esc(qid)}-hint">{_esc(limits)}</p>'
    return (f'<div class="q"><label for="{_esc(qid)}"><span class="num">{number}</span>{_esc(col.label)}</label>'
            f'{hint_html}<input class="number" type="text" inputmode="numeric" id="{_esc(qid)}" '
            f'name="{_esc(col.name)}" aria-describedby="{_esc(qid)}-hint"></div>')


def _rank_grid(name: str, cols: Sequence[Column], number: int, spec: dict) -> str:
    low = min(c.min for c in cols)
    high = max(c.max for c in cols)
    ranks = list(range(low, high + 1))
    first, last = spec.get("first", ""), spec.get("last", "")
    head = "".join(
        f'<th scope="col">{r}'
        + (f'<span class="what">{_esc(first)}</span>' if r == low and first else "")
        + (f'<span class="what">{_esc(last)}</span>' if r == high and last else "")
        + "</th>" for r in ranks)
    body = "".join(
        f'<tr><th scope="row">{_esc(c.label)}</th>'
        + "".join(f'<td><input type="radio" name="q-{_esc(c.name)}" value="{r}" '
                  f'aria-label="{_esc(c.label)}: {r}"></td>' for r in ranks)
        + "</tr>" for c in cols)
    meaning = f" {low} means {first}, {high} means {last}." if first and last else ""
    hint = f"Tick one number on each line.{meaning} Use each number only once."
    question = spec.get("question") or "Put these in order."
    return (f'<fieldset class="q" id="q-{_esc(name)}"><legend><span class="num">{number}</span>{_esc(question)}'
            f'</legend><p class="hint">{_esc(hint)}</p><table class="rank"><colgroup><col class="item">'
            + '<col>' * len(ranks) + '</colgroup><thead><tr>'
            f'<th scope="col">{_esc(spec.get("items") or "Item")}</th>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></fieldset>")


def _routing_key(col: Column) -> tuple:
    return tuple(sorted((col.applies_if or {}).items()))


def _matrix(cols: Sequence[Column], numbers: Sequence[int], labels: Sequence[str], stem: str = "") -> str:
    """Statements on one scale as a grid: a numbered row per statement, a column per answer."""
    head = "".join(f'<th scope="col">{_esc(lab)}</th>' for lab in labels)
    body = "".join(
        f'<tr><th scope="row"><span class="num">{n}</span>{_esc(c.label)}</th>'
        + "".join(f'<td><input type="radio" name="q-{_esc(c.name)}" value="{_esc(lab)}" '
                  f'aria-label="{_esc(c.label)}: {_esc(lab)}"></td>' for lab in labels)
        + "</tr>" for c, n in zip(cols, numbers, strict=True))
    stem_html = f'<span class="stem">{_esc(stem)}</span> ' if stem else ""
    return (f'<fieldset class="q matrix" id="q-{_esc(cols[0].name)}-grid"><legend>{stem_html}'
            f'<span class="hint-inline">Tick one box on each line.</span></legend>'
            '<table class="grid"><colgroup><col class="item">' + "<col>" * len(labels)
            + f'</colgroup><thead><tr><th scope="col"><span class="sr-only">Statement</span></th>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></fieldset>")


def _office_box(cols: Sequence[Column], codebook: Codebook) -> str:
    fields = []
    for col in cols:
        labels, _ = _options(col, codebook)
        if col.type in ("coded", "flag"):
            items = "".join(f'<li><label><input type="radio" name="office-{_esc(col.name)}" value="{_esc(lab)}">'
                            f"{_esc(lab)}</label></li>" for lab in labels)
            fields.append(f"<fieldset><legend>{_esc(col.label)}</legend><ul>{items}</ul></fieldset>")
        else:
            fid = f"office-{col.name}"
            fields.append(f'<div class="field"><label for="{_esc(fid)}">{_esc(col.label)}</label>'
                          f'<input type="text" id="{_esc(fid)}" name="{_esc(col.name)}"></div>')
    return ('<section class="office" aria-labelledby="office-title"><h2 id="office-title">For office use</h2>'
            "<p>Filled in by the evaluator.</p>" + "".join(fields) + "</section>")


def render_html(instrument: str, codebook: Codebook | None = None) -> str:
    """The printable questionnaire of an instrument as one standalone HTML page (styles inline).

    Questions are numbered in codebook order and worded as the columns' labels; see the module
    docstring for how each type is drawn. Raises ``ValueError`` for an unknown instrument.
    """
    codebook = codebook or load_codebook()
    questions = question_list(instrument, codebook)
    inst = codebook.instruments[instrument]
    spec = _form_spec(codebook, instrument)
    audience = spec.get("audience", "adults")
    title = spec.get("title") or inst.title
    programme = (codebook.forms or {}).get("programme", "")
    who = dict(zip(questions["column"], questions["filled_by"], strict=True))
    numbers = dict(zip(questions["column"], questions["number"], strict=True))
    rank_of = _rank_set_of(inst)
    routing = spec.get("routing") or {}

    # Question blocks in order: (applies_if key, html, first number). For adults, runs of statements
    # (labels that are not questions) on the same scale and routing become one grid.
    blocks: list[tuple[tuple, str, int]] = []
    done_sets: set[str] = set()
    grid: list[Column] = []

    def flush() -> None:
        if len(grid) == 1:
            blocks.append((_routing_key(grid[0]), _question(grid[0], numbers[grid[0].name], codebook),
                           numbers[grid[0].name]))
        elif grid:
            labels = codebook.scales[grid[0].scale].labels
            stem = (spec.get("grids") or {}).get(grid[0].scale, "")
            blocks.append((_routing_key(grid[0]), _matrix(grid, [numbers[c.name] for c in grid], labels, stem),
                           numbers[grid[0].name]))
        grid.clear()

    for col in inst.columns:
        if who[col.name] != "respondent":
            continue
        number = numbers[col.name]
        if audience != "children" and col.type == "coded" and not col.label.rstrip().endswith("?"):
            if grid and (grid[0].scale, grid[0].applies_if) != (col.scale, col.applies_if):
                flush()
            grid.append(col)
            continue
        flush()
        if col.name in rank_of:
            name = rank_of[col.name]
            if name in done_sets:
                continue
            done_sets.add(name)
            members = [inst.column(c) for c in inst.rank_sets[name]]
            block = _rank_grid(name, members, number, (spec.get("rank_sets") or {}).get(name) or {})
        else:
            block = _question(col, number, codebook)
        blocks.append((_routing_key(col), block, number))
    flush()

    parts, i = [], 0
    while i < len(blocks):
        key = blocks[i][0]
        j = i
        while j < len(blocks) and blocks[j][0] == key:
            j += 1
        if key:
            said = [routing.get(c, {}).get(code) for c, code in key]
            if all(said):
                text = "; ".join(said)
            else:
                text = "Only if " + " and ".join(
                    f"the answer to \u201c{inst.column(c).label}\u201d is "
                    f"{codebook.scales[inst.column(c).scale].label(code)}" for c, code in key)
            skip = (f'<span class="skip">Everyone else: go to question {blocks[j][2]}.</span>' if j < len(blocks)
                    else '<span class="skip">Everyone else: you have finished.</span>')
            rid = f"routing-{i}"
            # The instruction stays on the page of the first question it routes.
            parts.append(f'<div class="routed" role="group" aria-labelledby="{rid}"><div class="keep">'
                         f'<p class="routing" id="{rid}">{_esc(text)}{skip}</p>{blocks[i][1]}</div>'
                         + "".join(b for _, b, _ in blocks[i + 1:j]) + "</div>")
        else:
            run = [b for _, b, _ in blocks[i:j]]
            if j == len(blocks):  # the closing line stays with the last question
                run[-1] = f'<div class="keep">{run[-1]}{_END}</div>'
            parts.append("".join(run))
        i = j
    if blocks and blocks[-1][0]:
        parts.append(_END)

    office = [c for c in inst.columns if who[c.name] == "evaluator"]
    first_line, second_line = _HOW.get(audience, _HOW["adults"])
    example = ('<span class="example"><input type="checkbox" checked disabled aria-label="an example of a ticked box" '
               'style="background: #fff url(&quot;data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27 '
               'viewBox=%270 0 10 10%27%3E%3Cpath d=%27M1.5 5.5l2.5 2.5 4.5-6%27 fill=%27none%27 stroke=%27black%27 '
               'stroke-width=%271.6%27/%3E%3C/svg%3E&quot;) center/85% no-repeat"></span>')
    page_title = f"{programme}: {title}" if programme else title
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><title>{_esc(page_title)}</title><style>{_CSS}</style></head>'
        f'<body class="{_esc(audience)}"><main>'
        + (f'<p class="programme">{_esc(programme)}</p>' if programme else "")
        + f"<h1>{_esc(title)}</h1>"
        + (_office_box(office, codebook) if office else "")
        + (f'<p class="intro">{_esc(spec["intro"])}</p>' if spec.get("intro") else "")
        + f'<section class="how" aria-labelledby="how-title"><h2 id="how-title">How to answer</h2>'
        f"<p>{_esc(first_line)} {example}</p><p>{_esc(second_line)}</p></section>"
        + '<h2 id="questions-title">Questions</h2>'
        + "".join(parts)
        + "</main></body></html>\n"
    )


# --- the data-entry workbook ---------------------------------------------------------------------

def _col_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def write_workbook(instrument: str, path: Path, codebook: Codebook | None = None,
                   rows: int = _ENTRY_ROWS) -> Path:
    """Write the data-entry workbook of an instrument to ``path`` (``.xlsx``); return the path.

    Sheets, in order: ``Data`` (row 1 the codebook's column names, what ``process`` reads as the
    header; drop-down lists, limits and checks on the first ``rows`` data rows), ``Instructions``
    (how to type a form; every column with its question and allowed answers) and ``Lists`` (the
    answer labels the drop-down lists offer; hidden).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    codebook = codebook or load_codebook()
    questions = question_list(instrument, codebook)
    inst = codebook.instruments[instrument]
    wb = Workbook()
    data = wb.active
    data.title = "Data"
    guide = wb.create_sheet("Instructions")
    lists = wb.create_sheet("Lists")
    lists.sheet_state = "hidden"

    # One column of the Lists sheet per answer list (scale or force names), labels in order.
    list_ranges: dict[str, str] = {}

    def answer_range(key: str, labels: Sequence[str]) -> str:
        if key not in list_ranges:
            index = len(list_ranges) + 1
            letter = _col_letter(index)
            lists.cell(row=1, column=index, value=key)
            for r, label in enumerate(labels, 2):
                lists.cell(row=r, column=index, value=label)
            list_ranges[key] = f"Lists!${letter}$2:${letter}${len(labels) + 1}"
        return list_ranges[key]

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDDDDD")
    last = rows + 1
    for index, col in enumerate(inst.columns, 1):
        letter = _col_letter(index)
        cell = data.cell(row=1, column=index, value=col.name)
        cell.font = bold
        cell.fill = header_fill
        width = max(len(col.name) + 3, 12)
        area = f"{letter}2:{letter}{last}"
        check = None
        if col.type == "coded":
            scale = codebook.scales[col.scale]
            check = DataValidation(type="list", formula1=f"={answer_range(col.scale, scale.labels)}",
                                   allow_blank=True)
            check.error = "Choose one of the answers in the list (or leave the cell empty)."
            width = max(width, min(max(len(lab) for lab in scale.labels) + 3, 30))
        elif col.type == "force":
            check = DataValidation(type="list", formula1=f"={answer_range('force', codebook.forces)}",
                                   allow_blank=True)
            check.error = "Choose the police force from the list."
            width = max(width, 22)
        elif col.type == "flag":
            check = DataValidation(type="list", formula1='"0,1"', allow_blank=True)
            check.error = "Type 1 (yes) or 0 (no), or leave the cell empty."
        elif col.type == "integer":
            if col.max is not None:
                check = DataValidation(type="whole", operator="between", formula1=str(col.min or 0),
                                       formula2=str(col.max), allow_blank=True)
                check.error = f"Type a whole number from {col.min or 0} to {col.max}."
            else:
                check = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(col.min or 0),
                                       allow_blank=True)
                check.error = f"Type a whole number of at least {col.min or 0}."
        elif col.type == "id":
            check = DataValidation(type="custom", formula1=f"COUNTIF(${letter}$2:${letter}${last},{letter}2)=1",
                                   allow_blank=True)
            check.error = "This identifier is already used in another row: each form has its own."
        elif col.type == "free_text":
            width = 40
        if check is not None:
            check.errorTitle = "Answer not allowed"
            check.showErrorMessage = True
            check.promptTitle = col.name[:32]
            check.prompt = col.label[:250]
            check.showInputMessage = True
            data.add_data_validation(check)
            check.add(area)
        data.column_dimensions[letter].width = width
    data.freeze_panes = "B2"

    # The instructions sheet: how to type a form, then one row per column.
    title = (_form_spec(codebook, instrument).get("title") or inst.title)
    text = [
        (f"Data entry: {title}", True),
        ("", False),
        ("How to type the paper forms", True),
        ("Type one form per row of the Data sheet, starting in row 2. Do not change row 1: its column names "
         "are what minipolice reads.", False),
        ("Copy the office-use box into the identifier columns first. Give every form its own identifier.", False),
        ("For a ticked box, choose the answer from the cell's drop-down list: it offers the answers as worded "
         "on the form (labels). minipolice reads the short codes listed below as well, in files from other "
         "sources; this workbook accepts only the labels.", False),
        ("Leave a cell empty when the question was not answered, was not meant for this person, or two boxes "
         "are ticked. Do not type 'n/a', '-' or 0 for a missing answer.", False),
        ("Type written answers as they are written. Where an answer names a person or a school, type [name] "
         "instead of the name.", False),
        ("Columns marked 'researcher' are coded afterwards from the written answers; leave them empty while "
         "typing forms.", False),
        ("Save the file as " + instrument + ".xlsx in the data folder given to minipolice process "
         "(the Data sheet must stay the first sheet).", False),
        ("", False),
    ]
    for r, (line, strong) in enumerate(text, 1):
        cell = guide.cell(row=r, column=1, value=line or None)
        if strong:
            cell.font = Font(bold=True, size=13 if r == 1 else 11)
    start = len(text) + 1
    header = ["column", "number on form", "question", "type", "answers (labels)", "codes", "min", "max",
              "asked of", "filled in by"]
    for c, name in enumerate(header, 1):
        cell = guide.cell(row=start, column=c, value=name)
        cell.font = bold
        cell.fill = header_fill
    for r, row in enumerate(questions.itertuples(index=False), start + 1):
        values = [row.column, row.number, row.question, row.type,
                  row.options if row.type != "force" else "a police force (drop-down list)",
                  row.codes if row.type != "force" else "", row.min, row.max, row.asked_of, row.filled_by]
        for c, value in enumerate(values, 1):
            guide.cell(row=r, column=c, value=None if value == "" else value).alignment = Alignment(
                wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFGHIJ", (24, 9, 50, 10, 45, 35, 6, 6, 20, 12), strict=True):
        guide.column_dimensions[letter].width = width
    guide.column_dimensions["A"].width = 24
    for r in range(1, start):
        guide.cell(row=r, column=1).alignment = Alignment(wrap_text=False)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --- everything ----------------------------------------------------------------------------------

def write_questionnaires(out_dir: Path, instruments: Iterable[str] | None = None, *, pdf: bool = True,
                         codebook: Codebook | None = None, chromium: str | None = None) -> pd.DataFrame:
    """Write the questionnaire files of each instrument under ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Created if missing; ``paper/``, ``data-entry/`` and ``question-lists/`` are written in it.
    instruments : iterable of str, optional
        Default: the codebook's survey instruments (:attr:`helpers.core.codebook.Codebook.surveys`).
    pdf : bool
        Print each HTML form to PDF with Chromium (:func:`helpers.build.pdf.print_html_files`).
    codebook : Codebook, optional
    chromium : str, optional
        Chromium executable; default :func:`helpers.build.pdf.find_chromium`.

    Returns
    -------
    pandas.DataFrame
        One row per file written: ``instrument``, ``kind`` (``html``, ``pdf``, ``workbook``,
        ``question_list``), ``path``.

    Raises
    ------
    ValueError
        An unknown instrument.
    helpers.build.pdf.PdfError
        ``pdf=True`` and Chromium or Playwright is missing (the other files are written first).
    """
    codebook = codebook or load_codebook()
    surveys = codebook.surveys
    chosen = list(instruments) if instruments else list(surveys)
    unknown = [name for name in chosen if name not in surveys]
    if unknown:
        raise ValueError(f"unknown instrument(s) {', '.join(unknown)}: choose from {', '.join(surveys)}")
    out_dir = Path(out_dir)
    written = []
    for name in chosen:
        lists_dir = out_dir / "question-lists"
        lists_dir.mkdir(parents=True, exist_ok=True)
        qpath = lists_dir / f"{name}_questions.csv"
        question_list(name, codebook).to_csv(qpath, index=False, lineterminator="\n")
        written.append((name, "question_list", qpath))
        written.append((name, "workbook", write_workbook(name, out_dir / "data-entry" / f"{name}.xlsx", codebook)))
        paper = out_dir / "paper"
        paper.mkdir(parents=True, exist_ok=True)
        hpath = paper / f"{name}.html"
        hpath.write_text(render_html(name, codebook), encoding="utf-8")
        written.append((name, "html", hpath))
        log.info("%s: question list, data-entry workbook and printable form written", name)
    if pdf:
        from helpers.build.pdf import print_html_files

        pairs = [(path, path.with_suffix(".pdf")) for _, kind, path in written if kind == "html"]
        for html_path, pdf_path in zip(pairs, print_html_files(pairs, chromium=chromium), strict=True):
            written.append((html_path[0].stem, "pdf", pdf_path))
        log.info("%d questionnaires printed to PDF", len(pairs))
    return pd.DataFrame(written, columns=["instrument", "kind", "path"])
