"""Strings from the chain or from a file are data: the one place that makes them safe to show.

Anyone can put text on chain (a version's import profile, a token's ``symbol()``, a proposal's
description) and anyone can write a proposal file, so such text is never pasted as is into:

- **markdown** (proposal descriptions, rendered by Tally and others as CommonMark):
  :func:`md_text` backslash-escapes every ASCII punctuation character (so no emphasis, link,
  heading, list, HTML tag, ``<!--`` comment or entity can start) and :func:`md_code` puts a value
  in a code span whose fence is longer than any backtick run inside it. Both turn line breaks and
  other control characters into visible escapes, so a value stays on its line and cannot open a
  block (a heading, a list item, an HTML block) of its own.
- **the terminal**: :func:`term` replaces control characters (ESC sequences, carriage returns,
  bidi overrides, zero-width characters…) with visible ``\\xNN`` / ``\\uNNNN`` escapes.

No Ape import here: this module is used by the chain-free code as well.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "md_code",
    "md_raw_html_line",
    "md_text",
    "md_unescape",
    "safe_path_component",
    "symbol_key",
    "term",
    "visible",
]

#: Unicode categories that are never shown as such: controls (C0, DEL, C1), format characters
#: (bidi overrides, zero-width joiners…), line/paragraph separators, unassigned, surrogates.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cn", "Cs", "Co"}
#: ASCII punctuation that can start or end inline markup anywhere in a line (emphasis, code,
#: links and images, raw HTML / comments, entities, GFM tables and strikethrough, a closing
#: ``#`` sequence of a heading, math extensions). Other punctuation (``- + = . )``) matters only
#: at the start of a line and is escaped there.
_INLINE_PUNCTUATION = set("\\`*_[]<>&!|~#$^{}")
_LINE_START = re.compile(r"^([-+=]|\d{1,9}[.)])")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """``text`` with every control / format / separator character shown as an escape.

    Line breaks become ``\\x0a``; tabs ``\\x09``; ESC ``\\x1b``; a right-to-left override
    ``\\u202e``. Ordinary characters (letters of any script, punctuation, spaces) are kept.
    """
    return "".join(
        _escape_char(ch) if unicodedata.category(ch) in _HIDDEN_CATEGORIES else ch
        for ch in str(text)
    )


def term(text: object) -> str:
    """Safe to print on a terminal: no escape sequence, no line break, no invisible character."""
    return visible(str(text))


def md_text(text: object) -> str:
    """``text`` as literal CommonMark inline text (one line, no markup of its own).

    Every ASCII punctuation character that can start inline markup is backslash-escaped
    (an escaped character is always literal in CommonMark), so ``<!--``, ``<tag>``, ``&amp;``,
    ``**``, ``[x](y)``, ``#`` or a backtick cannot start anything; a leading list, heading or
    quote marker is escaped too; control characters become visible escapes first (so a value
    cannot break its line and open a block of its own).
    """
    value = "".join("\\" + ch if ch in _INLINE_PUNCTUATION else ch for ch in visible(str(text)))
    start = _LINE_START.match(value)
    if start:
        end = start.end() - 1
        value = value[:end] + "\\" + value[end:]
    return value


def md_unescape(text: str) -> str:
    """Undo :func:`md_text`'s backslash escapes (for showing a title in the terminal)."""
    return _ESCAPED.sub(r"\1", text)


def md_code(text: object) -> str:
    """``text`` as one CommonMark code span, shown verbatim whatever it contains.

    The fence is one backtick longer than the longest run of backticks in the value, and a
    space pads both sides when the value starts or ends with a backtick or a space (CommonMark
    strips exactly one such space on each side). Control characters become visible escapes, so
    the span stays on one line (a line break inside a span could otherwise start a new block).
    """
    value = visible(str(text))
    if value == "":
        return "` `"
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    if value.strip(" ") and (value[0] in "` " or value[-1] in "` "):
        value = f" {value} "
    return f"{fence}{value}{fence}"


def md_raw_html_line(markdown: str) -> int | None:
    """The 1-based line of the first raw HTML (block, tag or comment) in ``markdown`` as a
    CommonMark renderer parses it, or None. Code spans and blocks (``Vec<T>``) are not HTML."""
    from markdown_it import MarkdownIt

    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "html_block":
            return (token.map[0] + 1) if token.map else 1
        for child in token.children or []:
            if child.type == "html_inline":
                return (token.map[0] + 1) if token.map else 1
    return None


def symbol_key(symbol: str) -> str:
    """The form under which two token symbols are "the same" for a lookup.

    NFKC-normalised (full-width and compatibility look-alikes fold together), case-folded, and
    without control / format characters (zero-width spaces, bidi marks) or surrounding spaces, so
    ``mUSD``, ``MUSD``, ``ｍＵＳＤ`` and ``mUSD\\u200b`` all collide: a lookup by symbol that
    matches several tokens is refused rather than picking one.
    """  # noqa: RUF002 (the full-width look-alikes are the point of the example)
    folded = unicodedata.normalize("NFKC", str(symbol)).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch) not in _HIDDEN_CATEGORIES).strip()


_SAFE_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def safe_path_component(name: str) -> bool:
    """Whether ``name`` (e.g. a model name from the chain) may be used as one folder name."""
    return bool(_SAFE_COMPONENT.match(name)) and ".." not in name
