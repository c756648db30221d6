"""The ledger's chain, built from config on first use and kept for the app's lifetime."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from contracts.anchoring import AnchorPolicy

if TYPE_CHECKING:
    from contracts.chain import Chain

_lock = threading.Lock()


class ChainNotConfigured(RuntimeError):
    """CHAIN=rpc without CHAIN_URL or CHAIN_PRIVATE_KEY."""


def build_chain(app: Flask) -> Chain:
    """The embedded py-evm chain under instance/, or a JSON-RPC node, as configured."""
    from contracts.chain import RpcChain  # web3 and py-evm load in about 1 s
    from contracts.embedded_chain import EmbeddedChain

    config = app.config
    if config["CHAIN"] == "rpc":
        if not config["CHAIN_URL"] or not config["CHAIN_PRIVATE_KEY"]:
            raise ChainNotConfigured(
                "CHAIN=rpc needs EXCHANGE_CHAIN_URL and EXCHANGE_CHAIN_PRIVATE_KEY"
            )
        return RpcChain(config["CHAIN_URL"], config["CHAIN_PRIVATE_KEY"])
    path = Path(config["CHAIN_PATH"] or Path(app.instance_path) / "chain.sqlite")
    return EmbeddedChain(path)


def chain_of(app: Flask | None = None) -> Chain:
    """The app's chain, built once (and not at all by apps that never touch the chain)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    with _lock:
        if "chain" not in app.extensions:
            app.extensions["chain"] = build_chain(app)
        return app.extensions["chain"]  # type: ignore[no-any-return]


def chain_or_none(app: Flask | None = None) -> Chain | None:
    """The chain for a check that can still say something without it (logged when missing)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        return chain_of(app)
    except Exception:  # noqa: BLE001 - a missing or broken chain must not break the page
        app.logger.warning("the chain could not be opened", exc_info=True)
        return None


def anchor_policy(app: Flask | None = None) -> AnchorPolicy:
    """How often and how much to anchor, from config."""
    config = (app or current_app).config
    return AnchorPolicy(
        batch_size=config["ANCHOR_BATCH_SIZE"],
        max_wait_seconds=config["ANCHOR_MAX_WAIT_SECONDS"],
        confirmations=config["ANCHOR_CONFIRMATIONS"],
        resend_seconds=config["ANCHOR_RESEND_SECONDS"],
    )
