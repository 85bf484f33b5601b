"""minipolice: the Mini-Police evaluation pipeline.

Stage modules (each does one job):

- :mod:`helpers.config`     paths and defaults, anchored on the project root
- :mod:`helpers.codebook`   the survey instrument as data (``codebook.yml``)
- :mod:`helpers.loading`    reading raw CSV/XLSX exports
- :mod:`helpers.validation` checking raw rows against the codebook
- :mod:`helpers.processing` tidy results tables (``results.csv``)
- :mod:`helpers.stats`      intervals and group comparisons (``tests.csv``)
- :mod:`helpers.pipeline`   the one entry point: load, validate, process, export
- :mod:`helpers.build`      execute chapter notebooks and compile the book
- :mod:`helpers.demo`       synthetic demonstration data
- :mod:`helpers.cli`        the ``minipolice`` command
"""

__version__ = "0.1.0"
