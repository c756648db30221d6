"""The JSON reader: a streaming cursor of its own, since the json module parses only whole texts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from exchange.catalog.ingest.cells import Opened, check_header, to_cell
from exchange.catalog.ingest.formats import UnreadableFile
from exchange.kernel import json_depth
from exchange.kernel.i18n import N_

JSON_CHUNK = 1 << 16
JSON_MAX_ITEM = 8 << 20  # characters; a single row larger than this is refused
JSON_MAX_COLUMNS = 10_000
JSON_WHITESPACE = re.compile(r"[ \t\r\n]*")
JSON_SHAPE = N_('The JSON must be an array of objects, or an object with a "data" array of them')
JSON_START = N_("The JSON is not valid near its start")


# JSON: an array of objects, or an object whose "data" member is one, parsed item by item.


def open_json(path: Path, stack: ExitStack) -> Opened:
    """Two streaming passes: the first collects every key, so rows may omit some."""
    keys: dict[str, None] = {}
    with path.open(encoding="utf-8-sig") as stream:
        for number, item in _json_objects(stream):
            keys.update(dict.fromkeys(item))
            if len(keys) > JSON_MAX_COLUMNS:
                raise UnreadableFile(
                    N_("Item %(item)s brings the keys past %(limit)s columns"),
                    item=number,
                    limit=JSON_MAX_COLUMNS,
                )
    if not keys:
        raise UnreadableFile(N_("The JSON holds no objects, so it has no columns"))
    columns = check_header(list(keys))
    stream = stack.enter_context(path.open(encoding="utf-8-sig"))
    return columns, (
        tuple(to_cell(item.get(name)) for name in columns) for _, item in _json_objects(stream)
    )


def _json_objects(stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, item in enumerate(_json_items(_JsonCursor(stream)), start=1):
        if not isinstance(item, dict):
            raise UnreadableFile(
                N_("Item %(item)s of the JSON array is not an object"), item=number
            )
        yield number, item


def _json_items(cursor: _JsonCursor) -> Iterator[object]:
    opening = cursor.peek()
    if opening == "[":
        cursor.advance()
        yield from _json_array(cursor)
        cursor.expect_end()
        return
    if opening != "{":
        raise UnreadableFile(JSON_SHAPE)
    cursor.advance()
    found = False
    while cursor.peek() != "}":
        key = cursor.value(0)
        if not isinstance(key, str) or cursor.peek() != ":":
            raise UnreadableFile(JSON_START)
        cursor.advance()
        if key == "data" and not found:
            if cursor.peek() != "[":
                raise UnreadableFile(JSON_SHAPE)
            cursor.advance()
            found = True
            yield from _json_array(cursor)
        else:
            cursor.value(0)
        if cursor.peek() == ",":
            cursor.advance()
        elif cursor.peek() != "}":
            raise UnreadableFile(JSON_START)
    cursor.advance()
    cursor.expect_end()
    if not found:
        raise UnreadableFile(JSON_SHAPE)


def _json_array(cursor: _JsonCursor) -> Iterator[object]:
    """The items of an array whose opening bracket has been read, up to its closing one."""
    number = 0
    if cursor.peek() == "]":
        cursor.advance()
        return
    while True:
        number += 1
        yield cursor.value(number)
        separator = cursor.peek()
        cursor.advance()
        if separator == "]":
            return
        if separator != ",":
            raise UnreadableFile(N_("The JSON is not valid after item %(item)s"), item=number)


class _JsonCursor:
    """A window onto a text stream that decodes one JSON value at a time."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._buffer = ""
        self._position = 0
        self._ended = False
        self._decoder = json.JSONDecoder()
        self._depth = 0  # nesting at the end of the text checked so far
        self._unchecked = ""  # a string still open at the end of the last chunk

    def peek(self) -> str:
        """The next character that is not whitespace, without consuming it; "" at the end."""
        while True:
            match = JSON_WHITESPACE.match(self._buffer, self._position)
            self._position = match.end() if match else self._position
            if self._position < len(self._buffer):
                return self._buffer[self._position]
            if not self._read_more():
                return ""

    def advance(self) -> None:
        """Consume the character `peek` returned."""
        self._position += 1

    def value(self, item: int) -> object:
        """Decode the next value, reading more of the stream while it is incomplete."""
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._position)
            except (ValueError, RecursionError):  # also too many digits, or nesting too deep
                end = -1
            # A value that fails, or a number that reaches the end of the buffer, may be cut short.
            if end != -1 and (end < len(self._buffer) or self._ended):
                self._position = end
                return value
            if len(self._buffer) - self._position > JSON_MAX_ITEM or not self._read_more():
                if end != -1:
                    self._position = end
                    return value
                if item:
                    raise UnreadableFile(N_("The JSON is not valid at item %(item)s"), item=item)
                raise UnreadableFile(JSON_START)

    def expect_end(self) -> None:
        """Refuse anything but whitespace after the document."""
        if self.peek():
            raise UnreadableFile(N_("The JSON has text after its end"))

    def _read_more(self) -> bool:
        if self._ended:
            return False
        pending = self._buffer[self._position :]
        try:
            chunk = self._stream.read(max(JSON_CHUNK, len(pending)))  # doubling keeps it linear
        except UnicodeDecodeError:
            raise UnreadableFile(N_("The JSON is not valid UTF-8 text")) from None
        if not chunk:
            self._ended = True
            return False
        self._check_depth(chunk)
        self._buffer = pending + chunk
        self._position = 0
        return True

    def _check_depth(self, chunk: str) -> None:
        """Refuse nesting deeper than json_depth.MAX_DEPTH before the decoder ever sees it."""
        text = self._unchecked + chunk
        if '"' in json_depth.STRING.sub("", text):  # a string runs on into the next chunk
            open_string = json_depth.OPEN_STRING.search(text)
            cut = open_string.start() if open_string else len(text)
            text, self._unchecked = text[:cut], text[cut:]
        else:
            self._unchecked = ""
        self._depth, reached = json_depth.deepest(text, self._depth)
        if reached > json_depth.MAX_DEPTH:
            raise UnreadableFile(
                N_("The JSON is nested deeper than %(limit)s levels"), limit=json_depth.MAX_DEPTH
            )
