"""URL rules whose builders are compiled once per process, and ids that fit their columns.

werkzeug turns every rule into two small Python functions that build its URLs, generating and
compiling source for each: most of what registering ~180 routes costs, every time an app is
built. Every app create_app builds has the same rules, and a builder depends only on the rule
(its text, parts, defaults and converters), so one compiled builder serves them all.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, Rule

Builder = Callable[..., tuple[str, str]]
MAX_ID = 2**31 - 1  # PostgreSQL's integer, the type of every id column
LONG_NUMBER = re.compile(r"(?<=/)\d{10,}(?=/|$)")


class CompiledRule(Rule):
    """werkzeug's Rule, its URL builders kept per process (Flask's `url_rule_class`)."""

    _builders: ClassVar[dict[tuple[Any, ...], Builder]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def _builder_key(self, append_unknown: bool) -> tuple[Any, ...]:
        """Everything werkzeug reads when it generates a builder."""
        return (
            self.rule,
            tuple(self._trace),
            tuple(sorted((key, repr(value)) for key, value in (self.defaults or {}).items())),
            tuple(sorted((name, type(c).__qualname__) for name, c in self._converters.items())),
            append_unknown,
        )

    def _compile_builder(self, append_unknown: bool = True) -> Builder:
        """The builder werkzeug would generate, generated once for all equal rules."""
        key = self._builder_key(append_unknown)
        with self._lock:
            builder = self._builders.get(key)
        if builder is None:
            builder = super()._compile_builder(append_unknown)
            with self._lock:
                self._builders.setdefault(key, builder)
        return builder


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` up to the largest id a column holds: a larger number names nothing (404),
    where unbounded it reached the database and overflowed (SQLite stops at 2^63, PostgreSQL's
    integer columns at 2^31)."""

    def to_python(self, value: str) -> int:
        """The id, or 404 at once: werkzeug's own refusal (ValidationError) would let a sibling
        rule for another method answer 405 for a path that names nothing."""
        number = int(value)
        if number > MAX_ID:
            raise IdOutOfRange()
        return number


class IdOutOfRange(NotFound):
    """A path whose id is past every column: nothing is there (but a token route still asks
    for the token first, see exchange.http.request_limits)."""


def within_range(path: str) -> str:
    """The path with every id past the columns brought down to the largest one, to find which
    route it was addressed to."""
    return LONG_NUMBER.sub(lambda m: str(min(int(m.group()), MAX_ID)), path)
