"""Synthetic baseline and follow-up answers with a known difference in differences.

One job: make a children's survey asked twice (``minipolice demo-data
--waves``), so the change chapter, ``change.csv`` and ``did.csv`` can be
built and checked without anyone's data. Like the rest of the demo data the
answers are made up by this program, deterministic for a seed, and labelled
synthetic (the marker file says how they were drawn).

The model (docs/waves-and-years.md), per child and item, independently:

* agreement and safety items: the baseline score is 2, 3 or 4 (agree,
  neither, disagree) with probabilities ``0.3 + a``, ``0.4``, ``0.3 - a``,
  ``a`` a school's own lean drawn uniformly in [-0.15, 0.15]; the follow-up
  score is the baseline score minus 1 (more agreement), plus 1, or the same,
  with the probabilities :data:`SCORED_STEP` of the child's group, shifted
  by a school's shock ``c`` (uniform in [-0.03, 0.03]: ``P(-1) + c``,
  ``P(+1) - c``). Scores stay within 1-5, so the expected change of a group
  is ``P(+1) - P(-1)`` averaged over schools.
* yes/no items (``yes`` against any other answer): ``yes`` at baseline with
  probability :data:`BASELINE_YES`; between waves a ``no`` turns ``yes`` and
  a ``yes`` turns ``no`` with the probabilities :data:`YES_SWITCH` of the group.

:data:`TRUE_DID` is the resulting true difference in differences (mini-police
children's expected change minus the other children's) on the score scale of
``design.csv``: negative for scored items (lower = more agreement).
Each child answers in both waves, only at baseline (:data:`ONLY_BASELINE`) or
only at follow-up (:data:`ONLY_FOLLOW_UP`), at random.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.change import BASELINE, FOLLOW_UP, change_items
from helpers.core.codebook import load_codebook
from helpers.core.config import DEFAULT_SEED

__all__ = ["SCORED_STEP", "YES_SWITCH", "BASELINE_YES", "ONLY_BASELINE", "ONLY_FOLLOW_UP", "TRUE_DID", "SURVEY_YEAR",
           "true_did", "demo_population", "simulate_waves", "generate_wave_demo"]

log = logging.getLogger(__name__)

#: Per group (1 mini-police, 0 other children): probabilities of a step of -1 and +1 on the agreement score.
SCORED_STEP = {1: (0.35, 0.05), 0: (0.20, 0.10)}
#: Per group: probabilities that ``no`` becomes ``yes`` and that ``yes`` becomes ``no`` between the waves.
YES_SWITCH = {1: (0.30, 0.05), 0: (0.10, 0.10)}
#: Probability of ``yes`` at baseline (both groups).
BASELINE_YES = 0.4
#: Shares of children answering only at baseline and only at follow-up.
ONLY_BASELINE, ONLY_FOLLOW_UP = 0.12, 0.05
#: Survey year of both waves of the demo.
SURVEY_YEAR = 2025
_SCHOOL_LEAN, _SCHOOL_SHOCK = 0.15, 0.03


def true_did(kind: str) -> float:
    """The true difference in differences of the model for an item scored ``scored`` or ``yes``.

    >>> round(true_did("scored"), 10), round(true_did("yes"), 10)
    (-0.2, 0.14)
    """
    if kind == "scored":
        change = {g: up - down for g, (down, up) in SCORED_STEP.items()}
    else:
        change = {g: (1 - BASELINE_YES) * to_yes - BASELINE_YES * to_no for g, (to_yes, to_no) in YES_SWITCH.items()}
    return change[1] - change[0]


#: True difference in differences per kind of item.
TRUE_DID = {"scored": true_did("scored"), "yes": true_did("yes")}


def demo_population(seed: int = DEFAULT_SEED, *, schools: int = 26, per_school: int = 14) -> pd.DataFrame:
    """A small synthetic population of children (id, force, school, group) for simulations.

    Each school's share of mini-police children is drawn uniformly between
    0.2 and 0.8, so the groups are spread unevenly over schools.
    """
    rng = np.random.default_rng([seed, 17])
    school = np.repeat([f"S{i + 1:02d}" for i in range(schools)], per_school)
    share = np.repeat(rng.uniform(0.2, 0.8, schools), per_school)
    mp = np.where(rng.random(len(school)) < share, "yes", "no")
    return pd.DataFrame({"respondent_id": [f"C{i + 1:04d}" for i in range(len(school))], "force": "Durham",
                         "school_id": school, "mini_police": mp})


def simulate_waves(population: pd.DataFrame | None = None, *, seed: int = DEFAULT_SEED,
                   year: int = SURVEY_YEAR, items: list[str] | None = None) -> pd.DataFrame:
    """Baseline and follow-up rows for each child of ``population`` (see the module docstring).

    Parameters
    ----------
    population : pandas.DataFrame, optional
        One row per child with at least ``respondent_id``, ``school_id`` and
        ``mini_police`` (``yes``/``no``); other columns are copied into both
        waves, except items asked only of mini-police children and free
        text, which are left empty at baseline. Default :func:`demo_population`.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same rows.
    year : int
        The ``year`` of both waves.
    items : list of str, optional
        The items to draw (default every item of :func:`helpers.core.change.change_items`); each item draws
        from its own stream, so an item's answers do not depend on which others are drawn.

    Returns
    -------
    pandas.DataFrame
        The population's columns (``respondent_id`` renumbered per wave),
        the change items (codes) and ``wave``, ``year``, ``child_key``; baseline rows first.
    """
    cb = load_codebook()
    inst = cb.instruments["children_survey"]
    pop = (demo_population(seed) if population is None else population).reset_index(drop=True)
    rng = np.random.default_rng([seed, 2])
    n = len(pop)
    mp = pop["mini_police"].astype(str).eq("yes").to_numpy()
    schools, school_code = np.unique(pop["school_id"].astype(str).to_numpy(), return_inverse=True)
    lean = rng.uniform(-_SCHOOL_LEAN, _SCHOOL_LEAN, len(schools))[school_code]
    shock = rng.uniform(-_SCHOOL_SHOCK, _SCHOOL_SHOCK, len(schools))[school_code]
    down = np.where(mp, SCORED_STEP[1][0], SCORED_STEP[0][0]) + shock
    up = np.where(mp, SCORED_STEP[1][1], SCORED_STEP[0][1]) - shock
    to_yes = np.where(mp, YES_SWITCH[1][0], YES_SWITCH[0][0])
    to_no = np.where(mp, YES_SWITCH[1][1], YES_SWITCH[0][1])
    base, follow = {}, {}
    for item in items if items is not None else change_items(cb):
        scale = cb.scales[inst.column(item).scale]
        rng = np.random.default_rng([seed, 2, change_items(cb).index(item)])
        if scale.scores is not None:
            u = rng.random(n)
            b = np.where(u < 0.3 + lean, 2, np.where(u < 0.7 + lean, 3, 4))
            v = rng.random(n)
            f = b - (v < down) + (v > 1 - up)
            base[item] = np.asarray(scale.codes, dtype=object)[b - 1]
            follow[item] = np.asarray(scale.codes, dtype=object)[f - 1]
        else:
            others = np.asarray([c for c in scale.codes if c != "yes"], dtype=object)
            b = rng.random(n) < BASELINE_YES
            v = rng.random(n)
            f = np.where(b, v >= to_no, v < to_yes)
            base[item] = np.where(b, "yes", others[rng.integers(0, len(others), n)])
            follow[item] = np.where(f, "yes", others[rng.integers(0, len(others), n)])
    rng = np.random.default_rng([seed, 3])
    u = rng.random(n)
    in_base, in_follow = u >= ONLY_FOLLOW_UP, u < 1 - ONLY_BASELINE
    keys = np.array([f"K{k:05d}" for k in rng.choice(90000, n, replace=False) + 10000], dtype=object)
    later_only = [c.name for c in inst.columns if c.applies_if or c.type == "free_text"]
    frames = []
    for wave, answers, present, prefix in ((BASELINE, base, in_base, "B"), (FOLLOW_UP, follow, in_follow, "F")):
        frame = pop[present].copy()
        for item, codes in answers.items():
            frame[item] = codes[present]
        if wave == BASELINE:
            for name in later_only:
                if name in frame:
                    frame[name] = ""
        frame["wave"], frame["year"], frame["child_key"] = wave, year, keys[present]
        frame = frame.iloc[rng.permutation(len(frame))]
        frame["respondent_id"] = [f"{prefix}{i + 1:04d}" for i in range(len(frame))]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def generate_wave_demo(out_dir: Path | str, *, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write the synthetic demo data set with a children's survey asked twice.

    Every file is the demo of :func:`.generate.generate_demo_data` with the
    same seed, except ``children_survey.csv``: its children answer at baseline
    and at follow-up (:func:`simulate_waves`), with ``wave``, ``year`` and
    ``child_key`` columns. The marker file says the data are synthetic and how
    the change was drawn.
    """
    from .generate import generate_demo_data

    out = Path(out_dir)
    written = generate_demo_data(out, seed=seed)
    path = written["children_survey"]
    population = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = simulate_waves(population, seed=seed)
    columns = [c.name for c in load_codebook().instruments["children_survey"].columns]
    frame = frame[[c for c in columns if c in frame]]
    frame.to_csv(path, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    marker = written["marker"]
    marker.write_text(marker.read_text(encoding="utf-8") + _WAVES_NOTE.format(
        year=SURVEY_YEAR, scored=TRUE_DID["scored"], yes=TRUE_DID["yes"]), encoding="utf-8", newline="\n")
    log.info("demo data with waves: %s, %d rows (baseline and follow-up)", path.name, len(frame))
    return written


_WAVES_NOTE = """
## Baseline and follow-up (`--waves`)

This folder was written with `--waves`: the children's survey is asked twice
in {year}, at `baseline` and at `follow_up`, and `child_key` links a child's two
answers. These answers are made up too. Between the waves each answer moves by a
random step whose chance depends on the child's group, so the true difference in
differences is known: {scored:+.2f} on the agreement and safety scores
(1 = strongly agree, so negative means more agreement) and {yes:+.2f} on the
share answering yes to the yes/no questions (`definitions/demo/waves.py`).
"""
