"""Synthetic demo data for the AllStars programme: Microsoft Forms exports, a register, their profiles.

One job: write raw files that look like what the AllStars team would download
(three Microsoft Forms workbooks and the officer's course register) but
describe no real child, parent, member of staff or school, so that the
engine and the book can be run and tested without anyone's data. The
committed ``data/raw/`` is the output with the default seed::

    python programmes/allstars/demo.py --out programmes/allstars/data/raw

Everything about the instruments (columns, questions, scales) is read from
``definitions/codebook.yml``; the numbers come from ``definitions/demo.yml``,
which marks each one as published or illustrative. The staff export is
calibrated: its four published cells (College of Policing, 2024) are exact
counts of the seven staff answers (4 of 7, 4 of 7, 3 of 7, 4 of 7), not
draws.

Each export gets a ``*.profile.yml`` (docs/contract.md section 7): the Microsoft
Forms ones use the ``msforms`` preset, which drops the ``Email`` and
``Name`` columns before anything reads them; those columns hold obviously
invented values here (``respondent03@example.invalid``, ``Demo respondent
03``). The folder also gets ``SYNTHETIC_DATA.md``, the marker that labels
every page of a book built from it.

The output is deterministic for a seed: fixed row and column order, fixed
timestamps inside the workbooks (their zip entries and document
properties), LF line endings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml

__all__ = ["HERE", "DEFAULT_OUT", "load_definitions", "generate_demo_data", "main"]

#: This programme folder.
HERE = Path(__file__).resolve().parent
#: Where the committed demo data live.
DEFAULT_OUT = HERE / "data" / "raw"
#: The marker file the engine looks for (``helpers.config.DEMO_MARKER``).
MARKER = "SYNTHETIC_DATA.md"
#: Fixed time written into every workbook (zip entries and document properties).
_FIXED = (2024, 8, 13, 0, 0, 0)
#: The Microsoft Forms columns before the questions.
FORMS_META = ("ID", "Start time", "Completion time", "Email", "Name")
#: The three instruments exported from Microsoft Forms.
FORMS = ("staff_feedback", "parent_midway", "parent_final")

# Free-text answers, written for this demo (not taken from any respondent or
# from the source). Two plant text that redaction must catch: a school name
# known to the data and an e-mail address in a reserved, fictional domain.
STAFF_COMMENTS = (
    "The pupils came back each week with something new to tell their class.",
    "Seeing the children away from school showed us strengths we had not noticed before.",
    "One of our pupils who rarely speaks in class led his team during the rugby session.",
    "The first day with the officer set the tone: by lunchtime they were laughing together.",
    "It would help to know the venues earlier so that we can plan transport.",
    "The children from Beechcroft Primary talked about the animal welfare visit for weeks.",
    "Having the same officer every week made a real difference to how the pupils settled.",
    "Our pupils were proud of their certificates and showed them to everyone.",
)
PARENT_MIDWAY_COMMENTS = (
    "She comes home tired but full of stories.",
    "He was nervous before the first week and now he asks when the next session is.",
    "Could the times of each session be sent the week before?",
    "We watched the video of the horse riding together, which he loved.",
    "My child has made a friend from another school.",
    "Please call me back about the last session: office@example.invalid is the best address.",
    "He says the police officer is funny.",
    "Nothing to add, thank you.",
)
PARENT_FINAL_COMMENTS = (
    "That she can keep trying when something is hard.",
    "He told me the officer listened to him.",
    "Mostly about the animals and the art day.",
    "That working in a team is better than doing everything alone.",
    "He wants to join the martial arts club now.",
    "She liked meeting children from other schools.",
    "That the police are there to help.",
    "Not much, but she was happy every Tuesday.",
)


def load_definitions(folder: Path = HERE) -> tuple[dict[str, Any], dict[str, Any]]:
    """The programme's codebook and demo targets, as plain mappings."""
    codebook = yaml.safe_load((folder / "definitions" / "codebook.yml").read_text(encoding="utf-8"))
    demo = yaml.safe_load((folder / "definitions" / "demo.yml").read_text(encoding="utf-8"))
    return codebook, demo


