"""Synthetic demonstration data: the raw files (five surveys and census, two qualitative) and their marker.

One job: write raw survey exports that look like the 2019 national
evaluation's (same instruments, same sample structure) but describe no real
person, so that the pipeline and the book can be built and tested without
the evaluation's data. ``minipolice demo-data`` calls
:func:`generate_demo_data`; the committed ``data/raw/`` is its output with
the default seed.

Everything about the instrument (columns, scales, codes, force names,
applicability rules) is read from the codebook. This module only adds the
numbers:

- the structural targets (sample sizes, forces, schools, the scheme census)
  in the constants at the top, each citing the report section it comes from;
- the answer distributions in :data:`ANSWER_TARGETS`, one entry per item and
  group: plausible first values, used as they are for everything the report
  does not publish;
- the calibration (:func:`calibrated_targets`): it reads the table of
  published numbers (``data/published/published_2019.csv``, through
  :func:`helpers.report.reproduction.load_published`) and, for every item and group
  the report gives figures for, chooses exact category counts that round to
  them (a two-sided range aims at its midpoint), filling the categories the
  report does not give in proportion to :data:`ANSWER_TARGETS`. A published
  percentage is of the valid answers, so answers are left blank only where
  no whole number of respondents out of everyone asked gives the published
  figures (as for several items of the staff survey).

The output is deterministic for a seed: fixed row and column order, integers
written as integers, UTF-8, LF line endings, no timestamps.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from helpers.demo import demo_module
>>> generate_demo_data = demo_module("generate").generate_demo_data
>>> written = generate_demo_data(Path(tempfile.mkdtemp()), seed=1)
>>> sorted(written)[:2]
['children_survey', 'interview_excerpts']
"""

from __future__ import annotations

import copy
import itertools
import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from helpers.core.codebook import Codebook, Column, Instrument, load_codebook
from helpers.core.config import DEFAULT_SEED
from helpers.demo import write_marker, write_table
from helpers.report.reproduction import TOLERANCE, categories, load_published

from .text import enjoyed_most_text, interview_excerpts, workshop_comments

__all__ = ["AIM_FLAG_SHARES", "ANSWER_TARGETS", "calibrated_targets", "generate_demo_data"]

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Structural targets. Figures the report states are reproduced exactly; where
# it gives only a total or a shape, the split between forces and schools is
# illustrative (chosen here, not taken from the report) and the marker file
# says so.
# ---------------------------------------------------------------------------

# Children's survey (report chapter 4, "Survey Sample"): 350 children from 26
# schools; 248 in the mini-police, 102 not. Durham had 10 schools, most other
# forces 2-4. About a third of the children each from Cumbria and Durham,
# Gwent and Merseyside together about a quarter, the rest a little over a
# tenth. Durham's sample leans to mini-police children, Cumbria's to the
# others. Per force: (mini-police children, other children, schools) --
# the per-force split and the three "other" forces are illustrative.
CHILD_SAMPLE: dict[str, tuple[int, int, int]] = {
    "Durham": (100, 13, 10),
    "Cumbria": (58, 54, 4),
    "Gwent": (36, 10, 3),
    "Merseyside": (30, 9, 3),
    "Lincolnshire": (12, 6, 2),
    "Cleveland": (7, 5, 2),
    "Thames Valley": (5, 5, 2),
}
#: Fewest children surveyed in any one school (illustrative).
MIN_CHILDREN_PER_SCHOOL = 3
#: Children who leave all six ranking items empty (illustrative).
RANK_SKIPPED = 8

# Practitioner survey (chapter 5, introduction): 48 practitioners from 5
# forces. The role split (30 PCSOs, 13 police officers, 5 other) is in
# ANSWER_TARGETS; the forces and their counts are illustrative.
PRACTITIONER_SAMPLE: dict[str, int] = {
    "Durham": 16,
    "Lincolnshire": 12,
    "Cumbria": 8,
    "Gwent": 7,
    "Merseyside": 5,
}

# Teacher survey (chapter 5, introduction): 35 staff from 31 schools in 7
# forces. Per force: (staff, schools); schools are the children's schools of
# that force first, then further schools. The split is illustrative.
TEACHER_SAMPLE: dict[str, tuple[int, int]] = {
    "Durham": (12, 10),
    "Cumbria": (5, 4),
    "Lincolnshire": (6, 6),
    "Gwent": (4, 3),
    "Merseyside": (4, 4),
    "Cleveland": (2, 2),
    "Thames Valley": (2, 2),
}

# Parent survey (chapter 5, introduction): 40 parents from 14 schools. Per
# force: (parents, schools), drawn from the children's schools; the split is
# illustrative. Force is optional for parents: a few leave it empty.
PARENT_SAMPLE: dict[str, tuple[int, int]] = {
    "Durham": (18, 6),
    "Cumbria": (8, 3),
    "Gwent": (6, 2),
    "Merseyside": (5, 2),
    "Lincolnshire": (3, 1),
}
PARENT_FORCE_EMPTY = 4

# Scheme census (chapter 3, "National Overview"): 16 active forces, 388
# schools, 5,517 children; Durham and Lincolnshire far larger than the rest,
# which have 1-27 schools. Cycles a year: seven forces 1, one 3, one 6, one
# 9, the rest not stated. Social action: 11 of 16. Safeguarding principles:
# 11 yes, 4 no, 1 unknown. After-school activity: 6. 160 units planned for
# the coming year, 16 of them in four new forces. The report's average of 17
# children a school does not follow from 5,517 / 388 (= 14.2); it does if
# some forces gave their schools but not their children, so three forces
# (63 schools) leave children empty here and 5,517 / 325 = 17.0
# (census_children_per_school averages over forces that gave both). Totals
# are the report's; which force has which value is illustrative.
# Columns: force, schools, children, planned_units, cycles_per_year,
# social_action, safeguarding, after_school (None = empty cell).
#: Forces of the four case studies (workshops and practitioner/teacher
#: interviews); illustrative: the report names the sites only in passing.
CASE_STUDY_FORCES = ("Cumbria", "Durham", "Gwent", "Lincolnshire")

#: Strategic leads were interviewed in 10 forces (report, approach): the
#: first ten active forces of the census below.
LEAD_INTERVIEW_FORCES = 10

