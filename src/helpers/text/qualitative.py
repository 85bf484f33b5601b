"""Tidy summaries of the coded qualitative data for the report.

One job: turn the processed qualitative tables (``workshop_comments``,
``interview_excerpts``) and the survey free text into what a chapter shows:

- :func:`theme_shares`: comments per theme code, with every code of the
  scale (zeros included), labels and percentages;
- :func:`interview_themes`: excerpts and distinct interviewees per theme
  and role, with the report's sections and the SWOT themes laid out for a
  2x2 table;
- :func:`illustrative_quotes`: a deterministic choice of short, redacted
  quotes for one theme, without any identifier;
- :func:`word_frequencies`: word counts of free-text answers for a word
  cloud.

Disclosure control (docs/contract.md section 5)
---------------------------------------
* Quotes always go through :func:`helpers.text.redaction.redact`; a quote in
  which :func:`helpers.text.redaction.find_identifiers` still finds something is
  dropped. No identifier column (``comment_id``, ``child_id``,
  ``interviewee_id``, ``respondent_id``, ``school_id``, ``workshop_id``) and
  no force is returned with a quote: there is one strategic lead per force,
  so role and force together would name the speaker.
* A theme raised by fewer than ``min_cell`` distinct speakers (children or
  interviewees) gets no quotes at all.
* A word used in fewer than ``min_count`` answers is not shown by
  :func:`word_frequencies`, and redacted names never become words.

Counts of comments and excerpts per theme are not suppressed here: they
count what was said, not who said it (the results table's suppression
rules apply to respondents).

Examples
--------
>>> import pandas as pd
>>> wc = pd.DataFrame({"child_id": ["a", "b", "c", "c"],
...                    "theme": ["other", "fun_new_things", "fun_new_things", None]})
>>> theme_shares(wc, scale="workshop_theme")[["theme", "n", "base", "percent"]]
                 theme  n  base    percent
0       fun_new_things  2     3  66.666667
1     learning_helping  0     3   0.000000
2  connecting_policing  0     3   0.000000
3                other  1     3  33.333333
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from helpers.core.codebook import Codebook, Scale, load_codebook
from helpers.core.config import DEFAULT_MIN_CELL, DEFAULT_SEED
from helpers.text.redaction import DEFAULT_REPLACEMENT, find_identifiers, redact

__all__ = [
    "INTERVIEW_SECTIONS",
    "SWOT",
    "STOPWORDS",
    "theme_shares",
    "interview_themes",
    "illustrative_quotes",
    "word_frequencies",
]

log = logging.getLogger(__name__)

#: The report's chapter 5 section of each ``interview_theme`` code.
INTERVIEW_SECTIONS = {
    "aims": "aims",
    "school_selection": "selection",
    "child_selection": "selection",
    "design_delivery": "delivery",
    "childrens_voice": "delivery",
    "community": "delivery",
    "strength": "swot",
    "weakness": "swot",
    "opportunity": "swot",
    "threat": "swot",
    "sharing_strategy": "strategy",
}

#: The SWOT themes as (origin, effect): rows and columns of the usual 2x2 table.
SWOT = {
    "strength": ("internal", "helpful"),
    "weakness": ("internal", "harmful"),
    "opportunity": ("external", "helpful"),
    "threat": ("external", "harmful"),
}

#: English function words left out of word counts: the usual short list of
#: pronouns, articles, auxiliaries, prepositions and conjunctions (as in
#: NLTK's English list), plus "us", "also", "get", "got", "really" — words
#: that say nothing about what children think of the police. Contractions
#: ("don't", "they're") are dropped by the tokeniser, not listed here.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further get got had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own really same she should so some such than that
    the their theirs them themselves then there these they this those through to too under until up us very was we
    were what when where which while who whom why will with would you your yours yourself yourselves
    """.split()
) | frozenset(
    # Filler that children use in almost every answer and that crowded the word cloud ("people", "things"):
    # it says nothing about what they think of the police.
    "people things thing stuff lot lots like make makes making going one way always".split()
)

#: Free-text columns tried, in order, when ``text`` is not given.
_TEXT_COLUMNS = ("comment", "excerpt")
#: Speaker columns tried, in order, when ``speaker`` is not given.
_SPEAKER_COLUMNS = ("child_id", "interviewee_id", "respondent_id")
#: Label of the all-roles rows of :func:`interview_themes`.
_ALL_ROLES = ("all", "All interviewees")

