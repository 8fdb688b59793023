"""Lists of records (table, json, jsonl, csv, ids, yaml) and one record (show)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from ledger.core import model
from ledger.render import Output, register
from ledger.render.neutral import csv_row, dumps, line, yaml_quote, yaml_text

Rows = Iterable[tuple[str, dict[str, Any]]]


def _with_path(path: str, record: dict[str, Any]) -> dict[str, Any]:
    # Rows of a public view have no path (redact.NO_PATH): then there is no key.
    return {**record, "path": path} if path else record


@register("records", "json")
def render_json(rows: Rows, out: Output, **_: Any) -> None:
    out.write("[")
    first = True
    for path, record in rows:
        out.write(("\n" if first else ",\n") + dumps(_with_path(path, record)))
        first = False
    out.write("\n]\n" if not first else "]\n")


@register("records", "jsonl")
def render_jsonl(rows: Rows, out: Output, **_: Any) -> None:
    for path, record in rows:
        out.write(dumps(_with_path(path, record)) + "\n")


@register("records", "ids")
def render_ids(rows: Rows, out: Output, **_: Any) -> None:
    for _path, record in rows:
        out.write(line(str(record.get("id", ""))) + "\n")  # one id per line, whatever a file holds


@register("records", "csv")
def render_csv(rows: Rows, out: Output, *, paths: bool = True, raw: bool = False, **_: Any) -> None:
    writer: Any = None
    for path, record in rows:
        row = model.flat_row(path, record)
        if writer is None:
            writer = csv.DictWriter(out.stream, fieldnames=list(row), lineterminator="\n")
            writer.writeheader()
        writer.writerow(row if raw else csv_row(row))
    if writer is None:
        out.write(",".join(model.flat_columns(paths=paths)) + "\n")


@register("records", "yaml")
def render_yaml(rows: Rows, out: Output, **_: Any) -> None:
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.Representer = _quoting_representer()
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 1 << 30
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # keep the stored key order
    for path, record in rows:
        text = io.StringIO()
        yaml.dump(_with_path(path, record), text)
        out.write("---\n" + yaml_text(text.getvalue()))


def _quoting_representer() -> Any:  # a ruamel representer class, made lazily
    """Strings that hold a line break, a hidden character or a workflow
    command are written double-quoted: one line, and escapable."""
    from ruamel.yaml.representer import SafeRepresenter

    class Quoting(SafeRepresenter):
        pass

    def represent_str(self: SafeRepresenter, data: str) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:str", data, style='"' if yaml_quote(data) else None)

    Quoting.add_representer(str, represent_str)
    return Quoting


def _lock(record: dict[str, Any]) -> Any:  # rich.text.Text, imported lazily
    """What a public release would do with the record, in plain words that
    survive NO_COLOR and copy-paste: withheld whole, or with parts removed."""
    from rich.text import Text

    from ledger.core import redact

    if not redact.is_public(record):
        return Text(f"🔒 {line(str(record.get('confidentiality')))}: ", style="bold red")
    parts = [f"{n} {kind[:-1] if n == 1 else kind}" for kind in ("actors", "sources")
             if (n := sum(map(redact.is_confidential, model.items(record, kind))))]
    return Text(f"🔒 confidential {' + '.join(parts)}: ", style="yellow") if parts else Text()


@register("records", "table")
def render_table(rows: Rows, out: Output, **_: Any) -> None:
    """A table that fits the terminal: ids and dates whole, long titles cut
    with an ellipsis; the least needed columns go first when it is narrow,
    and below that each incident becomes a block of lines."""
    from rich.text import Text

    from ledger.render.layout import cell_len

    console = out.console()
    width = console.width
    listed = []
    for _path, record in rows:
        # The marker leads the title, where it is seen first and costs no column.
        listed.append({"id": _text(record.get("id")), "date": _text(record.get("date")),
                       "country": _text(model.country(record)),
                       "acts": _text(", ".join(model.act_types(record))),
                       "title": _lock(record).append(_text(record.get("title")))})
    widths = {name: max([cell_len(name), *(cell_len(str(row[name])) for row in listed)])
              for name in ("id", "date", "country", "acts")}
    widths["acts"] = min(widths["acts"], max(10, width // 6))
    columns = _fitting_columns(widths, width)
    if columns is None:
        _print_blocks(console, listed)
    else:
        console.print(_table(listed, columns, widths, width))
    count = len(listed)
    console.print(Text(f"{count} incident{'s' if count != 1 else ''}", style="dim"))


# Below the last, a table would have to leave out the date: blocks keep everything.
_LAYOUTS = (("id", "date", "country", "acts"), ("id", "date", "country"), ("id", "date"))
_TITLE_MIN = 12
_COLUMN_GAP = 3  # padding on both sides and the separator


def _fitting_columns(widths: dict[str, int], width: int) -> tuple[str, ...] | None:
    """The widest layout whose fixed columns leave the title its minimum."""
    for columns in _LAYOUTS:
        if width - _fixed(widths, columns) >= max(_TITLE_MIN, width // 5):
            return columns
    return None


def _fixed(widths: dict[str, int], columns: tuple[str, ...]) -> int:
    return sum(widths[c] for c in columns) + _COLUMN_GAP * len(columns)


def _table(listed: list[dict[str, Any]], columns: tuple[str, ...], widths: dict[str, int],
           width: int) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ledger.render.layout import cell_len

    title_width = min(width - _fixed(widths, columns),
                      max([cell_len("title"), *(cell_len(row["title"].plain) for row in listed)]))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False, header_style="bold",
                  padding=(0, 1))
    for name in columns:
        # Ids and dates are copied and compared: never broken, never cut.
        table.add_column(name, no_wrap=True, overflow="ellipsis" if name == "acts" else "ignore",
                         width=widths[name])
    table.add_column("title", no_wrap=True, overflow="ellipsis", width=title_width)
    for row in listed:
        table.add_row(*(Text(row[c]) for c in columns), row["title"])
    return table


def _print_blocks(console: Any, listed: list[dict[str, Any]]) -> None:
    """Too narrow for a table: the id on a line of its own, the date, country
    and acts below it, then the title on one line cut with an ellipsis."""
    from rich.text import Text

    from ledger.render import layout

    lines: list[Any] = []
    for row in listed:
        facts = "  ".join(x for x in (row["date"], row["country"], row["acts"]) if x)
        title = Text("  ").append_text(row["title"])
        title.truncate(console.width, overflow="ellipsis")
        lines += [Text(row["id"], style="bold"),
                  *(Text("  ").append_text(t) for t in layout.wrap(console, facts, console.width - 2)),
                  title]
    layout.print_lines(console, lines)


# -- one record ---------------------------------------------------------------

@register("record", "json")
def render_record_json(row: tuple[str, dict[str, Any]], out: Output, **_: Any) -> None:
    out.write(dumps(_with_path(*row), indent=2) + "\n")


@register("record", "yaml")
def render_record_yaml(row: tuple[str, dict[str, Any]], out: Output, **_: Any) -> None:
    render_yaml([row], out)


@register("record", "text")
def render_record_text(row: tuple[str, dict[str, Any]], out: Output, **_: Any) -> None:
    """One record for reading: every value under the name of its field, in
    blocks that fit the terminal (ids, dates and URLs are never broken)."""
    from rich.text import Text

    from ledger.render import layout

    path, r = row
    console = out.console()
    lines: list[Any] = layout.heading_lines(console, _text(r.get("title")))
    lines += [Text(_text(r.get("id")), style="dim")]
    if path:  # rows of a public view have none
        lines += layout.wrap(console, path, console.width, style="dim")
    lines += [Text(""), *layout.fact_lines(console, _incident_facts(r))]
    names = model.actor_names(r)
    for title, items, facts_of in (
            ("acts", model.items(r, "acts"), lambda x: _act_facts(x, names)),
            ("actors", model.items(r, "actors"), lambda x: _actor_facts(x, r)),
            ("sources", model.items(r, "sources"), _source_facts),
            ("interventions", model.items(r, "interventions"), _intervention_facts)):
        if not items:
            continue
        lines += [Text(""), Text(f"{title} ({len(items)})", style="bold underline")]
        for n, item in enumerate(items, 1):
            head, facts = facts_of(item)
            lines += layout.heading_lines(console, f"{n}. {head}")
            lines += layout.fact_lines(console, facts, indent=3, label_width=12)
    if r.get("description"):
        # The narrative keeps its lines (neutralised by layout.wrap).
        lines += [Text(""), *layout.wrap(console, str(r["description"]).rstrip(), console.width)]
    if isinstance(r.get("recorded"), dict):
        rec = r["recorded"]
        by, on = _text(rec.get("by")) or "?", _text(model.recorded_date(r)) or "?"
        lines += [Text(""), *layout.wrap(console, f"recorded by {by} on {on}", console.width, style="dim")]
    layout.print_lines(console, lines)


def _text(value: Any) -> str:
    """A stored value as one line of neutral text (see ledger.render.neutral);
    lists (only in invalid records) joined."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return line(str(value))


