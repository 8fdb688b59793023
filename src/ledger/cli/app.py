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

from ledger.cli import completion
from ledger.core.problems import ExitCode, LedgerError
from ledger.version import __version__

# The order a new user meets the commands in, rather than the order of this file.
COMMAND_ORDER = ("init", "add", "edit", "set", "validate", "fmt", "list", "show", "summary", "actors",
                 "profile", "duplicates", "export", "import", "report", "diff", "log", "evidence", "verify",
                 "rename", "migrate")


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


def _ledger() -> Any:
    from ledger.library import Ledger

    return Ledger.open(state.ledger_dir)


def _session() -> Any:
    return _ledger().session


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
    from ledger.render import render
    from ledger.render.problems import Report
    from ledger.store import files as storage

    book = _ledger()
    files = storage.resolve_paths(book.session.layout, [str(p) for p in paths]) if paths else None
    verdict = book.verdict(files)
    report = Report(files=verdict.files, problems=verdict.problems, strict=strict,
                    path_prefix=_repo_prefix(book.root) if format in (
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
    from ledger.editing.reformat import reformat
    from ledger.render.neutral import dumps, line, terminal
    from ledger.store import files as storage

    session = _session()
    files = storage.resolve_paths(session.layout, [str(p) for p in paths]) if paths else None
    dry = check or diff
    done = reformat(session, files, dry=dry, diff=diff and format is TextJson.text)
    for p in done.failed:
        _err(f"{p.path}:{p.line}:{p.column}: error: {p.message} [{p.code}] (not formatted)")
    for rel, old, new in done.diffs:
        import difflib

        sys.stdout.writelines(map(terminal, difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True),
            fromfile=f"a/{line(rel)}", tofile=f"b/{line(rel)}")))
    verb = "would reformat" if dry else "reformatted"
    if format is TextJson.json:
        failed = [{"path": p.path, "line": p.line, "column": p.column, "code": p.code, "message": p.message}
                  for p in done.failed]
        sys.stdout.write(dumps({"version": 1, "files": done.files, "changed": done.changed,
                                "written": done.written, "problems": failed}, indent=2) + "\n")
    else:
        if check and not diff:
            for rel in done.changed:
                sys.stdout.write(f"{verb} {line(rel)}\n")
        elif not dry:
            for rel in done.changed:
                _err(f"{verb} {rel}")
        n = len(done.changed)
        _err(f"{n} file{'s' if n != 1 else ''} {verb}, {done.files - n - len(done.failed)} already canonical"
             + (f", {len(done.failed)} not parseable" if done.failed else ""))
    # Exit 1 after rewriting too (the pre-commit convention): the commit that
    # ran the hook must be redone with the reformatted files.
    if done.failed or done.changed:
        raise typer.Exit(ExitCode.INVALID)


# -- migrate --------------------------------------------------------------------

@app.command()
def migrate(
    to: Annotated[int | None, typer.Option(
        "--to", help="The schema version to reach (default: the newest).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Change nothing; print the unified diff of what would change.")] = False,
) -> None:
    """Upgrade every record and the ledger's schema to a newer schema version, in one step.

    Records are rewritten in the canonical layout, keeping comments; the
    schema keeps the team's own changes (vocabulary values, fields,
    descriptions). All files are written, or none; a second run changes nothing.
    """
    from ledger.editing import migrate as migration
    from ledger.render.neutral import line, terminal

    session = _session()
    planned = migration.plan(session, to)
    for p in planned.failed:
        _err(f"{p.path}:{p.line}:{p.column}: error: {p.message} [{p.code}] (not migrated)")
    if dry_run:
        sys.stdout.write(terminal(planned.diff()))
        _err(f"would change {len(planned.changes)} file(s) to schema version {planned.to}")
        raise typer.Exit(1 if planned.failed else 0)
    migration.apply(session, planned)
    for change in planned.changes:
        _err(f"{'created' if change.old is None else 'migrated'} {line(change.rel)}")
    _err(f"schema version {planned.to}: {len(planned.changes)} file(s) changed" if planned.changes
         else f"nothing to migrate: the ledger is at schema version {planned.to}")


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
    "--country", metavar="CODE", help="Country code (ISO 3166-1 alpha-2, any case) or name "
    "(Kazakhstan, Казахстан).",
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
    "--raw", help="csv and xlsx: write cells exactly as stored; without it, a cell starting with "
    "=, +, -, @, tab or CR gets a leading ' so a spreadsheet shows it as text, never a formula.")]


