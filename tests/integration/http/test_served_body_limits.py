"""Over a real socket: a stranger's huge body is answered before it is read, by a streaming
server (the app's own checks) and by waitress as `demo serve` runs it (its ceiling)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from waitress.server import create_server

from exchange.app import create_app
from exchange.http.request_limits import largest_body, waitress_options
from exchange.kernel.vocabulary import Role
from tests.catalog import person
from tests.serving import served

DECLARED = 300 * 1024 * 1024
CHUNK = b"a" * 65536


@pytest.fixture
def small_app(tmp_path) -> Flask:
    """No database is touched: every request here is refused before one would be."""
    megabyte = 1024 * 1024
    return create_app(
        {
            "MODE": "test",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.db'}",
            "UPLOAD_MAX_BYTES": megabyte,
            "OVERSIGHT_LEAK_MAX_BYTES": megabyte,
            "RIGHTS_DOCUMENT_MAX_BYTES": megabyte,
        }
    )


@contextmanager
def waitress_serving(app: Flask) -> Iterator[int]:
    server = create_server(app, host="127.0.0.1", port=0, **waitress_options(app))
    stop = threading.Event()

    def serve() -> None:
        """waitress's own loop, a turn at a time, so the server closes in its own thread."""
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)
        server.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        stop.set()
        thread.join()


def send_huge(port: int, path: str, content_type: str, extra: str = "") -> tuple[bytes, int]:
    """Declare 300 MB and send until the server answers; (the status line, bytes sent)."""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n{extra}"
        conn.sendall(f"{head}Content-Length: {DECLARED}\r\n\r\n".encode())
        conn.settimeout(0.01)
        sent, answer, deadline = 0, b"", time.monotonic() + 30
        while sent < DECLARED and time.monotonic() < deadline:
            try:
                answer += conn.recv(4096)
            except TimeoutError:
                pass
            except ConnectionResetError:
                break
            if b"\r\n" in answer:
                break
            try:
                sent += conn.send(CHUNK)
            except (TimeoutError, BlockingIOError):
                pass
            except (BrokenPipeError, ConnectionResetError):
                break
        return answer.split(b"\r\n", 1)[0], sent


UPLOAD = "/api/v1/products/1/versions"
MULTIPART = "multipart/form-data; boundary=x"


@pytest.mark.parametrize(
    ("path", "content_type", "status"),
    [
        (UPLOAD, MULTIPART, b"401"),  # an upload route: the token first
        ("/api/v1/auth/tokens", "application/json", b"413"),  # a public route: the body cap
        ("/sign-in", MULTIPART, b"413"),  # a page: the body cap before the form is read
        ("/vendor/products/new", MULTIPART, b"401"),  # an upload page: signed in first
    ],
)
def test_a_streaming_server_answers_a_stranger_before_reading_the_body(
    small_app, path, content_type, status
):
    with served(small_app) as port:
        status_line, sent = send_huge(port, path, content_type)
    assert status in status_line
    assert sent < 16 * 1024 * 1024  # socket buffers, not the body


def test_waitress_as_the_demo_runs_it_refuses_a_body_past_the_largest_route(small_app):
    assert largest_body(small_app) < 3 * 1024 * 1024
    with waitress_serving(small_app) as port:
        status_line, sent = send_huge(port, UPLOAD, MULTIPART)
    assert b"413" in status_line
    assert sent < 16 * 1024 * 1024


def send_huge_with(port: int, path: str, headers: dict[str, str]) -> tuple[bytes, int]:
    """send_huge with extra request headers (a bearer token)."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return send_huge(port, path, MULTIPART, extra)


def test_a_member_of_an_unverified_organisation_is_refused_before_the_body_is_read(app):
    stranger = person(app, (Role.VENDOR,), verified=False)
    with served(app) as port:
        status_line, sent = send_huge_with(port, UPLOAD, stranger.headers)
    assert b"403" in status_line
    assert sent < 16 * 1024 * 1024
