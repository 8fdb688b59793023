"""Evidence reports: `verify` (text, json) and `evidence add` (text, json)."""

from __future__ import annotations

from typing import Any

from ledger.core.evidence import FileCheck, VerifyReport
from ledger.editing.evidence import Added
from ledger.render import Output, register
from ledger.render.neutral import dumps, line

# How each failure reads in the text report.
_SAYS = {
    "missing": "missing: the file does not exist",
    "outside": "outside the ledger: not read",
    "not-a-file": "not a regular file: not read",
    "unreadable": "cannot be read",
    "unhashed": "no sha256 recorded: cannot be verified",
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _tally(checks: list[FileCheck]) -> str:
    counts: dict[str, int] = {}
    for c in checks:
        counts[c.status] = counts.get(c.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in counts.items())


def _detail(c: FileCheck) -> str:
    where = f"sources[{c.index}]" + (f" ({line(c.ref)})" if c.ref else "")
    if c.status == "mismatch":
        why = (f"ALTERED: sha256 is {c.actual[:12]}..., the record says {c.expected[:12]}...")
    else:
        why = _SAYS.get(c.status, c.status)
    return f"  {line(c.file)}: {why}  [{where}]\n"


@register("verify", "text")
def render_verify_text(report: VerifyReport, out: Output, **_: Any) -> None:
    for r in report.records:
        out.write(f"{'ok  ' if r.ok else 'FAIL'} {line(r.path)} ({line(str(r.id))}): {_tally(r.checks)}\n")
        for c in r.checks:
            if c.status != "ok":
                out.write(_detail(c))
    files = sum(len(r.checks) for r in report.records)
    if not files:
        out.write("no evidence files to verify\n")
        return
    tally = ", ".join(f"{n} {status}" for status, n in report.counts().items())
    out.write(f"{'ok' if report.ok else 'FAILED'}: {_plural(files, 'evidence file')} in "
              f"{_plural(len(report.records), 'record')}: {tally}\n")


@register("verify", "json")
def render_verify_json(report: VerifyReport, out: Output, **_: Any) -> None:
    doc = {
        "version": 1,
        "ok": report.ok,
        "files": sum(len(r.checks) for r in report.records),
        "counts": report.counts(),
        "records": [{
            "path": r.path, "id": r.id, "ok": r.ok,
            "files": [{"source": c.ref, "index": c.index, "file": c.file, "status": c.status,
                       "expected": c.expected, "actual": c.actual} for c in r.checks],
        } for r in report.records],
    }
    out.write(dumps(doc, indent=2) + "\n")


@register("evidence-added", "text")
def render_added_text(added: Added, out: Output, **_: Any) -> None:
    if added.already:
        out.write(f"already recorded as {line(added.ref)} ({line(added.file)}) in {line(added.record_path)}; "
                  "nothing changed\n")
        return
    how = "copied to" if added.copied else "already present at"
    out.write(f"{line(added.ref)}: {how} {line(added.file)} ({_plural(added.size, 'byte')}, "
              f"sha256 {added.sha256}), recorded in {line(added.record_path)}\n")


@register("evidence-added", "json")
def render_added_json(added: Added, out: Output, **_: Any) -> None:
    out.write(dumps({"version": 1, "record": added.record_path, "ref": added.ref,
                     "file": added.file, "sha256": added.sha256, "size": added.size,
                     "copied": added.copied, "changed": not added.already}, indent=2) + "\n")
