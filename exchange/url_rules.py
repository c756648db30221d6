"""URL rules whose builders are compiled once per process.

werkzeug turns every rule into two small Python functions that build its URLs, generating and
compiling source for each: most of what registering ~180 routes costs, every time an app is
built. Every app create_app builds has the same rules, and a builder depends only on the rule
(its text, parts, defaults and converters), so one compiled builder serves them all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar

from werkzeug.routing import Rule

Builder = Callable[..., tuple[str, str]]


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
