"""Which rows of a processed table a chapter used: the accessor behind finer rebuilds.

One job: inside a build kernel (where :func:`helpers.build.cache.record_reads`
runs), hand a notebook a long table keyed by ``measure`` (``results.csv``,
``tests.csv``, ``design.csv`` ...) as a frame that notes, in the kernel's reads
log, the measures the notebook selected. :mod:`helpers.build.cache` then keys
the page on those rows' content instead of the whole file's bytes, so a
changed answer re-executes only the pages that print that item.

How it decides, conservatively (correctness first):

* :func:`keyed` wraps the table in a :class:`TrackedFrame` and writes
  ``rows<TAB>path<TAB>`` (read through the accessor, no rows yet).
* ``frame["measure"] == m``, ``.eq(m)`` and ``.isin([...])`` write one
  ``rows<TAB>path<TAB>m`` line per measure named and give a *narrowing* mask.
  ``mask & other`` narrows if either side does, ``mask | other`` if both do;
  ``~mask`` never does. Comparisons on other columns give masks that do not
  narrow.
* ``frame[mask]``, ``frame.loc[mask]``, ``frame.loc[mask, columns]`` and
  ``frame.query("measure == 'x' and ...")`` with a narrowing condition return
  an ordinary DataFrame of those measures' rows: what happens to it afterwards
  cannot reach other rows. Column picks and masks that do not narrow return
  tracked objects again.
* Anything else done to the whole table or to one of its whole columns
  (``len``, iteration, ``groupby``, ``merge``, ``set_index``, ``.values``,
  ``.unique()``, arithmetic, printing ...) writes ``read<TAB>path``: the page
  then depends on the whole file, exactly as a plain ``pd.read_csv`` does.

Outside a build kernel :func:`keyed` returns the frame untouched, so the
chapters, the tests and ``minipolice`` behave as before.

Examples
--------
>>> import pandas as pd
>>> lines = []
>>> frame = pd.DataFrame({"measure": ["a", "b"], "value": [1.0, 2.0]})
>>> tracked = keyed(frame, "/t/results.csv", lines.append)
>>> float(tracked[tracked["measure"] == "a"]["value"].sum())
1.0
>>> lines
['rows\\t/t/results.csv\\t', 'rows\\t/t/results.csv\\ta']
>>> len(tracked)
2
>>> lines[-1]
'read\\t/t/results.csv'
"""

from __future__ import annotations

import ast
import contextlib
import os
from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["KEY", "ColumnTable", "KeyedDict", "TrackedFrame", "TrackedSeries", "answered_pattern", "keyed",
           "quiet_paths", "read_columns", "read_keyed", "read_keys", "read_pattern", "sink", "set_sink"]

#: The column whose values name the rows a page depends on.
KEY = "measure"

_SINK: Callable[[str], None] | None = None
_DEPTH = [0]
_QUIET: set[str] = set()


def set_sink(write: Callable[[str], None] | None) -> None:
    """Where :func:`keyed` writes its lines in this process (:func:`helpers.build.cache.record_reads` sets it)."""
    global _SINK
    _SINK = write


def sink() -> Callable[[str], None] | None:
    """The current line writer, ``None`` outside a build kernel."""
    return _SINK


def quiet_paths() -> set[str]:
    """Files being read by an accessor right now: the kernel's audit hook does not note them as whole reads."""
    return _QUIET


@contextlib.contextmanager
def _quiet(path: str):
    _QUIET.add(path)
    try:
        yield
    finally:
        _QUIET.discard(path)


@contextlib.contextmanager
def _inside():
    """pandas' own work inside a supported operation: not a read by the notebook."""
    _DEPTH[0] += 1
    try:
        yield
    finally:
        _DEPTH[0] -= 1


class _Recorder:
    """The measures of one file a kernel selected, or ``whole`` once it used more."""

    def __init__(self, path: str, write: Callable[[str], None]):
        self.path, self.write = path, write
        self.measures: set[str] = set()
        self.whole = False
        write(f"rows\t{path}\t")

    def add(self, values) -> bool:
        """Note measures; ``False`` (and the whole file noted) if a value cannot name rows."""
        if self.whole:
            return False
        values = list(values)
        if not all(isinstance(v, str) and v and "\t" not in v and "\n" not in v for v in values):
            self.everything()
            return False
        for value in values:
            if value not in self.measures:
                self.measures.add(value)
                self.write(f"rows\t{self.path}\t{value}")
        return True

    def everything(self) -> None:
        if not self.whole:
            self.whole = True
            self.write(f"read\t{self.path}")


