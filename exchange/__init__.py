"""Ganshu Data Exchange (赣数交易): the marketplace; `exchange.app.create_app` builds it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
