"""`make bench`: the pipeline and the public read path, measured against this machine's own
limits in the same run (see bench/README.md)."""