def _columns(codebook: dict[str, Any], instrument: str) -> list[dict[str, Any]]:
    return codebook["instruments"][instrument]["columns"]


def _label(codebook: dict[str, Any], instrument: str, column: str) -> str:
    return next(c["label"] for c in _columns(codebook, instrument) if c["name"] == column)


def _codes(codebook: dict[str, Any], scale: str) -> list[str]:
    return [str(code) for code, _ in codebook["scales"][scale]["codes"]]


def _answer_label(codebook: dict[str, Any], scale: str, code: str) -> str:
    return next(str(label) for c, label in codebook["scales"][scale]["codes"] if str(c) == code)


def _draw(rng: np.random.Generator, shares: dict[Any, float], n: int) -> list[str]:
    """``n`` answers drawn with the given shares (normalised), in a fixed key order."""
    keys = [str(k) for k in shares]
    p = np.array([float(v) for v in shares.values()])
    return [keys[i] for i in rng.choice(len(keys), size=n, p=p / p.sum())]


def _exact(rng: np.random.Generator, counts: dict[str, int], n: int) -> list[str]:
    """Exactly ``counts`` answers of each code, in a random order (calibrated items)."""
    answers = [code for code, k in counts.items() for _ in range(int(k))]
    if len(answers) != n:
        raise ValueError(f"demo.yml: counts {counts} add up to {len(answers)}, not {n}")
    return [answers[i] for i in rng.permutation(n)]


def _register(rng: np.random.Generator, demo: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per nominated child: pseudonymous code, course, school, year group, sessions, certificate."""
    sessions = int(demo["structure"]["sessions"])
    attendance = {int(k): float(v) for k, v in demo["attendance"].items()}
    rows = []
    for k, course in enumerate(demo["courses"]):
        for school, children in zip(course["schools"], course["children"], strict=True):
            for _ in range(int(children)):
                attended = int(_draw(rng, attendance, 1)[0])
                if attended > sessions:
                    raise ValueError(f"demo.yml: {attended} sessions attended, but a course has {sessions}")
                rows.append({"course_index": k, "course": course["course"], "school": school,
                             "year_group": int(_draw(rng, demo["year_groups"], 1)[0]),
                             "sessions_attended": attended,
                             "certificate": "yes" if attended >= demo["certificate_min_sessions"] else "no"})
    order = rng.permutation(len(rows))  # codes do not reveal the school order within a course
    for number, i in enumerate(sorted(range(len(rows)), key=lambda i: (rows[i]["course_index"], order[i])), 1):
        rows[i]["child_code"] = f"AS{number:03d}"
    return sorted(rows, key=lambda r: r["child_code"])


def _when(rng: np.random.Generator, start: dt.date, week: int) -> tuple[dt.datetime, dt.datetime]:
    """A form's start and completion time: some evening of the given course week."""
    day = start + dt.timedelta(weeks=week, days=int(rng.integers(0, 5)))
    begin = dt.datetime.combine(day, dt.time(int(rng.integers(8, 21)), int(rng.integers(0, 60))))
    return begin, begin + dt.timedelta(minutes=int(rng.integers(2, 12)), seconds=int(rng.integers(0, 60)))


def _staff(rng: np.random.Generator, demo: dict) -> list[dict[str, Any]]:
    spec = demo["staff"]
    n = int(spec["respondents"])
    per_course = {str(k): int(v) for k, v in spec["per_course"].items()}
    if sum(per_course.values()) != n:
        raise ValueError(f"demo.yml: staff per course add up to {sum(per_course.values())}, not {n}")
    rows = []
    for course in demo["courses"]:
        k = per_course.get(course["course"], 0)
        schools = [course["schools"][i] for i in sorted(rng.choice(len(course["schools"]), size=k, replace=False))]
        for school in schools:
            begin, end = _when(rng, dt.date.fromisoformat(str(course["start"])), 5)
            rows.append({"course": course["course"], "school": school, "start": begin, "end": end})
    for item, counts in spec["counts"].items():
        for row, code in zip(rows, _exact(rng, counts, n), strict=True):
            row[item] = code
    comments = rng.permutation(len(STAFF_COMMENTS))
    for j, row in enumerate(rows):
        row["comment"] = STAFF_COMMENTS[comments[j % len(comments)]] if rng.random() < spec["comment_share"] else ""
    return rows


def _parents(rng: np.random.Generator, demo: dict, register: list[dict], form: str) -> list[dict[str, Any]]:
    spec = demo["parents"]
    response = float(spec[f"{form}_response"])
    pool = PARENT_MIDWAY_COMMENTS if form == "midway" else PARENT_FINAL_COMMENTS
    starts = {c["course"]: dt.date.fromisoformat(str(c["start"])) for c in demo["courses"]}
    week = 3 if form == "midway" else 5
    rows = []
    for child in register:
        if rng.random() >= response:
            continue
        begin, end = _when(rng, starts[child["course"]], week)
        row = {"course": child["course"], "school": child["school"], "start": begin, "end": end}
        for item, shares in spec[form].items():
            row[item] = _draw(rng, shares, 1)[0]
        row["comment"] = pool[int(rng.integers(0, len(pool)))] if rng.random() < spec["comment_share"] else ""
        rows.append(row)
    return rows


def _normalise_xlsx(data: bytes) -> bytes:
    """The same workbook with fixed zip timestamps and document dates (byte-for-byte deterministic)."""
    stamp = dt.datetime(*_FIXED).strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms)", rf"\g<1>{stamp}\g<2>", text)
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()


