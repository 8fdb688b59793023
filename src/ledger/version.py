"""The version of ledger, apart so that anything can import it without importing the package."""

__version__ = "0.1.0"