CENSUS_ACTIVE: tuple[tuple[str, int, int | None, int, int | None, str, str, str], ...] = (
    ("Durham", 136, 2300, 40, 1, "yes", "yes", "yes"),
    ("Lincolnshire", 110, 1880, 35, 1, "yes", "yes", "yes"),
    ("Northumbria", 27, None, 12, 1, "yes", "yes", "yes"),
    ("West Midlands", 20, None, 10, 3, "yes", "yes", "yes"),
    ("Cumbria", 20, 335, 8, 1, "yes", "yes", "yes"),
    ("Humberside", 16, None, 7, 6, "yes", "yes", "no"),
    ("Merseyside", 14, 240, 6, None, "yes", "yes", "no"),
    ("Gwent", 12, 205, 5, 1, "yes", "yes", "yes"),
    ("Cleveland", 9, 150, 5, 9, "yes", "yes", "no"),
    ("Thames Valley", 7, 120, 4, None, "no", "yes", "no"),
    ("Lancashire", 6, 100, 4, 1, "yes", "no", "no"),
    ("Hertfordshire", 4, 70, 3, None, "no", "unknown", "no"),
    ("Cheshire", 3, 50, 2, 1, "yes", "no", "no"),
    ("Avon and Somerset", 2, 35, 2, None, "no", "yes", "no"),
    ("Kent", 1, 18, 1, None, "no", "no", "no"),
    ("Wiltshire", 1, 14, 0, None, "no", "no", "no"),
)
#: The four forces planning a scheme, with their planned units (total 16).
CENSUS_PLANNED: dict[str, int] = {
    "South Yorkshire": 5,
    "Dyfed-Powys": 3,
    "Devon & Cornwall": 5,
    "North Wales": 3,
}

# ---------------------------------------------------------------------------
# Answer distributions: the one structure a later calibration replaces.
#
# ANSWER_TARGETS[instrument][column][group] gives relative weights:
# - coded columns: a tuple in the codebook's code order for the column's
#   scale; one extra trailing weight, if present, is the share left
#   unanswered;
# - integer columns: a mapping {value: weight}, None meaning unanswered.
# Groups: "all" (everyone asked), or for children "mini_police" and
# "non_mini_police" (the codebook's group names). Counts are allocated
# exactly (largest remainder), so a target of (190, 47, 8, 2, 1) over 248
# children gives exactly those counts. Values mostly follow the report's
# figures where it gives them (chapters 4 and 5) and are plausible guesses
# elsewhere.
# ---------------------------------------------------------------------------

_MP, _NMP = "mini_police", "non_mini_police"

ANSWER_TARGETS: dict[str, dict[str, dict[str, object]]] = {
    "children_survey": {
        "gender": {"all": (49, 48, 1, 2)},
        "year_group": {"all": {4: 3, 5: 31, 6: 65, None: 1}},
        "enjoyed": {_MP: (246, 2)},
        "enjoyed_amount": {_MP: (190, 47, 8, 2, 1)},
        # Themes of "what did you enjoy most" (2019 report ch. 4: 54/14/12/8/7/6 % of comments).
        "enjoyed_most_theme": {_MP: (54, 14, 12, 8, 7, 6)},
        "impact_understanding": {_MP: (56, 38, 4, 1, 1)},
        "impact_help_others": {_MP: (52, 41, 5, 1, 1)},
        "impact_trust": {_MP: (50, 35, 11, 2, 2)},
        "impact_teamwork": {_MP: (46, 39, 11, 2, 2)},
        "impact_confidence": {_MP: (40, 38, 16, 4, 2)},
        "impact_speaking": {_MP: (30, 38, 22, 6, 4)},
        "impact_listening": {_MP: (32, 39, 20, 5, 4)},
        "police_good_job": {_MP: (88, 2, 10, 1), _NMP: (80, 4, 16, 1)},
        "att_work_well": {_MP: (65, 30, 4, 1, 0, 1), _NMP: (45, 45, 8, 1, 1, 1)},
        "att_listen": {_MP: (55, 35, 8, 1, 1, 1), _NMP: (38, 42, 16, 3, 1, 1)},
        "att_trust": {_MP: (70, 25, 4, 1, 0, 1), _NMP: (62, 30, 6, 1, 1, 1)},
        "att_say_hello": {_MP: (68, 26, 5, 1, 0, 1), _NMP: (58, 32, 8, 1, 1, 1)},
        "att_treat_fairly": {_MP: (45, 35, 13, 5, 2, 1), _NMP: (38, 38, 16, 5, 3, 1)},
        "att_good_job": {_MP: (71, 24, 4, 1, 0), _NMP: (58, 24, 14, 3, 1)},
        "att_know_contact": {_MP: (72, 24, 3, 1, 0, 1), _NMP: (60, 30, 8, 1, 1, 1)},
        "att_understand_roles": {_MP: (55, 38, 6, 1, 0, 1), _NMP: (30, 58, 10, 1, 1, 1)},
        "safe_home": {_MP: (80, 16, 3, 1, 0, 1), _NMP: (80, 17, 2, 1, 0, 1)},
        "safe_school": {_MP: (62, 30, 6, 1, 1, 1), _NMP: (66, 28, 5, 1, 0, 1)},
        "safe_journey": {_MP: (48, 36, 12, 3, 1, 1), _NMP: (52, 35, 10, 2, 1, 1)},
        "safe_outside": {_MP: (40, 38, 16, 4, 2, 1), _NMP: (30, 38, 22, 7, 3, 1)},
        "safe_online": {_MP: (45, 35, 14, 4, 2, 1), _NMP: (33, 35, 20, 8, 4, 1)},
        "safety_impact": {_MP: (50, 34, 15, 1, 0)},
        "aware_cadets": {_MP: (66, 34), _NMP: (45, 55)},
        "interest_cadets": {_MP: (45, 36, 19), _NMP: (25, 33, 42)},
        "interest_officer": {_MP: (38, 38, 24), _NMP: (28, 35, 37)},
    },
    "practitioner_survey": {
        "role": {"all": (30, 13, 5)},
        "achieving_aims": {"all": (9, 26, 11, 2, 0)},
    },
    "teacher_survey": {
        "impact_understanding": {"all": (40, 60, 0, 0)},
        "impact_confidence": {"all": (30, 70, 0, 0)},
        "impact_trust": {"all": (40, 60, 0, 0)},
        "skill_confidence": {"all": (33, 64, 3, 0)},
        "skill_teamwork": {"all": (40, 55, 5, 0)},
        "skill_listening": {"all": (30, 62, 8, 0)},
        "skill_speaking": {"all": (35, 58, 7, 0)},
        "behaviour_school": {"all": (30, 58, 12, 0)},
        "attitude_learning": {"all": (28, 57, 15, 0)},
        "attitude_classmates": {"all": (25, 57, 18, 0)},
        "behaviour_home": {"all": (20, 56, 24, 0, 3)},
        "expectations": {"all": (3, 45, 52)},
        "good_idea": {"all": (70, 27, 3, 0, 0)},
        "recommend": {"all": (65, 30, 5, 0, 0)},
        "police_support": {"all": (55, 30, 8, 4, 3, 0, 3)},
    },
    "parent_survey": {
        "impact_understanding": {"all": (50, 50, 0, 0)},
        "impact_confidence": {"all": (50, 50, 0, 0)},
        "impact_trust": {"all": (60, 40, 0, 0)},
        "skill_confidence": {"all": (48, 49, 3, 0)},
        "skill_teamwork": {"all": (40, 50, 10, 0)},
        "skill_listening": {"all": (40, 50, 10, 0)},
        "skill_speaking": {"all": (42, 48, 10, 0)},
        "behaviour_school": {"all": (25, 42, 33, 0)},
        "attitude_learning": {"all": (30, 48, 22, 0)},
        "attitude_classmates": {"all": (28, 50, 22, 0)},
        "behaviour_home": {"all": (22, 41, 37, 0, 3)},
        "view_good_job": {"all": (45, 47, 8, 0)},
        "view_trust": {"all": (35, 40, 25, 0)},
        "view_reporting": {"all": (30, 40, 30, 0, 3)},
    },
}

