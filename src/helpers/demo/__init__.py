"""Synthetic demonstration data: deterministic for a seed and labelled as synthetic wherever it is shown."""
