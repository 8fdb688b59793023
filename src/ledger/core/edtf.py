"""Parse and check EDTF dates (Library of Congress Extended Date/Time Format).

A small, dependency-free parser for the part of EDTF that incident records
use.  It exists because the ``edtf`` package imports pyparsing, which makes
start-up and bulk validation slow; here every regular expression is compiled
once at import and a plain date is one regex match plus a few comparisons.

Supported subset
----------------
Level 0
    ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (proleptic Gregorian calendar);
    date-times ``YYYY-MM-DDThh:mm:ss`` with an optional ``Z`` or ``+hh:mm`` /
    ``-hh:mm`` / ``+hh`` offset (a date-time's bounds are the calendar day as
    written, not converted to UTC); intervals ``A/B`` of dates.
Level 1
    * qualifiers ``?`` (uncertain), ``~`` (approximate) and ``%`` (both) at the
      end of a date, or at the end of either date of an interval;
    * unspecified digits ``X`` (``201X``, ``20XX``, ``2020-XX``, ``2020-04-XX``);
    * seasons ``YYYY-21`` to ``YYYY-24``.  We read them as northern-hemisphere
      meteorological seasons: spring is March-May, summer June-August, autumn
      September-November and winter December of YYYY to the end of February of
      YYYY+1 (so a winter is one unbroken season, not two pieces of a year);
    * years beyond four digits with a ``Y`` prefix (``Y170000002``,
      ``Y-170000002``), the year ``0000`` and negative years (``-0100``), using
      ISO 8601's astronomical numbering (0000 is 1 BC);
    * open (``..``) and unknown (empty) interval ends: ``2020-04-18/..``,
      ``../2020-04-18``, ``2020-04-18/``, ``/2020-04-18``.

Deliberately wider than the letter of the specification
    * ``X`` may stand for any digit of the year, month or day (``2020-04-1X``,
      ``2020-1X-XX``, ``201X-04``), because researchers write dates that way;
      the spec reserves most of these for level 2.  The bounds are the widest
      range of real dates the pattern can match.
    * Any date form may carry a qualifier and may be either end of an interval
      (seasons, ``Y`` years, dates with ``X``): one rule is easier to explain
      than the spec's patchwork.

Not supported (rejected with a message saying so): the rest of level 2
(qualifying part of a date, sets ``[...]``/``{...}``, exponential years,
significant digits, seasons 25-41), and times of day inside intervals.

Use ``parse(text)`` for an :class:`Edtf` (bounds, ``describe()``), ``is_valid``
and ``bounds`` as shortcuts, and ``parse_bound`` for command-line filters.

Bounds
    ``lower``/``upper`` are the earliest and latest day a value can denote.
    Python dates only cover the years 1-9999, so earlier years clamp to
    ``date.min`` and later ones to ``date.max``.  Qualifiers do not widen the
    bounds: how far "approximately" reaches is the caller's policy.  An interval
    is rejected only when its end certainly comes before its start (the end's
    last day precedes the start's first day, compared before clamping), so
    overlapping ends such as ``2020/2020-03`` are accepted.  An interval needs a
    date at one end at least: ``../..`` and ``/`` are rejected.  Future dates
    are not this module's business.

Nothing is stripped or normalised: ``' 2020'`` is an error, and error messages
suggest the corrected value where there is an obvious one.
"""

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Edtf", "EdtfError", "bounds", "is_valid", "parse", "parse_bound"]


