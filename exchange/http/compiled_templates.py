"""Templates compiled once per process, whichever app renders them first.

Every app create_app builds configures Jinja the same way, so the code a template compiles to is
the same for all of them; keeping it in memory spares each new app (a test's, a worker's) the
parse and compile, tens of milliseconds per template. A changed template has a new checksum
and is compiled again.
"""

from __future__ import annotations

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class CompiledTemplates(BytecodeCache):
    """Jinja's bytecode cache, held in this process's memory."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        """Give the bucket the code compiled earlier, if any (Jinja checks its checksum)."""
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep what Jinja just compiled."""
        self._compiled[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        """Forget every compiled template."""
        self._compiled.clear()


COMPILED_TEMPLATES = CompiledTemplates()
