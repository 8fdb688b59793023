"""Spec section 7, "Schemas are local": a ledger's schema cannot make ledger
fetch anything, loop, crash, or hang on a regular expression or a FIFO."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, invoke

SCHEMA = "schema/incident.schema.json"
EVIL = "a" * 40 + "!"  # against ^(a+)+$, about 2**40 steps for a backtracking engine


def schema_doc() -> dict[str, Any]:
    return json.loads((REPO / SCHEMA).read_text(encoding="utf-8"))


def write_schema(root: Path, doc: dict[str, Any]) -> None:
    (root / SCHEMA).write_text(json.dumps(doc, indent=2), encoding="utf-8")


def console(root: Path, *args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """The CLI in a child process, so that a regression (a hang) fails the test
    at the timeout instead of stalling the suite; prelude runs first."""
    code = (f"import sys\n{prelude}\nfrom ledger.cli.entry import main\n"
            f"sys.argv = ['ledger', '--ledger', {str(root)!r}, *{list(args)!r}]\nmain()\n")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env,
                          check=False)


def schema_problems(report: str) -> list[tuple[str, str]]:
    """(code, pointer) of the schema problems in a `validate --format json` report
    (the trimmed example ledger also has links to records it no longer holds)."""
    return [(p["code"], p["pointer"]) for p in json.loads(report)["problems"]
            if p["code"].startswith("schema-")]


# -- no network -----------------------------------------------------------------

@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 that would hand out a schema, and notes every request."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            body = b'{"type": "string"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/schema+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/x.json", requests
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("command", [["validate"], ["list"], ["validate", "--format", "json"]])
def test_a_remote_ref_is_refused_and_never_fetched(ledger_dir: Path, http_server: tuple[str, list[str]],
                                                   command: list[str]) -> None:
    url, requests = http_server
    doc = schema_doc()
    doc["properties"]["title"] = {"$ref": url}
    write_schema(ledger_dir, doc)
    result = invoke(["--ledger", str(ledger_dir), *command])
    assert result.exit_code == 3, result.stderr
    assert SCHEMA in result.stderr
    assert url in result.stderr
    assert "#/properties/title" in result.stderr
    assert "outside the schema file" in result.stderr
    assert "internal error" not in result.stderr
    assert requests == []


def test_a_ref_to_a_host_that_never_answers_returns_at_once(ledger_dir: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # connections complete in the backlog and are never answered
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/schema.json#/$defs/x"
        doc = schema_doc()
        doc["$defs"]["act"]["properties"]["type"] = {"$ref": url}
        write_schema(ledger_dir, doc)
        result = console(ledger_dir, "validate")
    assert result.returncode == 3, result.stderr
    assert url in result.stderr
    assert "#/$defs/act/properties/type" in result.stderr
    assert "never fetches" in result.stderr


def test_a_ref_to_another_file_is_refused_too(ledger_dir: Path) -> None:
    (ledger_dir / "schema" / "common.json").write_text('{"$defs": {"t": {"type": "string"}}}')
    doc = schema_doc()
    doc["properties"]["title"] = {"$ref": "common.json#/$defs/t"}
    write_schema(ledger_dir, doc)
    result = invoke(["--ledger", str(ledger_dir), "validate"])
    assert result.exit_code == 3
    assert "'common.json#/$defs/t' at #/properties/title points outside the schema file" in result.stderr
    assert "#/$defs/NAME" in result.stderr  # the hint says what to do instead


def test_refs_inside_the_file_still_work(ledger_dir: Path) -> None:
    doc = schema_doc()
    # By the file's own $id, and a recursive definition that descends into items.
    doc["properties"]["title"] = {"$ref": doc["$id"] + "#/$defs/line"}
    doc["$defs"]["line"] = {"type": "string", "pattern": "^[^\\n\\r]*$"}
    doc["$defs"]["tree"] = {"type": "array", "items": {"$ref": "#/$defs/tree"}}
    doc["properties"]["x-tree"] = {"$ref": "#/$defs/tree"}
    write_schema(ledger_dir, doc)
    result = invoke(["--ledger", str(ledger_dir), "validate"])
    assert result.exit_code == 0, result.stderr
    assert "8 files checked, no problems" in result.stdout


# -- refs that go nowhere or round in circles, malformed keywords -----------------

@pytest.mark.parametrize("command", [["validate"], ["list"], ["summary", "--by", "act"]])
def test_a_dangling_ref_is_a_broken_schema(ledger_dir: Path, command: list[str]) -> None:
    doc = schema_doc()
    doc["properties"]["title"] = {"$ref": "#/$defs/nowhere"}
    write_schema(ledger_dir, doc)
    result = invoke(["--ledger", str(ledger_dir), *command])
    assert result.exit_code == 3, result.stderr
    assert (f"{SCHEMA}: $ref '#/$defs/nowhere' at #/properties/title points nowhere in the schema file"
            in result.stderr)


def test_a_ref_loop_is_a_broken_schema(ledger_dir: Path) -> None:
    doc = schema_doc()
    doc["$defs"]["a"] = {"$ref": "#/$defs/b"}
    doc["$defs"]["b"] = {"allOf": [{"$ref": "#/$defs/a"}]}
    doc["properties"]["title"] = {"$ref": "#/$defs/a"}
    write_schema(ledger_dir, doc)
    for command in (["validate"], ["list"]):
        result = invoke(["--ledger", str(ledger_dir), *command])
        assert result.exit_code == 3, result.stderr
        assert "$ref loop" in result.stderr
        assert "#/$defs/a -> #/$defs/b -> #/$defs/b/allOf/0 -> #/$defs/a" in result.stderr


@pytest.mark.parametrize("command", [["validate"], ["list"], ["show", "2020-04-18-ilyashev"],
                                     ["add", "--no-input", "--title", "x", "--date", "2020",
                                      "--country", "KZ", "--act", "arrest", "--source", "https://x.org"]])
def test_properties_as_a_list_is_a_broken_schema(ledger_dir: Path, command: list[str]) -> None:
    doc = schema_doc()
    doc["properties"]["location"]["properties"] = []
    write_schema(ledger_dir, doc)
    result = invoke(["--ledger", str(ledger_dir), *command])
    assert result.exit_code == 3, result.stderr
    assert f"{SCHEMA}: broken schema at #/properties/location/properties:" in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize(("change", "where", "says"), [
    ({"type": "strin"}, "#/properties/title/type", "is not valid"),
    ({"type": "string", "pattern": "(unclosed"}, "#/properties/title/pattern", "regex"),
    ({"type": "string", "minLength": -1}, "#/properties/title/minLength", "-1"),
])
def test_malformed_keywords_are_located(ledger_dir: Path, change: dict[str, Any], where: str,
                                        says: str) -> None:
    doc = schema_doc()
    doc["properties"]["title"] = change
    write_schema(ledger_dir, doc)
    result = invoke(["--ledger", str(ledger_dir), "validate"])
    assert result.exit_code == 3, result.stderr
    assert f"{SCHEMA}: broken schema at {where}:" in result.stderr
    assert says in result.stderr


def test_unevaluated_properties_with_pattern_properties_is_refused(ledger_dir: Path) -> None:
    doc = schema_doc()
    doc["properties"]["location"]["patternProperties"] = {"^x-": {"type": "string"}}
    doc["properties"]["location"]["unevaluatedProperties"] = False
    write_schema(ledger_dir, doc)
    result = invoke(["--ledger", str(ledger_dir), "validate"])
    assert result.exit_code == 3
    assert "#/properties/location/unevaluatedProperties" in result.stderr


# -- patterns that would make a backtracking engine run for hours -----------------

@pytest.fixture
def evil_ledger(ledger_dir: Path) -> Path:
    doc = schema_doc()
    doc["properties"]["title"] = {"type": "string", "pattern": "^(a+)+$"}
    doc["properties"]["location"]["patternProperties"] = {"^(a+)+$": {"type": "string"}}
    write_schema(ledger_dir, doc)
    records = sorted((ledger_dir / "incidents").rglob("*.yaml"))
    for extra in records[1:]:
        extra.unlink()
    text = records[0].read_text(encoding="utf-8")
    lines = [f"title: {EVIL}" if line.startswith("title:") else line for line in text.splitlines()]
    records[0].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ledger_dir


@pytest.mark.parametrize("path", ["fast", "python"])
def test_a_catastrophic_pattern_answers(evil_ledger: Path, path: str) -> None:
    # "python": no yes/no from jsonschema-rs, so the Python validator decides alone.
    prelude = ("from ledger.core.schema import Schema\nSchema.is_valid = lambda self, data: None"
               if path == "python" else "")
    result = console(evil_ledger, "validate", "--format", "json", prelude=prelude)
    assert result.returncode == 1, result.stderr
    assert schema_problems(result.stdout) == [("schema-pattern", "/title")]


@pytest.mark.parametrize("path", ["fast", "python"])
def test_a_backreference_past_the_budget_is_reported_as_such(evil_ledger: Path, path: str) -> None:
    doc = schema_doc()
    doc["properties"]["title"] = {"type": "string", "pattern": "^((a|aa)*)\\1$"}
    write_schema(evil_ledger, doc)
    record = next((evil_ledger / "incidents").rglob("*.yaml"))
    record.write_text(record.read_text(encoding="utf-8").replace(EVIL, "a" * 3000 + "b"), encoding="utf-8")
    prelude = ("from ledger.core.schema import Schema\nSchema.is_valid = lambda self, data: None"
               if path == "python" else "")
    result = console(evil_ledger, "validate", "--format", "json", prelude=prelude)
    assert result.returncode == 1, result.stderr
    assert schema_problems(result.stdout) == [("schema-pattern", "/title")]
    assert "too long or intricate to check against its pattern" in result.stdout


def test_pattern_properties_and_additional_properties_use_the_safe_matcher(evil_ledger: Path) -> None:
    record = next((evil_ledger / "incidents").rglob("*.yaml"))
    text = record.read_text(encoding="utf-8").replace(f"title: {EVIL}", "title: aaaa")
    # location has additionalProperties: false; a key that nearly matches ^(a+)+$
    text = text.replace("location:\n", f"location:\n  {EVIL}: x\n", 1)
    record.write_text(text, encoding="utf-8")
    prelude = "from ledger.core.schema import Schema\nSchema.is_valid = lambda self, data: None"
    result = console(evil_ledger, "validate", "--format", "json", prelude=prelude)
    assert result.returncode == 1, result.stderr
    assert schema_problems(result.stdout) == [("schema-unknown-field", "/location/" + EVIL)]


def test_answers_being_typed_use_the_safe_matcher(evil_ledger: Path) -> None:
    from ledger.core import validate
    from ledger.store.session import load_schema

    schema = load_schema(evil_ledger / SCHEMA, SCHEMA)
    assert [p.code for p in validate.value_problems(("title",), EVIL, schema)] == ["schema-pattern"]
    assert validate.value_problems(("title",), "aaaa", schema) == []


def test_patterns_follow_json_schema_not_python() -> None:
    from ledger.core.patterns import search

    assert search("^(a+)+$", EVIL) is False
    assert search("^[^\\n\\r]*$", "one line\n") is False  # Python's $ would accept the newline
    assert search("^\\d+$", "١٢٣") is False  # ECMA-262 \d is ASCII
    # The default schema's evidence path pattern needs lookahead.
    file_pattern = schema_doc()["$defs"]["source"]["properties"]["file"]["pattern"]
    assert search(file_pattern, "evidence/letter.pdf") is True
    assert search(file_pattern, "../letter.pdf") is False


# -- files that are not files -----------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_as_schema_is_refused_without_blocking(ledger_dir: Path) -> None:
    schema = ledger_dir / SCHEMA
    schema.unlink()
    os.mkfifo(schema)
    result = console(ledger_dir, "validate")
    assert result.returncode == 3, result.stderr
    assert f"schema {SCHEMA} is not a regular file (a FIFO)" in result.stderr


def test_a_schema_symlinked_out_of_the_ledger_is_refused(ledger_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.json"
    outside.write_text((REPO / SCHEMA).read_text(encoding="utf-8"), encoding="utf-8")
    (ledger_dir / SCHEMA).unlink()
    (ledger_dir / SCHEMA).symlink_to(outside)
    result = invoke(["--ledger", str(ledger_dir), "validate"])
    assert result.exit_code == 3
    assert "the schema points outside the ledger" in result.stderr


@pytest.mark.parametrize("cwd", [False, True])
def test_a_ledger_toml_folder_is_an_error(ledger_dir: Path, cwd: bool) -> None:
    (ledger_dir / "ledger.toml").mkdir()
    args = ["validate"] if cwd else ["--ledger", str(ledger_dir), "validate"]
    result = invoke(args, cwd=ledger_dir / "incidents" if cwd else None)
    assert result.exit_code == 3, result.stderr
    assert "settings file ledger.toml is not a regular file (a folder)" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_ledger_toml_fifo_is_an_error(ledger_dir: Path) -> None:
    os.mkfifo(ledger_dir / "ledger.toml")
    result = console(ledger_dir, "list")
    assert result.returncode == 3, result.stderr
    assert "settings file ledger.toml is not a regular file (a FIFO)" in result.stderr


@pytest.mark.parametrize("value", ["2020-04-18", "2020-4-18", "2020-02-30", "２０２０-01-01", "a@b", "ab",
                                   "127.0.0.1", "127.0.0.256", "::1", "fe80::1%eth0", "not-ip",
                                   "123e4567-e89b-12d3-a456-426614174000", "123e4567e89b12d3a456426614174000",
                                   "^a+$", "(", "https://example.org/x", "http://exa mple.org", "/rel/ative"])
def test_fast_format_checks_agree_with_the_python_validator(value: str) -> None:
    """jsonschema-rs is handed stdlib twins of jsonschema's checks (so the fast
    path never imports jsonschema): they must give the same answers."""
    from ledger.core import formats

    slow = formats.checker()
    for name, fast in formats.fast_formats().items():
        if name == "edtf":
            continue
        assert fast(value) == slow.conforms(value, name), (name, value)