class EdtfError(ValueError):
    """A value that is not valid EDTF; ``str(error)`` is meant for end users."""

    def __init__(self, message: str, *, text: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.text = text
        self.reason = reason


@dataclass(frozen=True)
class Edtf:
    """A parsed EDTF value and the range of days it can denote."""

    text: str
    lower: datetime.date | None
    upper: datetime.date | None
    is_interval: bool

    def describe(self) -> str:
        """Plain English, e.g. ``'2020-04-1X'`` -> ``'a day between 10 and 19 April 2020'``."""
        # Re-parsing keeps this class exactly the four public fields other code
        # relies on; describing is rare next to validating, so the cost is fine.
        start, end, is_interval = _parse_ends(self.text)
        if not is_interval:
            assert isinstance(start, _Part)
            return _phrase(start, in_interval=False)
        if isinstance(start, _Part) and isinstance(end, _Part):
            return f"from {_phrase(start, True)} to {_phrase(end, True)}"
        if isinstance(end, _Part):
            if start == _OPEN:
                return f"until {_phrase(end, True)}"
            return f"from an unknown date to {_phrase(end, True)}"
        assert isinstance(start, _Part)
        if end == _OPEN:
            return f"from {_phrase(start, True)} onwards"
        return f"from {_phrase(start, True)} to an unknown date"


def parse(text: str) -> Edtf:
    """Parse an EDTF value; raise :class:`EdtfError` if it is not valid."""
    if text.__class__ is str:
        # Checking a ledger parses each date three times (the schema's format,
        # the date rules, the index), and dates repeat across records.
        return _parse_text(text)
    return _parse(text)


@lru_cache(maxsize=8192)
def _parse_text(text: str) -> Edtf:
    return _parse(text)


def _parse(text: str) -> Edtf:
    start, end, is_interval = _parse_ends(text)
    return Edtf(
        text,
        _to_date(start.first) if isinstance(start, _Part) else None,
        _to_date(end.last) if isinstance(end, _Part) else None,
        is_interval,
    )


def is_valid(text: str) -> bool:
    """True if ``text`` is an EDTF value this module accepts."""
    try:
        parse(text)
    except EdtfError:
        return False
    return True


def bounds(text: str) -> tuple[datetime.date | None, datetime.date | None]:
    """The earliest and latest day ``text`` can denote (None: open or unknown)."""
    value = parse(text)
    return value.lower, value.upper


def parse_bound(text: str, *, end: bool) -> datetime.date:
    """The first day (``end=False``) or last day (``end=True``) of an EDTF value.

    For command-line filters: ``--since 2021-03`` means from 2021-03-01 and
    ``--until 2016`` means up to 2016-12-31.
    """
    value = parse(text)
    bound = value.upper if end else value.lower
    if bound is None:
        side = "end" if end else "start"
        reason = f"its {side} is open or unknown, so it cannot mark the {side} of a range"
        raise EdtfError(f"{_quote(text)} cannot be used here: {reason}", text=text, reason=reason)
    return bound


# --------------------------------------------------------------------------
# Internals

_Ymd = tuple[int, int, int]  # (year, month, day), year not limited to 1-9999

# An interval end that is not a date: '..' (open) or '' (unknown).
_OPEN = ".."
_UNKNOWN = ""

# [0-9] rather than \d: \d also matches Arabic-Indic and other Unicode digits,
# which int() would happily convert.
_DATE_RE = re.compile(
    r"(?P<sign>-?)(?P<year>[0-9X]{4})"
    r"(?:-(?P<month>[0-9X]{2})(?:-(?P<day>[0-9X]{2}))?)?"
    r"(?P<qual>[?~%]?)"
)
_LONG_YEAR_RE = re.compile(r"Y(?P<sign>-?)(?P<year>[1-9][0-9]{4,})(?P<qual>[?~%]?)")
_DATETIME_RE = re.compile(
    r"(?P<sign>-?)(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?P<tz>Z|(?P<tzsign>[+-])(?P<tzh>[0-9]{2})(?::(?P<tzm>[0-9]{2}))?)?"
)

# Only for explaining mistakes, never for accepting anything.
_QUALIFIER_RE = re.compile(r"[?~%]")
_TRAILING_QUALIFIERS_RE = re.compile(r"[?~%]{2,}")
_UNPADDED_RE = re.compile(r"(-?[0-9]{4})-([0-9]{1,2})(?:-([0-9]{1,2}))?([?~%]?)")
_SHORT_YEAR_RE = re.compile(r"-?[0-9]{1,3}[?~%]?")
_DIGITS_RE = re.compile(r"-?[0-9]{5,}")
_DAY_FIRST_RE = re.compile(r"([0-9]{1,2})[./ -]([0-9]{1,2})[./ -]([0-9]{4})")
_MONTH_FIRST_RE = re.compile(r"([0-9]{1,2})[./-]([0-9]{4})")
_OTHER_SEPARATOR_RE = re.compile(r"([0-9]{4})[./]([0-9]{1,2})(?:[./]([0-9]{1,2}))?")
_YEAR_FRACTION_RE = re.compile(r"[0-9]{4}[.,].*")
_TIME_NO_SECONDS_RE = re.compile(r"[0-9]{2}:[0-9]{2}(?:Z|[+-].*)?")
_TIME_SHAPE_RE = re.compile(r"-?[0-9][0-9X-]*T.*")
_FULL_DATE_RE = re.compile(r"-?[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EXPONENT_RE = re.compile(r"Y-?[0-9]+E[0-9]+(?:S[0-9]+)?")
_SIGNIFICANT_RE = re.compile(r".*[0-9X]S[0-9]+")
_LETTERS_RE = re.compile(r"[A-Za-z]+")
_NUMBER_RE = re.compile(r"[0-9]+")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"  # what word processors put for '-'

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# Not calendar.month_name: that follows the process locale; messages must not.
_MONTH_BY_PREFIX = {name[:3].lower(): i for i, name in enumerate(_MONTH_NAMES, 1)}
_SEASON_NAMES = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}
_SEASON_BY_WORD = {name: n for n, name in _SEASON_NAMES.items()} | {"fall": 23}
_SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 2)}
# Days per month in a leap year; index 0 unused.
_MAX_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# int() of very long digit strings is slow and eventually refused by Python.
_MAX_LONG_YEAR_DIGITS = 1000
_QUOTE_LIMIT = 80
_GENERIC_HINT = (
    "expected a date like 2020, 2020-04 or 2020-04-18 (optionally ending in "
    "?, ~ or %), a season like 2020-21, or two of these joined by '/'"
)