def _recorder(obj) -> _Recorder | None:
    return object.__getattribute__(obj, "__dict__").get("_rec")


def _watching(obj) -> _Recorder | None:
    """The recorder to notify about a use of ``obj`` by the notebook, if any."""
    rec = _recorder(obj)
    return rec if rec is not None and not rec.whole and _DEPTH[0] == 0 else None


def _tag(obj, rec: _Recorder, *, key=None, narrow: frozenset | None = None, mask: bool = False):
    for name, value in (("_rec", rec), ("_key", key), ("_narrow", narrow), ("_mask", mask)):
        object.__setattr__(obj, name, value)
    return obj


def _info(obj, name: str):
    return object.__getattribute__(obj, "__dict__").get(name)


def _frame(plain: pd.DataFrame, rec: _Recorder) -> TrackedFrame:
    return _tag(TrackedFrame(plain, copy=False), rec)


def _series(plain: pd.Series, rec: _Recorder, **kwargs) -> TrackedSeries:
    return _tag(TrackedSeries(plain, copy=False), rec, **kwargs)


def _everything_then(name: str, base):
    original = getattr(base, name)

    def wrapper(self, *args, **kwargs):
        rec = _watching(self)
        if rec is not None:
            rec.everything()
        return original(self, *args, **kwargs)

    wrapper.__name__ = name
    return wrapper


# Attributes the notebook may use on a whole tracked object without reading rows.
_FREE = frozenset({"__class__", "__dict__", "_rec", "_key", "_narrow", "_mask", "columns", "_compare", "_unary",
                   "_combine", "__getitem__", "loc", "query", "eq", "isin", "ne", "lt", "le", "gt", "ge", "isna",
                   "notna", "isnull", "notnull", "_repr_html_", "_repr_latex_", "_ipython_display_",
                   "_repr_mimebundle_", "_ipython_canary_method_should_not_exist_"})
# (IPython probes the _repr_* names of every object a cell shows; calling one reads the rows, and is noted.)
# Special methods Python looks up on the type (len(), iter(), numpy, operators): each notes the whole file.
_SPECIAL = ("__len__", "__iter__", "__contains__", "__array__", "__array_ufunc__", "__arrow_c_stream__",
            "__bool__", "__repr__", "__str__", "__format__", "__copy__", "__deepcopy__", "__reduce__",
            "__reduce_ex__", "__getstate__", "__round__", "__abs__", "__neg__", "__pos__", "__add__",
            "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
            "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__", "__divmod__",
            "__rdivmod__", "__matmul__", "__rmatmul__", "__xor__", "__rxor__", "__setitem__", "__delitem__",
            "__dataframe__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__and__", "__rand__",
            "__or__", "__ror__", "__invert__")


class _Tracked:
    """What TrackedFrame and TrackedSeries share: any other use notes the whole file."""

    def __getattribute__(self, name: str):
        if name not in _FREE:
            rec = _watching(self)
            if rec is not None:
                rec.everything()
        return super().__getattribute__(name)

    # What pandas derives from a tracked object is plain: only what the accessor hands out is tracked.
    @property
    def _constructor(self):
        return pd.DataFrame if isinstance(self, pd.DataFrame) else pd.Series

    @property
    def _constructor_sliced(self):
        return pd.Series

    @property
    def _constructor_expanddim(self):
        return pd.DataFrame


class TrackedFrame(_Tracked, pd.DataFrame):
    """A whole keyed table inside a build kernel (see the module docstring)."""

    def __getitem__(self, key):
        rec = _watching(self)
        if rec is None:
            return pd.DataFrame.__getitem__(self, key)
        with _inside():
            if isinstance(key, str):
                if key not in pd.DataFrame.__getattribute__(self, "columns"):
                    return pd.DataFrame.__getitem__(self, key)  # raises KeyError
                return _series(pd.DataFrame.__getitem__(self, key), rec, key=key)
            if isinstance(key, list) and all(isinstance(k, str) for k in key):
                return _frame(pd.DataFrame.__getitem__(self, key), rec)
            if isinstance(key, TrackedSeries) and _info(key, "_mask") and _recorder(key) is rec:
                result = pd.DataFrame.__getitem__(self, key)
                return result if _info(key, "_narrow") is not None else _frame(result, rec)
        rec.everything()
        return pd.DataFrame.__getitem__(self, key)

    @property
    def loc(self):
        rec = _watching(self)
        if rec is None:
            return pd.DataFrame.loc.fget(self)
        return _Loc(self, rec)

    def query(self, expr: str, **kwargs):
        rec = _watching(self)
        if rec is not None:
            measures = _query_measures(expr)
            if measures is None or not rec.add(measures):
                rec.everything()
        kwargs["level"] = kwargs.get("level", 0) + 1
        with _inside():
            result = pd.DataFrame.query(self, expr, **kwargs)
        return pd.DataFrame(result) if isinstance(result, pd.DataFrame) else result


