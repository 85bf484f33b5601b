"""Reading raw survey exports into text (docs/contract.md sections 2 and 7).

One job: turn the bytes of one export file into a grid of text cells, and
find each instrument's file in a data directory. Nothing is interpreted
here: which rows are the header, which headers are which codebook columns
and what the answers mean is :mod:`helpers.core.profiles` and
:mod:`helpers.core.validation`.

Accepted files: text (``.csv``, ``.tsv``, ``.txt``), whose encoding is
detected (a byte-order mark for UTF-8 or UTF-16 LE/BE; otherwise UTF-8, else
Windows-1252) and whose delimiter is sniffed among ``,`` ``;`` tab and ``|``;
``.xlsx`` workbooks (the first sheet, or the one asked for); SPSS ``.sav``
files, read with pyreadstat, value labels applied and variable names as the
header. Anything that cannot be used raises :class:`StructuralError`, whose
message names the file and the problem.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "StructuralError",
    "RawTable",
    "Grid",
    "RAW_SUFFIXES",
    "DELIMITERS",
    "find_raw_file",
    "named_raw_files",
    "has_raw_file",
    "read_grid",
    "read_raw_file",
    "normalise_header",
    "cell_name",
]

log = logging.getLogger(__name__)

#: File types a raw file may have (docs/contract.md section 7), in the order they are named in messages.
RAW_SUFFIXES = (".csv", ".tsv", ".txt", ".sav", ".xlsx")

#: Delimiters sniffed in text files, in order of preference when several fit equally well.
DELIMITERS = (",", ";", "\t", "|")

_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_ENCODINGS = ("auto", "utf-8", "utf-8-sig", "utf-16", "cp1252")


class StructuralError(Exception):
    """The input cannot be used at all (exit status 2).

    Raised for a missing or unreadable raw file, an undecodable encoding, a
    missing required column, or an unknown force name given to ``--force``.
    """


@dataclass(frozen=True)
class RawTable:
    """A raw file read as text, with the codebook's column names where they were found.

    Attributes
    ----------
    instrument : str
        Instrument name, e.g. ``children_survey``.
    path : Path
        The file read.
    frame : pandas.DataFrame
        One row per data row (respondent), every cell a ``str`` (empty string
        for an empty cell). Columns of a text file are categoricals of their
        distinct texts (a million rows of a few distinct answers take a few
        megabytes); use ``.astype(str)`` for plain strings.
    encoding : str
        ``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252``, ``xlsx`` or ``sav``.
    sha256 : str
        Hash of the file's bytes (recorded in the run manifest).
    data_lines : int, optional
        Physical lines the data rows take in a text file (a line break inside
        a quoted cell makes one row span two lines); the number of rows for a
        workbook or an SPSS file. ``None``: not counted.
    profile : Path, optional
        The ``*.profile.yml`` the file was read through, if any.
    """

    instrument: str
    path: Path
    frame: pd.DataFrame
    encoding: str
    sha256: str
    data_lines: int | None = None
    profile: Path | None = None


@dataclass(frozen=True)
class Grid:
    """Every row of one export as text, before any row is taken as the header.

    Attributes
    ----------
    path : Path
    frame : pandas.DataFrame
        Columns ``0 .. k-1``; one row per file row (record), every cell text.
    encoding : str
    delimiter : str or None
        The delimiter of a text file (``None`` for a workbook or SPSS file).
    sha256 : str
    line_breaks : numpy.ndarray or None
        Per row, the line breaks inside its cells (``None`` when there are
        none, or for a workbook or SPSS file).
    merged : tuple
        Merged cell ranges of a workbook sheet, ``(first_row, first_col,
        last_row, last_col)``, 0-based.
    """

    path: Path
    frame: pd.DataFrame
    encoding: str
    delimiter: str | None
    sha256: str
    line_breaks: np.ndarray | None = None
    merged: tuple = ()

    @property
    def is_text(self) -> bool:
        return self.delimiter is not None

    def start_line(self, row: int) -> int:
        """The 1-based physical line of the file on which row ``row`` (0-based) begins."""
        if self.line_breaks is None:
            return row + 1
        return int(row + 1 + self.line_breaks[:row].sum())


def normalise_header(name: object) -> str:
    """Normalise a column header for matching: trimmed and case-folded."""
    return str(name).strip().casefold()


def cell_name(row: int, column: int) -> str:
    """Spreadsheet name of a 0-based cell, e.g. ``cell_name(0, 5) == 'F1'``."""
    letters, n = "", column + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row + 1}"


def named_raw_files(data_dir: Path, instrument: str) -> list[Path]:
    """Files of ``data_dir`` named after ``instrument`` (any case, any accepted suffix)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return []
    wanted = {f"{instrument}{suffix}" for suffix in RAW_SUFFIXES}
    return sorted(p for p in data_dir.iterdir() if p.is_file() and p.name.casefold() in wanted)


def has_raw_file(data_dir: Path, instrument: str) -> bool:
    """Whether ``data_dir`` holds a file named after ``instrument`` (see :data:`RAW_SUFFIXES`)."""
    return bool(named_raw_files(data_dir, instrument))