#: Age given year group (England and Wales: Year 6 children are 10 or 11).
AGE_BY_YEAR_GROUP: dict[int, dict[int, float]] = {
    4: {9: 1.0},
    5: {9: 0.45, 10: 0.55},
    6: {10: 0.7, 11: 0.3},
}

#: Share of respondents whose free-text aims the researcher coded to each aim
#: (chapter 5, "Aims and Objectives", where given; the rest are guesses).
AIM_FLAG_SHARES: dict[str, dict[str, float]] = {
    "practitioner_survey": {
        "aim_relationships": 0.58, "aim_citizenship": 0.33, "aim_skills_confidence": 0.17,
        "aim_community_links": 0.15, "aim_behaviour": 0.10, "aim_safety_messages": 0.15,
    },
    "teacher_survey": {
        "aim_relationships": 0.58, "aim_citizenship": 0.49, "aim_skills_confidence": 0.23,
        "aim_community_links": 0.14, "aim_behaviour": 0.11, "aim_safety_messages": 0.14,
    },
}

#: Relative importance of the six police tasks children rank (higher = ranked
#: nearer 1; the report finds emergencies and arrests ranked most important).
RANK_STRENGTH: dict[str, float] = {
    "rank_emergency": 2.2,
    "rank_arrest": 1.3,
    "rank_investigate": 0.8,
    "rank_patrol": 0.3,
    "rank_road_safety": 0.2,
    "rank_community": 0.0,
}

#: Correlation of each ordinal answer with a respondent's general positivity,
#: so that answers hang together; marginal counts are unaffected.
LATENT_LOADING = 0.6
#: Ordinal scales whose first code is the least favourable (all others run
#: from most to least favourable).
_UNFAVOURABLE_FIRST = frozenset({"expectations"})

#: Share of free-text answers left empty, per column.
TEXT_EMPTY_SHARE: dict[str, float] = {
    "enjoyed_most": 0.15,
    "enjoyed_least": 0.40,
    "police_good_job_why": 0.25,
    "learned": 0.20,
    "improve": 0.35,
}

# ---------------------------------------------------------------------------
# Free-text pools, written for this project (none is a respondent's words).
# ---------------------------------------------------------------------------


_ENJOYED_LEAST = (
    "missing my break time",
    "writing lots of things down",
    "when it rained on patrol",
    "waiting around for ages",
    "nothing, I liked all of it",
    "the long talk at the start",
    "we did not see the police very often",
    "standing in the cold",
    "when it finished",
    "filling in worksheets",
    "getting up early on a Saturday",
    "my uniform was too big",
    "when people ignored our leaflets",
    "doing the same thing twice",
    "not getting picked for the trip",
    "the walk was really long",
    "speaking in front of the whole school",
    "it was a bit boring sometimes",
    "when the officers had to rush off to a call",
    "tidying up afterwards",
)

#: Why the police do (or do not) do a good job, by answer to police_good_job.
_GOOD_JOB_WHY = {
    "yes": (
        "they keep us safe",
        "they help people when something bad happens",
        "they catch bad people",
        "they come really fast when you ring 999",
        "they protect our community",
        "they look after everyone",
        "they helped find a lost boy at the park",
        "they stop crime",
        "they work really hard even at night",
        "they are kind and they help people",
        "they arrest people who do bad things",
        "they keep the roads safe",
        "without them people would steal things",
        "they help in emergencies",
        "they made our park safer",
        "my uncle is a police officer and he helps people",
        "they talk to us and listen",
    ),
    "no": (
        "some people still get away with things",
        "they took ages to come when our car was broken into",
        "I saw one being rude",
        "there is still lots of crime near my house",
    ),
    "not_sure": (
        "I have not really met them",
        "sometimes they do and sometimes they don't",
        "I don't know much about what they do",
        "I only see them drive past",
    ),
}

_LEARNED = (
    "more about how the police help the community",
    "to be more responsible at home",
    "how to stay safe online",
    "confidence talking to adults",
    "teamwork and listening to others",
    "road safety and being careful crossing",
    "about all the different jobs in the police",
    "that officers are friendly and easy to talk to",
    "to be proud of where we live",
    "how to report something that worries her",
    "about scams and how to spot them",
    "to look out for the older people in our street",
)

_IMPROVE = (
    "more news sent home about what they have been doing",
    "more sessions through the year",
    "let more children take part",
    "a certificate at the end",
    "share photos with parents",
    "nothing, it has been great",
    "more trips out",
    "carry it on into secondary school",
    "clearer dates for events",
    "invite parents to the final assembly",
)

#: Aims phrases by the flag they are coded to; the free-text answer is built
#: from the phrases of the flags a respondent was given, so text and flags agree.
_AIM_PHRASES = {
    "aim_relationships": (
        "build trust between children and the police",
        "show children that officers are approachable",
        "break down barriers between young people and the police",
        "give children a good first experience of policing",
    ),
    "aim_citizenship": (
        "get children involved in their community",
        "teach children to be good citizens",
        "encourage pride in and responsibility for the local area",
        "help children make a difference where they live",
    ),
    "aim_skills_confidence": (
        "build the children's confidence",
        "develop teamwork and communication skills",
        "raise self-esteem and aspirations",
    ),
    "aim_community_links": (
        "strengthen links between the police and local families",
        "connect the school with the neighbourhood team",
        "reach parents through their children",
    ),
    "aim_behaviour": (
        "give children a reason to behave well in school",
        "improve behaviour by giving children a role to live up to",
        "steer children away from trouble",
    ),
    "aim_safety_messages": (
        "spread messages about staying safe online",
        "teach road and water safety",
        "pass crime prevention advice on to families",
    ),
}
#: Aims answers that the researcher could not code to any aim.
_AIM_UNCODED = (
    "not sure yet, it is early days",
    "it depends on the school",
    "fun activities for the children",
)

_ID_FORMATS = {
    "children_survey": "C{:04d}",
    "practitioner_survey": "PR{:03d}",
    "teacher_survey": "T{:03d}",
    "parent_survey": "PA{:03d}",
}


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------


