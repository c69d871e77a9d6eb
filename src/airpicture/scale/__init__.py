"""The same pipeline on a Dask cluster, partitioned by UTC day. May import pipeline.

``drivers`` picks the engine from the settings and flags; ``detect`` maps the per-day detection over a
cluster; ``engine`` is the one module that knows Dask (docs/scale.md).
"""
