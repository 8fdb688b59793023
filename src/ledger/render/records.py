"""Lists of records (table, json, jsonl, csv, ids, yaml) and one record (show)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from ledger.core import model
from ledger.render import Output, register, text
from ledger.render.neutral import csv_row, dumps, line, terminal, yaml_quote, yaml_text

Rows = Iterable[tuple[str, dict[str, Any]]]


def _with_path(path: str, record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "path": path}


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
def render_csv(rows: Rows, out: Output, *, raw: bool = False, **_: Any) -> None:
    writer: Any = None
    for path, record in rows:
        row = model.flat_row(path, record)
        if writer is None:
            writer = csv.DictWriter(out.stream, fieldnames=list(row), lineterminator="\n")
            writer.writeheader()
        writer.writerow(row if raw else csv_row(row))
    if writer is None:
        out.write(",".join(model.flat_row("", {})) + "\n")


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
    from rich.table import Table
    from rich.text import Text

    console = out.console()
    width = console.width
    # Caps on the other columns leave the title room; on a narrow terminal an
    # interval folds at its slash ("2018-10-04/" over "2018-11-13").
    table = Table(show_lines=False, expand=False, pad_edge=False, header_style="bold")
    table.add_column("id", overflow="fold", min_width=12, max_width=max(12, width // 4))
    table.add_column("date", overflow="fold", min_width=11, max_width=11 if width < 120 else 23)
    table.add_column("country", no_wrap=True)
    table.add_column("acts", overflow="fold", max_width=max(10, width // 6))
    table.add_column("title", overflow="fold", ratio=1, min_width=12)
    count = 0
    for _path, record in rows:
        count += 1
        # The marker leads the title, where it is seen first and costs no column.
        title = _lock(record).append(line(str(record.get("title", ""))))
        table.add_row(text(record.get("id", "")), text(record.get("date", "")),
                      text(model.country(record)), text(", ".join(model.act_types(record))), title)
    console.print(table)
    console.print(Text(f"{count} incident{'s' if count != 1 else ''}", style="dim"))


# -- one record ---------------------------------------------------------------

@register("record", "json")
def render_record_json(row: tuple[str, dict[str, Any]], out: Output, **_: Any) -> None:
    out.write(dumps(_with_path(*row), indent=2) + "\n")


@register("record", "yaml")
def render_record_yaml(row: tuple[str, dict[str, Any]], out: Output, **_: Any) -> None:
    render_yaml([row], out)


@register("record", "text")
def render_record_text(row: tuple[str, dict[str, Any]], out: Output, **_: Any) -> None:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from ledger.core import edtf

    path, r = row
    console = out.console()
    head = Text()
    head.append(line(str(r.get("title", ""))), style="bold")
    head.append(f"\n{line(str(r.get('id', '')))}", style="dim")
    head.append(f"   {line(path)}", style="dim")
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    date = str(r.get("date", ""))
    try:
        when = f"{date}  ({edtf.parse(date).describe()})"
    except edtf.EdtfError:
        when = date
    if r.get("date_text"):
        when += f'  "{r["date_text"]}"'
    facts.add_row("when", text(when))
    facts.add_row("where", text(model.location_text(r)))
    facts.add_row("status", text(r.get("status", "")))
    level = r.get("confidentiality", "public")
    facts.add_row("confidentiality", text(level, style="bold red" if level != "public" else ""))
    for key in ("rights", "tags", "related"):
        if model.strings(r, key):
            facts.add_row(key, text(", ".join(model.strings(r, key))))
    if r.get("duplicate_of"):
        facts.add_row("duplicate of", text(r["duplicate_of"]))
    parts: list[Any] = [head, Text(""), facts]

    names = model.actor_names(r)
    acts = Table(title="acts", title_justify="left", show_edge=False, expand=True)
    for col in ("type", "date", "victims", "perpetrators", "outcome"):
        acts.add_column(col, overflow="fold")
    for act in model.items(r, "acts"):
        def who(role: str, act: dict[str, Any] = act) -> str:
            refs = act.get(role)
            return ", ".join(names.get(str(x), str(x)) for x in refs) if isinstance(refs, list) else ""
        acts.add_row(text(act.get("type", "")), text(act.get("date", "")),
                     text(who("victims")), text(who("perpetrators")),
                     text(act.get("outcome", act.get("legal_basis", ""))))
    parts += [Text(""), acts]

    actors = model.items(r, "actors")
    if actors:
        t = Table(title="actors", title_justify="left", show_edge=False, expand=True)
        for col in ("ref", "name", "other names", "kind", "role"):
            t.add_column(col, overflow="fold")
        for a in actors:
            other = a.get("names") if isinstance(a.get("names"), dict) else {}
            assert isinstance(other, dict)
            lock = " [confidential]" if a.get("confidential") else ""
            t.add_row(text(a.get("ref", "")), text(str(a.get("name", "")) + lock,
                                                  style="red" if lock else ""),
                      text("; ".join(f"{k}: {v}" for k, v in other.items())),
                      text(a.get("kind", "")),
                      text(", ".join(str(x) for x in (a.get("occupation"), a.get("affiliation")) if x)))
        parts += [Text(""), t]
    sources = model.items(r, "sources")
    if sources:
        t = Table(title="sources", title_justify="left", show_edge=False, expand=True)
        for col in ("ref", "source", "published", "type", "reliability"):
            t.add_column(col, overflow="fold")
        for s in sources:
            lock = " [confidential]" if s.get("confidential") else ""
            label = " — ".join(str(x) for x in (s.get("publisher"), s.get("title")) if x)
            link = s.get("url") or s.get("file") or ""
            t.add_row(text(s.get("ref", "")),
                      Text("\n".join(line(str(x)) for x in (label, link) if x) + lock),
                      text(s.get("published", "")), text(s.get("type", "")),
                      text(s.get("reliability", "")))
        parts += [Text(""), t]
    interventions = model.items(r, "interventions")
    if interventions:
        t = Table(title="interventions", title_justify="left", show_edge=False, expand=True)
        for col in ("type", "by", "to", "date"):
            t.add_column(col, overflow="fold")
        for iv in interventions:
            t.add_row(*(text(iv.get(k, "")) for k in ("type", "by", "to", "date")))
        parts += [Text(""), t]
    if r.get("description"):
        # Inside the panel every line starts with its border, so the narrative keeps its lines.
        parts += [Text(""), Text(terminal(str(r["description"]).rstrip()))]
    if isinstance(r.get("recorded"), dict):
        rec = r["recorded"]
        parts += [Text(f"\nrecorded by {line(str(rec.get('by', '?')))} on {line(str(rec.get('on', '?')))}",
                       style="dim")]
    console.print(Panel(Group(*parts), expand=True))