def generate_demo_data(
    out_dir: Path | str,
    *,
    seed: int = DEFAULT_SEED,
    targets: Mapping[str, Mapping[str, Mapping[str, object]]] | None = None,
    calibrate: bool = True,
) -> dict[str, Path]:
    """Write the five synthetic raw files and the marker file into ``out_dir``.

    Parameters
    ----------
    out_dir : Path or str
        Folder to write into (created if missing). Files of the same names
        are overwritten; nothing else in the folder is touched.
    seed : int, default :data:`helpers.core.config.DEFAULT_SEED`
        Seed of ``numpy.random.default_rng``. The same seed gives
        byte-identical files.
    targets : mapping, optional
        Answer distributions in the shape of :data:`ANSWER_TARGETS`
        (the default), without touching the sample structure.
    calibrate : bool, default True
        Replace the distributions of every item the 2019 report gives
        figures for by exact counts that reproduce them
        (:func:`calibrated_targets`, reading the committed published table);
        ``targets`` remain the distributions of everything else.

    Returns
    -------
    dict of str to Path
        One entry per instrument name (``children_survey`` ...
        ``scheme_census``) and ``marker`` for the marker file.

    Raises
    ------
    ValueError
        If a target or constant does not fit the codebook (unknown column or
        force, wrong number of weights), a column of the codebook is not
        generated, or the calibration finds no counts for a published figure.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cb = load_codebook()
    targets = ANSWER_TARGETS if targets is None else targets
    _check_targets(cb, targets)
    if calibrate:
        targets = calibrated_targets(targets)
        _check_targets(cb, targets)
    rng = np.random.default_rng(seed)

    children, schools = _children(rng, cb, targets)
    tables = {
        "children_survey": children,
        "practitioner_survey": _practitioners(rng, cb, targets),
        "teacher_survey": _teachers(rng, cb, targets, schools),
        "parent_survey": _parents(rng, cb, targets, schools),
        "scheme_census": _census(cb),
    }
    # The qualitative files draw from their own stream, so they leave the surveys unchanged.
    qrng = np.random.default_rng([seed, 1])
    lead_forces = [row[0] for row in CENSUS_ACTIVE[:LEAD_INTERVIEW_FORCES]]
    for name, frame in (
        ("workshop_comments", workshop_comments(qrng, forces=CASE_STUDY_FORCES)),
        ("interview_excerpts", interview_excerpts(qrng, lead_forces=lead_forces,
                                                  case_study_forces=CASE_STUDY_FORCES)),
    ):
        tables[name] = {c: frame[c].to_numpy(dtype=object) for c in frame.columns}
    written: dict[str, Path] = {}
    for name in cb.instruments:
        path = out / f"{name}.csv"
        write_table(path, cb.instruments[name], tables[name])
        log.info("demo data: %s, %d rows", path.name, len(next(iter(tables[name].values()))))
        written[name] = path
    written["marker"] = write_marker(out, _marker_text(seed))
    return written


def generate_wave_demo(out_dir: Path | str, *, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """The demo data with the children's survey asked at baseline and follow-up (see :mod:`.waves`)."""
    from .waves import generate_wave_demo as with_waves

    return with_waves(out_dir, seed=seed)


# ---------------------------------------------------------------------------
# Allocation helpers
# ---------------------------------------------------------------------------


def _allocate(n: int, weights: Sequence[float]) -> np.ndarray:
    """Split ``n`` into integer counts proportional to ``weights`` (largest remainder).

    Ties in the remainders go to the earlier weight, so the result depends
    on nothing but the arguments.
    """
    w = np.asarray(weights, dtype=float)
    if n == 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=int)
    exact = n * w / w.sum()
    counts = np.floor(exact).astype(int)
    short = n - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def _assign(
    rng: np.random.Generator,
    values: Sequence[str],
    weights: Sequence[float],
    key: np.ndarray,
) -> np.ndarray:
    """Answers for ``len(key)`` respondents, with counts exactly proportional to ``weights``.

    ``values`` are the answers in order, optionally ending with ``""`` for
    "no answer" (its weight last). Unanswered respondents are chosen at
    random; the others receive ``values`` in order, highest ``key`` first
    (pass a random key for a random order).
    """
    n = len(key)
    counts = _allocate(n, weights)
    pool = np.repeat(np.asarray(values, dtype=object), counts)
    answered_values = pool[pool != ""]
    missing = rng.choice(n, size=n - len(answered_values), replace=False)
    answered = np.setdiff1d(np.arange(n), missing)
    out = np.full(n, "", dtype=object)
    order = np.argsort(-key[answered], kind="stable")
    out[answered[order]] = answered_values
    return out


def _split_counts(rng: np.random.Generator, total: int, parts: int, minimum: int) -> np.ndarray:
    """Split ``total`` into ``parts`` uneven counts, each at least ``minimum``."""
    if parts * minimum > total:
        raise ValueError(f"cannot give {parts} parts at least {minimum} each out of {total}")
    share = rng.dirichlet(np.full(parts, 2.0))
    return minimum + _allocate(total - parts * minimum, share)


def _positivity(rng: np.random.Generator, latent: np.ndarray) -> np.ndarray:
    """An item's sort key: the respondent's positivity plus item noise."""
    noise = rng.standard_normal(len(latent))
    return LATENT_LOADING * latent + np.sqrt(1 - LATENT_LOADING**2) * noise


def _text(rng: np.random.Generator, pool: Sequence[str], n: int, empty_share: float) -> np.ndarray:
    """``n`` free-text answers sampled from ``pool``, about ``empty_share`` of them empty."""
    out = np.asarray(rng.choice(pool, size=n), dtype=object)
    out[rng.random(n) < empty_share] = ""
    return out


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------


def _check_targets(cb: Codebook, targets: Mapping[str, Mapping[str, Mapping[str, object]]]) -> None:
    """Raise ``ValueError`` unless every target names a coded column and fits its scale."""
    for inst_name, items in targets.items():
        if inst_name not in cb.instruments:
            raise ValueError(f"demo targets: unknown instrument {inst_name!r}")
        inst = cb.instruments[inst_name]
        for col_name, groups in items.items():
            try:
                col = inst.column(col_name)
            except KeyError as exc:
                raise ValueError(f"demo targets: {exc.args[0]}") from None
            for group, weights in groups.items():
                if col.type == "integer":
                    if not isinstance(weights, Mapping):
                        raise ValueError(f"demo targets: {inst_name}.{col_name}[{group}] must map values to weights")
                    continue
                if col.type not in ("coded", "flag"):
                    raise ValueError(f"demo targets: {inst_name}.{col_name} is not a coded column or flag")
                n_codes = len(_FLAG_CODES) if col.type == "flag" else len(cb.scales[col.scale].codes)
                if len(weights) not in (n_codes, n_codes + 1):
                    raise ValueError(
                        f"demo targets: {inst_name}.{col_name}[{group}] has {len(weights)} weights; "
                        f"scale {col.scale!r} has {n_codes} codes (plus one optional for no answer)"
                    )


def _coded(
    rng: np.random.Generator,
    cb: Codebook,
    inst: Instrument,
    name: str,
    table: Mapping[str, np.ndarray],
    targets: Mapping[str, Mapping[str, object]],
    masks: Mapping[str, np.ndarray],
    latent: np.ndarray,
    *,
    key: np.ndarray | None = None,
) -> np.ndarray:
    """Answers to one coded column, group by group, following its targets.

    Only respondents the column applies to (``applies_if``) are asked.
    Ordinal items are handed out by respondent positivity (``latent`` plus
    item noise), or by ``key`` when given, so that answers hang together;
    nominal items are shuffled.
    """
    col = inst.column(name)
    scale = cb.scales[col.scale]
    asked = _asked(col, table, len(latent))
    out = np.full(len(latent), "", dtype=object)
    for group, weights in targets[name].items():
        if group not in masks:
            raise ValueError(f"demo targets: {inst.name}.{name}: unknown group {group!r} "
                             f"(expected one of {sorted(masks)})")
        rows = np.flatnonzero(masks[group] & asked)
        values = list(scale.codes) + ([""] if len(weights) > len(scale.codes) else [])
        if key is not None:
            sort_key = key[rows]
        elif scale.level == "ordinal":
            sort_key = _positivity(rng, latent[rows])
            if scale.name in _UNFAVOURABLE_FIRST:
                sort_key = -sort_key
        else:
            sort_key = rng.random(len(rows))
        out[rows] = _assign(rng, values, weights, key=sort_key)
    return out