def _quoted(value: Any) -> str:
    # A quote is one paragraph, however the YAML broke it: joined first, then made one neutral line.
    text = _text(" ".join(str(value).split())) if value is not None else ""
    return f"\u201c{text}\u201d" if text else ""


def _incident_facts(r: dict[str, Any]) -> list[Any]:
    from ledger.core import edtf
    from ledger.render.layout import Fact

    date = _text(r.get("date"))
    try:
        meaning = edtf.parse(date).describe()
    except edtf.EdtfError:
        meaning = ""
    level = _text(r.get("confidentiality")) or "public"
    facts = [Fact("date", date, whole=True), Fact("date means", meaning),
             Fact("date as told", _quoted(r.get("date_text"))),
             Fact("where", model.location_text(r)), Fact("status", _text(r.get("status"))),
             Fact("confidentiality", level, style="bold red" if level != "public" else "")]
    facts += [Fact(key, ", ".join(model.strings(r, key))) for key in ("rights", "tags")]
    facts.append(Fact("related", "\n".join(model.strings(r, "related")), whole=True))
    facts.append(Fact("duplicate of", _text(r.get("duplicate_of")), whole=True))
    return facts


def _act_facts(act: dict[str, Any], names: dict[str, str]) -> tuple[str, list[Any]]:
    from ledger.render.layout import Fact

    def who(role: str) -> str:
        refs = act.get(role)
        return ", ".join(names.get(str(x), str(x)) for x in refs) if isinstance(refs, list) else _text(refs)

    return _text(act.get("type")) or "(no type)", [
        Fact("date", _text(act.get("date")), whole=True),
        Fact("victims", who("victims")), Fact("perpetrators", who("perpetrators")),
        Fact("legal basis", _text(act.get("legal_basis"))), Fact("outcome", _text(act.get("outcome"))),
        Fact("description", _quoted(act.get("description")))]


