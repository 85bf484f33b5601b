"""Reading raw survey exports (CONTRACT section 2).

One job: find each instrument's raw file in a data directory and read it,
as text, into a DataFrame of strings. Nothing is interpreted here: coded
answers, numbers and force names are checked by :mod:`helpers.validation`.

Accepted files: ``<instrument>.csv`` (UTF-8 with or without BOM, or
Windows-1252 as Excel writes it; comma-separated; CRLF or LF) or
``<instrument>.xlsx`` (first sheet). Anything that cannot be used raises
:class:`StructuralError`, whose message names the file and the problem.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["StructuralError", "RawTable", "find_raw_file", "has_raw_file", "read_raw_file", "normalise_header"]

log = logging.getLogger(__name__)


class StructuralError(Exception):
    """The input cannot be used at all (exit status 2).

    Raised for a missing or unreadable raw file, an undecodable encoding, a
    missing required column, or an unknown force name given to ``--force``.
    """


@dataclass(frozen=True)
class RawTable:
    """A raw file read as text.

    Attributes
    ----------
    instrument : str
        Instrument name (file stem), e.g. ``children_survey``.
    path : Path
        The file read.
    frame : pandas.DataFrame
        One row per data row, every cell a ``str`` (empty string for an empty
        cell), columns as written in the file. Columns of a CSV file are
        categoricals of their distinct texts (a million rows of a few distinct
        answers take a few megabytes); use ``.astype(str)`` for plain strings.
    encoding : str
        ``utf-8``, ``utf-8-sig``, ``cp1252`` or ``xlsx``.
    sha256 : str
        Hash of the file's bytes (recorded in the run manifest).
    """

    instrument: str
    path: Path
    frame: pd.DataFrame
    encoding: str
    sha256: str


def normalise_header(name: object) -> str:
    """Normalise a column header for matching: trimmed and case-folded."""
    return str(name).strip().casefold()


def has_raw_file(data_dir: Path, instrument: str) -> bool:
    """Whether ``data_dir`` holds a ``.csv`` or ``.xlsx`` file for ``instrument``."""
    wanted = {f"{instrument}.csv", f"{instrument}.xlsx"}
    return Path(data_dir).is_dir() and any(p.name.casefold() in wanted for p in Path(data_dir).iterdir())


def find_raw_file(data_dir: Path, instrument: str) -> Path:
    """Return the raw file for ``instrument`` in ``data_dir``.

    The file name is matched case-insensitively. Exactly one of
    ``<instrument>.csv`` and ``<instrument>.xlsx`` must exist.

    Raises
    ------
    StructuralError
        If the directory or the file is missing, or both a CSV and an XLSX exist.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise StructuralError(f"{data_dir}: data directory not found")
    wanted = {f"{instrument}.csv", f"{instrument}.xlsx"}
    found = sorted(p for p in data_dir.iterdir() if p.is_file() and p.name.casefold() in wanted)
    if not found:
        raise StructuralError(
            f"{data_dir / (instrument + '.csv')}: raw file missing "
            f"(expected {instrument}.csv or {instrument}.xlsx in {data_dir})"
        )
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise StructuralError(f"{data_dir}: more than one raw file for {instrument} ({names}); keep one")
    return found[0]


def _encoding(path: Path, data: bytes) -> str:
    """The encoding of CSV bytes: UTF-8 (BOM or not), else Windows-1252.

    Raises
    ------
    StructuralError
        Undecodable, or blank.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise StructuralError(f"{path}: starts with a UTF-8 BOM but is not valid UTF-8 ({exc})") from exc
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError as exc:
                raise StructuralError(
                    f"{path}: cannot be decoded as UTF-8 or Windows-1252 (byte {exc.start}); "
                    "save it as CSV UTF-8"
                ) from exc
    if not text or text.isspace():
        raise StructuralError(f"{path}: the file is empty")
    return encoding


def _read_csv(path: Path, data: bytes) -> tuple[pd.DataFrame, str]:
    # pandas parses the bytes itself: decoding them into one str and handing that over as a
    # StringIO would hold the file three more times in memory (a StringIO stores 4 bytes per
    # character), which is what limits a million-row file.
    # Each column is read as a categorical of its distinct texts: a survey column holds a few
    # distinct answers, so a million rows cost a million small integers, not a million strings.
    encoding = _encoding(path, data)
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            encoding=encoding,
            dtype="category",
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            skipinitialspace=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise StructuralError(f"{path}: not a readable comma-separated file ({exc})") from exc
    # pandas renames repeated headers ("a", "a.1"); take the header as written.
    header = next(csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")))
    if len(header) == frame.shape[1]:
        frame.columns = header
    for column in range(frame.shape[1]):  # na_filter=False: pandas pads short rows with "", but make sure
        values = frame.iloc[:, column]
        if values.isna().any():
            frame.isetitem(column, values.astype(str).fillna(""))
    return frame, encoding


def _cell_to_text(value: object) -> str:
    """Render an Excel cell as the text a CSV export would hold."""
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
    return str(value)


def _read_xlsx(path: Path, data: bytes) -> tuple[pd.DataFrame, str]:
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise StructuralError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from exc
    frame = frame.map(_cell_to_text)
    frame.columns = [_cell_to_text(c) for c in frame.columns]
    return frame, "xlsx"


def read_raw_file(path: Path, instrument: str) -> RawTable:
    """Read one raw file as text.

    Parameters
    ----------
    path : Path
        A ``.csv`` or ``.xlsx`` file.
    instrument : str
        The instrument the file holds (used in messages and the result).

    Returns
    -------
    RawTable
        Every cell a string; blank lines inside the data are kept as rows so
        that row numbers match the file and nothing is lost silently.

    Raises
    ------
    StructuralError
        Unreadable, undecodable or empty file, or repeated column headers.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StructuralError(f"{path}: cannot be read ({exc.strerror})") from exc
    if path.suffix.casefold() == ".xlsx":
        frame, encoding = _read_xlsx(path, data)
    else:
        frame, encoding = _read_csv(path, data)
    headers = [normalise_header(c) for c in frame.columns]
    repeated = sorted({h for h in headers if headers.count(h) > 1})
    if repeated:
        raise StructuralError(f"{path}: column(s) {', '.join(repeated)} appear more than once")
    frame = frame.reset_index(drop=True)
    log.debug("read %s: %d rows, %d columns, %s", path, len(frame), frame.shape[1], encoding)
    return RawTable(instrument, path, frame, encoding, hashlib.sha256(data).hexdigest())
