"""Computation licences (数据可用不可见): buyers' aggregate queries, checked against the vendor's
policy and run in a sandboxed DuckDB process over data the buyer never sees."""
