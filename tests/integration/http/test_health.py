"""/healthz: the database's state and the chain's, as JSON."""

from __future__ import annotations

from exchange.app import create_app
from exchange.extensions import db


def test_healthz_reports_ok_with_the_database_reachable(client, database_url):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"


def test_healthz_names_the_database_dialect(client, database_url):
    expected = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    assert client.get("/healthz").get_json()["database"]["dialect"] == expected


def test_healthz_reports_the_embedded_chain_and_what_is_anchored(client):
    chain = client.get("/healthz").get_json()["chain"]
    assert chain["status"] == "ok" and chain["kind"] == "embedded"
    assert chain["chain_id"] > 0
    assert (chain["anchored_entries"], chain["pending_entries"]) == (0, 0)


def test_a_dead_chain_node_degrades_health_but_the_exchange_stays_ready(database_url, tmp_path):
    from tests.integration.chains import free_port

    app = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path),
            "CHAIN": "rpc",
            "CHAIN_URL": f"http://127.0.0.1:{free_port()}",
            "CHAIN_PRIVATE_KEY": "0x" + "11" * 32,
        }
    )
    response = app.test_client().get("/healthz")
    with app.app_context():
        db.engine.dispose()
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "degraded" and body["ready"] is True
    assert body["chain"] == {"status": "unavailable", "kind": "rpc"}


def test_healthz_needs_no_sign_in_and_sets_no_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_healthz_reports_unreachable_database_as_503(tmp_path):
    missing = tmp_path / "no-such-folder" / "exchange.db"
    app = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    response = app.test_client().get("/healthz")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["database"] == {"status": "unavailable"}
