"""Use cases: the only place that checks permissions and commits."""
