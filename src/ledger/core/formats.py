"""The JSON Schema `format` checks ledger applies, the same on every machine.

jsonschema checks a format only when some optional package happens to be
installed (``uri`` needs ``rfc3987`` or ``rfc3986-validator``, ``date-time``
needs ``rfc3339-validator`` ...), so the same record could validate on one
machine and fail on another.  Here the set is fixed: formats that need only
the standard library, ``uri``/``uri-reference`` from the declared
``rfc3986-validator``, and EDTF.  Any other format is not checked.  The fast
validator (jsonschema-rs) is handed these same functions, so both validators
give one answer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

# jsonschema's own checks that import nothing outside the standard library.
_STDLIB_FORMATS = ("date", "email", "idn-email", "ipv4", "ipv6", "regex", "uuid")


def is_uri(value: object) -> bool:
    """RFC 3986 URI: a scheme, no spaces, non-ASCII percent-encoded."""
    from rfc3986_validator import validate_rfc3986

    return not isinstance(value, str) or validate_rfc3986(value, rule="URI") is not None


def is_uri_reference(value: object) -> bool:
    from rfc3986_validator import validate_rfc3986

    return not isinstance(value, str) or validate_rfc3986(value, rule="URI_reference") is not None


def uri_hint(value: object) -> str:
    """How to mend a URL that is not a valid URI, when there is an obvious way."""
    if not isinstance(value, str):
        return ""
    from urllib.parse import quote, urlsplit

    try:
        host = urlsplit(value.strip()).netloc
    except ValueError:  # e.g. an unbalanced [ in the host
        host = ""
    if quote(host, safe=_URI_SAFE) != host:
        return f"the host name '{host}' cannot hold spaces or non-ASCII letters"
    fixed = quote(value.strip(), safe=_URI_SAFE)
    if fixed != value and is_uri(fixed):
        return f"did you mean '{fixed}'? (spaces and non-ASCII letters are percent-encoded in a URL)"
    if ":" not in value:
        return "a URL starts with its scheme, e.g. https://"
    return "copy the address from the browser's address bar, e.g. https://example.org/page"


# Characters a URI may hold as they are, so quote() leaves them (and any
# existing %XX escape) alone.
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~"


@lru_cache(maxsize=1)
def checker() -> Any:
    """The jsonschema FormatChecker ledger validates with."""
    from jsonschema import FormatChecker

    from ledger.core import edtf
    from ledger.core.patterns import PatternError, compile_pattern

    present = FormatChecker.checkers  # every check jsonschema registered at import
    fc = FormatChecker(formats=[name for name in _STDLIB_FORMATS if name in present and name != "regex"])
    # A non-string (an unquoted year loads as an int) is the type check's
    # error alone; a format applies to strings only, as JSON Schema says.
    fc.checks("edtf", raises=edtf.EdtfError)(lambda v: not isinstance(v, str) or bool(edtf.parse(v)))
    # `regex` is read by the engine that runs patterns (Python's `re` accepts other things).
    fc.checks("regex", raises=PatternError)(
        lambda v: not isinstance(v, str) or compile_pattern(v) is not None)
    fc.checks("uri")(is_uri)
    fc.checks("uri-reference")(is_uri_reference)
    return fc


def fast_formats() -> dict[str, Callable[[str], bool]]:
    """The same checks, as jsonschema-rs takes them (replacing its own).

    Written over the standard library as jsonschema's own checks are, so that
    the fast path never imports jsonschema (about 0.2 s): a warm run that
    checks one changed, valid record then costs what reading it costs.  A
    test holds each one equal to jsonschema's."""
    from ledger.core import edtf

    return {"date": _is_date, "email": _has_at, "idn-email": _has_at, "ipv4": _is_ipv4, "ipv6": _is_ipv6,
            "uuid": _is_uuid, "regex": _is_regex, "edtf": edtf.is_valid, "uri": is_uri,
            "uri-reference": is_uri_reference}


def _guarded(check: Callable[[str], bool]) -> Callable[[str], bool]:
    def run(value: str) -> bool:
        try:
            return bool(check(value))
        except ValueError:  # AddressValueError, a bad date or UUID, a bad pattern
            return False
    return run


@_guarded
def _is_date(value: str) -> bool:
    import datetime as dt
    import re

    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII) and dt.date.fromisoformat(value))


def _has_at(value: str) -> bool:
    return "@" in value


@_guarded
def _is_ipv4(value: str) -> bool:
    import ipaddress

    return bool(ipaddress.IPv4Address(value))


@_guarded
def _is_ipv6(value: str) -> bool:
    import ipaddress

    return not getattr(ipaddress.IPv6Address(value), "scope_id", "")


@_guarded
def _is_uuid(value: str) -> bool:
    from uuid import UUID

    UUID(value)
    return all(value[i] == "-" for i in (8, 13, 18, 23))


@_guarded
def _is_regex(value: str) -> bool:
    from ledger.core.patterns import PatternError, compile_pattern

    try:
        return compile_pattern(value) is not None
    except PatternError:
        return False


def signature() -> str:
    """Which checks, from which package versions: for a cache salt."""
    try:
        rfc3986 = version("rfc3986-validator")
    except PackageNotFoundError:  # pragma: no cover - a declared dependency
        rfc3986 = "missing"
    return ",".join(sorted(checker().checkers)) + f";rfc3986-validator={rfc3986}"