_QUOTE_COLUMNS = ["theme", "theme_label", "quote"]
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def theme_shares(
    table: pd.DataFrame,
    *,
    theme: str = "theme",
    by: str | Sequence[str] | None = None,
    scale: str | None = None,
    unit: str | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Count and percentage of coded items per theme code.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per coded item (a workshop comment, an excerpt, a child's
        answer); not changed.
    theme : str, default "theme"
        Column of theme codes.
    by : str or sequence of str, optional
        Grouping columns (e.g. ``"force"``); percentages are within groups.
    scale : str, optional
        Codebook scale of the codes (``"workshop_theme"``). By default the
        scale whose codes are exactly the column's categories (processed
        tables are categorical), else the one scale containing every code
        seen; ``ValueError`` if that is ambiguous.
    unit : str, optional
        Column of who made the item (e.g. ``"child_id"``): adds ``units``,
        the number of distinct values with an item in the theme.
    codebook : Codebook, optional
        Defaults to the packaged codebook.

    Returns
    -------
    pandas.DataFrame
        One row per group and theme code, every code of the scale in scale
        order (zero counts included):

        - the ``by`` columns (groups as observed, sorted)
        - ``theme``: the code; ``theme_label``: its label
        - ``n``: items with this code
        - ``base``: items with any code in the group
        - ``percent``: ``100 * n / base``, unrounded (NaN for an empty group)
        - ``units`` (only with ``unit``): distinct units with an item here

        Rows with a missing theme (or a missing ``by`` value) are left out.

    Raises
    ------
    ValueError
        A column is missing, or a code is not in the scale.

    Examples
    --------
    >>> import pandas as pd
    >>> ie = pd.DataFrame({"role": ["teacher", "teacher", "practitioner"], "theme": ["aims", "threat", "aims"]})
    >>> out = theme_shares(ie, by="role", scale="interview_theme")
    >>> out[out["n"] > 0][["role", "theme", "n", "base", "percent"]]
                role   theme  n  base  percent
    0   practitioner    aims  1     1    100.0
    11       teacher    aims  1     2     50.0
    20       teacher  threat  1     2     50.0
    """
    codebook = codebook or load_codebook()
    by_cols = [by] if isinstance(by, str) else list(by or [])
    _require(table, [theme, *by_cols, *([unit] if unit else [])], "theme_shares")
    sc = _resolve_scale(table[theme], scale, codebook, theme)
    data = table.loc[table[theme].notna(), [*by_cols, theme, *([unit] if unit else [])]]
    data = data.dropna(subset=by_cols)
    codes = _as_codes(data[theme], sc, theme)
    frame = pd.DataFrame({c: data[c].astype(object).to_numpy() for c in by_cols})
    frame["theme"] = codes.to_numpy()
    keys = [*by_cols, "theme"]
    groups = _observed_groups(frame, by_cols)
    index = pd.MultiIndex.from_tuples([(*g, code) for g in groups for code in sc.codes], names=keys)
    n = frame.groupby(keys, sort=False).size().reindex(index, fill_value=0)
    out = n.rename("n").reset_index()
    out["theme_label"] = out["theme"].map(dict(zip(sc.codes, sc.labels, strict=True)))
    if by_cols:
        base = frame.groupby(by_cols, sort=False).size().rename("base").reset_index()
        out = out.merge(base, on=by_cols, how="left")
    else:
        out["base"] = len(frame)
    out["n"] = out["n"].astype("int64")
    out["base"] = out["base"].astype("int64")
    out["percent"] = np.where(out["base"] > 0, 100 * out["n"] / out["base"].where(out["base"] > 0, 1), np.nan)
    columns = [*by_cols, "theme", "theme_label", "n", "base", "percent"]
    if unit:
        frame["unit"] = data[unit].astype(object).to_numpy()
        units = frame.dropna(subset=["unit"]).groupby(keys, sort=False)["unit"].nunique()
        out["units"] = units.reindex(pd.MultiIndex.from_frame(out[keys]), fill_value=0).to_numpy().astype("int64")
        columns.append("units")
    return out[columns]


def interview_themes(
    excerpts: pd.DataFrame,
    *,
    theme: str = "theme",
    role: str = "role",
    interviewee: str = "interviewee_id",
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Excerpts and distinct interviewees per interview theme and role.

    Parameters
    ----------
    excerpts : pandas.DataFrame
        The processed ``interview_excerpts`` table (one row per coded
        excerpt); not changed.
    theme, role, interviewee : str
        Columns of the theme code (scale ``interview_theme``), the role
        code (scale ``interview_role``) and the pseudonymous interviewee.
    codebook : Codebook, optional
        Defaults to the packaged codebook.

    Returns
    -------
    pandas.DataFrame
        One row per role (every ``interview_role`` code, then ``all``) and
        theme (every ``interview_theme`` code, in scale order), zeros
        included:

        - ``role``, ``role_label``
        - ``theme``, ``theme_label``
        - ``section``: the report section (:data:`INTERVIEW_SECTIONS`:
          ``aims``, ``selection`` (of schools and children), ``delivery``,
          ``swot``, ``strategy``)
        - ``swot_origin`` (``internal``/``external``) and ``swot_effect``
          (``helpful``/``harmful``) for the four SWOT themes, else missing:
          pivot them for the 2x2 table
        - ``excerpts``: excerpts coded with the theme
        - ``interviewees``: distinct interviewees with such an excerpt
        - ``role_interviewees``: distinct interviewees of the role
        - ``percent``: ``100 * interviewees / role_interviewees``,
          unrounded (NaN for a role nobody had)

        Rows with a missing theme are not counted; an excerpt with a
        missing role counts under ``all`` only. No identifier is returned.

    Raises
    ------
    ValueError
        A column is missing, or a code is not in its scale.

    Examples
    --------
    >>> import pandas as pd
    >>> ie = pd.DataFrame({"interviewee_id": ["SL1", "SL1", "SL2", "TE1"],
    ...                    "role": ["strategic_lead", "strategic_lead", "strategic_lead", "teacher"],
    ...                    "theme": ["threat", "threat", "aims", "threat"]})
    >>> out = interview_themes(ie)
    >>> out[out["theme"].eq("threat")][["role", "excerpts", "interviewees", "role_interviewees", "percent"]]
                  role  excerpts  interviewees  role_interviewees     percent
    9   strategic_lead         2             1                  2   50.000000
    20    practitioner         0             0                  0         NaN
    31         teacher         1             1                  1  100.000000
    42             all         3             2                  3   66.666667
    """
    codebook = codebook or load_codebook()
    _require(excerpts, [theme, role, interviewee], "interview_themes")
    inst = codebook.instruments["interview_excerpts"]
    theme_scale = codebook.scales[inst.column("theme").scale]
    role_scale = codebook.scales[inst.column("role").scale]
    frame = pd.DataFrame({
        "theme": _as_codes(excerpts[theme], theme_scale, theme).to_numpy(),
        "role": _as_codes(excerpts[role], role_scale, role).to_numpy(),
        "who": excerpts[interviewee].astype(object).to_numpy(),
    })
    roles = [*zip(role_scale.codes, role_scale.labels, strict=True), _ALL_ROLES]
    rows = []
    for code, label in roles:
        people = frame if code == "all" else frame[frame["role"].eq(code)]
        total = people["who"].nunique()
        coded = people[people["theme"].notna()]
        excerpts_n = coded.groupby("theme").size()
        people_n = coded.groupby("theme")["who"].nunique()
        for t, t_label in zip(theme_scale.codes, theme_scale.labels, strict=True):
            origin, effect = SWOT.get(t, (None, None))
            rows.append({
                "role": code, "role_label": label, "theme": t, "theme_label": t_label,
                "section": INTERVIEW_SECTIONS.get(t, "other"), "swot_origin": origin, "swot_effect": effect,
                "excerpts": int(excerpts_n.get(t, 0)), "interviewees": int(people_n.get(t, 0)),
                "role_interviewees": int(total),
            })
    out = pd.DataFrame(rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["percent"] = np.where(out["role_interviewees"] > 0,
                                  100 * out["interviewees"] / out["role_interviewees"].where(
                                      out["role_interviewees"] > 0, 1), np.nan)
    return out


def illustrative_quotes(
    table: pd.DataFrame,
    *,
    theme: str,
    text: str | None = None,
    theme_column: str = "theme",
    n: int = 2,
    min_words: int = 6,
    max_words: int = 40,
    names: Iterable[str] = (),
    seed: int = DEFAULT_SEED,
    speaker: str | None = None,
    role: str | None = "role",
    min_cell: int = DEFAULT_MIN_CELL,
    scale: str | None = None,
    replacement: str = DEFAULT_REPLACEMENT,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """A deterministic choice of short, redacted quotes for one theme.

    Candidates are the items of the theme whose redacted text has between
    ``min_words`` and ``max_words`` words (white-space separated), without
    repeats of the same text. They are put in a fixed order (by text), shuffled
    with ``numpy.random.default_rng(seed)``, and taken in that order, one per
    speaker first; if that gives fewer than ``n`` quotes, further quotes of
    speakers already quoted follow. The result depends only on the rows
    and the arguments, not on the row order.

    Parameters
    ----------
    table : pandas.DataFrame
        Processed ``workshop_comments`` or ``interview_excerpts`` (or any
        table with a theme code, a free-text and a speaker column); not
        changed.
    theme : str
        The theme code to quote.
    text : str, optional
        Free-text column; by default ``comment`` or ``excerpt``, whichever
        exists.
    theme_column : str, default "theme"
        Column of theme codes.
    n : int, default 2
        Most quotes returned.
    min_words, max_words : int, default 6 and 40
        Length of a quote, in words, after redaction.
    names : iterable of str
        Known names for :func:`helpers.text.redaction.redact`
        (:func:`helpers.text.redaction.known_names`).
    seed : int, default :data:`helpers.core.config.DEFAULT_SEED`
        Seed of the shuffle.
    speaker : str, optional
        Column of who said it; by default ``child_id``, ``interviewee_id``
        or ``respondent_id``, whichever exists first. Used for the
        disclosure check and to spread quotes over speakers, never returned.
    role : str or None, default "role"
        Column of the speaker's role (scale ``interview_role``), returned
        with its label when the column exists; ``None`` to leave it out.
    min_cell : int, default :data:`helpers.core.config.DEFAULT_MIN_CELL`
        A theme with fewer distinct speakers gets no quotes (logged).
    scale : str, optional
        Scale of the theme codes (see :func:`theme_shares`).
    replacement : str, default ``"[redacted]"``
        Passed to :func:`helpers.text.redaction.redact`.
    codebook : Codebook, optional
        Defaults to the packaged codebook.

    Returns
    -------
    pandas.DataFrame
        At most ``n`` rows: ``theme``, ``theme_label``, ``quote`` (redacted
        text), then ``role`` and ``role_label`` when the table has the role
        column. Empty (same columns) when the theme has too few speakers or
        no quote fits. Never an identifier or the force.

    Raises
    ------
    ValueError
        A column is missing or cannot be guessed, ``theme`` is not a code
        of the scale, or ``n``/``min_words``/``max_words`` are out of range.

    Examples
    --------
    >>> import pandas as pd
    >>> wc = pd.DataFrame({"child_id": list("abcde"), "theme": ["other"] * 5,
    ...                    "comment": ["Our teacher Mrs Hill says ring 01632 960417 if it rains",
    ...                                "It finished too soon", "It finished too soon",
    ...                                "I wish we had workshops every single day", "Boring"]})
    >>> quotes = illustrative_quotes(wc, theme="other", n=3, min_words=4, scale="workshop_theme")
    >>> quotes.columns.tolist()
    ['theme', 'theme_label', 'quote']
    >>> sorted(quotes["quote"])
    ['I wish we had workshops every single day', 'It finished too soon', \
'Our teacher Mrs [redacted] says ring [redacted] if it rains']
    >>> illustrative_quotes(wc, theme="other", scale="workshop_theme", min_cell=6).empty
    True
    """
    codebook = codebook or load_codebook()
    if n < 0 or min_words < 0 or max_words < min_words:
        raise ValueError(f"illustrative_quotes: need n >= 0 and 0 <= min_words <= max_words "
                         f"(got n={n}, min_words={min_words}, max_words={max_words})")
    text = text or _first_present(table, _TEXT_COLUMNS, "text", "illustrative_quotes")
    speaker = speaker or _first_present(table, _SPEAKER_COLUMNS, "speaker", "illustrative_quotes")
    has_role = role is not None and role in table.columns
    _require(table, [theme_column, text, speaker, *([role] if has_role else [])], "illustrative_quotes")
    columns = [*_QUOTE_COLUMNS, *(["role", "role_label"] if has_role else [])]
    if table.empty and scale is None:  # nothing to quote, and no codes to tell the scale from
        return pd.DataFrame(columns=columns)
    sc = _resolve_scale(table[theme_column], scale, codebook, theme_column)
    if theme not in sc.codes:
        raise ValueError(f"illustrative_quotes: {theme!r} is not a code of scale {sc.name!r}: {list(sc.codes)}")

    in_theme = table[table[theme_column].astype(object).eq(theme).fillna(False).astype(bool)]
    speakers = in_theme[speaker].nunique()
    if speakers < min_cell or speakers == 0:  # (min_cell 0: disclosure control off, still nobody to quote)
        log.info("quotes: theme %r has %d distinct speakers (min cell %d): no quotes", theme, speakers, min_cell)
        empty = pd.DataFrame(columns=columns)
        empty.attrs["theme_label"] = sc.label(theme)  # so that a page can say which theme has no quote
        return empty

    cand = pd.DataFrame({
        "who": in_theme[speaker].astype(object).to_numpy(),
        "quote": redact(in_theme[text].astype(object), names=names, replacement=replacement).to_numpy(),
    })
    if has_role:
        cand["role"] = in_theme[role].astype(object).to_numpy()
    cand = cand[cand["quote"].notna()]
    cand["quote"] = cand["quote"].astype(str).str.strip()
    words = cand["quote"].str.split().str.len()
    cand = cand[words.between(min_words, max_words)]
    leaked = cand["quote"].map(lambda q: bool(find_identifiers(q)))
    if leaked.any():
        log.warning("quotes: %d candidate quotes still hold an identifier after redaction; dropped", int(leaked.sum()))
    cand = cand[~leaked]
    sort_keys = ["quote", "who", *(["role"] if has_role else [])]
    cand = (cand.assign(who=cand["who"].astype(str), **({"role": cand["role"].astype(str)} if has_role else {}))
            .sort_values(sort_keys, kind="stable").drop_duplicates("quote").reset_index(drop=True))
    order = np.random.default_rng(seed).permutation(len(cand))
    picked: list[int] = []
    seen: set[str] = set()
    for i in order:
        if len(picked) < n and cand.at[i, "who"] not in seen:
            picked.append(int(i))
            seen.add(cand.at[i, "who"])
    picked += [int(i) for i in order if int(i) not in picked][: max(0, n - len(picked))]

    out = cand.loc[picked].reset_index(drop=True)
    out["theme"] = theme
    out["theme_label"] = sc.label(theme)
    if has_role:
        role_scale = codebook.scales["interview_role"]
        out["role_label"] = out["role"].map(dict(zip(role_scale.codes, role_scale.labels, strict=True)))
    log.info("quotes: %d of %d candidates chosen for theme %r", len(out), len(cand), theme)
    out = out.reindex(columns=columns)
    out.attrs["theme_label"] = sc.label(theme)
    return out


def word_frequencies(
    texts: pd.Series,
    *,
    min_count: int = DEFAULT_MIN_CELL,
    stopwords: Iterable[str] | None = None,
    names: Iterable[str] = (),
    min_length: int = 2,
    replacement: str = DEFAULT_REPLACEMENT,
) -> pd.DataFrame:
    """Word counts of free-text answers, for a word cloud.

    Each answer is redacted (:func:`helpers.text.redaction.redact` with
    ``names``) and the replacement marker removed, so no redacted name or
    number becomes a word. It is then lower-cased and split into tokens of
    letters (an apostrophe inside a word is kept: a possessive ``'s`` is
    dropped, ``police's`` counts as ``police``, and any other token with an
    apostrophe — a contraction such as ``don't`` — is left out as a function
    word). Digits and punctuation separate tokens. Stopwords and tokens
    shorter than ``min_length`` are left out.

    Parameters
    ----------
    texts : pandas.Series
        Free-text answers, one per respondent (e.g. the children's
        ``police_good_job_why``); missing and empty answers are ignored.
    min_count : int, default :data:`helpers.core.config.DEFAULT_MIN_CELL`
        Words used in fewer answers are not returned (disclosure control: a
        word that few children wrote could point to them).
    stopwords : iterable of str, optional
        Words to leave out; defaults to :data:`STOPWORDS` (pass
        ``STOPWORDS | {"police"}`` to drop more).
    names : iterable of str
        Known names, for the redaction.
    min_length : int, default 2
        Shortest token kept.
    replacement : str, default ``"[redacted]"``
        The redaction marker (removed before counting).

    Returns
    -------
    pandas.DataFrame
        ``word`` (str) and ``count`` (int64): the number of answers that use
        the word (an answer counts once however often it repeats the word,
        so with one answer per child it is the number of children), sorted
        by count descending, then word.

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.Series(["They help people", "they HELP, they help!", "PC Jones helps people", None, "kind"])
    >>> word_frequencies(answers, min_count=2)  # "people" is filler (STOPWORDS)
       word  count
    0  help      2
    >>> word_frequencies(answers, min_count=2, stopwords=STOPWORDS - {"people"})
         word  count
    0    help      2
    1  people      2
    """
    if not isinstance(texts, pd.Series):
        raise TypeError(f"word_frequencies: texts must be a pandas Series, not {type(texts).__name__}")
    stop = STOPWORDS if stopwords is None else frozenset(str(w).casefold() for w in stopwords)
    answers = texts.dropna()
    answers = answers[answers.astype(str).str.strip().ne("")].astype(object)
    empty = pd.DataFrame({"word": pd.Series(dtype=object), "count": pd.Series(dtype="int64")})
    if answers.empty:
        return empty
    cleaned = redact(answers, names=names, replacement=replacement).astype(str)
    cleaned = cleaned.str.replace(replacement, " ", regex=False).str.replace("’", "'", regex=False).str.lower()
    tokens = cleaned.reset_index(drop=True).str.findall(_TOKEN).explode().dropna()
    tokens = tokens.str.replace(r"'s$", "", regex=True)
    keep = ~tokens.str.contains("'", regex=False) & tokens.str.len().ge(min_length) & ~tokens.isin(stop)
    tokens = tokens[keep]
    if tokens.empty:
        return empty
    per_answer = tokens.rename("word").reset_index().drop_duplicates()
    counts = per_answer["word"].value_counts().rename("count").reset_index()
    counts = counts[counts["count"] >= min_count]
    dropped = int(per_answer["word"].nunique()) - len(counts)
    log.info("word frequencies: %d words shown, %d used in fewer than %d answers left out",
             len(counts), dropped, min_count)
    counts = counts.sort_values(["count", "word"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return counts.astype({"word": object, "count": "int64"})[["word", "count"]]


# ---------------------------------------------------------------------------
# Private helpers
# ---------------------------------------------------------------------------


def _require(table: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    """Raise ``ValueError`` naming the columns ``table`` lacks."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{where}: table has no column(s) {missing}; it has {list(table.columns)}")


def _first_present(table: pd.DataFrame, candidates: Sequence[str], what: str, where: str) -> str:
    """The first of ``candidates`` that is a column of ``table``."""
    for name in candidates:
        if name in table.columns:
            return name
    raise ValueError(f"{where}: no {what} column found (tried {list(candidates)}); pass {what}=")


def _resolve_scale(values: pd.Series, scale: str | None, codebook: Codebook, column: str) -> Scale:
    """The codebook scale of a column of codes (see :func:`theme_shares`)."""
    if scale is not None:
        if scale not in codebook.scales:
            raise ValueError(f"unknown scale {scale!r}; the codebook has {sorted(codebook.scales)}")
        return codebook.scales[scale]
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = tuple(str(c) for c in values.cat.categories)
        exact = [s for s in codebook.scales.values() if s.codes == categories]
        if len(exact) == 1:
            return exact[0]
    seen = {str(v) for v in values.dropna().unique()}
    fitting = [s for s in codebook.scales.values() if seen <= set(s.codes)]
    if len(fitting) != 1:
        names = [s.name for s in fitting] or "none"
        raise ValueError(f"column {column!r}: cannot tell its scale (fitting: {names}); pass scale=")
    return fitting[0]


def _as_codes(values: pd.Series, sc: Scale, column: str) -> pd.Series:
    """Codes as an object Series (missing as None); ``ValueError`` for a value outside the scale."""
    codes = values.astype(object).where(values.notna(), None)
    bad = sorted({str(v) for v in codes.dropna()} - set(sc.codes))
    if bad:
        raise ValueError(f"column {column!r}: {len(bad)} value(s) not in scale {sc.name!r}: {bad}")
    return codes.map(lambda v: None if v is None else str(v))


def _observed_groups(frame: pd.DataFrame, by_cols: list[str]) -> list[tuple]:
    """Distinct combinations of the grouping columns, sorted (one empty tuple without groups)."""
    if not by_cols:
        return [()]
    distinct = frame[by_cols].drop_duplicates()
    return sorted(distinct.itertuples(index=False, name=None), key=lambda t: tuple(str(v) for v in t))