def _workbook(header: list[str], rows: list[list[Any]], sheet: str = "Sheet1") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    fixed = dt.datetime(*_FIXED)
    book.properties.creator = "AllStars demo generator"
    book.properties.created = book.properties.modified = fixed
    buffer = io.BytesIO()
    book.save(buffer)
    return _normalise_xlsx(buffer.getvalue())


def _form_rows(codebook: dict, instrument: str, rows: list[dict]) -> tuple[list[str], list[list[Any]]]:
    """Microsoft Forms' layout: ID, Start time, Completion time, Email, Name, then each question (its wording).

    Rows are in submission order (ID 1 is the first form completed). Rating
    questions hold the number of stars; choice questions the answer's label.
    """
    questions = [c for c in _columns(codebook, instrument) if c["name"] != "respondent_id"]
    header = [*FORMS_META, *[f"{c['label']}?" for c in questions]]
    body = []
    for number, row in enumerate(sorted(rows, key=lambda r: (r["end"], r["course"], r["school"])), 1):
        cells: list[Any] = [number, row["start"], row["end"], f"respondent{number:02d}@example.invalid",
                            f"Demo respondent {number:02d}"]
        for col in questions:
            value = row[col["name"]]
            if col.get("scale") == "stars5":
                cells.append(int(value.removeprefix("stars_")))
            elif col["type"] == "coded":
                cells.append(_answer_label(codebook, col["scale"], value))
            else:
                cells.append(value)
        body.append(cells)
    return header, body


def _profile(instrument: str, pattern: str, *, preset: str | None, values: dict | None, note: str) -> str:
    lines = [f"# {note}", f"instrument: {instrument}", f'file: "{pattern}"']
    if preset:
        lines.append(f"preset: {preset}")
    if values:
        lines.append("values:")
        for key, mapping in values.items():
            inner = ", ".join(f"{k}: {v}" for k, v in mapping.items())
            lines.append(f"  {key}: {{{inner}}}")
    return "\n".join(lines) + "\n"


