"""A WSGI app behind a real threaded HTTP server on a loopback port, for tests that need sockets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server


@contextmanager
def served(app: Any) -> Iterator[int]:
    """Serve the app from a background thread; yields the port, and stops and closes after."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll interval so shutdown() returns at once instead of after half a second.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="test-server"
    )
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
