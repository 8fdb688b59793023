"""The `ledger` command: parse arguments, call the core, render, exit.

Kept thin and cheap to import: heavy modules (ruamel.yaml, jsonschema, Rich)
are imported inside the commands that need them, so `ledger --help` and
`ledger --version` start fast.  Every error is mapped to an exit code in
one place, ``main``.
"""

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ledger import __version__
from ledger.cli import completion
from ledger.core.problems import ExitCode, LedgerError

# The order a new user meets the commands in, rather than the order of this file.
COMMAND_ORDER = ("init", "add", "edit", "validate", "fmt", "list", "show", "summary", "actors",
                 "export", "diff", "log", "evidence", "verify")


class _Group(TyperGroup):
    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


app = typer.Typer(
    cls=_Group,
    name="ledger",
    help="Document human-rights incidents as schema-validated YAML files in git.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _State:
    ledger_dir: str | None = None


state = _State()


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"ledger {__version__}\n")
        raise typer.Exit()


@app.callback()
def _global(
    ledger: Annotated[str | None, typer.Option(
        "--ledger", metavar="DIR", envvar="LEDGER_DIR", show_envvar=True,
        help="Ledger folder (default: the nearest folder at or above the current one "
             "holding ledger.toml, or schema/ and incidents/).")] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Document human-rights incidents as schema-validated YAML files in git."""
    state.ledger_dir = ledger


def _session() -> Any:
    from ledger import library as api

    return api.open_ledger(state.ledger_dir)


def _out() -> Any:
    from ledger.render import Output

    return Output()


def _err(message: str) -> None:
    """Every diagnostic goes out here, neutral: messages carry file names and record text."""
    from ledger.render.neutral import line

    sys.stderr.write(line(message.rstrip("\n")) + "\n")


class TextJson(str, Enum):
    """--format for commands whose result is a report: text for people, json for scripts."""

    text = "text"
    json = "json"


# -- validate -----------------------------------------------------------------

class ValidateFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Record files or folders to check (default: the whole ledger).")] = None,
    format: Annotated[ValidateFormat, typer.Option(
        "--format", "-f", help="Report format.")] = ValidateFormat.text,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Treat warnings as failures.")] = False,
) -> None:
    """Check records against the schema and the ledger's own rules.

    Every problem is reported as PATH:LINE:COL: error: MESSAGE [CODE].
    Exit 0 when all records are valid, 1 when any is not.
    """
    from ledger import library as api
    from ledger.render import render
    from ledger.render.problems import Report
    from ledger.store import files as storage

    session = _session()
    files = storage.resolve_paths(session.ledger, [str(p) for p in paths]) if paths else None
    verdict = api.check(session, files)
    report = Report(files=verdict.files, problems=verdict.problems, strict=strict,
                    path_prefix=_repo_prefix(session.root) if format in (
                        ValidateFormat.github, ValidateFormat.sarif) else "")
    render("problems", format.value, report, _out())
    raise typer.Exit(ExitCode.OK if report.ok else ExitCode.INVALID)


def _repo_prefix(root: Path) -> str:
    """The ledger's folder relative to the working directory, so that GitHub and
    SARIF viewers, which think in repository paths, find the files."""
    try:
        rel = root.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return ""
    return "" if rel in ("", ".") else rel + "/"


# -- fmt ----------------------------------------------------------------------

@app.command()
def fmt(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Record files or folders to format (default: the whole ledger).")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Change nothing; list files that would change and exit 1 if any.")] = False,
    diff: Annotated[bool, typer.Option(
        "--diff", help="Change nothing; show the changes as a unified diff, exit 1 if any.")] = False,
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """Rewrite records in the canonical layout, keeping comments and values.

    Canonical: the modeline and --- header, keys in the schema's order,
    two-space indentation, plain scalars, unquoted dates, prose as | blocks.
    A file that does not parse is never touched. Exits 1 when any file was
    (or, with --check/--diff, would be) rewritten, as pre-commit hooks do.
    """
    import difflib

    from ledger import library as api
    from ledger.core import yamlio
    from ledger.core.fmt import FormatError, format_text
    from ledger.render.neutral import dumps, line, terminal
    from ledger.store import files as storage

    session = _session()
    files = (storage.resolve_paths(session.ledger, [str(p) for p in paths]) if paths
             else list(storage.iter_record_files(session.ledger)))
    changed: list[str] = []
    failed: list[dict[str, Any]] = []
    dry = check or diff
    for path in files:
        rel = session.ledger.rel(path)
        raw, problem = storage.read_record_bytes(session.ledger, path)
        text, issue = (yamlio.decode(raw) if raw is not None else (None, None))
        try:
            if text is None:
                raise FormatError(issue or yamlio.YamlIssue(problem.line if problem else 0,
                                                            problem.column if problem else 0,
                                                            problem.code if problem else "unreadable",
                                                            problem.message if problem else "unreadable"))
            new = format_text(text, session.schema_ref(path), session.schema.key_order)
        except FormatError as exc:
            i = exc.issue
            failed.append({"path": rel, "line": i.line, "column": i.column, "code": i.code,
                           "message": i.message})
            _err(f"{rel}:{i.line}:{i.column}: error: {i.message} [{i.code}] (not formatted)")
            continue
        assert raw is not None
        if new.encode("utf-8") == raw:
            continue
        changed.append(rel)
        if diff and format is TextJson.text:
            sys.stdout.writelines(map(terminal, difflib.unified_diff(
                text.splitlines(keepends=True), new.splitlines(keepends=True),
                fromfile=f"a/{line(rel)}", tofile=f"b/{line(rel)}")))
        if not dry:
            storage.write_atomic(path, new)
    verb = "would reformat" if dry else "reformatted"
    if format is TextJson.json:
        sys.stdout.write(dumps({"version": 1, "files": len(files), "changed": changed,
                                "written": not dry, "problems": failed}, indent=2) + "\n")
    else:
        if check and not diff:
            for rel in changed:
                sys.stdout.write(f"{verb} {line(rel)}\n")
        elif not dry:
            for rel in changed:
                _err(f"{verb} {rel}")
        _err(f"{len(changed)} file{'s' if len(changed) != 1 else ''} {verb}, "
             f"{len(files) - len(changed) - len(failed)} already canonical"
             + (f", {len(failed)} not parseable" if failed else ""))
    # Exit 1 after rewriting too (the pre-commit convention): the commit that
    # ran the hook must be redone with the reformatted files.
    if failed or changed:
        raise typer.Exit(ExitCode.INVALID)
    del api


# -- shared filters (list, summary, actors, export) --------------------------------
# Typer has no option groups: each option is declared once here and reused by
# every command that selects records, so their names and help cannot drift.

SinceOpt = Annotated[str | None, typer.Option(
    "--since", metavar="DATE", help="Incidents whose date range reaches DATE or later. EDTF or a "
    "plain date: --since 2021-03 starts on 1 March 2021.")]
UntilOpt = Annotated[str | None, typer.Option(
    "--until", metavar="DATE", help="Incidents whose date range starts by DATE: --until 2016 "
    "ends on 31 December 2016.")]
CountryOpt = Annotated[list[str] | None, typer.Option(
    "--country", metavar="CODE", help="Country code (ISO 3166-1 alpha-2, any case).",
    autocompletion=completion.vocabulary(("location", "country")))]
ActOpt = Annotated[list[str] | None, typer.Option(
    "--act", metavar="TYPE", help="Incidents with an act of this type (one of the schema's act types).",
    autocompletion=completion.vocabulary(("acts", "*", "type")))]
StatusOpt = Annotated[list[str] | None, typer.Option(
    "--status", metavar="STATUS", help="Incidents with this status (one of the schema's).",
    autocompletion=completion.vocabulary(("status",)))]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", metavar="TAG", help="Incidents with this tag.")]
RightOpt = Annotated[list[str] | None, typer.Option(
    "--right", metavar="RIGHT", help="Incidents affecting this right (one of the schema's rights).",
    autocompletion=completion.vocabulary(("rights",)))]
ActorOpt = Annotated[list[str] | None, typer.Option(
    "--actor", metavar="NAME", help="An actor's name, in any script of `names`, contains NAME "
    "(case-insensitive).")]
TextOpt = Annotated[list[str] | None, typer.Option(
    "--text", metavar="WORDS", help="The title or description contains WORDS (case-insensitive).")]
WhereOpt = Annotated[list[str] | None, typer.Option(
    "--where", metavar="FIELD=VALUE", help="Any schema field by dotted path, e.g. "
    "location.region=Almaty: text contains VALUE, numbers and true/false are exact, lists match "
    "any item. Repeated for one field: any value; for different fields: all.")]
SortOpt = Annotated[str | None, typer.Option(
    "--sort", metavar="FIELD", help="date (by its start), id, title, country, status or a dotted "
    "field; -FIELD for descending (-date: newest first).")]
LimitOpt = Annotated[int | None, typer.Option("--limit", metavar="N", min=0, help="At most N incidents.")]
PublicOpt = Annotated[bool, typer.Option(
    "--public", help="Only what a public release holds: no restricted or confidential records, "
    "no confidential actors or sources.")]
RawOpt = Annotated[bool, typer.Option(
    "--raw", help="csv only: write cells exactly as stored; without it, a cell starting with "
    "=, +, -, @, tab or CR gets a leading ' so a spreadsheet shows it as text, never a formula.")]


def _filter(session: Any, *, since: str | None, until: str | None, country: list[str] | None,
            act: list[str] | None, status: list[str] | None, tag: list[str] | None,
            right: list[str] | None, actor: list[str] | None, text: list[str] | None,
            where: list[str] | None) -> Any:
    from ledger.core import query

    return query.build_filter(session.schema, since=since, until=until, country=country or (),
                              act=act or (), status=status or (), tag=tag or (), right=right or (),
                              actor=actor or (), text=text or (), where=where or ())


def _select(session: Any, *, public: bool, since: str | None, until: str | None,
            country: list[str] | None, act: list[str] | None, status: list[str] | None,
            tag: list[str] | None, right: list[str] | None, actor: list[str] | None,
            text: list[str] | None, where: list[str] | None, sort: str | None = None,
            limit: int | None = None, ids_only: bool = False) -> Any:
    """The records the shared filter options select, as (path, record) rows
    (with ids_only, records may hold nothing but their id)."""
    from ledger import library as api
    from ledger.core import query

    flt = _filter(session, since=since, until=until, country=country, act=act, status=status, tag=tag,
                  right=right, actor=actor, text=text, where=where)
    order = query.parse_sort(session.schema, sort) if sort else None
    # Streamed from the cache, narrowed by its index; public views need every
    # record (links to withheld ones are dropped), so they narrow nothing.
    found = api.select(session, None if public else flt)
    _warn_unreadable(found)
    if ids_only and not public and order is None:
        quick = found.ids()
        if quick is not None:
            from itertools import islice

            return quick if limit is None else islice(quick, limit)
    rows: Any = found
    if public:
        from ledger.core import redact

        # Redact before filtering, so a search cannot match a withheld name.
        withheld = redact.Withheld()
        rows = list(redact.public_records(rows, withheld))
        _err(withheld.summary())
    return query.apply(rows, flt, order, limit)


# -- list / show ----------------------------------------------------------------

class ListFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    ids = "ids"
    yaml = "yaml"


@app.command("list")
def list_(
    since: SinceOpt = None, until: UntilOpt = None, country: CountryOpt = None, act: ActOpt = None,
    status: StatusOpt = None, tag: TagOpt = None, right: RightOpt = None, actor: ActorOpt = None,
    text: TextOpt = None, where: WhereOpt = None, sort: SortOpt = None, limit: LimitOpt = None,
    public: PublicOpt = False, raw: RawOpt = False,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
) -> None:
    """List incidents, one per row.

    A repeated option means any of its values (--country KZ --country KG);
    different options must all hold.  Without --sort, records come in path
    order.
    """
    from ledger.render import render

    session = _session()
    rows = _select(session, public=public, since=since, until=until, country=country, act=act,
                   status=status, tag=tag, right=right, actor=actor, text=text, where=where,
                   sort=sort, limit=limit, ids_only=format is ListFormat.ids)
    render("records", format.value, rows, _out(), raw=raw)


def _warn_unreadable(loaded: Any) -> None:
    bad = loaded.unreadable
    if bad:
        _err(f"warning: {len(bad)} file{'s' if len(bad) != 1 else ''} could not be read and "
             f"{'are' if len(bad) != 1 else 'is'} left out ({', '.join(bad[:3])}"
             f"{', ...' if len(bad) > 3 else ''}); run `ledger validate`")


class ShowFormat(str, Enum):
    text = "text"
    json = "json"
    yaml = "yaml"


@app.command()
def show(
    id: Annotated[str, typer.Argument(help="Incident id, or the start of one.",
                                      autocompletion=completion.ids)],
    format: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = ShowFormat.text,
    public: Annotated[bool, typer.Option(
        "--public", help="Show what a public release would: without confidential actors and "
                         "sources; exit 1 if the whole record is withheld.")] = False,
) -> None:
    """Show one incident, rendered for reading."""
    from ledger import library as api
    from ledger.render import render

    session = _session()
    row = api.find_record(session, id)
    if public:
        from ledger.core import redact

        withheld = redact.Withheld()
        ids = {str(r.get("id")) for _, r in api.iter_records(session) if redact.is_public(r)}
        shown = redact.public_record(row[1], withheld, public_ids=ids)
        if shown is None:
            raise LedgerError(f"{row[1].get('id')} is {row[1].get('confidentiality')}: "
                              "a public release leaves it out", exit_code=ExitCode.INVALID)
        row = (row[0], shown)
        _err(withheld.summary())
    render("record", format.value, row, _out())


# -- diff / log -------------------------------------------------------------------

class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
def diff(
    revisions: Annotated[str | None, typer.Argument(
        metavar="RANGE",
        help="REV: that commit against the working tree; A..B: commit A against commit B; "
             "A...B: B against where it forked from A. Default: HEAD against the working tree "
             "(staged and unstaged changes, and new files).")] = None,
    format: Annotated[DiffFormat, typer.Option(
        "--format", "-f", help="Output format; markdown is ready to post on a pull request.")
    ] = DiffFormat.text,
) -> None:
    """Incidents added, removed and changed between two versions, field by field.

    Records are matched by id, so a moved or renamed file is a move. Field
    paths are dotted: location.country, acts.1.type (list positions count
    from 0), actors[ilyashev].name (elements with a ref are named by it).
    """
    from ledger.render import render
    from ledger.render.problems import text_line
    from ledger.store import history

    outcome = history.diff_ledger(_session(), revisions)
    for problem in outcome.problems:
        _err(text_line(problem))
    for warning in outcome.warnings:
        _err(f"warning: {warning}")
    render("diff", format.value, outcome.result, _out())


@app.command()
def log(
    id: Annotated[str, typer.Argument(
        help="Incident id, or the start of one; a removed incident by its full id.",
        autocompletion=completion.ids)],
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """The history of one incident: every commit that changed it, newest first,
    with its author, date, message and the fields it changed (renames followed)."""
    from ledger.render import render
    from ledger.render.problems import text_line
    from ledger.store import history

    result = history.record_log(_session(), id)
    for problem in result.problems:
        _err(text_line(problem))
    render("log", format.value, result, _out())


# -- evidence / verify ------------------------------------------------------------

evidence_app = typer.Typer(
    help="Evidence files: keep them inside the ledger, hashed, so they can be proved unaltered.",
    no_args_is_help=True, rich_markup_mode=None)
app.add_typer(evidence_app, name="evidence")


@evidence_app.command("add")
def evidence_add(
    id: Annotated[str, typer.Argument(help="Incident id, or the start of one.",
                                      autocompletion=completion.ids)],
    file: Annotated[Path, typer.Argument(help="The evidence file to add.")],
    link: Annotated[bool, typer.Option(
        "--link", help="Hard-link the file instead of copying it (same file system only).")] = False,
    title: Annotated[str | None, typer.Option("--title", help="Title of the source.")] = None,
    type: Annotated[str | None, typer.Option(
        "--type", help="Source type from the schema (default: document, if the schema has it).")] = None,
    captured: Annotated[str | None, typer.Option(
        "--captured", metavar="DATE", help="When the evidence was captured (default: today).")] = None,
    confidential: Annotated[bool, typer.Option(
        "--confidential", help="Mark the source confidential: public exports leave it out.")] = False,
    added_by: Annotated[str | None, typer.Option(
        "--added-by", metavar="NAME", help="Who adds it (default: git user.name, else $USER).")] = None,
    format: Annotated[TextJson, typer.Option(
        "--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """Copy FILE to evidence/<incident-id>/, hash it, and add it to the record as a source.

    The source gets file, sha256, size, captured and added_by; the record is
    rewritten in canonical form with its comments, and only if it stays valid.
    A file with different content is never overwritten; adding the same
    content twice changes nothing.
    """
    from ledger.editing import evidence
    from ledger.render import render

    session = _session()
    who = added_by if added_by is not None else evidence.default_added_by(session.root)
    result = evidence.add(session, id, file, link=link, title=title, type=type, captured=captured,
                          confidential=confidential, added_by=who)
    render("evidence-added", format.value, result, _out())


@app.command()
def verify(
    format: Annotated[TextJson, typer.Option(
        "--format", "-f", help="Report format.")] = TextJson.text,
) -> None:
    """Re-hash every evidence file and compare it with the sha256 in its record.

    Reports, per record, files that are missing, altered, or outside the
    ledger (those are never read).  Exit 0 when all match, 1 otherwise.
    """
    from functools import cache

    from ledger import library as api
    from ledger.editing import evidence
    from ledger.render import render
    from ledger.store import files as storage

    session = _session()
    found = api.select(session)  # streamed: memory stays flat
    _warn_unreadable(found)

    @cache
    def lookup(rel: str) -> storage.FileState:
        # Never from the validation cache: verify exists to read every byte again.
        return storage.hash_evidence(storage.locate_evidence(session.root, rel))

    report = evidence.verify(found, lookup)
    render("verify", format.value, report, _out())
    raise typer.Exit(ExitCode.OK if report.ok else ExitCode.INVALID)


# -- summary --------------------------------------------------------------------

class SummaryFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


@app.command()
def summary(
    by: Annotated[list[str] | None, typer.Option(
        "--by", "-b", metavar="KEY", help="month, year, country, act, status, right, tag, actor, "
        "or a field path (location.region). Give two for a pivot: --by country --by year. "
        "Default: year.")] = None,
    since: SinceOpt = None, until: UntilOpt = None, country: CountryOpt = None, act: ActOpt = None,
    status: StatusOpt = None, tag: TagOpt = None, right: RightOpt = None, actor: ActorOpt = None,
    text: TextOpt = None, where: WhereOpt = None, public: PublicOpt = False, raw: RawOpt = False,
    format: Annotated[SummaryFormat, typer.Option(
        "--format", "-f", help="Output format.")] = SummaryFormat.table,
) -> None:
    """Count incidents by one key, or two for a pivot table.

    Counts incidents, not acts: an incident with an arrest and a charge counts
    once under each act type.  month and year take the start of the
    incident's date.  Incidents without a value count under (none).
    """
    from ledger.core.summary import count, resolve_keys
    from ledger.render import render

    session = _session()
    keys = resolve_keys(session.schema, by or ["year"])
    if public:
        rows = _select(session, public=public, since=since, until=until, country=country, act=act,
                       status=status, tag=tag, right=right, actor=actor, text=text, where=where)
        counted = count(rows, keys)
    else:
        from ledger import library as api

        # Counted in the cache's index when it holds the keys and the whole filter.
        found = api.select(session, _filter(session, since=since, until=until, country=country, act=act,
                                            status=status, tag=tag, right=right, actor=actor, text=text,
                                            where=where))
        _warn_unreadable(found)
        counted = found.count(keys)
    render("summary", format.value, counted, _out(), raw=raw)


# -- actors ---------------------------------------------------------------------

class ActorsFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def actors(
    since: SinceOpt = None, until: UntilOpt = None, country: CountryOpt = None, act: ActOpt = None,
    status: StatusOpt = None, tag: TagOpt = None, right: RightOpt = None, actor: ActorOpt = None,
    text: TextOpt = None, where: WhereOpt = None, public: PublicOpt = False,
    format: Annotated[ActorsFormat, typer.Option(
        "--format", "-f", help="Output format.")] = ActorsFormat.table,
) -> None:
    """Every actor across the ledger, with the incidents each appears in.

    Entries in different records are one actor when any of their names (name,
    or any script in names) match, ignoring case.  Filters select the
    incidents whose actors are listed.
    """
    from ledger.core.actors import merge
    from ledger.render import render

    session = _session()
    rows = _select(session, public=public, since=since, until=until, country=country, act=act,
                   status=status, tag=tag, right=right, actor=actor, text=text, where=where)
    render("actors", format.value, merge(rows), _out())


# -- export ---------------------------------------------------------------------

class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    json = "json"
    sqlite = "sqlite"


class ExportTable(str, Enum):
    incidents = "incidents"
    acts = "acts"
    actors = "actors"
    sources = "sources"


_EXPORT_SUFFIXES = {".csv": ExportFormat.csv, ".jsonl": ExportFormat.jsonl, ".ndjson": ExportFormat.jsonl,
                    ".json": ExportFormat.json, ".sqlite": ExportFormat.sqlite,
                    ".sqlite3": ExportFormat.sqlite, ".db": ExportFormat.sqlite}


@app.command()
def export(
    format: Annotated[ExportFormat | None, typer.Option(
        "--format", "-f", help="Output format (default: from the --output suffix, else jsonl).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout; "
        "required for sqlite.")] = None,
    table: Annotated[ExportTable | None, typer.Option(
        "--table", help="csv only: one row per incident (default), or per act, actor or source, "
        "keyed by incident_id.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    since: SinceOpt = None, until: UntilOpt = None, country: CountryOpt = None, act: ActOpt = None,
    status: StatusOpt = None, tag: TagOpt = None, right: RightOpt = None, actor: ActorOpt = None,
    text: TextOpt = None, where: WhereOpt = None, sort: SortOpt = None, limit: LimitOpt = None,
    public: PublicOpt = False, raw: RawOpt = False,
) -> None:
    """Export records for analysis or release: CSV, JSON Lines, JSON or SQLite.

    sqlite writes a normalised database (incidents, acts, act_actors, actors,
    actor_names, sources, interventions, tags, rights, related, meta) that
    opens in sqlite3, Datasette, DuckDB or pandas.  --public leaves out
    restricted and confidential records and every confidential actor and
    source.  An existing FILE is never replaced without --force.
    """
    import contextlib
    import datetime as dt

    from ledger.core.problems import UsageError
    from ledger.render import Output, render
    from ledger.render.export import Export
    from ledger.store import files as storage

    if output is not None and str(output) == "-":
        output = None
    fmt = format or (_EXPORT_SUFFIXES.get(output.suffix.lower()) if output else None) or ExportFormat.jsonl
    if table is not None and fmt is not ExportFormat.csv:
        raise UsageError("--table is for --format csv", hint="json, jsonl and sqlite hold every table")
    if fmt is ExportFormat.sqlite and output is None:
        raise UsageError("--format sqlite needs --output FILE", hint="e.g. --output ledger.sqlite")
    session = _session()

    def selected() -> Any:
        return _select(session, public=public, since=since, until=until, country=country, act=act,
                       status=status, tag=tag, right=right, actor=actor, text=text, where=where,
                       sort=sort, limit=limit)

    if fmt is ExportFormat.sqlite:
        from ledger import __version__
        from ledger.core.schema import SUPPORTED_VERSION
        from ledger.core.tables import write_sqlite

        assert output is not None
        meta = {"format_version": "1", "schema_version": str(SUPPORTED_VERSION),
                "schema_id": str(session.schema.document.get("$id", "")),
                "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "ledger_version": __version__, "public": "true" if public else "false"}
        with storage.sqlite_output(output, overwrite=force) as conn:
            written = write_sqlite(conn, selected(), meta, lambda m: _err(f"warning: {m}"))
        _err(f"exported {written} incident{'s' if written != 1 else ''} to {output}")
        return
    with (storage.open_output(output, overwrite=force) if output is not None
          else contextlib.nullcontext(None)) as stream:
        out = Output(stream=stream) if stream is not None else _out()
        result = Export(selected(), session.schema, (table or ExportTable.incidents).value, public)
        render("export", fmt.value, result, out, raw=raw)
    if output is not None:
        _err(f"exported to {output}")


# -- add / edit / init ------------------------------------------------------------

def _show_problems(problems: list[Any]) -> None:
    from ledger.render.problems import text_line

    for p in problems:
        _err(text_line(p))
        if p.hint:
            _err(f"    hint: {p.hint}")


def _io(ask: bool) -> Any:
    """How add/edit talk to the user: questions only when stdin is a terminal."""
    from ledger.editing.add import Io

    prompter = None
    if ask:
        from ledger.editing.terminal import TerminalPrompter

        prompter = TerminalPrompter()
    return Io(read_stdin=lambda limit: sys.stdin.read(limit), show=_show_problems, prompter=prompter)


def _report_saved(rid: str, rel: str, action: str, text: str, format: TextJson) -> None:
    from ledger.editing.save import Saved
    from ledger.render import render

    render("saved", format.value, Saved(rid, rel, action, text), _out())


@app.command()
def add(
    title: Annotated[str | None, typer.Option(metavar="TEXT", help="One line saying what happened.")] = None,
    date: Annotated[str | None, typer.Option(
        metavar="EDTF", help="When it happened, in EDTF: 2020-04-18; 2020-04 (sometime in April 2020); 2020; "
             "2020-04-18/2020-04-20 (an interval); 2020-04~ (about April); 2020-04-18? (uncertain).")] = None,
    date_text: Annotated[str | None, typer.Option(
        "--date-text", metavar="TEXT",
        help="The source's own words for the date: 'over the weekend'.")] = None,
    status: Annotated[str | None, typer.Option(
        metavar="STATUS", help="How well it is established (the schema's status vocabulary). "
             "Default: the schema's default for status (unknown), with a note on stderr.")] = None,
    country: Annotated[str | None, typer.Option(
        metavar="CODE", help="ISO 3166-1 alpha-2 country code, e.g. KZ.")] = None,
    region: Annotated[str | None, typer.Option(metavar="TEXT", help="Region, province or oblast.")] = None,
    place: Annotated[str | None, typer.Option(metavar="TEXT", help="City, town or site.")] = None,
    act: Annotated[list[str] | None, typer.Option(
        "--act", metavar="TYPE",
        help="What was done: an act type from the schema (arrest, charge, sentence, ...). "
             "Repeat for several acts.")] = None,
    victim: Annotated[list[str] | None, typer.Option(
        "--victim", metavar="NAME",
        help="Who it was done to. Becomes an actor (ref made from the name) and is named in "
             "every --act. Repeatable.")] = None,
    perpetrator: Annotated[list[str] | None, typer.Option(
        "--perpetrator", metavar="NAME",
        help="Who did it; like --victim, named in every --act. Repeatable.")] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", metavar="URL", help="Where it is reported (refs s1, s2, ...). Repeatable.")] = None,
    source_title: Annotated[list[str] | None, typer.Option(
        "--source-title", metavar="TEXT",
        help="Title of the source: the Nth --source-title describes the Nth --source "
             "(a source may have a title and no URL).")] = None,
    publisher: Annotated[list[str] | None, typer.Option(
        "--publisher", metavar="NAME", help="Publisher of the Nth --source.")] = None,
    published: Annotated[list[str] | None, typer.Option(
        "--published", metavar="YYYY-MM-DD", help="Publication date of the Nth --source.")] = None,
    source_type: Annotated[list[str] | None, typer.Option(
        "--source-type", metavar="TYPE",
        help="Type of the Nth --source (the schema's vocabulary: news-report, ngo-report, ...).")] = None,
    tag: Annotated[list[str] | None, typer.Option(
        "--tag", metavar="TAG", help="A free kebab-case label, e.g. covid-19. Repeatable.")] = None,
    right: Annotated[list[str] | None, typer.Option(
        "--right", metavar="RIGHT", help="A right affected (the schema's vocabulary). Repeatable.")] = None,
    related: Annotated[list[str] | None, typer.Option(
        "--related", metavar="ID", help="Id of a related incident in this ledger. Repeatable.")] = None,
    description: Annotated[str | None, typer.Option(metavar="TEXT", help="The narrative.")] = None,
    confidentiality: Annotated[str | None, typer.Option(
        metavar="LEVEL", help="public (the default when left out), restricted or confidential.")] = None,
    slug: Annotated[str | None, typer.Option(
        metavar="WORDS", help="Words for the id instead of the title (made ASCII and lower case).")] = None,
    from_: Annotated[str | None, typer.Option(
        "--from", metavar="FILE",
        help="Take the whole record from a YAML or JSON document; '-' reads standard input. "
             "id, schema_version, recorded and refs are filled in when missing.")] = None,
    edit: Annotated[bool, typer.Option(
        "--edit", help="Write the record in $VISUAL/$EDITOR, starting from a commented template "
                       "(with any flags given filled in).")] = False,
    no_input: Annotated[bool, typer.Option(
        "--no-input", help="Never ask questions (the default when stdin is not a terminal).")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check the record and print it; write nothing.")] = False,
    format: Annotated[TextJson, typer.Option(
        "--format", "-f", help="text: the new id alone on a line; json: id, path, action.")
    ] = TextJson.text,
) -> None:
    """Record a new incident.

    In a terminal, asks for each field in turn (Tab completes vocabulary
    values). Without a terminal, or with --no-input, the record comes from
    the flags, or from a YAML or JSON document (--from FILE, --from - or
    piped in). --edit opens $EDITOR on a commented template.

    The record is completed (schema_version, id, recorded, refs), checked as
    `ledger validate` would and written to incidents/<year>/<id>.yaml, never
    over an existing file. Prints the new id. A record with errors is not
    written: every problem is listed and the exit code is 1.
    """
    from ledger.editing import add as adding
    from ledger.editing import compose

    session = _session()
    fields = compose.Fields(
        title=title, date=date, date_text=date_text, status=status, country=country, region=region,
        place=place, description=description, confidentiality=confidentiality, acts=act or [],
        victims=victim or [], perpetrators=perpetrator or [], sources=source or [],
        source_titles=source_title or [], publishers=publisher or [], published=published or [],
        source_types=source_type or [], tags=tag or [], rights=right or [], related=related or [])
    terminal = sys.stdin.isatty()
    request = adding.Request(fields, slug=slug, document=from_, edit=edit,
                             interactive=terminal and not no_input, piped=not terminal, dry_run=dry_run)
    candidate = adding.add(session, request, _io(request.interactive))
    if dry_run and candidate.text:
        _report_saved(candidate.rid, candidate.rel, "checked", candidate.text, format)
    for note in candidate.notes:
        _err(f"note: {note}")
    _show_problems(candidate.problems)
    if not candidate.ok:
        _err("ledger: error: the record was not written"
             + (f" ({sum(p.is_error for p in candidate.problems)} errors)" if candidate.problems else ""))
        raise typer.Exit(ExitCode.INVALID)
    if not dry_run:
        _err(f"added {candidate.rel}")
        _report_saved(candidate.rid, candidate.rel, "added", candidate.text, format)


@app.command()
def edit(
    id: Annotated[str, typer.Argument(help="Incident id, or the start of one.",
                                      autocompletion=completion.ids)],
    format: Annotated[TextJson, typer.Option(
        "--format", "-f", help="text: the id alone on a line; json: id, path, action.")] = TextJson.text,
) -> None:
    """Edit a record in $VISUAL or $EDITOR (default vi).

    On save the record is checked as `ledger validate` would; if it has
    errors they are listed and, in a terminal, the editor can reopen with
    them at the top. A record that does not validate is never written
    (exit 1). Comments are kept and the layout made canonical. A record
    changed on disk while it was open is not overwritten.
    """
    from ledger.editing import edit as editing

    session = _session()
    change = editing.edit(session, id, _io(sys.stdin.isatty()))
    c = change.candidate
    _show_problems([p for p in c.problems if not p.is_error])
    _err(f"saved {c.rel}" if change.changed else f"no changes to {c.rel}")
    _report_saved(c.rid, c.rel, "updated" if change.changed else "unchanged", c.text, format)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(
        help="Folder for the new ledger; created when missing. Default: the current folder.")] = Path("."),
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """Create a new ledger, ready to use.

    Writes ledger.toml, schema/incident.schema.json (the default schema),
    incidents/, .gitignore, .pre-commit-config.yaml and
    .github/workflows/ledger.yml (validation, layout check and a change
    summary on pull requests), and runs `git init` unless the folder is
    already in a repository. Refuses (exit 1) a folder that is already a
    ledger; keeps an existing .gitignore or CI file rather than replace it.
    """
    from ledger.render import render
    from ledger.store import scaffold

    result = scaffold.init(folder)
    render("initialized", format.value, result, _out())
    where = "" if folder == Path(".") else f"cd {folder} && "
    _err(f"next: {where}ledger add")


# -- entry point ----------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    """Run the CLI; the one place where errors become messages and exit codes."""
    try:
        app(args=argv, prog_name="ledger")
    except LedgerError as exc:
        _err(f"ledger: error: {exc.message}")
        if exc.hint:
            _err(f"  hint: {exc.hint}")
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        _err("ledger: interrupted")
        sys.exit(130)
    except BrokenPipeError:
        # `ledger list | head`: the reader left; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:  # a bug in ledger, never the user's fault
        if os.environ.get("LEDGER_DEBUG"):
            raise
        _err(f"ledger: internal error: {type(exc).__name__}: {exc}")
        _err("  this is a bug in ledger; rerun with LEDGER_DEBUG=1 for details and report it")
        sys.exit(int(ExitCode.CANNOT_RUN))
