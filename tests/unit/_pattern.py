"""Deterministic test bytes: the Python twin of ``pattern()`` in tests/reference/unixfs_cid.mjs.

The stream is made of 64 KiB pages; page k is a base page (depending on ``seed``) whose first 8
bytes are k as a little-endian u64. Cheap to make in both languages, and no two pages alike.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from functools import lru_cache

PAGE = 65536


@lru_cache(maxsize=8)
def base_page(seed: int) -> bytes:
    return bytes((i * i * 31 + i * 7 + seed * 101) % 251 for i in range(PAGE))


def pages(size: int, seed: int = 0) -> Iterator[bytes]:
    base = bytearray(base_page(seed))
    left = size
    k = 0
    while left > 0:
        struct.pack_into("<Q", base, 0, k)
        n = min(PAGE, left)
        yield bytes(base[:n])
        left -= n
        k += 1


def pattern_bytes(size: int, seed: int = 0) -> bytes:
    return b"".join(pages(size, seed))


class PatternStream(io.RawIOBase):
    """A readable binary stream of the pattern (no need to hold it in memory)."""

    def __init__(self, size: int, seed: int = 0) -> None:
        self._pages = pages(size, seed)
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        if not self._buf:
            self._buf = next(self._pages, b"")
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def write_pattern(path, size: int, seed: int = 0) -> None:  # type: ignore[no-untyped-def]
    with open(path, "wb") as f:
        for page in pages(size, seed):
            f.write(page)
