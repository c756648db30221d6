"""Configuration layering, production secrets and demo secrets; apps are built, no database."""

from __future__ import annotations

import json
import os
import stat

import pytest
from argon2 import extract_parameters, profiles

from exchange.accounts.passwords import FULL_COST, hash_password
from exchange.app import create_app
from exchange.config import ConfigurationError, database_url


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No EXCHANGE_* or DATABASE_URL from the developer's shell; the instance folder is tmp."""
    for name in list(os.environ):
        if name.startswith("EXCHANGE_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("EXCHANGE_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture
def instance(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder


def write_instance_config(instance, text: str) -> None:
    (instance / "config.py").write_text(text)


def test_defaults_apply_without_any_configuration():
    app = create_app({"MODE": "test"})
    assert app.config["SIGNIN_MAX_FAILURES"] == 5
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_CN"
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    app = create_app({"MODE": "test"})
    expected = f"sqlite:///{tmp_path / 'instance' / 'exchange.db'}"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected


def test_instance_config_overrides_defaults(instance):
    write_instance_config(instance, "MODE = 'test'\nSIGNIN_MAX_FAILURES = 7\n")
    assert create_app().config["SIGNIN_MAX_FAILURES"] == 7


def test_instance_path_override_is_read_before_the_environment(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    write_instance_config(other, "MODE = 'test'\nSIGNIN_MAX_FAILURES = 11\n")
    app = create_app({"INSTANCE_PATH": str(other)})
    assert app.config["SIGNIN_MAX_FAILURES"] == 11


def test_environment_overrides_instance_config(instance, monkeypatch):
    write_instance_config(instance, "MODE = 'test'\nSIGNIN_MAX_FAILURES = 7\n")
    monkeypatch.setenv("EXCHANGE_SIGNIN_MAX_FAILURES", "9")
    assert create_app().config["SIGNIN_MAX_FAILURES"] == 9


def test_environment_strings_stay_strings(monkeypatch):
    monkeypatch.setenv("EXCHANGE_MODE", "test")
    monkeypatch.setenv("EXCHANGE_CHAIN_URL", "http://127.0.0.1:8545")
    assert create_app().config["CHAIN_URL"] == "http://127.0.0.1:8545"


def test_overrides_passed_to_create_app_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("EXCHANGE_SIGNIN_MAX_FAILURES", "9")
    app = create_app({"MODE": "test", "SIGNIN_MAX_FAILURES": 3})
    assert app.config["SIGNIN_MAX_FAILURES"] == 3


def test_database_url_environment_variable_is_used(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert create_app({"MODE": "test"}).config["SQLALCHEMY_DATABASE_URI"] == url


def test_database_url_environment_variable_wins_over_instance_config(instance, monkeypatch):
    write_instance_config(instance, "MODE = 'test'\nSQLALCHEMY_DATABASE_URI = 'sqlite:///a.db'\n")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///b.db")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///b.db"


def test_heroku_style_postgres_url_gets_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://ganshu:secret@db.example:5432/exchange")
    app = create_app({"MODE": "test"})
    expected = "postgresql+psycopg://ganshu:secret@db.example:5432/exchange"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////var/lib/ganshu.db", "sqlite:////var/lib/ganshu.db"),
    ],
)
def test_database_url_picks_psycopg_only_for_plain_postgres_schemes(given, expected, tmp_path):
    assert database_url(given, tmp_path) == expected


def test_production_is_the_default_mode(monkeypatch):
    monkeypatch.setenv("EXCHANGE_SECRET_KEY", "s" * 32)
    monkeypatch.setenv("EXCHANGE_MASTER_KEY", "m" * 32)
    app = create_app()
    assert app.config["MODE"] == "production"
    assert app.config["TESTING"] is False


def test_production_without_secret_key_refuses_to_start(monkeypatch):
    monkeypatch.setenv("EXCHANGE_MASTER_KEY", "m" * 32)
    with pytest.raises(ConfigurationError, match="EXCHANGE_SECRET_KEY") as caught:
        create_app()
    assert "EXCHANGE_MASTER_KEY" not in str(caught.value)


def test_production_without_master_key_refuses_to_start(monkeypatch):
    monkeypatch.setenv("EXCHANGE_MODE", "production")
    monkeypatch.setenv("EXCHANGE_SECRET_KEY", "s" * 32)
    with pytest.raises(ConfigurationError, match="EXCHANGE_MASTER_KEY") as caught:
        create_app()
    assert "EXCHANGE_SECRET_KEY" not in str(caught.value)


def test_production_without_either_secret_names_both():
    with pytest.raises(ConfigurationError) as caught:
        create_app()
    assert "EXCHANGE_SECRET_KEY" in str(caught.value)
    assert "EXCHANGE_MASTER_KEY" in str(caught.value)


def test_production_refusal_writes_no_secrets_file(instance):
    with pytest.raises(ConfigurationError):
        create_app()
    assert not (instance / "secrets.json").exists()


def test_production_accepts_secrets_from_instance_config(instance):
    write_instance_config(instance, "SECRET_KEY = 'from-file-s'\nMASTER_KEY = 'from-file-m'\n")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-file-s"
    assert app.config["MASTER_KEY"] == "from-file-m"


def test_production_session_cookie_is_secure(monkeypatch):
    monkeypatch.setenv("EXCHANGE_SECRET_KEY", "s" * 32)
    monkeypatch.setenv("EXCHANGE_MASTER_KEY", "m" * 32)
    assert create_app().config["SESSION_COOKIE_SECURE"] is True


def test_unknown_mode_refuses_to_start(monkeypatch):
    monkeypatch.setenv("EXCHANGE_MODE", "staging")
    with pytest.raises(ConfigurationError, match="staging"):
        create_app()


def test_demo_mode_generates_secrets_into_the_instance_folder(instance, monkeypatch):
    monkeypatch.setenv("EXCHANGE_MODE", "demo")
    app = create_app()
    stored = json.loads((instance / "secrets.json").read_text())
    assert stored["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert stored["MASTER_KEY"] == app.config["MASTER_KEY"]
    assert len(app.config["SECRET_KEY"]) >= 32
    assert app.config["SECRET_KEY"] != app.config["MASTER_KEY"]


def test_demo_secrets_file_is_readable_only_by_its_owner(instance, monkeypatch):
    monkeypatch.setenv("EXCHANGE_MODE", "demo")
    create_app()
    assert stat.S_IMODE((instance / "secrets.json").stat().st_mode) == 0o600


def test_demo_mode_reuses_the_stored_secrets(instance, monkeypatch):
    monkeypatch.setenv("EXCHANGE_MODE", "demo")
    first = create_app()
    written = (instance / "secrets.json").read_text()
    second = create_app()
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert second.config["MASTER_KEY"] == first.config["MASTER_KEY"]
    assert (instance / "secrets.json").read_text() == written


def test_demo_mode_keeps_a_configured_secret_and_generates_the_other(instance, monkeypatch):
    monkeypatch.setenv("EXCHANGE_MODE", "demo")
    monkeypatch.setenv("EXCHANGE_SECRET_KEY", "configured-secret")
    app = create_app()
    assert app.config["SECRET_KEY"] == "configured-secret"
    stored = json.loads((instance / "secrets.json").read_text())
    assert stored == {"MASTER_KEY": app.config["MASTER_KEY"]}


def test_demo_session_cookie_is_not_secure_for_plain_http(monkeypatch):
    monkeypatch.setenv("EXCHANGE_MODE", "demo")
    assert create_app().config["SESSION_COOKIE_SECURE"] is False


def test_test_mode_generates_secrets_without_writing_files(instance):
    app = create_app({"MODE": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"]
    assert app.config["MASTER_KEY"]
    assert list(instance.iterdir()) == []


def test_test_mode_secrets_are_ephemeral():
    first = create_app({"MODE": "test"})
    second = create_app({"MODE": "test"})
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    assert first.config["MASTER_KEY"] != second.config["MASTER_KEY"]


def test_test_mode_sets_testing():
    assert create_app({"MODE": "test"}).config["TESTING"] is True


@pytest.mark.parametrize("mode", ["production", "demo"])
def test_production_and_demo_hash_passwords_at_full_cost(mode, monkeypatch):
    monkeypatch.setenv("EXCHANGE_SECRET_KEY", "s" * 32)
    monkeypatch.setenv("EXCHANGE_MASTER_KEY", "m" * 32)
    create_app({"MODE": "test"})
    create_app({"MODE": mode})
    parameters = extract_parameters(hash_password("Copper-Ledger-2026"))
    assert parameters == FULL_COST
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (65536, 3, 4)


def test_test_mode_hashes_passwords_at_argon2s_cheapest_cost():
    create_app({"MODE": "test"})
    assert extract_parameters(hash_password("Copper-Ledger-2026")) == profiles.CHEAPEST
