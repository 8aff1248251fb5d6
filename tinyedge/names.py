"""Names from a model reach generated C only through these sanitizers."""

from __future__ import annotations

import re

C_KEYWORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "_Bool", "_Complex", "_Imaginary",
}


def c_identifier(name: str, fallback: str = "model") -> str:
    """A safe lower-case C identifier: [a-z0-9_], not starting with a digit, not a keyword."""
    s = re.sub(r"[^0-9a-zA-Z_]+", "_", name).strip("_").lower()
    s = re.sub(r"_+", "_", s)[:48].rstrip("_")
    if not s:
        s = fallback
    if s[0].isdigit():
        s = "m_" + s
    if s in C_KEYWORDS:
        s += "_"
    return s


def c_comment(text: str, limit: int = 80) -> str:
    """Text safe inside /* ... */: printable ASCII only, no comment delimiters, no line breaks."""
    s = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
    s = s.replace("*/", "* /").replace("/*", "/ *").replace("\\", "/")
    s = s.replace("??", "? ?")  # no trigraphs
    return s[:limit]


def c_string(text: str, limit: int = 120) -> str:
    """Text safe inside a C string literal (without the quotes)."""
    out = []
    for ch in text[:limit]:
        o = ord(ch)
        if ch in "\"\\":
            out.append("\\" + ch)
        elif 32 <= o < 127 and ch != "?":
            out.append(ch)
        else:
            out.append("?" if ch == "?" else "_")
    return "".join(out).replace("??", "?_")
