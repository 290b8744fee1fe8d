"""Decoding input bytes: one helper for every reader (text files, stdin, JSONL, CSV, uploads).

- A UTF-8 byte-order mark is dropped; UTF-16 and UTF-32 with a BOM are decoded.
- Invalid UTF-8 is replaced with U+FFFD, and the record that holds it gets a warning.
- Lines are read with a byte cap: a line longer than the cap is never held in memory whole. Its
  first ``cap`` bytes are kept, the rest is skipped, and the line is marked ``over_cap`` (the
  reader decides whether that is a warning or an error record).
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from typing import BinaryIO, Iterator

__all__ = ["Line", "read_lines", "decode_bytes", "sniff_encoding", "whole_chars", "buffered", "SKIP_CHUNK"]

SKIP_CHUNK = 1 << 16  # bytes read at a time while skipping the rest of an over-long line
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class Line:
    number: int  # 1-based
    text: str  # without the line ending; cut to the cap when ``over_cap``
    warning: str | None = None  # undecodable bytes were replaced
    over_cap: bool = False


def sniff_encoding(head: bytes) -> str:
    """``utf-8-sig``, ``utf-16`` or ``utf-32`` by byte-order mark, else ``utf-8``."""
    for bom, encoding in _BOMS:  # UTF-32 LE starts with the UTF-16 LE mark: test it first
        if head.startswith(bom):
            return encoding
    return "utf-8"


def decode_bytes(data: bytes, where: str = "", encoding: str | None = None) -> tuple[str, str | None]:
    """Text of ``data`` (in ``encoding``, else by its byte-order mark, else UTF-8) and a warning when
    bytes had to be replaced."""
    encoding = encoding or sniff_encoding(data[:4])
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as exc:
        name = "UTF-8" if encoding.startswith("utf-8") else encoding.upper()
        return data.decode(encoding, errors="replace"), (
            f"invalid {name} at byte {exc.start}{where}: undecodable bytes replaced with U+FFFD; "
            f"save the file as UTF-8 for exact results")


def buffered(raw: BinaryIO) -> io.BufferedReader:
    """``raw`` as a stream that can ``peek`` (wrapped when it cannot)."""
    return raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[return-value]


def read_lines(raw: BinaryIO, cap: int) -> Iterator[Line]:
    """The lines of a binary stream, decoded, each read at most ``cap`` bytes into memory."""
    raw = buffered(raw)
    encoding = sniff_encoding(raw.peek(4)[:4])
    if encoding in ("utf-16", "utf-32"):
        yield from _wide_lines(raw, encoding, cap)
        return
    if encoding == "utf-8-sig":
        raw.read(3)
    n = 0
    while True:
        data = raw.readline(cap + 2)  # the cap, and room for "\r\n"
        if not data:
            return
        n += 1
        content = data.rstrip(b"\r\n") if data.endswith(b"\n") else data
        over = len(content) > cap or (not data.endswith(b"\n") and len(data) == cap + 2)
        if over:
            content = whole_chars(content[:cap])
            if not data.endswith(b"\n"):
                while (rest := raw.readline(SKIP_CHUNK)) and not rest.endswith(b"\n"):
                    pass
        text, warning = decode_bytes(content, f" of line {n}", "utf-8")
        yield Line(n, text, warning, over)


def whole_chars(data: bytes) -> bytes:
    """``data`` without a UTF-8 character cut off at its end."""
    for k in range(1, min(4, len(data)) + 1):
        lead = data[-k]
        if lead & 0xC0 != 0x80:  # the first byte of the last character
            need = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
            return data if need <= k else data[:-k]
    return data


def _wide_lines(raw: BinaryIO, encoding: str, cap: int) -> Iterator[Line]:
    """Lines of a UTF-16/32 stream (with BOM): decoded by ``TextIOWrapper``, read ``cap`` characters at most."""
    text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="\n")  # lines end at "\n" only
    n = 0
    while line := text.readline(cap + 2):
        n += 1
        content = line.rstrip("\r\n") if line.endswith("\n") else line
        over = len(content) > cap or (not line.endswith("\n") and len(line) == cap + 2)
        if over:
            content = content[:cap]
            if not line.endswith("\n"):
                while (rest := text.readline(SKIP_CHUNK)) and not rest.endswith("\n"):
                    pass
        line = content
        warning = (f"invalid {encoding.upper()} in line {n}: undecodable bytes replaced with U+FFFD"
                   if "\ufffd" in line else None)
        yield Line(n, line, warning, over)
