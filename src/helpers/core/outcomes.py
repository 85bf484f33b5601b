"""The analysis plan as data: aims, activities, outcomes, families and smallest effects of interest.

One job: read ``outcomes.yml`` (beside the codebook) and hand its content
to the statistics and the book as tidy tables.

* :func:`load_outcomes` reads and checks the file (every item a children's
  item asked of both groups, at most once; every primary item with an
  expected direction and a smallest effect of interest).
* :func:`item_plan` is one row per item: outcome, family, direction, SESOI.
* :func:`logic_model` is the logic model as a table of links
  (aim -> activity -> outcome -> item), the data of the methods appendix's
  diagram.
* :func:`content_hash` is the SHA-256 of the file without its ``changed:``
  line; the file records that hash next to the date it last changed, and a
  test fails when the two disagree, so nobody edits the plan without
  dating the edit. ``python -m helpers.core.outcomes --stamp`` records today's
  date and the current hash after a deliberate change.

Examples
--------
>>> plan = item_plan()
>>> sorted(plan.loc[plan["family"] == "primary", "measure"])
['att_trust', 'att_work_well', 'safe_outside']
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import re
from pathlib import Path

import pandas as pd
import yaml

from helpers.core.config import DEFINITIONS_DIR

__all__ = ["OUTCOMES_PATH", "FAMILIES", "load_outcomes", "content_hash", "file_sha256", "item_plan", "logic_model",
           "departures", "families", "stamp"]

log = logging.getLogger(__name__)

#: The packaged plan, beside the codebook.
OUTCOMES_PATH = DEFINITIONS_DIR / "outcomes.yml"

#: Outcome families, in order; Holm's correction runs within each.
FAMILIES = ("primary", "secondary", "exploratory")

#: The keys of each aim and activity entry.
_KEYS = {"aims": {"id", "flag", "label"}, "activities": {"id", "census", "label"}}

_CHANGED = re.compile(r"^changed:.*(?:\r?\n|$)", flags=re.MULTILINE)


def content_hash(path: str | Path = OUTCOMES_PATH) -> str:
    """SHA-256 of the file's bytes with its one ``changed:`` line left out."""
    text = Path(path).read_bytes().decode("utf-8")
    return hashlib.sha256(_CHANGED.sub("", text).encode("utf-8")).hexdigest()


