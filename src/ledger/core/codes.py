"""What each problem code means: one sentence on the fault and one on the fix.

Codes are stable (scripts, SARIF ``ruleId`` and GitHub annotation titles
carry them); this catalogue gives SARIF rules their ``fullDescription`` and
``help``.  A code missing here still gets a generic explanation.
"""

from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    description: str
    help: str


CODES: dict[str, Code] = {
    # Reading the file
    "encoding": Code("The file is not valid UTF-8 text.", "Save the file as UTF-8."),
    "control-character": Code("The file holds raw control characters, so YAML cannot read it.",
                              "Save it as plain UTF-8 text; the file may be binary."),
    "tab": Code("A tab is used for indentation, which YAML does not allow.", "Indent with spaces."),
    "empty": Code("The file holds no record.", "Write the incident, or delete the file."),
    "yaml-syntax": Code("The file is not valid YAML.", "Fix the syntax at the line and column given."),
    "duplicate-key": Code("A key appears twice in one mapping.", "Merge the two entries into one."),
    "too-deep": Code("The record is nested too deeply to be an incident.",
                     "Flatten the structure; records are a few levels deep."),
    "unsafe-tag": Code("A YAML tag (!!python/..., !custom) asks for something other than plain data.",
                       "Remove the tag; records hold plain data only."),
    "multiple-documents": Code("The file holds more than one YAML document.",
                               "Split it into one file per incident."),
    "not-a-mapping": Code("The file's top level is not a mapping of fields.",
                          "A record is a mapping: 'key: value' lines at the top level."),
    "not-a-list": Code("A field that must be a list is not one.", "Write one '- item' per line."),
    "key-type": Code("A key is not text.", "Quote the key."),
    "bad-number": Code("A number cannot be read, or is NaN or infinity.",
                       "Write a plain number, or quote it."),
    "json-syntax": Code("The JSON given is not valid.", "Fix the syntax at the line and column given."),
    "json-value": Code("The JSON given holds a value records cannot hold.", "Use plain JSON data."),
    "file-too-large": Code("The file is over the size limit for a record.",
                           "Records are small text files; keep evidence in separate files."),
    "file-unreadable": Code("The file cannot be read.", "Check its permissions."),
    "file-not-regular": Code("The record path is a symlink out of the ledger, a FIFO, a socket or a device.",
                             "Replace it with a regular file inside the ledger."),
    # The schema
    "schema-required": Code("A required field is missing.", "Add the field named in the message."),
    "schema-unknown-field": Code("A field is not in the schema (often a misspelling).",
                                 "Rename it as the hint suggests, or add the field to schema/."),
    "schema-enum": Code("A value is not in the field's vocabulary.",
                        "Use one of the allowed values, or add the value to schema/."),
    "schema-const": Code("A field has a value other than the one it must have.", "Use the value named."),
    "schema-type": Code("A value has the wrong type (text, number, list, mapping).",
                        "Write it as the message says; quote years that should stay text."),
    "schema-format": Code("A value is not a valid date, EDTF date or URL.", "Write it in the form shown."),
    "schema-pattern": Code("A value does not have the required form.", "Write it as the hint shows."),
    "schema-min-items": Code("A list has too few items.", "Add the missing items."),
    "schema-min-length": Code("A text value is empty.", "Fill it in, or remove the field."),
    "schema-max-length": Code("A text value is too long.", "Shorten it."),
    "schema-unique-items": Code("A list holds the same value twice.", "Remove the repeat."),
    "schema-any-of": Code("A value matches none of the forms the schema allows.",
                          "A source needs a url, a title or a file."),
    "schema-minimum": Code("A number is below the allowed range.", "Use a number in range."),
    "schema-maximum": Code("A number is above the allowed range.", "Use a number in range."),
    "schema-property-names": Code("A key is not allowed here.", "Names are keyed by language code: en, ru."),
    # The ledger's own rules
    "id-mismatch": Code("The record's id differs from its file name.",
                        "Rename the file to <id>.yaml, or change the id."),
    "duplicate-id": Code("Two records have the same id.", "Give one of them a new id; ids are never reused."),
    "duplicate-ref": Code("Two actors or sources in one record share a ref.",
                          "Make refs unique in the record."),
    "unknown-actor": Code("An act names an actor ref that is not in actors.",
                          "Add the actor under actors, or fix the ref."),
    "unknown-incident": Code("related or duplicate_of names an incident id that does not exist.",
                             "Fix the id, or add the incident."),
    "self-reference": Code("A record links to itself.", "Remove the link."),
    "date-in-future": Code("A date lies in the future.", "Record events that have happened; check the year."),
    "date-outside-incident": Code("An act's date lies outside the incident's date.",
                                  "Widen the incident date to cover all its acts."),
    "confidential-name-in-text": Code("A confidential actor's name is in text that a public export keeps.",
                                      "Refer to the person without the name, or restrict the record."),
    "control-character-in-text": Code(
        "A text value holds a control, bidi or zero-width character, which can hide or reorder "
        "what a reader sees, or steer a terminal.",
        "Remove the character; ledger shows it escaped (e.g. \\x1b, \\u202e) wherever it prints the value."),
    # Evidence files
    "evidence-outside": Code("A source's file points outside the ledger.",
                                      "Keep evidence inside the ledger."),
    "evidence-missing": Code("A source's file does not exist.",
                             "Restore the file, or fix the path."),
    "evidence-unreadable": Code("A source's file cannot be read or is not a regular file.",
                                "Check the file and its permissions."),
    "evidence-mismatch": Code("A source's file no longer matches its recorded sha256.",
                              "The file changed after it was recorded: restore it, or record the new hash "
                              "if the change is known to be right."),
}


def describe(code: str) -> Code:
    """The catalogue entry, or a generic one for a code it does not list."""
    found = CODES.get(code)
    if found is not None:
        return found
    kind = "schema rule" if code.startswith("schema-") else "ledger check"
    return Code(f"A record fails the {kind} '{code}'.", "See the message for the field and the fix.")
