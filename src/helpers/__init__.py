"""minipolice: the Mini-Police evaluation pipeline.

Stage modules (each does one job):

- :mod:`helpers.config`     paths and defaults, anchored on the project root
- :mod:`helpers.codebook`   the survey instrument as data (``codebook.yml``)
- :mod:`helpers.loading`    reading raw CSV/XLSX exports
- :mod:`helpers.validation` checking raw rows against the codebook
- :mod:`helpers.processing` tidy results tables (``results.csv``)
- :mod:`helpers.stats`      intervals, group comparisons and power (``tests.csv``, ``power.csv``)
- :mod:`helpers.weighting`  force post-stratification of the children (``sensitivity.csv``)
- :mod:`helpers.disclosure` suppression of small cells (CONTRACT section 5)
- :mod:`helpers.schemas`    pandera schemas of the processed tables
- :mod:`helpers.pipeline`   the one entry point: load, validate, process, export
- :mod:`helpers.report`     what notebooks read and how numbers are formatted
- :mod:`helpers.plots`      the book's charts (bars, diverging bars, forest, word cloud)
- :mod:`helpers.figures`    the 2019 report's figures 3.1–5.7 (``figures.yml``): chart, alt text, caption, CSV
- :mod:`helpers.narrative`  phrases for the prose, written from the tables (comparisons, verdicts)
- :mod:`helpers.recommendations` the eight recommendations and their live evidence
- :mod:`helpers.redaction`  removing identifiers from free text before it reaches a page
- :mod:`helpers.qualitative` theme shares, interview themes, redacted quotes, word counts
- :mod:`helpers.context`    the context chapter's published evidence and programme tables
- :mod:`helpers.reproduction` the 2019 report's published numbers vs the results
- :mod:`helpers.build`      execute chapter notebooks and compile the book
- :mod:`helpers.demo`       synthetic demonstration data, calibrated to the report
- :mod:`helpers.demo_text`  the demo data's free text, comments and excerpts
- :mod:`helpers.cli`        the ``minipolice`` command
"""

__version__ = "0.1.0"