def _fill_coded(
    rng: np.random.Generator,
    cb: Codebook,
    inst: Instrument,
    table: dict[str, np.ndarray],
    targets: Mapping[str, Mapping[str, object]],
    masks: Mapping[str, np.ndarray],
    latent: np.ndarray,
) -> None:
    """Add every coded column of ``inst`` that has targets and is not in ``table`` yet."""
    for col in inst.columns:
        if col.type == "coded" and col.name not in table and col.name in targets:
            table[col.name] = _coded(rng, cb, inst, col.name, table, targets, masks, latent)


def _asked(col: Column, table: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Rows to whom ``col`` applies (its ``applies_if`` rule, else everyone)."""
    mask = np.ones(n, dtype=bool)
    for other, code in (col.applies_if or {}).items():
        mask &= table[other] == code
    return mask


def _check_forces(cb: Codebook, names: Sequence[str]) -> None:
    """Raise ``ValueError`` unless every name is a canonical force of the codebook."""
    unknown = [f for f in names if f not in cb.forces]
    if unknown:
        raise ValueError(f"demo data: not canonical force names of the codebook: {unknown}")


# ---------------------------------------------------------------------------
# Calibration to the published numbers
# ---------------------------------------------------------------------------

#: Weight of a published figure's distance from its preferred count against a
#: category's distance from its :data:`ANSWER_TARGETS` share: the report's
#: figures come first, the plausible shares fill in the rest.
_PUBLISHED_WEIGHT = 1000.0
#: Most answers a calibrated item may leave blank, as a share of those asked
#: (a limit of this generator, not a figure of the report; the staff survey
#: needs up to 3 of 35, chapter 5).
MAX_BLANK_SHARE = 0.1
#: Codes of an aims flag in calibration order (published category ``yes`` is ``1``).
_FLAG_CODES = ("1", "0")


@dataclass(frozen=True)
class _Figure:
    """One published figure about one item: which groups and codes it adds up, and its value.

    ``groups`` are target groups (``mini_police``, ``non_mini_police``,
    ``all``); an ``all_children`` figure covers both children's groups.
    ``codes`` are indices into the item's codes. ``unit`` is ``count`` (the
    number answering) or ``percent`` (of the valid answers of ``groups``).
    """

    row_id: str
    groups: tuple[str, ...]
    codes: tuple[int, ...]
    unit: str
    kind: str
    value: Fraction | None
    low: Fraction | None
    high: Fraction | None
    half_width: Fraction
    base: int | None

    def bounds(self, base: int) -> tuple[int, int, Fraction | None]:
        """Fewest and most respondents, and the number to aim at, out of ``base`` valid answers.

        A point percentage allows the counts whose percentage rounds half
        up to the published value (as a spreadsheet rounds) and aims at the
        value itself. A range ``low``-``high`` is inclusive; a two-sided one
        ("about a third") aims at its midpoint, one reaching 0 or 100 ("most",
        "over 90 %") only bounds the item and aims at nothing.
        """
        if self.unit == "count":
            return int(self.value), int(self.value), self.value
        if self.kind == "range":
            lo, hi = self.low * base / 100, self.high * base / 100
            one_sided = self.low <= 0 or self.high >= 100
            return math.ceil(lo), math.floor(hi), None if one_sided else (lo + hi) / 2
        lo = (self.value - self.half_width) * base / 100
        hi = (self.value + self.half_width) * base / 100
        top = math.ceil(hi) - 1 if self.half_width > 0 else math.floor(hi)
        return math.ceil(lo), top, self.value * base / 100


def _fraction(value: object) -> Fraction | None:
    """A table value as an exact fraction (``28.3`` is 283/10), None if empty."""
    if value is None or pd.isna(value):
        return None
    return Fraction(str(value))


def _target_groups(inst: Instrument, group: str, fallback_groups: Sequence[str]) -> tuple[str, ...] | None:
    """The target groups a published group of ``inst`` covers (None: not this instrument's)."""
    spec = inst.groups
    if "by" not in spec:
        return ("all",) if group == spec["all"] else None
    if group in (spec["yes"], spec["no"]):
        return (group,)
    if group == spec["all"]:
        return ("all",) if "all" in fallback_groups else (spec["yes"], spec["no"])
    return None


def _item_figures(inst: Instrument, col: Column, codes: Sequence[str], rows: pd.DataFrame,
                  fallback_groups: Sequence[str]) -> list[_Figure]:
    """The published figures about one item (rows already restricted to checked results)."""
    figures = []
    for _, row in rows[rows["measure"].eq(col.measure)].iterrows():
        groups = _target_groups(inst, row["group"], fallback_groups)
        if groups is None:
            continue
        wanted = ["1" if c == "yes" and col.type == "flag" else c for c in categories(row["category"])]
        unknown = [c for c in wanted if c not in codes]
        if unknown:
            raise ValueError(f"published {row['id']}: {inst.name}.{col.name} has no code {unknown}")
        base = row.get("base")
        figures.append(_Figure(
            row_id=row["id"], groups=groups, codes=tuple(codes.index(c) for c in wanted),
            unit="count" if row["unit"] == "count" else "percent", kind=row["kind"],
            value=_fraction(row["value"]), low=_fraction(row["low"]), high=_fraction(row["high"]),
            half_width=Fraction(str(TOLERANCE.get(row["rounding"], 0.0))),
            base=None if base is None or pd.isna(base) else int(base),
        ))
    return figures


def _blank_options(groups: Sequence[str], asked: Mapping[str, int], fixed: Mapping[str, int],
                   max_share: float) -> Iterator[dict[str, int]]:
    """Blank counts per group, fewest blanks first (a published base fixes a group's count)."""
    ranges = []
    for g in groups:
        if g in fixed:
            ranges.append([asked[g] - fixed[g]])
        else:
            ranges.append(range(int(max_share * asked[g]) + 1))
    for combo in sorted(itertools.product(*ranges), key=lambda c: (sum(c), c)):
        yield dict(zip(groups, combo, strict=True))


def _atoms(figures: Sequence[_Figure], group: str, n_codes: int) -> list[list[int]]:
    """The codes of one group, in blocks that the figures only ever add up together.

    Two codes are in one block when every figure about the group counts
    both or neither; the figures fix block totals, never the split inside.
    """
    blocks: dict[tuple[int, ...], list[int]] = {}
    for c in range(n_codes):
        signature = tuple(i for i, fig in enumerate(figures) if group in fig.groups and c in fig.codes)
        blocks.setdefault(signature, []).append(c)
    return list(blocks.values())


def _solve_counts(figures: Sequence[_Figure], bases: Mapping[str, int],
                  shares: Mapping[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """Category counts per group that meet every figure, else None.

    First the block totals (:func:`_atoms`), by a small integer programme
    (``scipy.optimize.milp``): totals add up to each group's base and every
    figure lies within its bounds; among those, the totals nearest each
    figure's aim, then nearest the fallback shares (L1 distance). Then each
    block's total is split over its codes in proportion to the fallback
    shares (largest remainder).
    """
    groups = list(bases)
    n_codes = len(shares[groups[0]])
    blocks = {g: _atoms(figures, g, n_codes) for g in groups}
    index = [(g, b) for g in groups for b in range(len(blocks[g]))]
    n_x = len(index)
    n_var = 2 * n_x + len(figures)
    rows, lower, upper = [], [], []

    def add(coeffs: Mapping[int, float], lo: float, hi: float) -> None:
        row = np.zeros(n_var)
        for j, v in coeffs.items():
            row[j] = v
        rows.append(row)
        lower.append(lo)
        upper.append(hi)

    for g in groups:
        add({j: 1 for j, (h, _) in enumerate(index) if h == g}, bases[g], bases[g])
    for j, (g, b) in enumerate(index):
        target = shares[g][blocks[g][b]].sum() / shares[g].sum() * bases[g]
        add({j: 1, n_x + j: -1}, -np.inf, target)
        add({j: 1, n_x + j: 1}, target, np.inf)
    aims = np.zeros(len(figures))
    for i, fig in enumerate(figures):
        lo, hi, aim = fig.bounds(sum(bases[g] for g in fig.groups))
        if lo > hi:
            return None
        members = {j: 1 for j, (g, b) in enumerate(index)
                   if g in fig.groups and set(blocks[g][b]) <= set(fig.codes)}
        add(members, lo, hi)
        if aim is not None:
            aims[i] = _PUBLISHED_WEIGHT
            add({**members, 2 * n_x + i: -1}, -np.inf, float(aim))
            add({**members, 2 * n_x + i: 1}, float(aim), np.inf)
    cost = np.concatenate([np.zeros(n_x), np.ones(n_x), aims])
    integrality = np.concatenate([np.ones(n_x), np.zeros(n_x + len(figures))])
    result = milp(cost, constraints=LinearConstraint(np.array(rows), lower, upper),
                  integrality=integrality, bounds=Bounds(0, np.inf))
    if not result.success:
        return None
    totals = np.round(result.x[:n_x]).astype(int)
    out = {g: np.zeros(n_codes, dtype=int) for g in groups}
    for j, (g, b) in enumerate(index):
        codes = blocks[g][b]
        weights = shares[g][codes] if shares[g][codes].sum() > 0 else np.ones(len(codes))
        out[g][codes] = _allocate(int(totals[j]), weights)
    return out


def _calibrate_item(name: str, figures: Sequence[_Figure], asked: Mapping[str, int],
                    shares: Mapping[str, np.ndarray], max_blank_share: float) -> dict[str, tuple[int, ...]]:
    """Exact counts (codes in order, then blanks) for the groups the figures are about.

    Tries no blanks first, then ever more, up to ``max_blank_share`` of
    those asked; a group whose figure states its base gets exactly that
    many valid answers.
    """
    groups = sorted({g for fig in figures for g in fig.groups})
    fixed = {fig.groups[0]: fig.base for fig in figures if fig.base is not None and len(fig.groups) == 1}
    for g, base in fixed.items():
        if base > asked[g]:
            raise ValueError(f"demo calibration: {name}[{g}]: published base {base} > {asked[g]} asked")
    for blanks in _blank_options(groups, asked, fixed, max_blank_share):
        bases = {g: asked[g] - blanks[g] for g in groups}
        counts = _solve_counts(figures, bases, {g: shares[g] for g in groups})
        if counts is not None:
            return {g: (*(int(v) for v in counts[g]), blanks[g]) for g in groups}
    ids = sorted(fig.row_id for fig in figures)
    raise ValueError(f"demo calibration: no counts for {name} meet the published figures {ids}")


def _asked_sizes() -> dict[str, dict[str, int]]:
    """Respondents per instrument and target group, from the sample constants."""
    n_mp = sum(mp for mp, _, _ in CHILD_SAMPLE.values())
    n_other = sum(other for _, other, _ in CHILD_SAMPLE.values())
    return {
        "children_survey": {_MP: n_mp, _NMP: n_other, "all": n_mp + n_other},
        "practitioner_survey": {"all": sum(PRACTITIONER_SAMPLE.values())},
        "teacher_survey": {"all": sum(staff for staff, _ in TEACHER_SAMPLE.values())},
        "parent_survey": {"all": sum(parents for parents, _ in PARENT_SAMPLE.values())},
    }


def _checked_results(published: pd.DataFrame) -> pd.DataFrame:
    """Published rows the results should reproduce (``target = results``; ``check = data`` if present).

    Rows the table marks as contradictions cannot all be met and are left out.
    """
    rows = published[published["target"].eq("results")]
    if "check" in rows:
        rows = rows[rows["check"].eq("data")]
    return rows


def calibrated_targets(
    targets: Mapping[str, Mapping[str, Mapping[str, object]]] | None = None,
    published: pd.DataFrame | None = None,
    *,
    max_blank_share: float = MAX_BLANK_SHARE,
) -> dict[str, dict[str, dict[str, object]]]:
    """Answer targets whose counts reproduce the published figures.

    Parameters
    ----------
    targets : mapping, optional
        Fallback distributions in the shape of :data:`ANSWER_TARGETS` (the
        default); items and groups without published figures keep them.
    published : pandas.DataFrame, optional
        The published numbers (default :func:`helpers.report.reproduction.load_published`).
        Rows with ``target = results`` (and ``check = data`` where the column
        exists) are used.
    max_blank_share : float
        Most answers of a calibrated item left blank, as a share of those asked.

    Returns
    -------
    dict
        A copy of ``targets`` in which every (item, group) the report gives
        figures for holds exact counts: one per code of the scale, then the
        number left blank. Aims flags get an entry ``{"all": (coded, not
        coded, 0)}``; the default for the others is :data:`AIM_FLAG_SHARES`.

    Raises
    ------
    ValueError
        A published category is not a code of its item, a published base is
        larger than the sample, or no counts meet an item's figures.
    """
    cb = load_codebook()
    base_targets = ANSWER_TARGETS if targets is None else targets
    out = copy.deepcopy({k: dict(v) for k, v in base_targets.items()})
    rows = _checked_results(load_published() if published is None else published)
    n_items, used = 0, set()
    for inst_name, asked in _asked_sizes().items():
        inst = cb.instruments[inst_name]
        items = out.setdefault(inst_name, {})
        for col in inst.columns:
            if col.type == "flag":
                codes = _FLAG_CODES
                share = AIM_FLAG_SHARES.get(inst_name, {}).get(col.name, 0.5)
                fallback: Mapping[str, object] = items.get(col.name, {"all": (share, 1 - share)})
            elif col.type == "coded" and col.name in items:
                codes = cb.scales[col.scale].codes
                fallback = items[col.name]
            else:
                continue
            figures = _item_figures(inst, col, codes, rows, list(fallback))
            if not figures:
                continue
            shares = {g: np.asarray(fallback.get(g, np.ones(len(codes))), dtype=float)[: len(codes)]
                      for g in asked}
            limit = 0.0 if col.type == "flag" else max_blank_share
            counts = _calibrate_item(f"{inst_name}.{col.name}", figures, asked, shares, limit)
            items[col.name] = {**fallback, **counts}
            n_items += 1
            used.update(fig.row_id for fig in figures)
            log.debug("demo calibration: %s.%s %s from %s", inst_name, col.name, counts,
                      ", ".join(sorted(fig.row_id for fig in figures)))
    log.info("demo calibration: %d items calibrated to %d published figures", n_items, len(used))
    return out


# ---------------------------------------------------------------------------
# Instruments
# ---------------------------------------------------------------------------


def _children(
    rng: np.random.Generator, cb: Codebook, targets: Mapping[str, Mapping[str, Mapping[str, object]]]
) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """The children's survey, and the school ids of each force it uses."""
    inst = cb.instruments["children_survey"]
    items = targets.get(inst.name, {})
    _check_forces(cb, list(CHILD_SAMPLE))
    yes, no = cb.scales[inst.column("mini_police").scale].codes

    # Who: force, school and mini-police membership, then shuffled row order.
    force, school, member, schools = [], [], [], {}
    next_school = 1
    for name, (n_mp, n_other, n_schools) in CHILD_SAMPLE.items():
        ids = [f"S{next_school + i:02d}" for i in range(n_schools)]
        next_school += n_schools
        schools[name] = ids
        n = n_mp + n_other
        sizes = _split_counts(rng, n, n_schools, MIN_CHILDREN_PER_SCHOOL)
        force += [name] * n
        school += list(np.repeat(ids, sizes))
        member += list(rng.permutation([yes] * n_mp + [no] * n_other))
    order = rng.permutation(len(force))
    n = len(force)
    table: dict[str, np.ndarray] = {
        inst.id: np.asarray([_ID_FORMATS[inst.name].format(i + 1) for i in range(n)], dtype=object),
        "force": np.asarray(force, dtype=object)[order],
        "school_id": np.asarray(school, dtype=object)[order],
        "mini_police": np.asarray(member, dtype=object)[order],
    }
    is_mp = table["mini_police"] == yes
    group_names = inst.groups
    masks = {group_names[yes]: is_mp, group_names[no]: ~is_mp, "all": np.ones(n, dtype=bool)}
    latent = rng.standard_normal(n)

    # Demographics: year group, then an age that fits it.
    years = _integer(rng, items["year_group"]["all"], n)
    table["year_group"] = years
    table["age"] = _ages(rng, years)

    # Enjoyment: the children who did not enjoy it are those who enjoyed least.
    table["enjoyed_amount"] = _coded(rng, cb, inst, "enjoyed_amount", table, items, masks, latent)
    amount_codes = cb.scales[inst.column("enjoyed_amount").scale].codes
    fondness = np.array([-amount_codes.index(v) if v else -len(amount_codes) / 2
                         for v in table["enjoyed_amount"]])
    table["enjoyed"] = _coded(rng, cb, inst, "enjoyed", table, items, masks, latent,
                              key=fondness + 0.01 * rng.random(n))
    _fill_coded(rng, cb, inst, table, items, masks, latent)

    # Free text.
    asked_mp = _asked(inst.column("enjoyed_most"), table, n)
    # What each child enjoyed most is written to match the theme it is coded with.
    most = np.full(n, "", dtype=object)
    most[asked_mp] = enjoyed_most_text(rng, [v or None for v in table["enjoyed_most_theme"][asked_mp]])
    table["enjoyed_most"] = most
    least = np.full(n, "", dtype=object)
    least[asked_mp] = _text(rng, _ENJOYED_LEAST, int(asked_mp.sum()), TEXT_EMPTY_SHARE["enjoyed_least"])
    table["enjoyed_least"] = least
    if set(_GOOD_JOB_WHY) != set(cb.scales[inst.column("police_good_job").scale].codes):
        raise ValueError("demo data: _GOOD_JOB_WHY must cover every code of police_good_job")
    why = np.full(n, "", dtype=object)
    for answer, pool in _GOOD_JOB_WHY.items():
        rows = table["police_good_job"] == answer
        why[rows] = _text(rng, pool, int(rows.sum()), TEXT_EMPTY_SHARE["police_good_job_why"])
    table["police_good_job_why"] = why

    table.update(_ranks(rng, inst, n))
    return table, schools


def _integer(rng: np.random.Generator, weights: Mapping[int | None, float], n: int) -> np.ndarray:
    """Integer answers with exact counts, in random order (None = no answer)."""
    values = [("" if v is None else str(v)) for v in weights]
    return _assign(rng, values, list(weights.values()), key=rng.random(n))


def _ages(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    """An age for each child that fits the year group (empty if the year is)."""
    out = np.full(len(years), "", dtype=object)
    for year, ages in AGE_BY_YEAR_GROUP.items():
        rows = np.flatnonzero(years == str(year))
        values = [str(a) for a in ages]
        out[rows] = _assign(rng, values, list(ages.values()), key=rng.random(len(rows)))
    return out


def _ranks(rng: np.random.Generator, inst: Instrument, n: int) -> dict[str, np.ndarray]:
    """The ranking items: a permutation of 1..6 per child, all empty for a few."""
    columns = inst.rank_sets["rank"]
    if set(columns) != set(RANK_STRENGTH):
        raise ValueError(f"demo data: RANK_STRENGTH must cover exactly {columns}")
    strength = np.array([RANK_STRENGTH[c] for c in columns])
    utility = strength + rng.gumbel(size=(n, len(columns)))
    ranks = np.argsort(np.argsort(-utility, axis=1), axis=1) + 1
    skipped = rng.choice(n, size=RANK_SKIPPED, replace=False)
    out = {}
    for j, name in enumerate(columns):
        col = np.asarray([str(r) for r in ranks[:, j]], dtype=object)
        col[skipped] = ""
        out[name] = col
    return out


def _aims(
    rng: np.random.Generator, inst: Instrument, n: int, targets: Mapping[str, Mapping[str, object]]
) -> dict[str, np.ndarray]:
    """Coded aims flags with exact counts, and free text that matches them.

    A flag with targets (``{"all": (coded, not coded[, blank])}``, as the
    calibration gives) is coded for exactly that share of the respondents;
    otherwise :data:`AIM_FLAG_SHARES` gives the share.
    """
    flags = [c.name for c in inst.columns if c.type == "flag"]
    shares = AIM_FLAG_SHARES[inst.name]
    if set(flags) != set(shares) or set(flags) != set(_AIM_PHRASES):
        raise ValueError(f"demo data: aims shares and phrases must cover exactly {flags}")
    table: dict[str, np.ndarray] = {}
    matrix = np.zeros((n, len(flags)), dtype=int)
    for j, flag in enumerate(flags):
        if flag in targets:
            n_coded = int(_allocate(n, list(targets[flag]["all"])[: len(_FLAG_CODES)])[0])
        else:
            n_coded = round(shares[flag] * n)
        chosen = rng.permutation(n)[:n_coded]
        matrix[chosen, j] = 1
        table[flag] = np.asarray([str(v) for v in matrix[:, j]], dtype=object)
    text = []
    for row in matrix:
        phrases = [str(rng.choice(_AIM_PHRASES[f])) for f, on in zip(flags, row, strict=True) if on]
        if not phrases:
            phrases = [str(rng.choice(_AIM_UNCODED))]
        sentence = "; ".join(phrases)
        text.append(sentence[0].upper() + sentence[1:])
    table["aims"] = np.asarray(text, dtype=object)
    return table


def _practitioners(
    rng: np.random.Generator, cb: Codebook, targets: Mapping[str, Mapping[str, Mapping[str, object]]]
) -> dict[str, np.ndarray]:
    """The practitioner survey."""
    inst = cb.instruments["practitioner_survey"]
    _check_forces(cb, list(PRACTITIONER_SAMPLE))
    force = np.asarray([f for f, k in PRACTITIONER_SAMPLE.items() for _ in range(k)], dtype=object)
    n = len(force)
    table = {
        inst.id: np.asarray([_ID_FORMATS[inst.name].format(i + 1) for i in range(n)], dtype=object),
        "force": force[rng.permutation(n)],
    }
    table.update(_aims(rng, inst, n, targets.get(inst.name, {})))
    _fill_coded(rng, cb, inst, table, targets.get(inst.name, {}),
                {"all": np.ones(n, dtype=bool)}, rng.standard_normal(n))
    return table


def _teachers(
    rng: np.random.Generator,
    cb: Codebook,
    targets: Mapping[str, Mapping[str, Mapping[str, object]]],
    child_schools: Mapping[str, list[str]],
) -> dict[str, np.ndarray]:
    """The teacher survey: the children's schools of each force first, then further schools."""
    inst = cb.instruments["teacher_survey"]
    _check_forces(cb, list(TEACHER_SAMPLE))
    next_school = 1 + sum(len(v) for v in child_schools.values())
    force, school = [], []
    for name, (n_staff, n_schools) in TEACHER_SAMPLE.items():
        ids = list(child_schools.get(name, []))[:n_schools]
        while len(ids) < n_schools:
            ids.append(f"S{next_school:02d}")
            next_school += 1
        sizes = _split_counts(rng, n_staff, n_schools, 1)
        force += [name] * n_staff
        school += list(np.repeat(ids, sizes))
    n = len(force)
    order = rng.permutation(n)
    table = {
        inst.id: np.asarray([_ID_FORMATS[inst.name].format(i + 1) for i in range(n)], dtype=object),
        "force": np.asarray(force, dtype=object)[order],
        "school_id": np.asarray(school, dtype=object)[order],
    }
    table.update(_aims(rng, inst, n, targets.get(inst.name, {})))
    _fill_coded(rng, cb, inst, table, targets.get(inst.name, {}),
                {"all": np.ones(n, dtype=bool)}, rng.standard_normal(n))
    return table


def _parents(
    rng: np.random.Generator,
    cb: Codebook,
    targets: Mapping[str, Mapping[str, Mapping[str, object]]],
    child_schools: Mapping[str, list[str]],
) -> dict[str, np.ndarray]:
    """The parent survey, from some of the children's schools; a few leave force empty."""
    inst = cb.instruments["parent_survey"]
    _check_forces(cb, list(PARENT_SAMPLE))
    force, school = [], []
    for name, (n_parents, n_schools) in PARENT_SAMPLE.items():
        available = child_schools[name]
        ids = sorted(rng.choice(available, size=n_schools, replace=False))
        sizes = _split_counts(rng, n_parents, n_schools, 1)
        force += [name] * n_parents
        school += list(np.repeat(ids, sizes))
    n = len(force)
    order = rng.permutation(n)
    force_col = np.asarray(force, dtype=object)[order]
    force_col[rng.choice(n, size=PARENT_FORCE_EMPTY, replace=False)] = ""
    table = {
        inst.id: np.asarray([_ID_FORMATS[inst.name].format(i + 1) for i in range(n)], dtype=object),
        "school_id": np.asarray(school, dtype=object)[order],
        "force": force_col,
        "learned": _text(rng, _LEARNED, n, TEXT_EMPTY_SHARE["learned"]),
        "improve": _text(rng, _IMPROVE, n, TEXT_EMPTY_SHARE["improve"]),
    }
    _fill_coded(rng, cb, inst, table, targets.get(inst.name, {}),
                {"all": np.ones(n, dtype=bool)}, rng.standard_normal(n))
    return table


def _census(cb: Codebook) -> dict[str, np.ndarray]:
    """The scheme census: fixed values (no randomness), one row per force in codebook order."""
    inst = cb.instruments["scheme_census"]
    active, planned = cb.scales[inst.column("status").scale].codes
    rows = {
        force: (active, schools, children, units, cycles, social, safeguarding, after)
        for force, schools, children, units, cycles, social, safeguarding, after in CENSUS_ACTIVE
    }
    for force, units in CENSUS_PLANNED.items():
        rows[force] = (planned, 0, 0, units, None, None, None, None)
    _check_forces(cb, list(rows))
    names = ("status", "schools", "children", "planned_units", "cycles_per_year",
             "social_action", "safeguarding", "after_school")
    ordered = [f for f in cb.forces if f in rows]
    table = {"force": np.asarray(ordered, dtype=object)}
    for j, name in enumerate(names):
        table[name] = np.asarray(["" if rows[f][j] is None else str(rows[f][j]) for f in ordered],
                                 dtype=object)
    return table


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def _marker_text(seed: int) -> str:
    """The marker file: what these files are and are not."""
    return f"""# Synthetic demonstration data

The raw files in this folder were made up by a program: `minipolice
demo-data` wrote them with seed {seed}. They are **not** the data of the
2019 national evaluation of the Mini-Police, and no row describes a real
child, parent, teacher, officer, school or force.

- The instruments, the columns and the shape of the samples (how many
  children, schools, practitioners, teachers and parents, and how the scheme
  census adds up) follow the 2019 national evaluation.
- How respondents and schools are spread across forces, and each force's
  figures in the scheme census, are illustrative wherever the report gives
  only a total.
- Answer counts are chosen so that the percentages and counts the report
  publishes are reproduced to its rounding (where its figures agree with
  one another); answers it does not publish are plausible guesses.
- Free-text answers, workshop comments and interview excerpts were written
  for this project, not taken from any respondent or from the report. A few
  excerpts carry a made-up name, school, e-mail address or telephone number
  (reserved, fictional ranges) so that redaction can be tested.

Regenerate the files with `minipolice demo-data --out DIR --seed {seed}`;
the same seed gives the same bytes. While this file is present, the report
is labelled as built from synthetic data.
"""
