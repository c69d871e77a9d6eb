"""The same pipeline on a Dask cluster, partitioned by UTC day. May import pipeline."""
