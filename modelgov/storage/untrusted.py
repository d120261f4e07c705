"""Text that came from a remote service, made safe to print on a terminal.

A pinning service, gateway or node may answer with any bytes: ANSI escape sequences could
rewrite what the user sees (fake "pinned" lines, hidden text). Every string from a service
that reaches a message or a table goes through :func:`clean` first.
"""

from __future__ import annotations

_REPLACEMENTS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def clean(value: object, limit: int = 300) -> str:
    """``value`` as one printable line: control characters (C0, DEL, C1, ESC, bidi controls)
    escaped as ``\\xNN``/``\\uNNNN``, cut to ``limit`` characters (``…`` marks a cut)."""
    text = value if isinstance(value, str) else str(value)
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0x200E <= code <= 0x200F or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
        if len(out) > limit:
            return "".join(out[:limit]) + "…"
    return "".join(out)