def find_raw_file(data_dir: Path, instrument: str) -> Path:
    """Return the raw file named after ``instrument`` in ``data_dir``.

    The file name is matched case-insensitively; the suffix is one of
    :data:`RAW_SUFFIXES`, and exactly one such file must exist.

    Raises
    ------
    StructuralError
        If the directory or the file is missing, or several files are named after the instrument.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise StructuralError(f"{data_dir}: data directory not found")
    found = named_raw_files(data_dir, instrument)
    if not found:
        kinds = ", ".join(instrument + s for s in RAW_SUFFIXES)
        raise StructuralError(
            f"{data_dir / (instrument + '.csv')}: raw file missing "
            f"(expected one of {kinds} in {data_dir}, or a *.profile.yml with instrument: {instrument})"
        )
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise StructuralError(f"{data_dir}: more than one raw file for {instrument} ({names}); keep one")
    return found[0]


# -- text files ---------------------------------------------------------------------------------

def _encoding(path: Path, data: bytes, wanted: str = "auto") -> tuple[str, str]:
    """The encoding of text bytes and a sample of the decoded text.

    ``auto``: a BOM for UTF-8 or UTF-16 (LE or BE) decides; otherwise UTF-8,
    else Windows-1252.

    Raises
    ------
    StructuralError
        Undecodable, or blank.
    """
    if wanted not in _ENCODINGS:
        raise StructuralError(f"{path}: unknown encoding {wanted!r}; use one of {', '.join(_ENCODINGS)}")
    if wanted == "auto":
        if data.startswith(b"\xef\xbb\xbf"):
            wanted = "utf-8-sig"
        elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
            wanted = "utf-16"
    if wanted == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        wanted = "utf-8-sig"  # the BOM is not part of the first header
    candidates = ["utf-8", "cp1252"] if wanted == "auto" else [wanted]
    text, encoding, error = None, None, None
    for candidate in candidates:
        try:
            text, encoding = data.decode(candidate), candidate
            break
        except UnicodeDecodeError as exc:
            error = exc
    if text is None:
        if wanted == "auto":
            raise StructuralError(
                f"{path}: cannot be decoded as UTF-8 or Windows-1252 (byte {error.start}); save it as CSV UTF-8"
            ) from error
        what = "starts with a UTF-8 BOM but is not valid UTF-8" if wanted == "utf-8-sig" else \
            f"cannot be decoded as {wanted}"
        raise StructuralError(f"{path}: {what} (byte {error.start}); save it as CSV UTF-8") from error
    text = text.removeprefix("\ufeff")  # decode("utf-8-sig") and decode("utf-16") remove it already
    if not text or text.isspace():
        raise StructuralError(f"{path}: the file is empty")
    return encoding, text[:65536]


def _sniff(sample: str) -> str:
    """The delimiter among :data:`DELIMITERS` that splits the first records most consistently."""
    lines = sample.splitlines(keepends=True)
    if len(sample) == 65536 and len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut
    head = "".join(lines[:60])
    best, best_score = ",", None
    for rank, delimiter in enumerate(DELIMITERS):
        counts = [len(r) for r in csv.reader(io.StringIO(head), delimiter=delimiter) if r]
        if not counts:
            continue
        width = max(set(counts), key=lambda c: (counts.count(c), c))
        if width < 2:
            continue
        score = (counts.count(width) / len(counts), width, -rank)
        if best_score is None or score > best_score:
            best, best_score = delimiter, score
    return best


def _line_breaks(frame: pd.DataFrame) -> np.ndarray | None:
    """Per row, the line breaks inside its cells (``None`` if no cell holds one)."""
    total = None
    for column in range(frame.shape[1]):
        cats = frame.iloc[:, column].cat.categories.astype(str)
        if not (cats.str.contains("\n", regex=False).any() or cats.str.contains("\r", regex=False).any()):
            continue
        per_value = (cats.str.count("\n") + cats.str.count("\r") - cats.str.count("\r\n")).to_numpy()
        codes = frame.iloc[:, column].cat.codes.to_numpy()
        counts = np.where(codes >= 0, per_value[np.maximum(codes, 0)], 0)
        total = counts if total is None else total + counts
    return total


def _read_text(path: Path, data: bytes, encoding: str, delimiter: str) -> Grid:
    # pandas parses the bytes itself: decoding them into one str and handing that over as a
    # StringIO would hold the file three more times in memory (a StringIO stores 4 bytes per
    # character), which is what limits a million-row file.
    # Each column is read as a categorical of its distinct texts: a survey column holds a few
    # distinct answers, so a million rows cost a million small integers, not a million strings.
    encoding, sample = _encoding(path, data, encoding)
    if delimiter == "auto":
        delimiter = _sniff(sample)
    elif delimiter not in DELIMITERS:
        raise StructuralError(f"{path}: delimiter {delimiter!r} not supported; use one of , ; tab |")
    lines = sample.splitlines()[:60]
    width = max((len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)), default=1)
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            encoding=encoding,
            sep=delimiter,
            header=None,
            names=range(max(width, 1)),
            dtype="category",
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            skipinitialspace=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        message = str(exc).strip()
        hint = ""
        if "EOF inside string" in message:
            hint = "; a double quote (\") opens a cell and is never closed: remove the stray quote"
        elif "Expected" in message and "fields" in message:
            hint = "; a row has more cells than the first rows: check for a stray delimiter or quote"
        name = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[delimiter]
        raise StructuralError(f"{path}: not a readable {name}-separated file ({message}){hint}") from exc
    for column in range(frame.shape[1]):  # na_filter=False: pandas pads short rows with "", but make sure
        values = frame.iloc[:, column]
        if values.isna().any():
            frame.isetitem(column, values.cat.add_categories([""]).fillna("")
                           if "" not in values.cat.categories else values.fillna(""))
    return Grid(path, frame, encoding, delimiter, hashlib.sha256(data).hexdigest(), _line_breaks(frame))


# -- workbooks and SPSS files ---------------------------------------------------------------------

def _cell_to_text(value: object) -> str:
    """Render an Excel or SPSS cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return ""
    return str(value)


