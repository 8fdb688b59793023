"""Validation reports: text, json, github (workflow commands) and sarif."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.core.problems import Problem
from ledger.render import Output, register
from ledger.render.neutral import dumps, line, visible
from ledger.version import __version__

# GitHub shows at most 10 error and 10 warning annotations per step; more are dropped silently.
GITHUB_ANNOTATION_LIMIT = 10


@dataclass
class Report:
    files: int
    problems: list[Problem]
    strict: bool = False
    path_prefix: str = ""  # where the ledger sits relative to the repository, for github/sarif

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error or self.strict]

    @property
    def ok(self) -> bool:
        return not self.errors


def text_line(p: Problem, prefix: str = "") -> str:
    """One problem on one line: paths and messages carry record text, which
    must not start a line of its own (a CI runner would read it)."""
    path = line(prefix + p.path)
    where = f"{path}:{p.line}:{p.column}" if p.line else path
    return f"{where}: {p.severity}: {line(p.message)} [{line(p.code)}]"


def summary_line(report: Report) -> str:
    errors = sum(p.is_error for p in report.problems)
    warnings = len(report.problems) - errors
    bad_files = len({p.path for p in report.problems})
    if not report.problems:
        return f"ok: {report.files} file{'s' if report.files != 1 else ''} checked, no problems"
    parts = [f"{errors} error{'s' if errors != 1 else ''}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"{', '.join(parts)} in {bad_files} of {report.files} files"


@register("problems", "text")
def render_text(report: Report, out: Output, **_: Any) -> None:
    for p in report.problems:
        out.write(text_line(p, report.path_prefix) + "\n")
        if p.hint:
            out.write(f"    hint: {line(p.hint)}\n")
    out.write(summary_line(report) + "\n")


@register("problems", "json")
def render_json(report: Report, out: Output, **_: Any) -> None:
    doc = {
        "version": 1,
        "ok": report.ok,
        "files": report.files,
        "problems": [
            {"path": p.path, "line": p.line, "column": p.column, "severity": p.severity,
             "code": p.code, "message": p.message, "pointer": p.pointer, "hint": p.hint}
            for p in report.problems
        ],
    }
    out.write(dumps(doc, indent=2) + "\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(p: Problem, prefix: str = "", *, strict: bool = False) -> str:
    # Under --strict a warning fails the run, so it is annotated as an error.
    level = "error" if p.is_error or strict else "warning"
    # CR and LF become %0D/%0A first; what else could steer a terminal is shown escaped.
    props = [f"file={visible(_escape_property(prefix + p.path))}"]
    if p.line:
        props += [f"line={p.line}", f"col={p.column}"]
    props.append(f"title={visible(_escape_property(p.code))}")
    message = p.message + (f"\n{p.hint}" if p.hint else "")
    return f"::{level} {','.join(props)}::{visible(_escape_data(message))}"


def most_useful(problems: list[Problem]) -> list[Problem]:
    """Problems in the order worth annotating: every file's first problem
    before any file's second, so ten annotations cover ten broken records
    rather than one record with thirty faults."""
    nth: dict[str, int] = {}
    keyed = []
    for p in sorted(problems):
        nth[p.path] = nth.get(p.path, -1) + 1
        keyed.append(((nth[p.path], p.path, p.line, p.column), p))
    return [p for _, p in sorted(keyed, key=lambda kp: kp[0])]


@register("problems", "github")
def render_github(report: Report, out: Output, **_: Any) -> None:
    # GitHub shows at most ten error and ten warning annotations per step and
    # drops the rest silently: annotate the most useful, list all in the log.
    levels = {"error": [p for p in report.problems if p.is_error or report.strict],
              "warning": [p for p in report.problems if not (p.is_error or report.strict)]}
    shown = {level: most_useful(items)[:GITHUB_ANNOTATION_LIMIT] for level, items in levels.items()}
    for level in ("error", "warning"):
        for p in shown[level]:
            out.write(github_line(p, report.path_prefix, strict=report.strict) + "\n")
    render_text(report, out)
    left_out = sum(len(levels[k]) - len(shown[k]) for k in levels)
    if left_out:
        counted = ", ".join(f"{len(shown[k])} of {len(levels[k])} {k}s" for k in levels if levels[k])
        out.write(f"annotations: {counted} shown (GitHub shows {GITHUB_ANNOTATION_LIMIT} of each "
                  f"per step); all {len(report.problems)} problems are listed above\n")


@register("problems", "sarif")
def render_sarif(report: Report, out: Output, **_: Any) -> None:
    codes = sorted({p.code for p in report.problems})
    rules = [_sarif_rule(code) for code in codes]
    results = []
    for p in report.problems:
        location: dict[str, Any] = {"artifactLocation": {"uri": sarif_uri(report.path_prefix + p.path)}}
        if p.line:
            location["region"] = {"startLine": p.line, "startColumn": p.column}
        result: dict[str, Any] = {
            "ruleId": p.code,
            "ruleIndex": codes.index(p.code),
            # Under --strict a warning fails the run: its level says so, as the exit code does.
            "level": "error" if p.is_error or report.strict else "warning",
            "message": {"text": p.message + (f" ({p.hint})" if p.hint else "")},
            "locations": [{"physicalLocation": location}],
        }
        if p.pointer:
            result["properties"] = {"pointer": p.pointer}
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ledger", "version": __version__,
                                "informationUri": "https://pypi.org/project/incident-ledger/",
                                "rules": rules}},
            "results": results,
        }],
    }
    out.write(dumps(doc, indent=2) + "\n")


def sarif_uri(path: str) -> str:
    """A ledger path as a relative URI reference (RFC 3986): "100%done.yaml",
    "a b#c.yaml" and "ü.yaml" are not valid URIs as they stand."""
    from urllib.parse import quote

    return quote(path, safe="/")


def _sarif_rule(code: str) -> dict[str, Any]:
    from ledger.core.codes import describe

    about = describe(code)
    return {"id": code, "name": code, "shortDescription": {"text": code.replace("-", " ")},
            "fullDescription": {"text": about.description},
            "help": {"text": about.help}}
