"""Templates are compiled once per process: a later app renders from the code an earlier one
compiled, and renders the same page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from jinja2 import Environment

from exchange.app import create_app
from exchange.http.compiled_templates import COMPILED_TEMPLATES

CSRF = re.compile(r'name="csrf_token" value="[^"]+"')


def another_app(database_url: str, tmp_path: Path) -> Flask:
    return create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "another"),
        }
    )


def sign_in_page(app: Flask) -> str:
    response = app.test_client().get("/sign-in", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    return CSRF.sub("", response.get_data(as_text=True))


class Compiles:
    """The names of the templates Jinja compiled since `watch()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str | None] = []
        self._monkeypatch = monkeypatch

    def watch(self) -> None:
        original = Environment.compile
        names = self.names

        def compile_and_note(self, source, name=None, filename=None, raw=False, defer_init=False):  # noqa: ANN001, ANN202
            names.append(name)
            return original(self, source, name, filename, raw, defer_init)

        self._monkeypatch.setattr(Environment, "compile", compile_and_note)


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> Compiles:
    """Start from an empty cache, and note what Jinja compiles once watched."""
    COMPILED_TEMPLATES.clear()
    return Compiles(monkeypatch)


def test_a_later_app_renders_what_an_earlier_one_compiled_without_compiling(
    app: Flask, database_url: str, tmp_path: Path, compiles: Compiles
) -> None:
    first = sign_in_page(app)
    compiles.watch()
    second = sign_in_page(another_app(database_url, tmp_path))
    assert compiles.names == []
    assert second == first


def test_with_nothing_compiled_yet_an_app_compiles_each_template_it_renders(
    app: Flask, compiles: Compiles
) -> None:
    compiles.watch()
    sign_in_page(app)
    assert "accounts/auth/sign_in.html" in compiles.names