def _filter(session: Any, *, since: str | None, until: str | None, country: list[str] | None,
            act: list[str] | None, status: list[str] | None, tag: list[str] | None,
            right: list[str] | None, actor: list[str] | None, text: list[str] | None,
            where: list[str] | None) -> Any:
    from ledger.core import query

    return query.build_filter(session.schema, since=since, until=until, country=country or (),
                              act=act or (), status=status or (), tag=tag or (), right=right or (),
                              actor=actor or (), text=text or (), where=where or ())


def _select(book: Any, *, public: bool, since: str | None, until: str | None,
            country: list[str] | None, act: list[str] | None, status: list[str] | None,
            tag: list[str] | None, right: list[str] | None, actor: list[str] | None,
            text: list[str] | None, where: list[str] | None, sort: str | None = None,
            limit: int | None = None, ids_only: bool = False) -> Any:
    """The records the shared filter options select, as (path, record) rows
    (with ids_only, records may hold nothing but their id)."""
    from ledger.core import query

    flt = _filter(book.session, since=since, until=until, country=country, act=act, status=status, tag=tag,
                  right=right, actor=actor, text=text, where=where)
    order = query.parse_sort(book.schema, sort) if sort else None
    if public:
        view = book.public(flt, order, limit)
        _err(view.summary)
        return view.rows
    _warn_unreadable(book.unreadable)
    return book.select(flt, order, limit, ids_only=ids_only)


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

    rows = _select(_ledger(), public=public, since=since, until=until, country=country, act=act,
                   status=status, tag=tag, right=right, actor=actor, text=text, where=where,
                   sort=sort, limit=limit, ids_only=format is ListFormat.ids)
    render("records", format.value, rows, _out(), paths=not public, raw=raw)


def _warn_unreadable(bad: list[str]) -> None:
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
    from ledger.render import render

    book = _ledger()
    if public:
        view = book.public_record(id)
        _err(view.summary)
        row = view.rows[0]
    else:
        row = next(book.resolved([book.find(id)]))  # its actors' profile data shown with them
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
    from ledger.render import render

    book = _ledger()
    report = book.verify()
    _warn_unreadable(book.unreadable)
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
    incident's date, with every month or year from the first to the last
    (zeros included); an incident dated less precisely than the bucket counts
    apart, e.g. under 2020-XX ("2020, month unknown").  Incidents without a
    value count under (none).
    """
    from ledger.core.summary import count, resolve_keys
    from ledger.render import render

    book = _ledger()
    keys = resolve_keys(book.schema, by or ["year"])
    if public:
        rows = _select(book, public=public, since=since, until=until, country=country, act=act,
                       status=status, tag=tag, right=right, actor=actor, text=text, where=where)
        counted = count(rows, keys)
    else:
        _warn_unreadable(book.unreadable)
        counted = book.count(keys, _filter(book.session, since=since, until=until, country=country,
                                           act=act, status=status, tag=tag, right=right, actor=actor,
                                           text=text, where=where))
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

    book = _ledger()
    rows = _select(book, public=public, since=since, until=until, country=country, act=act,
                   status=status, tag=tag, right=right, actor=actor, text=text, where=where)
    filtered = any((since, until, country, act, status, tag, right, actor, text, where))
    found = merge(book.resolved(rows), book.profile_map(public=public))
    render("actors", format.value, [a for a in found if a.appearances or not filtered], _out())


@app.command()
def profile(
    name: Annotated[str, typer.Argument(
        help="A name (any spelling, any script) of an actor without a profile.")],
    id: Annotated[str | None, typer.Option(
        "--id", help="The new profile's id (default: from the name).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Change nothing; print the unified diff of what would change.")] = False,
) -> None:
    """Make an actor profile (actors/ID.yaml) from an inline actor, and link every
    record's matching actor to it, in one step (all files or none)."""
    from ledger.editing import profile as profiling
    from ledger.render.neutral import line, terminal

    session = _session()
    made = profiling.plan(session, name, id)
    if dry_run:
        sys.stdout.write(terminal(made.diff()))
        _err(f"would create actors/{made.id}.yaml and link {len(made.changes) - 1} record(s) to it")
        return
    profiling.apply(session, made)
    for change in made.changes:
        _err(f"{'created' if change.old is None else 'linked'} {line(change.rel)}")


