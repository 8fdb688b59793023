"""Incident Ledger: human-rights incidents as schema-validated YAML files in git."""

__version__ = "0.1.0"