class _Loc:
    """``frame.loc[mask]`` / ``frame.loc[mask, columns]`` with a narrowing mask; anything else reads it all."""

    def __init__(self, frame: TrackedFrame, rec: _Recorder):
        self.frame, self.rec = frame, rec

    def __getitem__(self, key):
        rows = key[0] if isinstance(key, tuple) and len(key) == 2 else key
        narrow = (isinstance(rows, TrackedSeries) and _info(rows, "_mask") and _recorder(rows) is self.rec
                  and _info(rows, "_narrow") is not None)
        if not narrow:
            self.rec.everything()
        with _inside():
            return pd.DataFrame.loc.fget(self.frame)[key]

    def __setitem__(self, key, value):
        self.rec.everything()
        pd.DataFrame.loc.fget(self.frame)[key] = value


class TrackedSeries(_Tracked, pd.Series):
    """A whole column of a keyed table, or a row mask made from one (see the module docstring)."""

    def _compare(self, method: str, other, *, names: Callable | None = None):
        rec = _watching(self)
        with _inside():
            result = getattr(pd.Series, method)(self, other)
        if rec is None:
            return result
        if _info(self, "_mask"):  # comparing a mask: not a supported use
            rec.everything()
            return result
        narrow = None
        if names is not None and _info(self, "_key") == KEY:
            values = names(other)
            narrow = frozenset(values) if values is not None and rec.add(values) else None
            if rec.whole:
                return result
        return _series(result, rec, narrow=narrow, mask=True)

    def __eq__(self, other):
        return self._compare("__eq__", other, names=_scalar)

    def eq(self, other, *args, **kwargs):
        if args or kwargs:
            return _everything_then("eq", pd.Series)(self, other, *args, **kwargs)
        return self._compare("eq", other, names=_scalar)

    def isin(self, values):
        return self._compare("isin", values, names=_collection)

    __hash__ = None

    def _unary(self, method: str):
        rec = _watching(self)
        with _inside():
            result = getattr(pd.Series, method)(self)
        if rec is None:
            return result
        if _info(self, "_mask"):
            rec.everything()
            return result
        return _series(result, rec, mask=True)

    def isna(self):
        return self._unary("isna")

    def notna(self):
        return self._unary("notna")

    isnull, notnull = isna, notna

    def _combine(self, method: str, other, how: str):
        rec = _watching(self)
        mine = _info(self, "_narrow")
        tracked_other = isinstance(other, TrackedSeries) and _recorder(other) is not None
        theirs = _info(other, "_narrow") if tracked_other else None
        with _inside():
            result = getattr(pd.Series, method)(self, other)
        if rec is None:
            return result
        if not _info(self, "_mask") or (tracked_other and (not _info(other, "_mask") or _recorder(other) is not rec)):
            rec.everything()
            return result
        if how == "and":
            parts = [p for p in (mine, theirs) if p is not None]
            narrow = frozenset.intersection(*parts) if parts else None
        else:
            narrow = mine | theirs if mine is not None and theirs is not None else None
        return _series(result, rec, narrow=narrow, mask=True)

    def __and__(self, other):
        return self._combine("__and__", other, "and")

    def __rand__(self, other):
        return self._combine("__rand__", other, "and")

    def __or__(self, other):
        return self._combine("__or__", other, "or")

    def __ror__(self, other):
        return self._combine("__ror__", other, "or")

    def __invert__(self):
        rec = _watching(self)
        with _inside():
            result = pd.Series.__invert__(self)
        if rec is None:
            return result
        if not _info(self, "_mask"):
            rec.everything()
            return result
        return _series(result, rec, mask=True)

    def __getitem__(self, key):
        rec = _watching(self)
        if rec is None:
            return pd.Series.__getitem__(self, key)
        if isinstance(key, TrackedSeries) and _info(key, "_mask") and _recorder(key) is rec \
                and _info(key, "_narrow") is not None and not _info(self, "_mask"):
            with _inside():
                return pd.Series.__getitem__(self, key)
        rec.everything()
        return pd.Series.__getitem__(self, key)

    @property
    def loc(self):
        rec = _watching(self)
        if rec is not None:
            rec.everything()
        return pd.Series.loc.fget(self)