def _read_xlsx(path: Path, data: bytes, sheet: int | str | None) -> Grid:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise StructuralError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from exc
    names = book.sheetnames
    if sheet is None:
        ws = book.worksheets[0]
    elif isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 1 <= sheet <= len(names):
            raise StructuralError(f"{path}: sheet {sheet} asked for, but the workbook has {len(names)} sheet(s) "
                                  f"({', '.join(names)})")
        ws = book.worksheets[sheet - 1]
    elif str(sheet) in names:
        ws = book[str(sheet)]
    else:
        raise StructuralError(f"{path}: no sheet named {sheet!r}; the workbook has {', '.join(names)}")
    rows = [[_cell_to_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    while rows and not any(v.strip() for v in rows[-1]):  # trailing empty rows (formatting only)
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=range(width), dtype=object)
    merged = tuple((r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in ws.merged_cells.ranges)
    if not rows:
        raise StructuralError(f"{path}: the sheet {ws.title!r} is empty")
    return Grid(path, frame, "xlsx", None, hashlib.sha256(data).hexdigest(), None, merged)


def _read_sav(path: Path, data: bytes) -> Grid:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
    except Exception as exc:  # pyreadstat raises its own error types for damaged files
        raise StructuralError(f"{path}: not a readable SPSS .sav file ({type(exc).__name__}: {exc})") from exc
    columns = list(frame.columns)
    body = [[_cell_to_text(v) for v in row] for row in frame.astype(object).itertuples(index=False, name=None)]
    grid = pd.DataFrame([columns, *body], columns=range(len(columns)), dtype=object)
    return Grid(path, grid, "sav", None, hashlib.sha256(data).hexdigest())


def read_grid(path: Path, *, sheet: int | str | None = None, encoding: str = "auto",
              delimiter: str = "auto") -> Grid:
    """Read every row of one export file as text, the header rows included.

    Parameters
    ----------
    path : Path
        A text (``.csv``, ``.tsv``, ``.txt``), ``.xlsx`` or ``.sav`` file.
    sheet : int or str, optional
        Workbooks: the 1-based sheet number or the sheet's name (default: the first).
    encoding : str
        Text files: ``auto`` (default), ``utf-8``, ``utf-8-sig``, ``utf-16`` or ``cp1252``.
    delimiter : str
        Text files: ``auto`` (default: sniffed among ``, ; tab |``) or one of them.

    Returns
    -------
    Grid

    Raises
    ------
    StructuralError
        Unreadable, undecodable or empty file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StructuralError(f"{path}: cannot be read ({exc.strerror})") from exc
    suffix = path.suffix.casefold()
    if suffix == ".xlsx":
        grid = _read_xlsx(path, data, sheet)
    elif suffix == ".sav":
        grid = _read_sav(path, data)
    else:
        grid = _read_text(path, data, encoding, delimiter)
    log.debug("read %s: %d rows, %d columns, %s", path, len(grid.frame), grid.frame.shape[1], grid.encoding)
    return grid


def read_raw_file(path: Path, instrument: str) -> RawTable:
    """Read one raw file as text, its first row the header, columns as written.

    Parameters
    ----------
    path : Path
        A file of one of the types of :data:`RAW_SUFFIXES`.
    instrument : str
        The instrument the file holds (used in messages and the result).

    Returns
    -------
    RawTable
        Every cell a string; blank lines inside the data are kept as rows so
        that row numbers match the file and nothing is lost silently. The
        pipeline reads files through :func:`helpers.core.profiles.read_source`,
        which also matches the headers to the codebook.

    Raises
    ------
    StructuralError
        Unreadable, undecodable or empty file, or repeated column headers.
    """
    from helpers.core.profiles import default_source, read_source

    return read_source(default_source(Path(path), instrument), codebook=None)