# -- duplicates -----------------------------------------------------------------

class DuplicatesFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class DuplicatesKind(str, Enum):
    all = "all"
    incidents = "incidents"
    actors = "actors"


class Decision(str, Enum):
    duplicate = "duplicate"
    distinct = "distinct"


@app.command()
def duplicates(
    min_score: Annotated[float | None, typer.Option(
        "--min-score", metavar="SCORE", min=0.0, max=1.0,
        help="Show pairs scoring at least SCORE (0-1; default 0.6).")] = None,
    kind: Annotated[DuplicatesKind, typer.Option(
        "--kind", help="Pairs of incidents, of actors, or both.")] = DuplicatesKind.all,
    resolve: Annotated[tuple[str, str] | None, typer.Option(
        "--resolve", metavar="A B", help="Record a decision on a pair instead of listing: two incident "
        "ids, or two actors as INCIDENT-ID#REF (or a profile id). Needs --as.")] = None,
    as_: Annotated[Decision | None, typer.Option(
        "--as", help="duplicate: the later incident gets duplicate_of (actors: linked to one profile, "
        "or each other's name as an alias); distinct: never proposed again.")] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", metavar="ID",
        help="With --resolve on actors --as duplicate: the profile to link both to.")] = None,
    since: SinceOpt = None, until: UntilOpt = None, country: CountryOpt = None, act: ActOpt = None,
    status: StatusOpt = None, tag: TagOpt = None, right: RightOpt = None, actor: ActorOpt = None,
    text: TextOpt = None, where: WhereOpt = None, raw: RawOpt = False,
    format: Annotated[DuplicatesFormat, typer.Option(
        "--format", "-f", help="Output format.")] = DuplicatesFormat.table,
) -> None:
    """Pairs of incidents that may record one event, and of actors that may be one
    person, each with a score (0-1) and the evidence for it.

    Evidence: victims named alike in any script, transliteration or alias;
    overlapping dates; the same acts, place or source. Pairs already resolved
    (duplicate_of, related, distinct, one profile) are not listed. It only
    proposes: --resolve A B --as duplicate|distinct records a person's decision
    as an ordinary edit of the records.
    """
    from ledger.core.duplicates import DEFAULT_MIN_SCORE
    from ledger.render import render
    from ledger.render.duplicates import Found

    book = _ledger()
    if resolve is not None or as_ is not None:
        from ledger.editing import resolve as resolving

        if resolve is None or as_ is None:
            raise typer.BadParameter("--resolve A B and --as go together", param_hint="--resolve")
        done = resolving.resolve(book.session, resolve[0], resolve[1], as_.value, profile=profile)
        render("resolved", "json" if format is DuplicatesFormat.json else "text", done, _out())
        return
    flt = _filter(book.session, since=since, until=until, country=country, act=act, status=status, tag=tag,
                  right=right, actor=actor, text=text, where=where)
    _warn_unreadable(book.unreadable)
    score = DEFAULT_MIN_SCORE if min_score is None else min_score
    pairs = book.duplicates(flt, min_score=score, incidents=kind is not DuplicatesKind.actors,
                            actors=kind is not DuplicatesKind.incidents)
    render("duplicates", format.value, Found(pairs, score), _out(), raw=raw)


# -- export ---------------------------------------------------------------------

class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    json = "json"
    sqlite = "sqlite"
    xlsx = "xlsx"


class ExportTable(str, Enum):
    incidents = "incidents"
    acts = "acts"
    actors = "actors"
    sources = "sources"
    profiles = "profiles"