def _comparison(method: str):
    """A comparison on a column that gives a mask which does not narrow (extra arguments: a whole read)."""
    def compare(self, other, *args, **kwargs):
        if args or kwargs:
            return _everything_then(method, pd.Series)(self, other, *args, **kwargs)
        return self._compare(method, other)

    compare.__name__ = method
    return compare


for _name in ("__ne__", "ne", "__lt__", "lt", "__le__", "le", "__gt__", "gt", "__ge__", "ge"):
    setattr(TrackedSeries, _name, _comparison(_name))

for _cls, _base in ((TrackedFrame, pd.DataFrame), (TrackedSeries, pd.Series)):
    for _name in _SPECIAL:
        if hasattr(_base, _name) and _name not in _cls.__dict__:
            setattr(_cls, _name, _everything_then(_name, _base))


def _scalar(value):
    return [value] if isinstance(value, str) else None


def _collection(values):
    if isinstance(values, str | bytes | dict) or isinstance(values, pd.Series | pd.DataFrame):
        return None  # a tracked Series would be read; dict/str are not lists of names
    try:
        return list(values)
    except TypeError:
        return None


def _query_measures(expr: str) -> list[str] | None:
    """The measures a ``query`` string restricts to (``measure == 'x' and ...``), ``None`` if it does not."""
    try:
        tree = ast.parse(expr.strip(), mode="eval").body
    except SyntaxError:
        return None
    conjuncts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    for part in conjuncts:
        if not (isinstance(part, ast.Compare) and len(part.ops) == 1 and isinstance(part.left, ast.Name)
                and part.left.id == KEY):
            continue
        right = part.comparators[0]
        if isinstance(part.ops[0], ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
            return [right.value]
        if isinstance(part.ops[0], ast.In) and isinstance(right, ast.List | ast.Tuple) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in right.elts):
            return [e.value for e in right.elts]
    return None


def keyed(frame: pd.DataFrame, path, write: Callable[[str], None] | None = None) -> pd.DataFrame:
    """``frame`` (read from ``path``) as a :class:`TrackedFrame` inside a build kernel; unchanged elsewhere.

    ``write`` defaults to the kernel's sink (:func:`set_sink`); a frame without a
    ``measure`` column is returned as it is (its file was read whole).
    """
    write = write or _SINK
    if write is None or KEY not in frame.columns or isinstance(frame, TrackedFrame):
        return frame
    return _frame(frame, _Recorder(os.path.abspath(os.fspath(path)), write))


def _read_quietly(path, reader: Callable):
    """``reader(path)``, the absolute path and the kernel's sink (``None`` outside a build kernel).

    In a kernel the audit hook does not note this read: the accessor says what was used.
    """
    if _SINK is None:
        return reader(path), path, None
    path = os.path.abspath(os.fspath(path))
    with _quiet(path):
        return reader(path), path, _SINK


def read_keyed(path, reader: Callable) -> pd.DataFrame:
    """``reader(path)`` through the accessor: tracked rows inside a build kernel, the plain frame elsewhere.

    A table without a ``measure`` column counts as read whole.
    """
    frame, path, write = _read_quietly(path, reader)
    if write is None:
        return frame
    if KEY not in frame.columns:
        write(f"read\t{path}")
        return frame
    return keyed(frame, path, write)


class ColumnTable:
    """A respondent-level table of which a page uses a few named columns (inside a build kernel).

    ``table[column]`` gives that column (a plain Series) and writes
    ``cols<TAB>path<TAB>column``; ``column in table`` and ``table.columns``
    read names only. :mod:`helpers.build.cache` keys the page on those
    columns' values (in row order). Every other attribute is the whole
    DataFrame's, and using one writes ``read<TAB>path`` first.
    """

    def __init__(self, frame: pd.DataFrame, path: str, write: Callable[[str], None]):
        self._frame, self._path, self._write, self._whole = frame, path, write, False
        self._seen: set[str] = set()
        write(f"cols\t{path}\t")

    @property
    def columns(self):
        return self._frame.columns

    def __contains__(self, name) -> bool:
        return name in self._frame.columns

    def __getitem__(self, name):
        if isinstance(name, str) and name in self._frame.columns and "\t" not in name and "\n" not in name:
            if not self._whole and name not in self._seen:
                self._seen.add(name)
                self._write(f"cols\t{self._path}\t{name}")
            return self._frame[name]
        return self._all()[name]

    def _all(self) -> pd.DataFrame:
        if not self._whole:
            self._whole = True
            self._write(f"read\t{self._path}")
        return self._frame

    def __getattr__(self, name):
        return getattr(self._all(), name)

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self):
        return iter(self._all())


