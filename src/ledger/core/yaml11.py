"""Which text a YAML 1.1 reader would take for something other than text.

Records are read as YAML 1.2 (``country: NO`` is the text "NO"), but many
scripts read them with a YAML 1.1 library (PyYAML's ``safe_load``), where
``NO`` is false, ``on`` true, ``0123`` the octal 83, ``1:20`` the
sexagesimal 80 and ``2020-04-18 10:00:00`` a timestamp.  ``fmt`` quotes every
such text so each record reads the same under both.  The patterns are those
of the YAML 1.1 type repository (yaml.org/type, 2005) and PyYAML's resolver,
taken together: quoting a text one of them would misread costs nothing.
"""

from __future__ import annotations

import re

_KINDS = {
    # yaml.org/type/bool.html (PyYAML leaves out y/Y/n/N; the 1.1 spec has them)
    "bool": r"y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
    # yaml.org/type/null.html
    "null": r"~|null|Null|NULL|",
    # yaml.org/type/int.html: binary, octal (a leading 0), decimal, hex, base 60
    "int": (r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
            r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"),
    # yaml.org/type/float.html, with PyYAML's variants (no digit before the
    # dot, an unsigned exponent) and 1e3 as some 1.1 readers take it
    "float": (r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
              r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"),
    # yaml.org/type/timestamp.html
    "timestamp": (r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
                  r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
                  r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?"),
    # yaml.org/type/merge.html and value.html: PyYAML's safe loader refuses "="
    "other": r"<<|=",
}
_ANY = re.compile("|".join(f"(?:{rx})" for rx in _KINDS.values()))
# Every pattern above starts with one of these (or matches the empty text).
_FIRST = frozenset("yYnNtTfFoO~+-.0123456789<=")


def misread(text: str) -> bool:
    """Whether a YAML 1.1 reader would take this plain text for a non-text value."""
    if text and text[0] not in _FIRST:
        return False
    return _ANY.fullmatch(text) is not None