def file_sha256(path: str | Path = OUTCOMES_PATH) -> str:
    """SHA-256 of the whole file, as ``manifest.json`` records it."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_outcomes(path: str | Path | None = None, *, items: list[str] | None = None) -> dict:
    """Read and check ``outcomes.yml``.

    Parameters
    ----------
    path : path, optional
        Defaults to the packaged :data:`OUTCOMES_PATH`.
    items : list of str, optional
        The children's items asked of both groups (``stats.comparable_items``);
        when given, every item of the plan must be one of them.

    Returns
    -------
    dict
        The parsed file.

    Raises
    ------
    ValueError
        An item listed twice or unknown, an unknown family, aim or activity,
        or a primary item without ``direction`` and a positive ``sesoi``.
    """
    path = Path(path) if path is not None else OUTCOMES_PATH
    plan = yaml.safe_load(path.read_text(encoding="utf-8"))
    for section, keys in _KEYS.items():
        for entry in plan.get(section, []):
            # A flow mapping with an unquoted comma in a label splits it into a stray key: refuse it.
            if set(entry) != keys:
                raise ValueError(f"{path.name}: {section} entry {entry.get('id')!r} has keys {sorted(entry)}; "
                                 f"expected {sorted(keys)} (quote labels that contain a comma)")
    aims = {a["id"] for a in plan.get("aims", [])}
    activities = {a["id"] for a in plan.get("activities", [])}
    seen: set[str] = set()
    for outcome in plan.get("outcomes", []):
        for key, known in (("aims", aims), ("activities", activities)):
            unknown = set(outcome.get(key, [])) - known
            if unknown:
                raise ValueError(f"{path.name}: outcome {outcome['id']!r} names unknown {key} {sorted(unknown)}")
        for entry in outcome.get("items", []):
            item = entry["item"]
            if item in seen:
                raise ValueError(f"{path.name}: item {item!r} is listed twice")
            seen.add(item)
            if items is not None and item not in items:
                raise ValueError(f"{path.name}: item {item!r} is not a children's item asked of both groups")
            if entry.get("family") not in FAMILIES:
                raise ValueError(f"{path.name}: item {item!r} has family {entry.get('family')!r}; "
                                 f"use one of {', '.join(FAMILIES)}")
            if entry["family"] == "primary" and (entry.get("direction") not in ("lower", "higher")
                                                 or not float(entry.get("sesoi") or 0) > 0):
                raise ValueError(f"{path.name}: primary item {item!r} needs direction (lower|higher) and sesoi > 0")
    return plan


def item_plan(plan: dict | None = None) -> pd.DataFrame:
    """One row per planned item.

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``outcome`` (its id), ``outcome_label``, ``family``,
        ``direction`` (``lower``/``higher``: the sign of programme group minus
        other children the programme's aims lead one to expect; empty
        outside the primary family), ``sesoi`` (smallest effect of interest
        on the item's score scale; NaN outside the primary family).
    """
    plan = plan if plan is not None else load_outcomes()
    rows = []
    for outcome in plan.get("outcomes", []):
        for entry in outcome.get("items", []):
            rows.append({"measure": entry["item"], "outcome": outcome["id"], "outcome_label": outcome["label"],
                         "family": entry["family"], "direction": entry.get("direction", ""),
                         "sesoi": float(entry["sesoi"]) if entry.get("sesoi") is not None else float("nan")})
    return pd.DataFrame(rows, columns=["measure", "outcome", "outcome_label", "family", "direction", "sesoi"])


def families(measures: list[str], plan: dict | None = None) -> pd.Series:
    """The family of each measure; items the plan does not list are exploratory (logged)."""
    known = item_plan(plan).set_index("measure")["family"]
    out = pd.Series([known.get(m, "exploratory") for m in measures], index=measures, name="family")
    unlisted = [m for m in measures if m not in known.index]
    if unlisted:
        log.warning("outcomes: %d items not in outcomes.yml counted as exploratory: %s", len(unlisted),
                    ", ".join(unlisted))
    return out


def logic_model(plan: dict | None = None, *, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """The logic model as a table of links between its four columns.

    Parameters
    ----------
    plan : dict, optional
        Parsed ``outcomes.yml``.
    labels : dict, optional
        Item labels (measure -> question text); the measure name otherwise.

    Returns
    -------
    pandas.DataFrame
        One row per (aim, activity, outcome, item) link: ``aim``,
        ``activity``, ``outcome``, ``item``, ``family``; labels, not ids.
    """
    plan = plan if plan is not None else load_outcomes()
    labels = labels or {}
    aims = {a["id"]: a["label"] for a in plan["aims"]}
    activities = {a["id"]: a["label"] for a in plan["activities"]}
    rows = []
    for outcome in plan["outcomes"]:
        for aim in outcome["aims"]:
            for activity in outcome["activities"]:
                for entry in outcome["items"]:
                    rows.append({"aim": aims[aim], "activity": activities[activity], "outcome": outcome["label"],
                                 "item": labels.get(entry["item"], entry["item"]), "family": entry["family"]})
    return pd.DataFrame(rows, columns=["aim", "activity", "outcome", "item", "family"])


def departures(plan: dict | None = None) -> pd.DataFrame:
    """Analyses that depart from the plan: ``what`` and ``why``, one row each."""
    plan = plan if plan is not None else load_outcomes()
    return pd.DataFrame(plan.get("departures") or [], columns=["what", "why"])


def stamp(path: str | Path = OUTCOMES_PATH, *, today: dt.date | None = None) -> str:
    """Record today's date and the current content hash in the file's ``changed:`` line."""
    path = Path(path)
    digest = content_hash(path)
    day = (today or dt.date.today()).isoformat()
    text = path.read_text(encoding="utf-8")
    line = f'changed: {{date: "{day}", sha256: "{digest}"}}\n'
    new, count = _CHANGED.subn(line, text, count=1)
    if count != 1:
        raise ValueError(f"{path.name}: no 'changed:' line to update")
    path.write_text(new, encoding="utf-8")
    return line.strip()


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.core.outcomes", description=__doc__.splitlines()[0])
    parser.add_argument("--stamp", action="store_true", help="record today's date and the content hash")
    parser.add_argument("--path", default=str(OUTCOMES_PATH))
    args = parser.parse_args(argv)
    if args.stamp:
        log.warning("%s", stamp(args.path))
    plan = load_outcomes(args.path)
    recorded = plan.get("changed", {}).get("sha256")
    ok = recorded == content_hash(args.path)
    log.warning("outcomes.yml changed %s; recorded hash %s the content", plan.get("changed", {}).get("date"),
                "matches" if ok else "does NOT match")
    return 0 if ok else 1


if __name__ == "__main__":  # pragma: no cover
    logging.basicConfig(format="%(message)s")
    raise SystemExit(_main())