def read_columns(path, reader: Callable):
    """``reader(path)`` as a :class:`ColumnTable` inside a build kernel; the plain frame elsewhere."""
    frame, path, write = _read_quietly(path, reader)
    if write is None:
        return frame
    return ColumnTable(frame, path, write)


class KeyedDict(dict):
    """A JSON object of which a page uses a few top-level keys (inside a build kernel).

    ``d[key]``, ``d.get(key)`` and ``key in d`` write ``keys<TAB>path<TAB>key``;
    :mod:`helpers.build.cache` keys the page on those entries. Any other use
    (iteration, ``len``, ``items`` ...) writes ``read<TAB>path`` first.
    """

    def __init__(self, data: dict, path: str, write: Callable[[str], None]):
        super().__init__(data)
        self._path, self._write, self._whole = path, write, False
        write(f"keys\t{path}\t")

    def _note(self, key) -> None:
        if self._whole:
            return
        if isinstance(key, str) and key and "\t" not in key and "\n" not in key:
            self._write(f"keys\t{self._path}\t{key}")
        else:
            self._all()

    def _all(self) -> None:
        if not self._whole:
            self._whole = True
            self._write(f"read\t{self._path}")

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def __contains__(self, key) -> bool:
        self._note(key)
        return super().__contains__(key)


def _whole_dict(name: str):
    def method(self, *args, **kwargs):
        self._all()
        return getattr(dict, name)(self, *args, **kwargs)

    method.__name__ = name
    return method


for _name in ("__iter__", "__len__", "__repr__", "__eq__", "__ne__", "__or__", "__ror__", "__reversed__", "keys",
              "values", "items", "copy", "pop", "popitem", "setdefault", "update", "__setitem__", "__delitem__",
              "clear", "__reduce__", "__reduce_ex__"):  # bool() goes through __len__
    setattr(KeyedDict, _name, _whole_dict(_name))


def read_keys(path, reader: Callable) -> dict:
    """``reader(path)`` (a dict) as a :class:`KeyedDict` inside a build kernel; the plain dict elsewhere."""
    data, path, write = _read_quietly(path, reader)
    if write is None:
        return data
    if not isinstance(data, dict):
        write(f"read\t{path}")
        return data
    return KeyedDict(data, path, write)


def answered_pattern(frame: pd.DataFrame, keep) -> pd.DataFrame:
    """``frame`` with every cell outside the ``keep`` columns replaced by ``"answered"`` or left missing.

    What a count of answered cells needs (and all it can see): the missing
    cells, and the values of the columns that route questions (``keep``).

    Examples
    --------
    >>> answered_pattern(pd.DataFrame({"a": ["x", None], "r": ["yes", "no"]}), ["r"]).values.tolist()
    [['answered', 'yes'], [None, 'no']]
    """
    out = frame.copy()
    for column in out.columns:
        if column not in keep:
            out[column] = pd.Series(np.where(frame[column].isna(), None, "answered"), index=frame.index,
                                    dtype=object)
    return out


def read_pattern(path, reader: Callable, *, keep) -> pd.DataFrame:
    """:func:`answered_pattern` of ``reader(path)``, in and out of a build kernel alike.

    In a kernel it writes ``pattern<TAB>path<TAB>`` and one ``pattern<TAB>path<TAB>column``
    line per kept column: :mod:`helpers.build.cache` keys the page on the
    pattern (:func:`helpers.build.cache.pattern_hash`), not on every answer.
    """
    frame, path, write = _read_quietly(path, reader)
    if write is None:
        return answered_pattern(frame, keep)
    for column in ["", *sorted(keep)]:
        if "\t" in column or "\n" in column:
            write(f"read\t{path}")
        else:
            write(f"pattern\t{path}\t{column}")
    return answered_pattern(frame, keep)
