"""The HDF5 trajectory: one file per run, written down in SPEC.md (schema version 1)."""

from l2l.results_schema.layout import FORMAT, SCHEMA_VERSION

__all__ = ["FORMAT", "SCHEMA_VERSION"]
