"""Synthetic demonstration data: the generic part.

One job: load a programme's demo-data generator and give it the pieces every
generator needs. What the demo data say (sample sizes, answer distributions,
free text) belongs to the programme: its generator is a plain folder of
Python files beside its definition files (``definitions/demo/`` for the root
programme), named by the ``demo:`` entry of ``programme.yml``. This module

* loads that folder as a package (:func:`demo_module`), so the generator's
  files reach one another by relative imports and the engine imports none
  of them by name;
* writes a raw file with exactly the codebook's columns (:func:`write_table`)
  and the marker that labels a folder as synthetic (:func:`write_marker`,
  :data:`helpers.core.config.DEMO_MARKER`);
* runs the generator (:func:`generate`), which is what ``minipolice
  demo-data`` calls.

A generator module provides ``generate_demo_data(out_dir, *, seed)`` and,
for a survey asked at baseline and follow-up, ``generate_wave_demo(out_dir,
*, seed)``; each returns ``{instrument or "marker": path}``. The output is
deterministic for a seed, and labelled as synthetic wherever it is shown.

Examples
--------
>>> from helpers.demo import demo_module
>>> generator = demo_module()
>>> callable(generator.generate_demo_data)
True
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from helpers.core.codebook import Instrument
from helpers.core.config import DEMO_MARKER
from helpers.core.programme import Programme, load_programme

__all__ = ["PACKAGE", "demo_module", "generate", "write_marker", "write_table"]

#: Name under which a programme's demo folder is imported (one programme's generator at a time).
PACKAGE = "programme_demo"


def _load_package(folder: Path) -> ModuleType:
    """Import ``folder`` as the package :data:`PACKAGE` (again only if another folder was loaded)."""
    loaded = sys.modules.get(PACKAGE)
    if loaded is not None and Path(loaded.__path__[0]) == folder:
        return loaded
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]  # another programme's generator: forget it before loading this one
    init = folder / "__init__.py"
    if not init.exists():  # a plain folder (a programme's demo.py beside its programme.yml): a bare package
        package = ModuleType(PACKAGE)
        package.__path__ = [str(folder)]
        sys.modules[PACKAGE] = package
        return package
    spec = importlib.util.spec_from_file_location(PACKAGE, init, submodule_search_locations=[str(folder)])
    if spec is None or spec.loader is None:
        raise ImportError(f"demo data: cannot load the generator folder {folder}")
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    return package


def demo_module(name: str | None = None, programme: Programme | None = None) -> ModuleType:
    """A module of the programme's demo-data generator, loaded by path.

    Parameters
    ----------
    name : str, optional
        A file of the generator's folder, without ``.py`` (``"text"``,
        ``"waves"`` ...); by default the generator named by ``demo:``.
    programme : Programme, optional
        Defaults to the root ``programme.yml``.

    Raises
    ------
    ValueError
        The programme names no demo-data generator.
    """
    programme = programme or load_programme()
    if programme.demo is None:
        raise ValueError(f"programme {programme.name!r} has no demo-data generator (demo: in programme.yml)")
    _load_package(programme.demo.parent)
    return importlib.import_module(f"{PACKAGE}.{name or programme.demo.stem}")


def generate(out_dir: Path | str, *, seed: int | None = None, waves: bool = False,
             programme: Programme | None = None) -> dict[str, Path]:
    """Write the programme's synthetic raw files and marker into ``out_dir`` (``minipolice demo-data``).

    ``seed`` defaults to the generator's ``DEFAULT_SEED`` if it has one, else
    to the generator's own default (``seed=None``); the committed demo data
    are the output with that default. ``waves`` asks for
    the variant with a survey asked at baseline and follow-up (the
    generator's ``generate_wave_demo``).
    """
    generator = demo_module(programme=programme)
    if seed is None:
        seed = getattr(generator, "DEFAULT_SEED", None)
    if waves:
        if not hasattr(generator, "generate_wave_demo"):
            raise ValueError("demo data: this programme's generator has no survey waves (generate_wave_demo)")
        return generator.generate_wave_demo(out_dir, seed=seed)
    return generator.generate_demo_data(out_dir, seed=seed)


def write_table(path: Path, inst: Instrument, table: Mapping[str, Any]) -> None:
    """Write ``table`` (column name to values) with exactly the codebook's columns, in codebook order.

    Design columns (survey wave, year, linking key) are written only when
    generated: without them the file is one cross-sectional survey. UTF-8, LF
    line endings, minimal quoting.

    Raises
    ------
    ValueError
        A column of the codebook not generated, or a generated column the codebook does not know.
    """
    names = [c.name for c in inst.columns if c.name in table or not c.design]
    missing = [c for c in names if c not in table]
    extra = [c for c in table if c not in names]
    if missing or extra:
        raise ValueError(f"demo data: {inst.name} columns do not match the codebook "
                         f"(not generated: {missing}; unknown: {extra})")
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(zip(*(table[c] for c in names), strict=True))


def write_marker(out_dir: Path | str, text: str) -> Path:
    """Write the marker file (:data:`~helpers.core.config.DEMO_MARKER`) that labels a folder as synthetic.

    While it is present, every report built from the folder carries the
    programme's synthetic-data banner.
    """
    marker = Path(out_dir) / DEMO_MARKER
    marker.write_text(text, encoding="utf-8", newline="\n")
    return marker