class _Invalid(Exception):
    """Internal: why a piece of text is not EDTF (without the quoted value)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Part:
    """One date: a whole value, or one end of an interval."""

    kind: str  # 'date', 'season', 'long' or 'datetime'
    negative: bool
    year: str  # digits and X, without the sign
    month: str | None  # two characters (digits and X); the season number for seasons
    day: str | None
    qualifier: str  # '', '?', '~' or '%'
    time: str  # 'hh:mm:ss' plus offset, for date-times only
    first: _Ymd
    last: _Ymd


def _quote(text: str) -> str:
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 3] + "..."
    return f"'{text}'" if text.isprintable() else repr(text)


def _to_date(ymd: _Ymd) -> datetime.date:
    year, month, day = ymd
    if year < datetime.MINYEAR:
        return datetime.date.min
    if year > datetime.MAXYEAR:
        return datetime.date.max
    return datetime.date(year, month, day)


def _is_leap(year: int) -> bool:
    # Not calendar.isleap: importing calendar costs more start-up time than this
    # whole module.  Python's modulo makes the rule right for years <= 0 too
    # (astronomical 0000 and -0004 are leap years).
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _month_days(year: int, month: int) -> int:
    if month == 2 and not _is_leap(year):
        return 28
    return _MAX_DAYS[month]


def _parse_ends(text: str) -> tuple["_Part | str", "_Part | str", bool]:
    """(start, end, is_interval); a single date is its own start and end."""
    if not isinstance(text, str):
        reason = f"expected text, not {type(text).__name__}"
        raise EdtfError(f"{text!r} is not a valid EDTF date: {reason}", reason=reason)
    try:
        match = _DATE_RE.fullmatch(text)
        if match is not None:  # the common case, kept short
            part = _date_part(match)
            return part, part, False
        return _parse_slow(text)
    except _Invalid as exc:
        raise EdtfError(
            f"{_quote(text)} is not a valid EDTF date: {exc.reason}",
            text=text,
            reason=exc.reason,
        ) from None


def _parse_slow(text: str) -> tuple["_Part | str", "_Part | str", bool]:
    if text == "":
        raise _Invalid("the value is empty")
    if text.isspace():
        raise _Invalid("the value is blank")
    try:
        if "/" not in text:
            part = _parse_part(text, allow_time=True)
            return part, part, False
        return _parse_interval(text)
    except _Invalid as exc:
        # Only now, on the failure path, is it worth trying likely repairs.
        better = _explain_fixable(text)
        if better:
            raise _Invalid(better) from exc
        raise


def _explain_fixable(text: str) -> str:
    """A reason with a ready correction, for mistakes that have an obvious fix."""
    if any(c.isspace() for c in text):
        fixed = "".join(text.split())
        if _accepts(fixed):
            return f"EDTF values contain no spaces (did you mean '{fixed}'?)"
    if any(c in _DASHES for c in text):
        fixed = "".join("-" if c in _DASHES else c for c in text)
        if _accepts(fixed):
            return f"use a plain hyphen '-' (did you mean '{fixed}'?)"
    upper = text.upper()
    if upper != text and _accepts(upper):
        if upper == text.replace("x", "X"):
            return f"unspecified digits are written with an upper-case X: '{upper}'"
        return f"letters in EDTF are upper-case: '{upper}'"
    if "u" in text:
        fixed = text.replace("u", "X")
        if _accepts(fixed):
            return f"unspecified digits are now written with X, not u: '{fixed}'"
    return ""


def _did_you_mean(candidate: str) -> str:
    return f" (did you mean '{candidate}'?)" if _accepts(candidate) else ""


def _accepts(text: str) -> bool:
    # explain=False: a suggestion must not look for suggestions of its own,
    # which could recurse once per character ('++++2020').
    try:
        if "/" in text:
            _parse_interval(text, explain=False)
        else:
            _parse_part(text, allow_time=True, explain=False)
    except _Invalid:
        return False
    return True


def _parse_interval(text: str, *, explain: bool = True) -> tuple["_Part | str", "_Part | str", bool]:
    if text.count("/") > 1:
        raise _Invalid(_explain_slashes(text) if explain else "")
    start_text, end_text = text.split("/")
    if start_text in (_OPEN, _UNKNOWN) and end_text in (_OPEN, _UNKNOWN):
        raise _Invalid(
            "an interval needs a date at one end at least (e.g. '2020-04-18/..' or '../2020-04-18')"
        )
    # '04/2020' or '2020/04' mean a month, not an interval.
    slashed_month = _MONTH_FIRST_RE.fullmatch(text) or _OTHER_SEPARATOR_RE.fullmatch(text)
    if explain and slashed_month and not (_accepts(start_text) and _accepts(end_text)):
        raise _Invalid(_explain_slashes(text))
    start = _interval_end(start_text, "start", explain)
    end = _interval_end(end_text, "end", explain)
    if isinstance(start, _Part) and isinstance(end, _Part) and end.last < start.first:
        raise _Invalid(f"the interval ends ({end_text}) before it starts ({start_text})")
    return start, end, True


def _interval_end(text: str, which: str, explain: bool) -> "_Part | str":
    if text in (_OPEN, _UNKNOWN):
        return text
    try:
        return _parse_part(text, allow_time=False, explain=explain)
    except _Invalid as exc:
        raise _Invalid(f"its {which} '{text}' is not valid: {exc.reason}") from None


def _parse_part(text: str, *, allow_time: bool, explain: bool = True) -> _Part:
    match = _DATE_RE.fullmatch(text)
    if match is not None:
        return _date_part(match)
    match = _LONG_YEAR_RE.fullmatch(text)
    if match is not None:
        return _long_year_part(match)
    match = _DATETIME_RE.fullmatch(text)
    if match is not None:
        if not allow_time:
            raise _Invalid("an interval runs between dates; leave out the time of day")
        return _datetime_part(match)
    raise _Invalid(_explain(text) if explain else "")


def _date_part(match: "re.Match[str]") -> _Part:
    negative = match["sign"] == "-"
    year, month, day, qualifier = match["year"], match["month"], match["day"], match["qual"]
    if month is not None and "X" not in month and 21 <= int(month) <= 24:
        if day is not None:
            raise _Invalid(f"a season ({month}) cannot have a day")
        first, last = _season_span(negative, year, int(month))
        return _Part("season", negative, year, month, None, qualifier, "", first, last)
    first, last = _span(negative, year, month, day)
    return _Part("date", negative, year, month, day, qualifier, "", first, last)


def _long_year_part(match: "re.Match[str]") -> _Part:
    digits = match["year"]
    if len(digits) > _MAX_LONG_YEAR_DIGITS:
        raise _Invalid(f"years of more than {_MAX_LONG_YEAR_DIGITS} digits are not supported")
    negative = match["sign"] == "-"
    year = -int(digits) if negative else int(digits)
    return _Part("long", negative, digits, None, None, match["qual"], "", (year, 1, 1), (year, 12, 31))


def _datetime_part(match: "re.Match[str]") -> _Part:
    negative = match["sign"] == "-"
    first, last = _span(negative, match["year"], match["month"], match["day"])
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"])
    clock = f"{match['hour']}:{match['minute']}:{match['second']}"
    # 24:00:00 (the end of the day) is ISO 8601 and accepted by other EDTF tools.
    if not (hour < 24 and minute < 60 and second < 60) and clock != "24:00:00":
        raise _Invalid(f"{clock} is not a time of day (hh:mm:ss, from 00:00:00 to 23:59:59)")
    if match["tzh"] is not None:
        tz_hours, tz_minutes = int(match["tzh"]), int(match["tzm"] or "0")
        offset = match["tz"]
        if tz_minutes > 59 or tz_hours * 60 + tz_minutes > 14 * 60:
            raise _Invalid(f"{offset} is not a UTC offset (at most 14:00 either way, e.g. +05:30)")
        # ISO 8601 writes a zero offset as Z or +00:00; -00:00 means something
        # else in RFC 3339 ("offset unknown"), so refuse the ambiguity.
        if match["tzsign"] == "-" and tz_hours == tz_minutes == 0:
            raise _Invalid("write a zero UTC offset as Z or +00:00, not -00:00")
    time = clock + (match["tz"] or "")
    return _Part("datetime", negative, match["year"], match["month"], match["day"], "", time, first, last)


def _year_range(negative: bool, digits: str) -> tuple[int, int]:
    """The earliest and latest year the pattern can stand for."""
    if "X" not in digits:
        value = int(digits)
        if negative and value == 0:
            raise _Invalid("there is no year -0000; the year zero is 0000")
        return (-value, -value) if negative else (value, value)
    low, high = int(digits.replace("X", "0")), int(digits.replace("X", "9"))
    if not negative:
        return low, high
    if low == 0:  # -0000 is not a year: the nearest the pattern gets is its last X = 1
        low = 10 ** (3 - digits.rindex("X"))
    return -high, -low


def _leap_years(negative: bool, digits: str) -> list[int]:
    """Every leap year the pattern can stand for, in ascending order."""
    values = [int(digits.replace("X", "0"))]
    # Most significant X first, so that the list comes out sorted.
    for position, char in enumerate(digits):
        if char == "X":
            weight = 10 ** (3 - position)
            values = [v + d * weight for v in values for d in range(10)]
    years = [-v for v in reversed(values) if v != 0] if negative else values
    return [y for y in years if _is_leap(y)]


def _candidates(pattern: str, highest: int, what: str) -> list[int]:
    key = (pattern, highest)
    values = _CANDIDATES.get(key)
    if values is None:
        values = [
            n
            for n in range(1, highest + 1)
            if all(p in ("X", c) for p, c in zip(pattern, f"{n:02d}", strict=True))
        ]
        # At most 11 * 11 patterns each for months and days, so this stays small.
        _CANDIDATES[key] = values
    if not values:
        raise _Invalid(f"no {what} matches '{pattern}' ({what}s are 01-{highest:02d})")
    return values


_CANDIDATES: dict[tuple[str, int], list[int]] = {}


def _span(negative: bool, year: str, month: str | None, day: str | None) -> tuple[_Ymd, _Ymd]:
    """The first and last real day matching year/month/day patterns."""
    first_year, last_year = _year_range(negative, year)
    if month is None:
        return (first_year, 1, 1), (last_year, 12, 31)
    if "X" in month:
        months = _candidates(month, 12, "month")
    else:
        number = int(month)
        if not 1 <= number <= 12:
            raise _Invalid(_bad_month(number))
        months = [number]
    if day is None:
        last_month = months[-1]
        return (first_year, months[0], 1), (
            last_year,
            last_month,
            _month_days(last_year, last_month),
        )
    if "X" in day:
        days = _candidates(day, 31, "day")
    else:
        number = int(day)
        if number == 0:
            raise _Invalid("day 00 does not exist (days start at 01)")
        days = [number]
    pairs = [(m, d) for m in months for d in days if d <= _MAX_DAYS[m]]
    if not pairs:
        raise _Invalid(_bad_day(first_year, year, months, month, day))
    if all(pair == (2, 29) for pair in pairs):
        if "X" not in year:
            if not _is_leap(first_year):
                raise _Invalid(_bad_day(first_year, year, months, month, day))
        else:
            leap_years = _leap_years(negative, year)
            if not leap_years:
                raise _Invalid(_bad_day(first_year, year, months, month, day))
            first_year, last_year = leap_years[0], leap_years[-1]
    # Unless only 29 February fits (handled above), every year has a fitting
    # month and day, so next() always finds one.
    fm, fd = next((m, d) for m, d in pairs if d <= _month_days(first_year, m))
    lm, ld = next((m, d) for m, d in reversed(pairs) if d <= _month_days(last_year, m))
    return (first_year, fm, fd), (last_year, lm, ld)


def _season_span(negative: bool, year: str, season: int) -> tuple[_Ymd, _Ymd]:
    first_year, last_year = _year_range(negative, year)
    first_month, last_month = _SEASON_MONTHS[season]
    if season == 24:
        last_year += 1
    return (first_year, first_month, 1), (
        last_year,
        last_month,
        _month_days(last_year, last_month),
    )


def _bad_month(number: int) -> str:
    if 25 <= number <= 41:
        return (
            f"'{number}' is a level 2 season, which is not supported; "
            "use 21-24 (spring, summer, autumn, winter)"
        )
    return f"month {number:02d} does not exist (months are 01-12, or 21-24 for seasons)"


def _bad_day(y: int, year: str, months: list[int], month: str, day: str) -> str:
    if "X" not in year + month + day:
        m, d = months[0], int(day)
        if d > 31:
            return f"day {d} does not exist in any month"
        name = f"{_MONTH_NAMES[m - 1]} {_year_name(y)}"
        length = _month_days(y, m)
        if m == 2 and d == 29:
            return f"{name} has only {length} days ({_year_name(y)} is not a leap year)"
        return f"{name} has only {length} days"
    if months == [2] and day == "29":
        return f"29 February only exists in leap years, and no year matching '{year}' is one"
    where = _MONTH_NAMES[months[0] - 1] if len(months) == 1 else f"a month matching '{month}'"
    if "X" in day:
        return f"no day matching '{day}' exists in {where}"
    return f"there is no day {day} in {where}"


def _explain_slashes(text: str) -> str:
    day_first = _DAY_FIRST_RE.fullmatch(text)
    if day_first is not None:
        return _explain_day_first(day_first)
    month_first = _MONTH_FIRST_RE.fullmatch(text)
    if month_first is not None:
        fixed = f"{month_first[2]}-{int(month_first[1]):02d}"
        return "write year then month" + _did_you_mean(fixed) + _SLASH_NOTE
    other = _OTHER_SEPARATOR_RE.fullmatch(text)
    if other is not None:
        return (
            "separate year, month and day with '-'"
            + _did_you_mean(_join_padded(other[1], other[2], other[3]))
            + _SLASH_NOTE
        )
    return "an interval has exactly one '/', between its start and its end"


_SLASH_NOTE = "; '/' separates the start and end of an interval"


def _join_padded(year: str, month: str, day: str | None) -> str:
    joined = f"{year}-{int(month):02d}"
    return joined if day is None else f"{joined}-{int(day):02d}"


def _explain_day_first(match: "re.Match[str]") -> str:
    first, second, year = int(match[1]), int(match[2]), match[3]
    reason = "write dates year first, as YYYY-MM-DD"
    if first > 12 >= second >= 1:
        return reason + _did_you_mean(f"{year}-{second:02d}-{first:02d}")
    if second > 12 >= first >= 1:
        return reason + _did_you_mean(f"{year}-{first:02d}-{second:02d}")
    return reason


def _explain(text: str) -> str:
    """Say what is wrong with one date that matched none of the patterns."""
    if text == _OPEN:
        return "'..' (an open end) can only be one end of an interval, e.g. '2020-04-18/..'"
    if text[:1] in "[{":
        return "sets of dates ([...] and {...}) are EDTF level 2, which is not supported"
    if _EXPONENT_RE.fullmatch(text) or _SIGNIFICANT_RE.fullmatch(text):
        return "exponential years and significant digits are EDTF level 2, which is not supported"
    if "^" in text:
        return "qualified seasons are EDTF level 2, which is not supported"
    if _QUALIFIER_RE.search(text):
        if _TRAILING_QUALIFIERS_RE.search(text):
            return "use one qualifier: '?' uncertain, '~' approximate, '%' both"
        if _QUALIFIER_RE.search(text[:-1]):
            return (
                "a qualifier (?, ~ or %) may only come at the end of a date; "
                "qualifying part of a date is EDTF level 2, which is not supported"
            )
        if _DATETIME_RE.fullmatch(text[:-1]) and _accepts(text[:-1]):
            return "a date with a time of day cannot have a qualifier"
    if _TIME_SHAPE_RE.fullmatch(text):
        return _explain_time(text)
    if text.startswith("Y"):
        return (
            "a 'Y' year needs five or more digits and no leading zero "
            "(e.g. 'Y12345' or 'Y-12345'); shorter years are written without 'Y'"
        )
    if text.startswith("+"):
        return "years take no '+' sign" + _did_you_mean(text[1:])
    match = _UNPADDED_RE.fullmatch(text)
    if match is not None:
        return "month and day need two digits each" + _did_you_mean(
            _join_padded(match[1], match[2], match[3]) + match[4]
        )
    if _SHORT_YEAR_RE.fullmatch(text):
        return "a year needs four digits (e.g. '2020', or '0020' for the year 20)"
    if _DIGITS_RE.fullmatch(text):
        return _explain_digits(text)
    match = _DAY_FIRST_RE.fullmatch(text)
    if match is not None:
        return _explain_day_first(match)
    match = _OTHER_SEPARATOR_RE.fullmatch(text)
    if match is not None:
        return "separate year, month and day with '-'" + _did_you_mean(
            _join_padded(match[1], match[2], match[3])
        )
    if _YEAR_FRACTION_RE.fullmatch(text):
        return "EDTF has no fractional years; write the year, month and day with '-'"
    if _LETTERS_RE.search(text):
        return _explain_words(text)
    if any(c.isspace() for c in text):
        return "EDTF values contain no spaces; " + _GENERIC_HINT
    return _GENERIC_HINT


def _explain_time(text: str) -> str:
    date_text, _, time_text = text.partition("T")
    if not _FULL_DATE_RE.fullmatch(date_text):
        return "a time of day needs a complete date before the 'T' (YYYY-MM-DDThh:mm:ss)"
    if _TIME_NO_SECONDS_RE.fullmatch(time_text):
        return "write the time with seconds, as hh:mm:ss (e.g. 10:30:00)"
    if "." in time_text or "," in time_text:
        return "fractions of a second are not allowed; write the time as hh:mm:ss"
    return "write the time as hh:mm:ss, optionally followed by Z or an offset like +05:00"


def _explain_digits(text: str) -> str:
    digits = text.lstrip("-")
    if len(digits) == 8 and not text.startswith("-"):
        fixed = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
        if _accepts(fixed):
            return "EDTF needs the hyphens" + _did_you_mean(fixed)
    if len(digits) == 6 and not text.startswith("-"):
        fixed = f"{digits[:4]}-{digits[4:]}"
        if _accepts(fixed):
            return "EDTF needs the hyphens" + _did_you_mean(fixed)
    if digits.startswith("0"):
        return "a year has four digits, or five or more after a 'Y' without leading zeros"
    return "years after 9999 are written with a 'Y' prefix" + _did_you_mean("Y" + text)


def _explain_words(text: str) -> str:
    reason = "EDTF is written in digits, not words: YYYY, YYYY-MM or YYYY-MM-DD"
    months = [
        _MONTH_BY_PREFIX[word[:3].lower()]
        for word in _LETTERS_RE.findall(text)
        if len(word) >= 3 and word[:3].lower() in _MONTH_BY_PREFIX
    ]
    seasons = [
        _SEASON_BY_WORD[word.lower()] for word in _LETTERS_RE.findall(text) if word.lower() in _SEASON_BY_WORD
    ]
    numbers = _NUMBER_RE.findall(text)
    years = [n for n in numbers if len(n) == 4]
    days = [int(n) for n in numbers if len(n) <= 2]
    if len(seasons) == 1 and not months and len(years) == 1 and not days:
        return reason + _did_you_mean(f"{years[0]}-{seasons[0]}")
    if len(months) == 1 and len(years) == 1 and len(days) <= 1:
        fixed = f"{years[0]}-{months[0]:02d}"
        if days:
            fixed += f"-{days[0]:02d}"
        return reason + _did_you_mean(fixed)
    return reason


# --------------------------------------------------------------------------
# Descriptions


def _year_name(year: int) -> str:
    # ISO 8601 counts astronomically: 0000 is 1 BC, -0100 is 101 BC.
    return str(year) if year > 0 else f"{1 - year} BC"


def _day_name(ymd: _Ymd, *, with_year: bool = True) -> str:
    year, month, day = ymd
    name = f"{day} {_MONTH_NAMES[month - 1]}"
    return f"{name} {_year_name(year)}" if with_year else name


def _month_name(ymd: _Ymd, *, with_year: bool = True) -> str:
    name = _MONTH_NAMES[ymd[1] - 1]
    return f"{name} {_year_name(ymd[0])}" if with_year else name


def _core(part: _Part) -> tuple[str, bool]:
    """(phrase, vague): vague phrases read 'sometime in ...' when unqualified."""
    first, last = part.first, part.last
    if part.kind == "datetime":
        tz = part.time[8:]
        zone = " UTC" if tz == "Z" else f" (UTC{tz})" if tz else ""
        return f"{_day_name(first)}, {part.time[:8]}{zone}", False
    if part.kind == "long":
        return f"the year {_year_name(first[0])}", True
    if part.kind == "season":
        assert part.month is not None
        season = _SEASON_NAMES[int(part.month)]
        start_year = first[0]
        end_year = last[0] - 1 if season == "winter" else last[0]
        if season == "winter":
            label = f"{_year_name(start_year)}/{_year_name(start_year + 1)}"
        else:
            label = _year_name(start_year)
        if start_year == end_year:
            return f"{season} {label}", False
        return (
            f"{season} of a year between {_year_name(start_year)} and {_year_name(end_year)}",
            False,
        )
    has_x = "X" in part.year + (part.month or "") + (part.day or "")
    if part.day is not None:
        if first == last:
            return _day_name(first), False
        if not has_x:  # pragma: no cover - a plain day has first == last
            return _day_name(first), False
        if first[0] != last[0]:
            return f"a day between {_day_name(first)} and {_day_name(last)}", False
        year = _year_name(first[0])
        if first[1] != last[1]:
            if part.month == "XX" and part.day == "XX":
                return f"an unspecified day in {year}", False
            between = f"{_day_name(first, with_year=False)} and {_day_name(last, with_year=False)}"
            return f"a day between {between} {year}", False
        if part.day == "XX":
            return f"an unspecified day in {_month_name(first)}", False
        return f"a day between {first[2]} and {last[2]} {_month_name(first)}", False
    if part.month is not None:
        if first[:2] == last[:2]:
            return _month_name(first), True
        if first[0] != last[0]:
            return f"a month between {_month_name(first)} and {_month_name(last)}", False
        if part.month == "XX":
            return f"an unspecified month in {_year_name(first[0])}", False
        between = f"{_month_name(first, with_year=False)} and {_month_name(last, with_year=False)}"
        return f"a month between {between} {_year_name(first[0])}", False
    if first[0] == last[0]:
        return _year_name(first[0]), True
    return f"a year between {_year_name(first[0])} and {_year_name(last[0])}", False


def _phrase(part: _Part, in_interval: bool) -> str:
    core, vague = _core(part)
    # "from sometime in 2020 to ..." is clumsy; the interval already says it.
    plain = f"sometime in {core}" if vague and not in_interval else core
    if part.qualifier == "~":
        return f"approximately {core}"
    if part.qualifier == "?":
        return f"{plain} (uncertain)"
    if part.qualifier == "%":
        return f"approximately {core} (uncertain)"
    return plain