@app.command()
def export(
    format: Annotated[ExportFormat | None, typer.Option(
        "--format", "-f", help="Output format (default: from the --output suffix, else jsonl).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout; "
        "required for sqlite.")] = None,
    table: Annotated[ExportTable | None, typer.Option(
        "--table", help="csv only: one row per incident (default), or per act, actor or source, "
        "keyed by incident_id (xlsx holds each as a sheet).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    since: SinceOpt = None, until: UntilOpt = None, country: CountryOpt = None, act: ActOpt = None,
    status: StatusOpt = None, tag: TagOpt = None, right: RightOpt = None, actor: ActorOpt = None,
    text: TextOpt = None, where: WhereOpt = None, sort: SortOpt = None, limit: LimitOpt = None,
    public: PublicOpt = False, raw: RawOpt = False,
    allow_invalid: Annotated[bool, typer.Option(
        "--allow-invalid", help="With --public: export even while some records are invalid.")] = False,
) -> None:
    """Export records for analysis or release: CSV, XLSX, JSON Lines, JSON or SQLite.

    xlsx writes the CSV tables as sheets (incidents, acts, actors, sources),
    which `ledger import` reads back.
    sqlite writes a normalised database (incidents, acts, act_actors, actors,
    actor_names, sources, interventions, tags, rights, related, meta) that
    opens in sqlite3, Datasette, DuckDB or pandas.  --public leaves out
    restricted and confidential records and every confidential actor and
    source.  An existing FILE is never replaced without --force, and its
    folder must exist.  Invalid records are exported with a warning; --public
    refuses while any record is invalid, unless --allow-invalid.
    """
    import contextlib
    import datetime as dt

    from ledger import exporting
    from ledger.core.problems import UsageError
    from ledger.render import Output, render
    from ledger.render.export import Export
    from ledger.store import files as storage

    if output is not None and str(output) == "-":
        output = None
    if output is not None:
        exporting.check_destination(output)
    fmt = ExportFormat(exporting.choose_format(format.value if format else None, output))
    if table is not None and fmt is not ExportFormat.csv \
            and not (fmt is ExportFormat.jsonl and table is ExportTable.profiles):
        raise UsageError("--table is for --format csv (and --table profiles for jsonl)",
                         hint="json, xlsx and sqlite hold every table")
    if fmt in (ExportFormat.sqlite, ExportFormat.xlsx) and output is None:
        raise UsageError(f"--format {fmt.value} needs --output FILE",
                         hint=f"e.g. --output ledger.{fmt.value}")
    book = _ledger()
    session = book.session
    exporting.check_validity(book.check(), public=public, allow_invalid=allow_invalid, warn=_err)

    def selected() -> Any:
        return _select(book, public=public, since=since, until=until, country=country, act=act,
                       status=status, tag=tag, right=right, actor=actor, text=text, where=where,
                       sort=sort, limit=limit)

    if fmt is ExportFormat.sqlite:
        from ledger.core.schema import SUPPORTED_VERSION
        from ledger.core.tables import write_sqlite
        from ledger.version import __version__

        assert output is not None
        meta = {"format_version": "1", "schema_version": str(book.schema_version or SUPPORTED_VERSION),
                "schema_id": str(session.schema.document.get("$id", "")),
                "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "ledger_version": __version__, "public": "true" if public else "false"}
        with storage.sqlite_output(output, overwrite=force) as conn:
            written = write_sqlite(conn, selected(), meta, lambda m: _err(f"warning: {m}"),
                                   paths=not public, profiles=book.public_profiles() if public
                                   else book.profiles())
        _err(f"exported {written} incident{'s' if written != 1 else ''} to {output}")
        return
    if fmt is ExportFormat.xlsx:
        from ledger.render.export import write_xlsx

        assert output is not None
        with storage.output_file(output, overwrite=force) as tmp:
            write_xlsx(tmp, list(selected()), session.schema, public=public, raw=raw,
                       profiles=book.public_profiles() if public else book.profiles())
        _err(f"exported to {output}")
        return
    with (storage.open_output(output, overwrite=force) if output is not None
          else contextlib.nullcontext(None)) as stream:
        out = Output(stream=stream) if stream is not None else _out()
        from ledger.core.schema import SUPPORTED_VERSION

        result = Export(selected(), session.schema, (table or ExportTable.incidents).value, public,
                        book.public_profiles() if public else book.profiles(),
                        book.schema_version or SUPPORTED_VERSION)
        render("export", fmt.value, result, out, raw=raw)
    if output is not None:
        _err(f"exported to {output}")


@app.command()
def report(
    output: Annotated[Path, typer.Option(
        "--output", "-o", metavar="DIR", help="The folder to write the site into: new, empty, or an "
        "earlier report (replaced whole).")],
    force: Annotated[bool, typer.Option("--force", help="Replace DIR even if it holds something else.")
                     ] = False,
    since: SinceOpt = None, until: UntilOpt = None, country: CountryOpt = None, act: ActOpt = None,
    status: StatusOpt = None, tag: TagOpt = None, right: RightOpt = None, actor: ActorOpt = None,
    text: TextOpt = None, where: WhereOpt = None, public: PublicOpt = False,
    allow_invalid: Annotated[bool, typer.Option(
        "--allow-invalid", help="With --public: build even while some records are invalid.")] = False,
) -> None:
    """Write a static website of the ledger: overview, map, table, one page per incident.

    The site loads nothing from any other host (no fonts, scripts or map
    tiles from elsewhere), opens from a folder (file://) or any static host,
    and prints legibly.  Its figures are those of `ledger summary`.  --public
    builds it from the public release only and says what it withholds.
    """
    book = _ledger()
    flt = _filter(book.session, since=since, until=until, country=country, act=act, status=status,
                  tag=tag, right=right, actor=actor, text=text, where=where)
    criteria = [("--since", [since] if since else []), ("--until", [until] if until else []),
                ("--country", country or []), ("--act", act or []), ("--status", status or []),
                ("--tag", tag or []), ("--right", right or []), ("--actor", actor or []),
                ("--text", text or []), ("--where", where or [])]
    built = book.report(output, filter=flt, public=public, force=force, criteria=criteria,
                        allow_invalid=allow_invalid, warn=_err)
    if built.withheld is not None:
        _err(built.withheld.summary())
    _err(f"report of {built.incidents} incident{'s' if built.incidents != 1 else ''} written to {output} "
         f"({built.files} files); open {output / 'index.html'}")


# -- import ---------------------------------------------------------------------

class ImportFormat(str, Enum):
    table = "table"
    json = "json"


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE",
                                         help="A CSV, XLSX, JSON or JSONL file of incidents.")],
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", "-m", metavar="MAP.toml", help="Which column fills which field (see the README); "
        "with --init-mapping, the file to write it to.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what each row would do; write nothing.")
                       ] = False,
    skip_duplicates: Annotated[bool, typer.Option(
        "--skip-duplicates", help="Do not add a row that looks like an incident already recorded.")] = False,
    init_mapping: Annotated[bool, typer.Option(
        "--init-mapping", help="Write a starting mapping for FILE (to --mapping, else stdout).")] = False,
    format: Annotated[ImportFormat, typer.Option("--format", "-f", help="Output format.")
                      ] = ImportFormat.table,
) -> None:
    """Bring incidents in from a spreadsheet: one record per row.

    Every row is checked as `ledger validate` would before anything is
    written; a row that does not validate is reported as FILE:ROW:COLUMN and
    skipped (exit 1).  Importing the same file again changes nothing; a
    changed row updates only the fields the mapping fills.
    """
    from ledger.editing import importing
    from ledger.render import render
    from ledger.render.importing import diagnostics, summary

    session = _session()
    if init_mapping:
        text = importing.starting_mapping(session, file)
        if mapping is None:
            sys.stdout.write(text)
            return
        from ledger.store import files as storage

        with storage.open_output(mapping) as stream:
            stream.write(text)
        _err(f"wrote {mapping}; edit it, then: ledger import {file} --mapping {mapping} --dry-run")
        return
    if mapping is None:
        from ledger.core.problems import UsageError

        raise UsageError("give --mapping MAP.toml",
                         hint=f"`ledger import --init-mapping {file}` writes a start")
    report = importing.run(session, file, mapping, dry_run=dry_run, skip_duplicates=skip_duplicates)
    for message in diagnostics(report):
        _err(message)
    render("imported", format.value, report, _out())
    _err(summary(report))
    if not report.ok:
        raise typer.Exit(ExitCode.INVALID)


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
    draft: Annotated[str | None, typer.Argument(
        metavar="[DRAFT]", help="With --resume: the draft to continue (default: the latest).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue a draft kept when an earlier `ledger add` was interrupted or not "
                         "saved: the answers given so far, or the text from the editor.")] = False,
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
        metavar="CODE", help="ISO 3166-1 alpha-2 country code, e.g. KZ, or the country's name.",
        autocompletion=completion.vocabulary(("location", "country")))] = None,
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

    Nothing typed is lost: answers are kept as a draft while you go (and an
    editor text that does not validate, or a record you chose not to save),
    outside the ledger's files; `ledger add --resume` continues the latest.
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
    if draft is not None and not resume:
        raise typer.BadParameter("a draft name is given with --resume", param_hint="DRAFT")
    from ledger.editing import drafts

    terminal = sys.stdin.isatty()
    request = adding.Request(fields, slug=slug, document=from_, edit=edit,
                             interactive=terminal and not no_input, piped=not terminal, dry_run=dry_run,
                             resume=(draft or drafts.LATEST) if resume else None)
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
    (exit 1): the changes are kept as a draft (outside the ledger's files),
    and the next `ledger edit` of that record offers them. Comments are kept
    and the layout made canonical. A record changed on disk while it was
    open is not overwritten.
    """
    from ledger.editing import edit as editing

    session = _session()
    change = editing.edit(session, id, _io(sys.stdin.isatty()))
    c = change.candidate
    _show_problems([p for p in c.problems if not p.is_error])
    _err(f"saved {c.rel}" if change.changed else f"no changes to {c.rel}")
    _report_saved(c.rid, c.rel, "updated" if change.changed else "unchanged", c.text, format)


@app.command("set")
def set_(
    id: Annotated[str, typer.Argument(help="Incident id, or the start of one.",
                                      autocompletion=completion.ids)],
    assignments: Annotated[list[str], typer.Argument(
        metavar="FIELD=VALUE...",
        help="status=likely; tags+=covid-19 (add to a list); tags-=draft (remove from a list); "
             "location.place=Almaty; acts.0.outcome=fined (list items from 0); date_text= (remove).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and print the result; write nothing.")
                       ] = False,
    format: Annotated[TextJson, typer.Option(
        "--format", "-f", help="text: the id alone on a line; json: id, path, action.")] = TextJson.text,
) -> None:
    """Change fields of a record without an editor.

    Values are converted to the schema's type for the field. The result is
    checked as `ledger validate` would and written as `ledger edit` writes
    (canonical layout, comments kept); with errors nothing is written and
    the exit code is 1.
    """
    from ledger.editing import assign

    done = assign.assign(_session(), id, assignments, dry_run=dry_run)
    c = done.change.candidate
    for note in done.notes:
        _err(f"note: {note}")
    _show_problems(c.problems)
    if not c.ok:
        _err(f"ledger: error: {c.rel} does not validate with these changes; it was not changed")
        raise typer.Exit(ExitCode.INVALID)
    action = "checked" if dry_run else "updated" if done.change.changed else "unchanged"
    if not dry_run:
        _err(f"saved {c.rel}" if done.change.changed else f"no changes to {c.rel}")
    _report_saved(c.rid, c.rel, action, c.text, format)


@app.command()
def rename(
    old: Annotated[str, typer.Argument(metavar="OLD", help="The record's id now.",
                                       autocompletion=completion.ids)],
    new: Annotated[str, typer.Argument(metavar="NEW",
                                       help="Its new id: lower-case letters, digits and '-'.")],
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """Change a record's id: move its file (same folder) and rewrite every
    related / duplicate_of link to it, keeping comments, in one step.

    Exit 2 when NEW is not a valid id or is taken, 1 when the result would
    not validate (nothing is changed), 3 when a file cannot be written.
    """
    from ledger.editing import rename as renaming
    from ledger.render import render

    try:
        result = renaming.rename(_session(), old, new)
    except renaming.Refused as exc:
        _show_problems([p for p in exc.result.problems if p.is_error])
        raise
    _show_problems([p for p in result.problems if not p.is_error])
    for rel in result.skipped:
        _err(f"warning: {rel} mentions {result.old} but cannot be read as a record; it was not changed")
    render("renamed", format.value, result, _out())


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
        internal_error(exc)
        sys.exit(int(ExitCode.CANNOT_RUN))


def internal_error(exc: BaseException) -> None:
    """Report a bug in ledger.  The test suite watches this function (and the
    file $LEDGER_INTERNAL_ERRORS, for commands run as processes): any call
    fails the test that caused it, so no test passes over a crash."""
    _err(f"ledger: internal error: {type(exc).__name__}: {exc}")
    _err("  this is a bug in ledger; rerun with LEDGER_DEBUG=1 for details and report it")
    log = os.environ.get("LEDGER_INTERNAL_ERRORS")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{type(exc).__name__}: {exc}\n")
