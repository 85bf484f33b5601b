"""The root programme's demo-data generator (synthetic data only).

A plain folder of Python files, not part of the engine: ``programme.yml``
names ``generate.py`` (``demo:``), and :mod:`helpers.demo` loads this folder
as a package by path. ``generate.py`` writes the raw files and their
SYNTHETIC_DATA marker, ``text.py`` the made-up free text, comments and
interview excerpts, and ``waves.py`` the variant with the children's survey
asked at baseline and follow-up (``minipolice demo-data --waves``).
"""
