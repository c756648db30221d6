"""Server-rendered pages, one blueprint per area."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_login import current_user

from exchange.domain.vocabulary import REGIONS, ROLE_LABELS, VERIFICATION_LABELS, Role
from exchange.i18n import current_language, translate


def navigation() -> dict[str, Any]:
    """What the navigation bar offers this visitor: only what their roles may do."""
    if not current_user.is_authenticated:
        return {"signed_in": False}
    actor = current_user.actor
    return {
        "signed_in": True,
        "display_name": actor.display_name,
        "memberships": actor.memberships,
        "is_operator": actor.has_role(Role.OPERATOR),
        "is_regulator": actor.has_role(Role.REGULATOR),
    }


def init_web(app: Flask) -> None:
    """Register the page blueprints and what every template can read."""
    from exchange.web import account, auth, ledger, main, operator, organisations

    for module in (main, auth, account, organisations, operator, ledger):
        app.register_blueprint(module.bp)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "nav": navigation(),
            "current_locale": current_language(),
            "languages": current_app.config["LANGUAGES"],
            "region_labels": REGIONS,
            "role_labels": ROLE_LABELS,
            "verification_labels": VERIFICATION_LABELS,
            "region_choices": [(code, translate(label)) for code, label in REGIONS.items()],
            "self_service_roles": [
                (role.value, translate(ROLE_LABELS[role])) for role in (Role.VENDOR, Role.BUYER)
            ],
            "all_roles": [(role.value, translate(label)) for role, label in ROLE_LABELS.items()],
        }
