"""Configuration: defaults, then instance/config.py, then EXCHANGE_* environment variables."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

MODES = ("production", "demo", "test")
GENERATED_SECRETS = ("SECRET_KEY", "MASTER_KEY")


class ConfigurationError(RuntimeError):
    """The exchange cannot start with this configuration."""


class DefaultConfig:
    """Embedded defaults: SQLite under instance/, no chain, bank-transfer payments."""

    MODE = "production"
    SQLALCHEMY_DATABASE_URI = ""  # filled in from the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
    JSON_MAX_BYTES = 2 * 1024 * 1024  # any JSON body, even on a route that takes large uploads
    # How many reverse proxies stand in front (0: none); their X-Forwarded-For/-Proto/-Host are
    # believed only then, for HSTS over HTTPS and per-address throttling.
    TRUSTED_PROXIES = 0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE: bool | None = None  # None: secure in production, plain http in demo
    SESSION_COOKIE_NAME = "ganshu_session"
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # idle: a session unused this long is ended
    SESSION_ABSOLUTE_SECONDS = 12 * 3600  # a session is ended this long after sign-in, however used
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    TOKEN_LIFETIME_HOURS = 24 * 30
    # Growing delays (exchange/accounts/throttle.py): the first tier allows this many attempts
    # per window, each further tier twice the attempts over eight times the window. Counted per
    # account from one address, per account from addresses it never signed in from, failures
    # per address; the current password asked by a profile change counts like a sign-in.
    SIGNIN_MAX_FAILURES = 5
    SIGNIN_MAX_FAILURES_PER_ACCOUNT = 20
    SIGNIN_MAX_FAILURES_PER_ADDRESS = 30
    SIGNIN_WINDOW_SECONDS = 60
    REGISTRATIONS_PER_ADDRESS = 10
    REGISTRATION_WINDOW_SECONDS = 3600
    # Flask-Limiter's storage for those counts: memory (one process) or redis://host:port/n.
    RATELIMIT_STORAGE_URI = "memory://"
    # A storage that fails raises limits' StorageError, answered 503 (never an uncounted attempt).
    RATELIMIT_STORAGE_OPTIONS: dict[str, Any] = {"wrap_exceptions": True}
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_KEY_PREFIX = "ganshu"
    # The ledger's chain: "embedded" (py-evm in this process, state in instance/chain.sqlite)
    # or "rpc" (any JSON-RPC node at CHAIN_URL, signing with CHAIN_PRIVATE_KEY).
    CHAIN = "embedded"
    CHAIN_URL = ""
    CHAIN_PRIVATE_KEY = ""
    CHAIN_PATH = ""  # default: instance/chain.sqlite
    LEDGER_HASH = "sha256"  # or "sm3", the national-cryptography mode (fixed at the first entry)
    ANCHOR_BATCH_SIZE = 256
    ANCHOR_MAX_WAIT_SECONDS = 60
    ANCHOR_CONFIRMATIONS = 1
    ANCHOR_INTERVAL_SECONDS = 5  # how often the worker looks for a due batch
    # A sent anchor with no receipt after this long, its transaction forgotten by the node
    # (dropped), is re-sent with the same checkpoint; `flask ledger anchor --force` does it now.
    ANCHOR_RESEND_SECONDS = 120
    # /healthz reads "degraded" once the oldest unanchored entry is older than this: a batch
    # waits ANCHOR_MAX_WAIT_SECONDS (60) plus a worker interval (5) plus mining, and a dropped
    # anchor one ANCHOR_RESEND_SECONDS (120) more, so 300 s flags a stall, not a fresh demo.
    ANCHOR_STALE_SECONDS = 300
    # On SQLite a worker leads the singleton tasks (anchoring) by a lease row it renews before
    # each run; a killed leader is replaced after this long. Longer than a whole worker pass, so
    # a live leader is never taken over. PostgreSQL leads by an advisory lock and ignores this.
    WORKER_LEASE_SECONDS = 120
    # Data files: the encrypted object store (default instance/objects), the upload limit, the
    # cipher for new products ("aes-256-gcm", or "sm4-gcm" for national cryptography) and how
    # many rows the masked sample shows.
    OBJECT_STORE_PATH = ""
    UPLOAD_MAX_BYTES = 200 * 1024 * 1024
    CIPHER_MODE = "aes-256-gcm"
    SAMPLE_ROWS = 20
    # What reading one uploaded file may cost (exchange/catalog/ingest/limits.py): rows, columns,
    # the characters of one cell and of one row's text, what an archive (XLSX) or the cells' text
    # may unpack to, how much more than its packed size an archive part may unpack to, and seconds.
    UPLOAD_MAX_ROWS = 5_000_000
    UPLOAD_MAX_COLUMNS = 1_000
    UPLOAD_MAX_CELL_CHARS = 128 * 1024
    UPLOAD_MAX_ROW_CHARS = 4 * 1024 * 1024
    UPLOAD_MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024
    UPLOAD_MAX_COMPRESSION_RATIO = 100
    UPLOAD_MAX_SECONDS = 60
    # A file larger than this is stored at once and profiled by the worker (the version shows
    # "processing" meanwhile); a worker's claim on one lapses after UPLOAD_CLAIM_SECONDS.
    UPLOAD_INLINE_MAX_BYTES = 8 * 1024 * 1024
    UPLOAD_CLAIM_SECONDS = 300
    # The worker reads one file for at most this long (UPLOAD_MAX_SECONDS bounds a request's
    # read): less than the claim, so no second worker takes a file still being read.
    UPLOAD_WORKER_MAX_SECONDS = 240
    # Catalog answers and anonymous visitors' catalog pages may be this many seconds old (per
    # process). None: 10 s, except in test mode, where tests expect every change at once.
    CATALOG_CACHE_SECONDS: float | None = None
    PAGE_CACHE_SECONDS: float | None = None
    # Valuations: the licence-terms table (a .toml or .json path; empty: the documented default
    # shipped with pricing) and how many comparables the market approach weighs.
    PRICING_LICENCE_TABLE = ""
    VALUATION_COMPARABLES_K = 5
    # Rights registry: how long an application stands on public notice (None: 10 days, two
    # minutes in demo mode so a visitor sees a certificate issued) and the largest basis document.
    RIGHTS_NOTICE_SECONDS: float | None = None
    RIGHTS_DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
    # Trading: how long an offer stands unanswered, the exchange's fee on each trade (a fraction),
    # how many days a new contract gives the buyer to accept delivery or dispute it, and how long
    # a download link lives.
    NEGOTIATION_EXPIRY_HOURS = 72.0
    TRADE_FEE_RATE = "0.03"
    ACCEPTANCE_WINDOW_DAYS = 7
    DOWNLOAD_LINK_SECONDS = 600
    # The data API: calls one key may make (a Flask-Limiter rate, counted in its storage: Redis
    # where RATELIMIT_STORAGE_URI says so), and the bytes of source files whose buyers' copies
    # each process keeps read, so a call does not decrypt and mark the file again.
    DATA_API_RATE_LIMIT = "120/minute"
    DATA_API_CACHE_BYTES = 256 * 1024 * 1024
    DATA_API_USAGE_SECONDS = 300  # how often the worker summarises closed days into the ledger
    # Computation licences: what one sandboxed query may use (wall-clock seconds, memory and
    # DuckDB threads), and whether each process keeps one sandbox started ahead of the next
    # query (None: yes, except in test mode).
    COMPUTE_SECONDS = 30.0
    COMPUTE_MEMORY_BYTES = 2 * 1024 * 1024 * 1024
    COMPUTE_THREADS = 2
    COMPUTE_SPARE: bool | None = None
    # Payments: "bank_transfer" (the default; an operator confirms receipt) or "stripe". Stripe
    # needs its secret key and webhook signing secret; STRIPE_API_BASE points the SDK elsewhere
    # (tests use a local stand-in). The bank account buyers pay into:
    PAYMENT_GATEWAY = "bank_transfer"
    STRIPE_SECRET_KEY = ""
    STRIPE_WEBHOOK_SECRET = ""
    STRIPE_API_BASE = ""
    BANK_ACCOUNT_NAME = "江西赣数数据交易中心有限公司"
    BANK_NAME = "中国工商银行南昌分行营业部"
    BANK_ACCOUNT_NUMBER = "1502 2010 0900 0000 000"
    # Oversight: how far outside the valuation band a price raises an alert (a fraction of the
    # band), the window for circular trades, bursts of purchases or downloads by one buyer, how
    # far back each detection pass looks and how often the worker runs one, and the largest
    # suspect file a regulator may upload.
    OVERSIGHT_PRICE_DEVIATION = "0.5"
    OVERSIGHT_CIRCULAR_WINDOW_DAYS = 30
    OVERSIGHT_PURCHASE_BURST = 10
    OVERSIGHT_PURCHASE_BURST_SECONDS = 3600
    OVERSIGHT_DOWNLOAD_BURST = 50
    OVERSIGHT_DOWNLOAD_BURST_SECONDS = 3600
    OVERSIGHT_LOOKBACK_DAYS = 7
    OVERSIGHT_DETECT_SECONDS = 60
    OVERSIGHT_LEAK_MAX_BYTES = 50 * 1024 * 1024
    API_TITLE = "Ganshu Data Exchange API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/api/docs/assets/"


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Layer the configuration and refuse to start without the secrets production needs."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("EXCHANGE")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if overrides:
        app.config.update(overrides)
    mode = app.config["MODE"]
    if mode not in MODES:
        raise ConfigurationError(f"EXCHANGE_MODE must be one of {', '.join(MODES)}, not {mode!r}")
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = mode == "production"
    if mode == "test":
        app.config["TESTING"] = True
    for name in ("CATALOG_CACHE_SECONDS", "PAGE_CACHE_SECONDS"):
        if app.config[name] is None:
            app.config[name] = 0 if mode == "test" else 10
        app.config[name] = float(app.config[name])
    if app.config["RIGHTS_NOTICE_SECONDS"] is None:
        app.config["RIGHTS_NOTICE_SECONDS"] = 120 if mode == "demo" else 10 * 86400
    app.config["RIGHTS_NOTICE_SECONDS"] = float(app.config["RIGHTS_NOTICE_SECONDS"])
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(
        app.config["SQLALCHEMY_DATABASE_URI"], Path(app.instance_path)
    )
    _ensure_secrets(app, mode)


def database_url(url: str, instance: Path) -> str:
    """Default to SQLite in the instance folder and pick psycopg 3 for PostgreSQL URLs."""
    if not url:
        instance.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{instance / 'exchange.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _ensure_secrets(app: Flask, mode: str) -> None:
    missing = [name for name in GENERATED_SECRETS if not app.config.get(name)]
    if not missing:
        return
    if mode == "production":
        names = ", ".join(f"EXCHANGE_{name}" for name in missing)
        raise ConfigurationError(
            f"{names} must be set outside demo and test mode "
            "(environment or instance/config.py); refusing to start."
        )
    if mode == "test":
        for name in missing:
            app.config[name] = secrets.token_urlsafe(32)
        return
    app.config.update(_demo_secrets(Path(app.instance_path) / "secrets.json", missing))


def _demo_secrets(path: Path, names: list[str]) -> dict[str, str]:
    """Generate demo secrets once and keep them in the instance folder, never in git."""
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if all(name in stored for name in names):
        path.chmod(0o600)  # whoever copied the file in may have loosened it
        return {name: stored[name] for name in names}
    for name in names:
        stored.setdefault(name, secrets.token_urlsafe(32))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(stored, handle)
    return {name: stored[name] for name in names}
