"""Regular expressions from a ledger's schema, run without backtracking blow-up.

A schema comes with the ledger, from whoever sent it, and Python's `re`
backtracks: `^(a+)+$` against forty a's and a '!' runs for minutes.  So the
Python validator (which explains failing records and checks answers as they
are typed) matches schema patterns with the engine jsonschema-rs uses for the
fast path: Rust's `regex` crate, linear in the text, and for the parts that
need backtracking (lookaround, backreferences: the default schema's
`sources[].file` pattern has lookaheads) fancy-regex, which stops after a
fixed number of backtracking steps (a budget counted in steps, not seconds,
so every machine gives the same answer).  One engine for both validators
also means they never disagree about a pattern, and both read patterns as
the ECMA-262 dialect JSON Schema prescribes (`$` only at the very end, `\\d`
and `\\w` ASCII), which Python's `re` does not.

RE2 (google-re2) was considered: linear too, but it cannot run lookaround
at all, so every existing ledger made from the default schema would break.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


class PatternError(ValueError):
    """A pattern ledger cannot run; str() says why."""


def search(pattern: str, text: str) -> bool:
    """Whether pattern matches somewhere in text (JSON Schema's `pattern`)."""
    return bool(compile_pattern(pattern).is_valid(text))


def over_budget(pattern: str, text: str) -> bool:
    """Whether matching gave up at the backtracking budget (so the text was
    not shown to be wrong, only too costly to check)."""
    return any("backtrack" in err.message for err in compile_pattern(pattern).iter_errors(text))


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    try:
        import jsonschema_rs
    except ImportError:
        raise PatternError("cannot be checked safely: jsonschema-rs is not installed "
                           "(Python's own regular expressions can take exponential time)") from None
    try:
        return jsonschema_rs.validator_for({"pattern": pattern}, validate_formats=False)
    except Exception as exc:  # jsonschema_rs.ValidationError: the pattern does not compile
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PatternError(f"is not a regular expression ledger can run ({first})") from None