def _marker(seed: int) -> str:
    return f"""# Synthetic demonstration data (AllStars)

The files in this folder were written by `programmes/allstars/demo.py`
with seed {seed}. They are **not** West Midlands Police's AllStars feedback:
no row describes a real child, parent or carer, member of school staff or
school, and the school names are invented.

- Published, and reproduced exactly: the four staff ratings in College of
  Policing (2024), *AllStars – diversion learning for children* (four of
  seven staff gave four stars for positive choices, four of seven five stars
  for caring about others, three of seven four stars for managing anger,
  four of seven five stars for being happier), and the programme's shape
  (six weekly sessions, up to three children from each of up to five
  schools).
- Illustrative, chosen for the demo: the courses, schools and children, the
  attendance, how the seven staff spread over courses, every other star
  rating, and all of the parents' and carers' answers.
- The free-text answers were written for this project. Two of them carry a
  school name and an invented e-mail address (reserved `example.invalid`
  domain) so that redaction can be tested.
- The `Email` and `Name` columns of the Microsoft Forms exports hold
  invented values; the `msforms` preset of each profile drops them unread.

Regenerate with `python programmes/allstars/demo.py --out DIR --seed {seed}`;
the same seed gives the same bytes. While this file is present, a book built
from this folder is labelled as synthetic on every page.
"""


def generate_demo_data(out_dir: Path, seed: int | None = None, *, folder: Path = HERE) -> dict[str, Path]:
    """Write the AllStars demo exports, their profiles and the marker into ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Created if needed; files of the same names are replaced.
    seed : int, optional
        Defaults to ``seed`` in ``definitions/demo.yml``.
    folder : Path
        The programme folder whose definitions are read.

    Returns
    -------
    dict
        Instrument name -> path of its export (plus ``marker``).
    """
    codebook, demo = load_definitions(folder)
    seed = int(demo["seed"] if seed is None else seed)
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    register = _register(rng, demo)
    tables = {
        "staff_feedback": _staff(rng, demo),
        "parent_midway": _parents(rng, demo, register, "midway"),
        "parent_final": _parents(rng, demo, register, "final"),
    }
    written: dict[str, Path] = {}
    for name in FORMS:
        header, body = _form_rows(codebook, name, tables[name])
        title = demo["files"][name]
        path = out_dir / f"{title}(1-{len(body)}).xlsx"
        for old in out_dir.glob(f"{title}(*).xlsx"):  # an earlier run's export with another row count
            old.unlink()
        path.write_bytes(_workbook(header, body))
        values = {"stars5": {k: f"stars_{k}" for k in range(1, 6)}} if name == "staff_feedback" else None
        (out_dir / f"{name}.profile.yml").write_text(
            _profile(name, f"{title}*.xlsx", preset="msforms", values=values,
                     note="Microsoft Forms: Responses > Open in Excel"), encoding="utf-8")
        written[name] = path
    columns = _columns(codebook, "course_register")
    header = [c["label"] for c in columns]
    body = [[r[c["name"]] if c["type"] != "coded" else _answer_label(codebook, c["scale"], r[c["name"]])
             for c in columns] for r in register]
    title = demo["files"]["course_register"]
    path = out_dir / f"{title}.xlsx"
    path.write_bytes(_workbook(header, body, sheet="Register"))
    (out_dir / "course_register.profile.yml").write_text(
        _profile("course_register", f"{title}.xlsx", preset=None, values=None,
                 note="The officer's register (a workbook; headers are the codebook's labels)"), encoding="utf-8")
    written["course_register"] = path
    marker = out_dir / MARKER
    marker.write_text(_marker(seed), encoding="utf-8")
    written["marker"] = marker
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the AllStars synthetic demo exports.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: data/raw here)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: demo.yml's seed)")
    args = parser.parse_args(argv)
    for name, path in generate_demo_data(args.out, args.seed).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