def _actor_facts(actor: dict[str, Any], r: dict[str, Any]) -> tuple[str, list[Any]]:
    from ledger.render.layout import Fact

    other = actor.get("names") if isinstance(actor.get("names"), dict) else {}
    assert isinstance(other, dict)
    head = f"{_text(actor.get('name'))} ({_text(actor.get('ref'))})"
    if actor.get("confidential"):
        head += " [confidential]"
    return head, [
        Fact("other names", "; ".join(f"{k}: {_text(v)}" for k, v in other.items())),
        Fact("aliases", "; ".join(_text(v) for v in actor.get("aliases", ())
                                  if isinstance(actor.get("aliases"), list))),
        Fact("profile", _text(actor.get("profile"))),
        Fact("kind", _text(actor.get("kind"))), Fact("occupation", _text(actor.get("occupation"))),
        Fact("affiliation", _text(actor.get("affiliation"))),
        Fact("roles", _roles(str(actor.get("ref", "")), r))]


def _roles(ref: str, r: dict[str, Any]) -> str:
    """What the actor is in this record's acts, as `ledger actors` counts roles:
    "victim (arrest, charge); perpetrator (search)"."""
    found: dict[str, list[str]] = {}
    for act in model.items(r, "acts"):
        for role, noun in (("victims", "victim"), ("perpetrators", "perpetrator")):
            refs = act.get(role)
            if isinstance(refs, list) and ref in refs:
                found.setdefault(noun, []).append(_text(act.get("type")))
    return "; ".join(f"{noun} ({', '.join(dict.fromkeys(types))})" for noun, types in found.items())


def _source_facts(source: dict[str, Any]) -> tuple[str, list[Any]]:
    from ledger.render.layout import Fact

    label = " \u2014 ".join(_text(source.get(k)) for k in ("publisher", "title") if source.get(k))
    head = f"{label or '(untitled)'} ({_text(source.get('ref'))})"
    if source.get("confidential"):
        head += " [confidential]"
    return head, [
        Fact("url", _text(source.get("url")), whole=True),
        Fact("archived", _text(source.get("archived_url")), whole=True),
        Fact("file", _text(source.get("file")), whole=True),
        Fact("published", _text(source.get("published")), whole=True),
        Fact("type", _text(source.get("type"))), Fact("reliability", _text(source.get("reliability"))),
        Fact("language", _text(source.get("language")))]


def _intervention_facts(iv: dict[str, Any]) -> tuple[str, list[Any]]:
    from ledger.render.layout import Fact

    return _text(iv.get("type")) or "(no type)", [
        Fact("date", _text(iv.get("date")), whole=True), Fact("by", _text(iv.get("by"))),
        Fact("to", _text(iv.get("to"))), Fact("description", _quoted(iv.get("description")))]
