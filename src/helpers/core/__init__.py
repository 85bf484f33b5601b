"""The engine's core: from a programme's raw exports to its processed tables.

Definitions (codebook, outcomes), reading and matching exports (loading,
profiles, intake), validation, processing, statistics and design-based
inference, weighting, pooling, change over waves, disclosure control, the
schemas of every processed table, the ownership of output folders, and the
pipeline that runs them in order. Nothing here names a programme: what a
programme measures comes from its definition files.
"""
