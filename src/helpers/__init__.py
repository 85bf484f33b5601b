"""minipolice: the evaluation engine.

The engine names no programme: the programme it evaluates is described by
``programme.yml`` at the repository root and the definition files beside it
(:mod:`helpers.core.programme`, :mod:`helpers.core.codebook`).

Stage modules (each does one job):

- :mod:`helpers.core.config`     paths and defaults, anchored on the project root
- :mod:`helpers.core.programme`  the programme as data (``programme.yml``: names, folders, demo generator)
- :mod:`helpers.core.codebook`   the survey instrument as data (``codebook.yml``), its groups included
- :mod:`helpers.core.loading`    reading raw CSV/XLSX exports
- :mod:`helpers.core.validation` checking raw rows against the codebook
- :mod:`helpers.core.processing` tidy results tables (``results.csv``)
- :mod:`helpers.core.stats`      intervals, group comparisons and power (``tests.csv``, ``power.csv``)
- :mod:`helpers.core.weighting`  force post-stratification of the children (``sensitivity.csv``)
- :mod:`helpers.core.disclosure` suppression of small cells (docs/contract.md section 5)
- :mod:`helpers.core.schemas`    pandera schemas of the processed tables
- :mod:`helpers.core.pipeline`   the one entry point: load, validate, process, export
- :mod:`helpers.report.tables`     what notebooks read and how numbers are formatted
- :mod:`helpers.report.plots`      the book's charts (bars, diverging bars, forest, word cloud)
- :mod:`helpers.report.figures`    the 2019 report's figures 3.1–5.7 (``figures.yml``): chart, alt text, caption, CSV
- :mod:`helpers.report.narrative`  phrases for the prose, written from the tables (comparisons, verdicts)
- :mod:`helpers.report.recommendations` the eight recommendations and their live evidence
- :mod:`helpers.text.redaction`  removing identifiers from free text before it reaches a page
- :mod:`helpers.text.qualitative` theme shares, interview themes, redacted quotes, word counts
- :mod:`helpers.report.context`    the context chapter's published evidence and programme tables
- :mod:`helpers.report.reproduction` the 2019 report's published numbers vs the results
- :mod:`helpers.build.book`      execute chapter notebooks and compile the book
- :mod:`helpers.demo`        loading the programme's synthetic-data generator; writing raw files and the marker
- :mod:`helpers.cli`        the ``minipolice`` command
"""

__version__ = "0.1.0"
